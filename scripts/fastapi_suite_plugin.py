"""pytest plugin for scripts/fastapi_suite.py: records every test's outcome, and guards the import shim.

Loaded with ``-p fastapi_suite_plugin`` (``scripts/`` is on ``PYTHONPATH``).  Environment:

- ``FASTAPI_SUITE_RESULTS``: a JSON-lines file; one line per test (and per failed collection) with
  ``nodeid``, ``outcome`` (passed, failed, error, skipped, xfailed, xpassed) and, when it did not
  pass, ``message`` (the crash line and the ``E`` lines of the report) and ``where`` (crash path:line).
- ``FASTAPI_SUITE_EXPECT``: the directory ``fastapi`` must be imported from.  On the fastcore run that
  is the generated shim, so a real FastAPI that slipped onto the path stops the run instead of being
  measured in fastcore's place.

With pytest-xdist the reports arrive at the controller, which alone writes the file.

A failed ``==`` between dicts or lists (a JSON answer, an OpenAPI document) is explained by the paths
where the two differ (``differs at info.title: 'FastCore' != 'FastAPI'``), not pytest's elided reprs,
so that the failures can be grouped by what differs.  Only the message changes, never an outcome.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

_MAX_E_LINES = 25
_MAX_DIFFS = 12


def _short(value: Any, limit: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _key(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _diff(left: Any, right: Any, path: str) -> Iterator[str]:
    """Where two JSON-like values differ, depth first, in the order of the right-hand keys."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        for key in right:
            if key not in left:
                yield f"{_key(path, key)}: missing on the left, right has {_short(right[key])}"
            else:
                yield from _diff(left[key], right[key], _key(path, key))
        for key in left:
            if key not in right:
                yield f"{_key(path, key)}: extra on the left, {_short(left[key])}"
    elif isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            yield f"{path or '.'}: {len(left)} items != {len(right)} items: {_short(left)} != {_short(right)}"
        for i, (a, b) in enumerate(zip(left, right, strict=False)):
            yield from _diff(a, b, f"{path}[{i}]")
    elif left != right:
        yield f"{path or '.'}: {_short(left)} != {_short(right)}"


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> list[str] | None:
    if op != "==" or not isinstance(left, (Mapping, list)) or not isinstance(right, (Mapping, list)):
        return None
    diffs = []
    for line in _diff(left, right, ""):
        diffs.append(f"differs at {line}")
        if len(diffs) == _MAX_DIFFS:
            break
    if not diffs:
        return None
    return [f"{_short(left, 40)} == {_short(right, 40)}", *diffs]


def pytest_configure(config: pytest.Config) -> None:
    expect = os.environ.get("FASTAPI_SUITE_EXPECT")
    if not expect:
        return
    spec = importlib.util.find_spec("fastapi")
    origin = Path(spec.origin).resolve() if spec and spec.origin else None
    if origin is None or Path(expect).resolve() not in origin.parents:
        raise pytest.UsageError(f"fastapi_suite: 'fastapi' resolves to {origin}, expected under {expect}")


def _message(report: Any) -> tuple[str, str]:
    text = report.longreprtext or ""
    crash = getattr(report.longrepr, "reprcrash", None)
    where = f"{crash.path}:{crash.lineno}" if crash is not None else ""
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    head = crash.message.splitlines()[0] if crash is not None and crash.message else ""
    if not lines:
        # Skips and collection errors carry no E lines: keep the tail, where the reason is.
        lines = text.strip().splitlines()[-_MAX_E_LINES:]
    body = "\n".join(lines[:_MAX_E_LINES])
    return (f"{head}\n{body}" if head and head not in body else body), where


class _Recorder:
    def __init__(self, path: str) -> None:
        self._file = open(path, "w", encoding="utf-8")
        self._seen: dict[str, str] = {}

    def _write(self, nodeid: str, outcome: str, report: Any) -> None:
        entry: dict[str, str] = {"nodeid": nodeid, "outcome": outcome}
        if outcome not in ("passed", "xfailed"):
            entry["message"], entry["where"] = _message(report)
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        nodeid = report.nodeid
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else ("xpassed" if report.passed else "")
            if outcome and report.when == "call":
                self._seen[nodeid] = outcome
                self._write(nodeid, outcome, report)
            return
        if report.when == "call":
            self._seen[nodeid] = report.outcome
            self._write(nodeid, report.outcome, report)
        elif report.failed:
            # setup or teardown failure: an error, even after a passing call.
            self._seen[nodeid] = "error"
            self._write(nodeid, "error", report)
        elif report.skipped and report.when == "setup":
            self._seen[nodeid] = "skipped"
            self._write(nodeid, "skipped", report)

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write(report.nodeid, "collect-error", report)
        elif report.skipped:
            self._write(report.nodeid, "collect-skipped", report)

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        self._file.close()


def pytest_sessionstart(session: pytest.Session) -> None:
    path = os.environ.get("FASTAPI_SUITE_RESULTS")
    # xdist workers have workerinput; only the controller (or a run without xdist) records.
    if path and not hasattr(session.config, "workerinput"):
        session.config.pluginmanager.register(_Recorder(path), "fastapi_suite_recorder")
