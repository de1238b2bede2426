"""``python -m benchmarks micro`` builds every case, checks its answers and reports (not its speed)."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

micro = pytest.importorskip("benchmarks.micro", reason="no benchmarks/ beside the tests (installed wheel)")

TINY = ["--rounds", "2", "--duration", "0.001"]


def test_every_module_has_a_case_with_a_counterpart() -> None:
    cleanup: list[Callable[[], None]] = []
    try:
        cases, notes = micro.build_cases(list(micro.MODULES), cleanup)  # each checks its answers
    finally:
        for close in cleanup:
            close()
    assert {case.module for case in cases} | {n.split(":")[0] for n in notes} == set(micro.MODULES)
    for case in cases:
        assert case.impls[0].compiled and len(case.impls) >= 2
        assert not any(impl.compiled for impl in case.impls[1:])


def test_run_writes_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "micro.json"
    assert micro.main([*TINY, "--module", "_respond", "--module", "_http", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fastcore._respond render_json" in text and "json.dumps + 2 messages" in text
    data = json.loads(out.read_text())
    assert data["suite"] == "micro"
    assert all(path.endswith((".so", ".pyd")) for path in data["compiled"].values())
    for check in data["checks"]:
        assert check["ok"] == (check["ratio"] > micro.MIN_RATIO)


def test_check_fails_when_compiled_is_slower(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(n: int) -> float:
        return n * 1.0  # one second per operation: slower than any counterpart

    original = micro.respond_cases

    def rigged() -> list[Any]:
        cases: list[Any] = original()
        cases[0].impls[0].batch = slow
        return cases

    monkeypatch.setattr(micro, "respond_cases", rigged)
    assert micro.main([*TINY, "--module", "_respond"]) == 0  # without --check: reported only
    assert micro.main([*TINY, "--module", "_respond", "--check"]) == 1
