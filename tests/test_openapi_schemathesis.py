"""schemathesis against ``examples/app.py`` served by fastcore's own server over loopback.

Every operation of the published document is exercised by schemathesis's coverage, fuzzing and
stateful phases (a bounded number of examples, a fixed seed) with all of its checks: no 5xx, every
response conforms to its documented schema, status code, content type and headers, invalid input is
rejected and valid input accepted.  Skipped when schemathesis is not installed (it is in the ``test``
extra).
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import serve

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.skipif(importlib.util.find_spec("schemathesis") is None,
                       reason="schemathesis is not installed"),
]

MAX_EXAMPLES = 50


def test_examples_app_passes_schemathesis(tmp_path: Path) -> None:
    with serve("examples.app:app") as url:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
             "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "1",
             "--header", "x-api-key: secret", "--no-color"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "No issues found" in output, output[-6000:]
    assert re.search(r"Tested: 4\b", output), output[-3000:]
    generated = re.search(r"(\d+) generated, \1 passed", output)
    assert generated and int(generated.group(1)) > 100, output[-3000:]
