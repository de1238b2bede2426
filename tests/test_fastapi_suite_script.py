"""scripts/fastapi_suite.py's rules: which FastAPI tests are internal, how failures are grouped, and the
failures file's round trip.  (Running the suite itself is `bash ci/fastapi-suite`, with network.)"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import fastapi_suite as fs
import fastapi_suite_plugin as plugin


def test_internal_reason_private_modules_and_names() -> None:
    assert fs.internal_reason("from fastapi._compat import PYDANTIC_VERSION_MINOR_TUPLE") == (
        "imports fastapi._compat"
    )
    assert fs.internal_reason("from fastapi.dependencies.utils import get_dependant") == (
        "imports fastapi.dependencies.utils"
    )
    assert fs.internal_reason("def f():\n    from fastapi.telemetry._runtime import x") is not None
    assert fs.internal_reason("from fastapi.routing import _IncludedRouter") is not None
    assert fs.internal_reason("from fastapi.routing import request_response") is not None
    assert fs.internal_reason("mock.patch('fastapi.routing.serialize_response')") is not None


def test_internal_reason_public_api() -> None:
    public = (
        "from fastapi import FastAPI, Depends\n"
        "from fastapi.routing import APIRoute\n"
        "from fastapi.openapi.utils import get_openapi\n"
        "from fastapi.testclient import TestClient\n"
        "span = 'fastapi.dependencies'\n"
    )
    assert fs.internal_reason(public) is None


def test_classify_groups_by_cause() -> None:
    kind, reason = fs.classify(
        "tests/test_x.py::test_a",
        "E   fastcore.exceptions.FastCoreError: read: query parameter 'p' has type <class 'M'>, "
        "which cannot be read from a query string (use str, int",
    )
    assert (kind, reason[:17]) == ("gap", "parameter models ")
    kind, reason = fs.classify(
        "tests/test_x.py::test_b",
        "E   ImportError: cannot import name 'FastAPIError' from 'fastapi.exceptions'",
    )
    assert reason == "fastapi.exceptions.FastAPIError missing in fastcore"
    title_only = (
        "E   AssertionError: assert {...} == {...}\nE     differs at info.title: 'FastCore' != 'FastAPI'"
    )
    assert fs.classify("tests/test_x.py::test_c", title_only)[1].startswith("openapi: info.title")
    kind, _ = fs.classify(
        "tests/test_y.py::test_d",
        'E   AssertionError: {"detail":[{"type":"int_parsing","loc":["query","x"],"input":"+5"}]}',
    )
    assert kind == "deliberate"


def test_diff_names_the_paths_that_differ() -> None:
    left = {"info": {"title": "FastCore"}, "paths": {"/a": {"get": {"x": [1, 2]}}}}
    right = {"info": {"title": "FastAPI"}, "paths": {"/a": {"get": {"x": [1, 3], "y": 1}}}}
    assert list(plugin._diff(left, right, "")) == [
        "info.title: 'FastCore' != 'FastAPI'",
        "paths./a.get.x[1]: 2 != 3",
        "paths./a.get.y: missing on the left, right has 1",
    ]


def test_failures_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "failures.txt"
    entries = [
        fs.Entry("gap", "tests/b.py::t", "cause b"),
        fs.Entry("internal", "tests/a.py::t", "imports fastapi._compat"),
    ]
    fs.write_failures(path, entries, "0.0.0")
    back = fs.read_failures(path)
    assert list(back) == ["tests/a.py::t", "tests/b.py::t"]  # internal before gap
    assert back["tests/b.py::t"] == entries[0]
