"""The documentation pages in a real browser: Debian's headless Chromium loads ``/docs`` and ``/redoc``
of ``examples/app.py`` served by fastcore's own server over loopback, with every other host unreachable
(a dead proxy and a resolver that resolves nothing), and must render every operation — so the pages
work offline, from the ``docs`` extra's assets.  Skipped when ``chromium`` is not installed
(``apt-get install chromium``).  The screenshot is kept at ``build/test-artifacts/docs.png``.
"""

import importlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastcore.openapi.docs import local_assets_dir
from tests.serving import serve

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(local_assets_dir() is None, reason="the docs extra is not installed (offline UI)"),
]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve("examples.app:app") as url:
        yield url


def _chromium(url: str, tmp_path: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        # No network but loopback: every other host goes to a proxy that is not there, and resolves
        # to nothing.
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000",
        *extra,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _operations() -> int:
    document = importlib.import_module("examples.app").app.openapi()
    return sum(len(item) for item in document["paths"].values())


def test_swagger_ui_renders_every_operation_offline(base_url: str, tmp_path: Path) -> None:
    dom = _chromium(base_url + "/docs", tmp_path, "--dump-dom")
    assert 'src="/docs/static/swagger-ui-dist/swagger-ui-bundle.js"' in dom
    rendered = dom.count('class="opblock opblock-')
    assert rendered == _operations() == 4, dom[-3000:]
    for summary in ("Index", "List Items", "Read Item", "Stats"):
        assert summary in dom
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "docs.png"
    shot.unlink(missing_ok=True)
    _chromium(base_url + "/docs", tmp_path, f"--screenshot={shot}", "--window-size=1280,1600",
              "--hide-scrollbars")
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_redoc_renders_every_operation_offline(base_url: str, tmp_path: Path) -> None:
    dom = _chromium(base_url + "/redoc", tmp_path, "--dump-dom")
    assert 'src="/docs/static/redoc/bundles/redoc.standalone.js"' in dom
    for summary in ("Index", "List Items", "Read Item", "Stats"):
        assert summary in dom, summary
    # ReDoc gives each operation a section named after its operationId.
    document = importlib.import_module("examples.app").app.openapi()
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert set(re.findall(r'id="operation/([^"/]+)"', dom)) == ids, dom[-3000:]
