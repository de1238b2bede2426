"""The benchmark apps and targets: every framework's app of a scenario gives the same answers.

A benchmark that times apps answering differently compares nothing, so the scenarios of a ported
app (issue 13: ``sync``, ``sync-deps``, ``pyd-body``, ``pyd-list100``) are sent to fastcore's,
FastAPI's and Starlette's apps, in-process as ``python -m benchmarks inprocess`` calls them and as
the network suite's servers load them, and must get the same status, content type and body bytes.
"""

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

apps = pytest.importorskip("benchmarks.apps", reason="no benchmarks/ beside the tests (installed wheel)")

from benchmarks import netapps, netreport, network  # noqa: E402
from benchmarks.__main__ import gate_failures  # noqa: E402
from benchmarks._worker import build_app  # noqa: E402
from benchmarks.asgi import ASGIApp, Recorder, http_scope, make_receive  # noqa: E402
from benchmarks.frameworks import FRAMEWORKS  # noqa: E402
from benchmarks.inprocess import exists  # noqa: E402
from benchmarks.targets import NETWORK_TARGETS, TARGETS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PORTED = ("sync", "sync-deps", "pyd-body", "pyd-list100")
STYLES = ("fastcore", "fastapi", "starlette")

Answer = tuple[int, bytes | None, bytes]  # status, content-type, body


def call(
    app: ASGIApp,
    scenario: Any,
    headers: tuple[tuple[bytes, bytes], ...] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request through the benchmark harness's own scope, ``receive`` and ``send``."""
    body = scenario.body if body is None else body
    headers = scenario.request_headers if headers is None else headers
    scope = http_scope(scenario.path, scenario.query, headers, scenario.method, body)
    rec = Recorder()

    async def go() -> None:
        await asyncio.wait_for(app(scope, make_receive(body), rec.send), timeout=30)

    asyncio.run(go())
    starts = [m for m in rec.messages if m["type"] == "http.response.start"]
    assert len(starts) == 1, rec.messages
    content_type = dict(starts[0]["headers"]).get(b"content-type")
    payload = b"".join(m.get("body", b"") for m in rec.messages if m["type"] == "http.response.body")
    return int(starts[0]["status"]), content_type, payload


def inprocess_app(framework: str, scenario: str) -> ASGIApp:
    return build_app(FRAMEWORKS[framework], apps.SCENARIOS[scenario])


@pytest.mark.parametrize("name", PORTED)
def test_ported_scenario_answers_alike_on_every_framework(name: str) -> None:
    scenario = apps.SCENARIOS[name]
    answers = {f: call(inprocess_app(f, name), scenario) for f in STYLES}
    # the network suite's servers load their apps by name from ``netapps``: the same answers
    answers |= {f"net-{f}": call(netapps.build(f, name), scenario) for f in STYLES}
    status, content_type, body = answers["fastapi"]
    assert (status, content_type) == (200, b"application/json")
    assert json.loads(body) == scenario.expected
    assert answers == dict.fromkeys(answers, answers["fastapi"])


def test_sync_deps_wrong_token_is_the_same_401_everywhere() -> None:
    scenario = apps.SCENARIOS["sync-deps"]
    wrong = ((b"x-token", b"not-the-token"),)
    answers = {f: call(inprocess_app(f, "sync-deps"), scenario, headers=wrong) for f in STYLES}
    assert answers == dict.fromkeys(STYLES, (401, b"application/json", b'{"detail":"bad token"}'))


def test_pyd_body_invalid_body_is_fastapis_422_on_fastcore() -> None:
    scenario = apps.SCENARIOS["pyd-body"]
    bad = json.dumps({**apps.ORDER, "id": "x", "shipping": {"city": "Springfield"}}).encode()
    answers = {f: call(inprocess_app(f, "pyd-body"), scenario, body=bad) for f in STYLES}
    assert answers["fastcore"] == answers["fastapi"]
    status, _, body = answers["fastapi"]
    assert status == 422 and len(json.loads(body)["detail"]) == 3  # id, street, postcode
    assert answers["starlette"][0] == 422  # hand-written: pydantic's own error list


@pytest.mark.parametrize("name", PORTED)
def test_ported_scenarios_have_no_msgspec_variant(name: str) -> None:
    """The same pydantic source on every framework: no ``fastcore-pydantic`` twin cell."""
    assert not apps.SCENARIOS[name].models
    assert not exists("fastcore-pydantic", name)
    assert all(exists(f, name) for f in STYLES)


def test_network_runs_ported_scenarios_on_fastcore_fastapi_starlette_and_ceiling() -> None:
    cells = network.plan(list(network.NET_FRAMEWORKS), list(PORTED))
    for name in PORTED:
        assert netapps.NET_SCENARIOS[name].source == name
        planned = [c.framework for c in cells if c.scenario == name]
        assert planned == ["ceiling", "fastcore", "fastapi", "starlette"]


def test_every_target_compares_cells_that_exist() -> None:
    for name, target in TARGETS.items():
        for framework, scenario in (target.numerator, target.denominator):
            assert exists(framework, scenario), (name, framework, scenario)
    for name, target in NETWORK_TARGETS.items():
        for framework, scenario in (target.numerator, target.denominator):
            assert network.exists(network.NET_FRAMEWORKS[framework], scenario), (name, framework)
    wanted = {"sync-speedup", "sync-deps-speedup", "pyd-body-speedup", "pyd-list100-speedup"}
    assert wanted <= set(TARGETS)
    assert {"network-sync", "network-sync-p99", "network-sync-deps", "network-sync-deps-p99"} <= set(
        NETWORK_TARGETS
    )


def test_ci_gates_on_known_targets_and_floors_every_ported_scenario() -> None:
    """``.ci/run`` names what CI gates on: issue 13's targets are reported only, until met, but
    each of its scenarios has a regression floor, below its target, that is gated."""
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r'CHECK_TARGETS="([^"]*)"', text)
    assert match, "no CHECK_TARGETS list in .ci/run"
    gated = set(match.group(1).split())
    assert gated and gated <= set(TARGETS)
    assert not gated & {n for n, t in TARGETS.items() if t.why.startswith("issue 13:")}
    for scenario in ("sync", "sync-deps", "pyd-body", "pyd-list100"):
        floor, target = TARGETS[f"{scenario}-floor"], TARGETS[f"{scenario}-speedup"]
        assert f"{scenario}-floor" in gated
        assert floor.numerator == target.numerator and floor.denominator == target.denominator
        assert floor.op == ">=" and 1 < floor.bound < target.bound


def test_check_fails_only_on_gated_targets() -> None:
    verdicts = {
        "a": {"status": "met"},
        "b": {"status": "MISSED"},
        "c": {"status": "UNMEASURED"},
        "d": {"status": "not run"},
    }
    assert gate_failures(verdicts, []) == ["b", "c"]
    assert gate_failures(verdicts, ["a", "d"]) == []
    assert gate_failures(verdicts, ["a", "c"]) == ["c"]


def _cell(framework: str, scenario: str, rps: float, p99: float) -> "network.NetCell":
    return network.NetCell(framework, scenario, rps=[rps], p50_ms=[p99 / 2], p99_ms=[p99])


def test_network_p99_target_compares_latency_not_throughput() -> None:
    cells = [
        _cell("fastcore", "sync", 90_000, 12.0),
        _cell("fastapi", "sync", 10_000, 10.0),
        _cell("fastcore", "sync-deps", 50_000, 4.0),
        _cell("fastapi", "sync-deps", 10_000, 8.0),
    ]
    doc = netreport.results(cells, network.Options(), [], 0.0, [])
    targets = doc["targets"]
    assert targets["network-sync"]["status"] == "met"  # 9x
    assert targets["network-sync-p99"]["status"] == "MISSED"  # 12 ms vs 10 ms
    assert targets["network-sync-p99"]["value"] == pytest.approx(1.2)
    assert targets["network-sync-deps"]["status"] == "MISSED"  # 5x
    assert targets["network-sync-deps-p99"]["status"] == "met"
    assert targets["network-json"]["status"] == "not run"


def test_floors_time_a_real_thread_round_trip() -> None:
    from benchmarks import floors

    hop = floors.thread_round_trip_us(calls=20)
    assert 0 < hop < 1_000_000  # microseconds, measured: a worker thread answered every call
