"""Turning worker measurements into the table, the derived ratios, target verdicts and JSON."""

import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .apps import SCENARIOS
from .frameworks import BASELINE, FRAMEWORKS
from .inprocess import Cell, Options
from .targets import TARGETS

PACKAGES = (
    "fastcore",
    "fastapi",
    "starlette",
    "pydantic",
    "msgspec",
    "uvloop",
    "httptools",
    "Cython",
)


def median_rps(cells: list[Cell], framework: str, scenario: str) -> float | None:
    for c in cells:
        if c.framework == framework and c.scenario == scenario and c.status == "ok" and c.rps:
            return statistics.median(c.rps)
    return None


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den else None


def _fmt_int(value: float) -> str:
    return f"{value:,.0f}"


def label(cell: Cell) -> str:
    """The framework's name in the table; in scenarios with models, with the model kind."""
    return FRAMEWORKS[cell.framework].cell_label(SCENARIOS[cell.scenario].models)


def rows(cells: list[Cell], scenarios: list[str]) -> list[tuple[str, ...]]:
    """The table's rows: scenario, framework, median, min-max, µs/req, ratio to FastAPI."""
    out: list[tuple[str, ...]] = []
    for scenario in scenarios:
        base = median_rps(cells, BASELINE, scenario)
        for c in (c for c in cells if c.scenario == scenario):
            med = median_rps(cells, c.framework, scenario)
            if med is None:
                out.append(
                    (scenario, label(c), "skipped" if c.status == "skip" else "ERROR", "", "", "")
                )
                continue
            ratio = _ratio(med, base)
            out.append(
                (
                    scenario,
                    label(c),
                    _fmt_int(med),
                    f"{_fmt_int(min(c.rps))}-{_fmt_int(max(c.rps))}",
                    f"{1e6 / med:.1f}",
                    f"{ratio:.2f}x" if ratio is not None else "",
                )
            )
    return out


HEAD = ("scenario", "framework", "median req/s", "min-max req/s", "µs/req", "vs FastAPI")


def table(cells: list[Cell], scenarios: list[str]) -> str:
    head, body = HEAD, rows(cells, scenarios)
    widths = [max(len(r[i]) for r in (head, *body)) for i in range(len(head))]
    align_left = {0, 1}

    def line(r: tuple[str, ...]) -> str:
        cols = (
            v.ljust(w) if i in align_left else v.rjust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        )
        return "  ".join(cols).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *map(line, body)])


def derived(cells: list[Cell], scenarios: list[str], frameworks: list[str]) -> dict[str, Any]:
    """fastcore's speed-up over FastAPI per scenario, and each framework's routing slowdown."""
    speedup = {
        s: _ratio(median_rps(cells, "fastcore", s), median_rps(cells, BASELINE, s))
        for s in scenarios
    }
    with_pydantic = {
        s: _ratio(median_rps(cells, "fastcore-pydantic", s), median_rps(cells, BASELINE, s))
        for s in scenarios
        if SCENARIOS[s].models
    }
    slowdown = {
        f: _ratio(median_rps(cells, f, "routing-first"), median_rps(cells, f, "routing-last"))
        for f in frameworks
        if {"routing-first", "routing-last"} <= set(scenarios) and not FRAMEWORKS[f].models_only
    }
    return {
        "fastcore_over_fastapi": speedup,
        "fastcore_pydantic_over_fastapi": with_pydantic,
        "routing_first_over_last": slowdown,
    }


def derived_text(ratios: dict[str, Any]) -> str:
    def show(values: dict[str, float | None], label: Any) -> str:
        return ", ".join(
            f"{label(k)} {'n/a' if v is None else f'{v:.2f}x'}" for k, v in values.items()
        )

    lines = ["fastcore / FastAPI req/s:   " + show(ratios["fastcore_over_fastapi"], str)]
    if ratios.get("fastcore_pydantic_over_fastapi"):
        lines.append(
            "fastcore with pydantic models / FastAPI req/s:   "
            + show(ratios["fastcore_pydantic_over_fastapi"], str)
        )
    routing = ratios["routing_first_over_last"]
    if routing:
        lines.append(
            "routing-first / routing-last req/s (1.00x = flat): "
            + show(routing, lambda f: FRAMEWORKS[f].label)
        )
    return "\n".join(lines)


def evaluate_targets(cells: list[Cell]) -> dict[str, dict[str, Any]]:
    """Each target's value and verdict: met, missed, unmeasured (cell skipped/failed), not run."""
    planned = {(c.framework, c.scenario) for c in cells}
    verdicts: dict[str, dict[str, Any]] = {}
    for name, t in TARGETS.items():
        value = _ratio(median_rps(cells, *t.numerator), median_rps(cells, *t.denominator))
        if value is not None:
            status = "met" if t.met(value) else "MISSED"
        elif {t.numerator, t.denominator} <= planned:
            status = "UNMEASURED"
        else:
            status = "not run"
        verdicts[name] = {
            "target": t.describe(),
            "why": t.why,
            "op": t.op,
            "bound": t.bound,
            "value": value,
            "status": status,
        }
    return verdicts


def targets_text(verdicts: dict[str, dict[str, Any]]) -> str:
    name_w = max(map(len, verdicts), default=0)
    target_w = max((len(v["target"]) for v in verdicts.values()), default=0)
    lines = []
    for name, v in verdicts.items():
        value = "-" if v["value"] is None else f"{v['value']:.2f}"
        lines.append(
            f"  {name:<{name_w}}  {v['target']:<{target_w}}  got {value:>6}  {v['status']}"
        )
    return "\n".join(lines)


def notes(cells: list[Cell]) -> str:
    """Why cells were skipped or failed, once per distinct reason."""
    seen: dict[str, list[str]] = {}
    for c in cells:
        if c.status != "ok":
            why = f"{c.status}: {c.message}"
            if c.traceback:  # the innermost frames say where the framework went wrong
                tail = c.traceback.strip().splitlines()[-7:-1]
                why += "".join(f"\n      {line}" for line in tail)
            seen.setdefault(why, []).append(f"{c.framework}[{c.scenario}]")
    return "\n".join(f"  {', '.join(where)}\n    {why}" for why, where in seen.items())


def environment(packages: tuple[str, ...] = PACKAGES) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
        },
        "packages": versions,
    }


def write_json(
    path: Path,
    cells: list[Cell],
    options: Options,
    ratios: dict[str, Any],
    verdicts: dict[str, dict[str, Any]],
) -> None:
    def cell_json(c: Cell) -> dict[str, Any]:
        med = median_rps(cells, c.framework, c.scenario)
        base = median_rps(cells, BASELINE, c.scenario)
        return {
            **asdict(c),
            "median_rps": med,
            "min_rps": min(c.rps) if c.rps else None,
            "max_rps": max(c.rps) if c.rps else None,
            "us_per_request": 1e6 / med if med else None,
            f"ratio_to_{BASELINE}": _ratio(med, base),
        }

    doc = {
        "benchmark": "inprocess",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "options": asdict(options),
        **environment(),
        "cells": [cell_json(c) for c in cells],
        "derived": ratios,
        "targets": verdicts,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
