"""Lifespan: state reaches requests, startup failure stops the server, apps without lifespan run."""

import subprocess
import sys
from pathlib import Path

from .apps import failing_startup_app, no_lifespan_app
from .conftest import request, running

ROOT = Path(__file__).resolve().parents[2]


def test_startup_failure_stops_server_with_clear_message() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fastcore", "run", "tests.server.apps:failing_startup_app", "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=20,
    )
    assert proc.returncode == 3
    assert "database unreachable" in proc.stderr and "startup failed" in proc.stderr


def test_startup_failure_in_process() -> None:
    from fastcore.server import Config, Server

    server = Server(Config(app=failing_startup_app, port=0, log_level="critical"))
    server.install_signal_handlers = False
    assert server.run() == 3 and not server.addresses


def test_app_without_lifespan_still_serves() -> None:
    with running(no_lifespan_app) as (_, port):
        assert request(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")[2] == b"no lifespan"


def test_bad_import_string_exits_non_zero() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "fastcore", "run", "tests.server.apps:nope", "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=20,
    )
    assert proc.returncode != 0 and "nope" in proc.stderr
