"""fastcore.cli: ``fastcore run`` turns its flags into the server's Config options."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

import fastcore.server
from fastcore import cli
from fastcore.server.config import Config


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
