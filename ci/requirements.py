"""Print, one per line, every requirement ci/install brings in: fastcore's dependencies, the extras
CI installs (ci/install's EXTRAS) and the build tools of pyproject's [build-system].  ci/lock
resolves these to pins."""

import sys
from pathlib import Path

import tomllib

EXTRAS = ("test", "lint", "bench", "server", "docs")

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
lines = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
for extra in EXTRAS:
    lines.extend(project["project"]["optional-dependencies"][extra])
sys.stdout.write("".join(f"{line}\n" for line in dict.fromkeys(lines)))
