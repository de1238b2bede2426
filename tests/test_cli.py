"""fastcore.cli: ``fastcore run``/``dev`` turn their flags into the server's Config options; APP as a
path is discovered as fastapi-cli does."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import urllib.request
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

import fastcore.server
from fastcore import cli
from fastcore._discover import DiscoveryError, looks_like_path, module_of
from fastcore.server.config import Config
from tests.serving import serve


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def run(app: str, **options: Any) -> int:
        seen.update(options, app=app)
        return 0

    monkeypatch.setattr(fastcore.server, "run", run)
    return seen


def test_every_config_option_has_a_flag() -> None:
    flagged = {name for _, name, _, _ in cli.RUN_OPTIONS}
    assert flagged == {f.name for f in fields(Config)} - {"app"}


def test_defaults_are_configs(captured: dict[str, Any]) -> None:
    assert cli.main(["run", "examples.app:app"]) == 0
    defaults = Config(app="examples.app:app")
    for f in fields(Config):
        assert captured[f.name] == getattr(defaults, f.name), f.name


def test_switches(captured: dict[str, Any]) -> None:
    argv = ["run", "examples.app:app", "--no-coalesce-writes", "--access-log", "--port", "9001"]
    assert cli.main(argv) == 0
    assert captured["coalesce_writes"] is False and captured["access_log"] is True
    assert captured["port"] == 9001


def test_ws_per_message_deflate_switch(captured: dict[str, Any]) -> None:
    assert cli.main(["run", "examples.app:app", "--no-ws-per-message-deflate"]) == 0
    assert captured["ws_per_message_deflate"] is False
    assert cli.main(["run", "examples.app:app", "--ws-per-message-deflate"]) == 0
    assert captured["ws_per_message_deflate"] is True


# -- APP as a path, discovered as fastapi-cli does -------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def write(base: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_text(textwrap.dedent(text))


def fastcore_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastcore", *argv], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def title_of(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    title: str = json.loads(result.stdout)["info"]["title"]
    return title


def test_module_names_follow_package_parents(tmp_path: Path) -> None:
    write(tmp_path, {"proj/pkg/__init__.py": "", "proj/pkg/sub/__init__.py": "", "proj/pkg/sub/api.py": "",
                     "loose/main.py": ""})
    proj = tmp_path / "proj"
    assert module_of(proj / "pkg/sub/api.py") == ("pkg.sub.api", proj, proj / "pkg")
    assert module_of(proj / "pkg/sub") == ("pkg.sub", proj, proj / "pkg")
    assert module_of(proj / "pkg/sub/__init__.py") == ("pkg.sub", proj, proj / "pkg")
    assert module_of(tmp_path / "loose/main.py") == ("main", tmp_path / "loose", tmp_path / "loose")
    for bad in ("loose", "proj/pkg/missing.py"):
        with pytest.raises(DiscoveryError):
            module_of(tmp_path / bad)


def test_import_strings_are_not_paths(tmp_path: Path) -> None:
    assert not looks_like_path("examples.app:app")
    assert not looks_like_path("app")  # the old form's error stays the server's ("module:attribute")
    assert looks_like_path("main.py") and looks_like_path("pkg/") and looks_like_path(str(tmp_path))


def test_app_then_api_then_the_only_instance(tmp_path: Path) -> None:
    write(tmp_path, {
        "first.py": """
            from fastcore import FastCore
            other = FastCore(title="other")
            api = FastCore(title="api")
            app = FastCore(title="app")
        """,
        "second.py": """
            from fastcore import FastAPI
            other = FastAPI(title="other")
            api = FastAPI(title="api")
            app = "not an app"
        """,
        "third.py": """
            from fastcore import FastCore
            application = FastCore(title="application")
        """,
        "real_fastapi.py": """
            from fastapi import FastAPI
            service = FastAPI(title="real")
        """,
    })
    assert title_of(fastcore_cli("openapi", "first.py", cwd=tmp_path)) == "app"
    assert title_of(fastcore_cli("openapi", "second.py", cwd=tmp_path)) == "api"
    assert title_of(fastcore_cli("openapi", "third.py", cwd=tmp_path)) == "application"
    assert title_of(fastcore_cli("openapi", "real_fastapi.py", cwd=tmp_path)) == "real"
    assert title_of(fastcore_cli("openapi", "first.py", "--app", "other", cwd=tmp_path)) == "other"


def test_discovery_errors_are_one_line(tmp_path: Path) -> None:
    write(tmp_path, {
        "none.py": "value = 1\n",
        "several.py": """
            from fastcore import FastCore
            one = FastCore()
            two = FastCore()
        """,
    })
    cases = [
        (("routes", "none.py"), "holds no FastCore/FastAPI app"),
        (("routes", "several.py"), "holds several apps (one, two); choose one with --app NAME"),
        (("routes", "several.py", "--app", "three"), "has no attribute 'three'"),
        (("routes", "none.py", "--app", "value"), "is not an ASGI app"),
        (("routes", "missing.py"), "path 'missing.py' does not exist"),
        (("routes", "examples.app:app", "--app", "app"), "--app NAME goes with a path"),
        (("routes",), "no path given"),
        (("run", "several.py", "--port", "0"), "holds several apps"),
    ]
    for argv, message in cases:
        result = fastcore_cli(*argv, cwd=tmp_path)
        assert result.returncode == 1, (argv, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], (argv, result.stderr)
        assert lines[0].startswith(f"fastcore {argv[0]}: error: ")


def test_default_path_is_fastapi_clis(tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "",
                     "app/main.py": "from fastcore import FastCore\napp = FastCore(title='m')\n"})
    assert title_of(fastcore_cli("openapi", cwd=tmp_path)) == "m"
    write(tmp_path, {"main.py": "from fastcore import FastCore\napp = FastCore(title='top')\n"})
    assert title_of(fastcore_cli("openapi", cwd=tmp_path)) == "top"


def test_dev_defaults(captured: dict[str, Any]) -> None:
    assert cli.main(["dev", "examples/app.py"]) == 0
    assert captured["app"] == "examples.app:app"
    assert captured["reload"] is True and captured["host"] == "127.0.0.1"
    assert captured["log_level"] == "debug"
    assert captured["reload_dirs"] == [str(ROOT / "examples")]
    assert cli.main(["dev", "examples.app:app", "--no-reload", "--log-level", "info"]) == 0
    assert captured["reload"] is False and captured["log_level"] == "info"
    assert captured["app"] == "examples.app:app" and captured["reload_dirs"] == []
    assert cli.main(["run", "examples/app.py"]) == 0
    assert captured["reload"] is False and captured["log_level"] == "info"


HELLO = """
from fastcore import FastCore
from helpers import GREETING

app = FastCore()


@app.get("/")
def hello() -> dict[str, str]:
    return {"greeting": GREETING}
"""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def test_run_serves_a_file_importing_its_neighbours(tmp_path: Path) -> None:
    # The file's folder goes on sys.path, so `from helpers import ...` works from any cwd.
    write(tmp_path, {"svc/main.py": HELLO, "svc/helpers.py": "GREETING = 'hi'\n"})
    with serve(str(tmp_path / "svc/main.py"), cwd=ROOT) as url:
        assert get_json(url + "/") == {"greeting": "hi"}


def test_dev_serves_a_package_and_reloads(tmp_path: Path) -> None:
    pkg_hello = HELLO.replace("from helpers import", "from .helpers import")
    write(tmp_path, {"pkg/__init__.py": "", "pkg/main.py": pkg_hello, "pkg/helpers.py": "GREETING = 'v1'\n"})
    # pkg/__init__.py has no app: point at the module inside the package folder.
    with serve("pkg/main.py", command="dev", cwd=tmp_path) as url:
        assert get_json(url + "/") == {"greeting": "v1"}
        (tmp_path / "pkg/helpers.py").write_text("GREETING = 'v2'\n")
        deadline = time.monotonic() + 30
        while True:
            try:
                if get_json(url + "/") == {"greeting": "v2"}:
                    break
            except OSError:
                pass  # the worker is restarting
            assert time.monotonic() < deadline, "no reload within 30 s"
            time.sleep(0.2)
