"""MkDocs hook: include README.md's marked sections in the site, so README stays their one source.

A page line ``{{ readme:NAME }}`` is replaced by the README text between
``<!-- --8<-- [start:NAME] -->`` and ``<!-- --8<-- [end:NAME] -->`` (the markers of
pymdownx.snippets, which includes the ``docs_src/`` examples).  The hook, not the snippets extension,
does it for README because README's links are relative to the repository root (``docs/bench.png``)
and a page's are relative to ``docs/``: the hook rewrites them before MkDocs checks them.  A missing
section is an error, so ``mkdocs build --strict`` fails rather than publishing an empty page.
"""

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r"^\{\{ readme:([a-z][-a-z0-9]*) \}\}$", re.MULTILINE)


def readme_section(name: str, readme: str) -> str:
    start, end = f"<!-- --8<-- [start:{name}] -->\n", f"<!-- --8<-- [end:{name}] -->\n"
    if readme.count(start) != 1 or readme.count(end) != 1:
        raise ValueError(f"README.md has no single section {name!r} ({start.strip()} ... {end.strip()})")
    text = readme[readme.index(start) + len(start) : readme.index(end)]
    # README sits at the root, the pages under docs/: docs/x.png there is x.png here.
    return re.sub(r"\]\(docs/", "](", text).strip("\n")


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    if "{{ readme:" not in markdown:
        return markdown
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return INCLUDE.sub(lambda m: readme_section(m.group(1), readme), markdown)
