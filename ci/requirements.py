"""Print, one per line, every requirement ci/lock pins: fastcore's dependencies, the extras in EXTRAS
(ci/install installs all but "peers", the benchmark's optional other frameworks) and the build tools
of pyproject's [build-system]."""

import sys
from pathlib import Path

import tomllib

EXTRAS = ("test", "lint", "bench", "server", "docs", "site", "otel", "example", "peers")

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
lines = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
for extra in EXTRAS:
    lines.extend(project["project"]["optional-dependencies"][extra])
sys.stdout.write("".join(f"{line}\n" for line in dict.fromkeys(lines)))
