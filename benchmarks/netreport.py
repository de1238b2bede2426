"""The network benchmark's results: one JSON-able document, and the table, notes and chart drawn
from it (``scripts/bench_readme.py`` draws README's section from the same document).
"""

import datetime
import json
import shutil
import statistics
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .netapps import NET_SCENARIOS
from .report import PACKAGES, environment
from .targets import NETWORK_TARGETS

if TYPE_CHECKING:
    from .network import NetCell, Options

NET_PACKAGES = (*PACKAGES, "uvicorn", "granian", "litestar", "blacksheep", "websockets")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num is not None and den else None


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].split(" Copyright")[0].strip() if out else None


def results(
    cells: "list[NetCell]",
    options: "Options",
    memory: list[dict[str, Any]],
    elapsed: float,
    argv: list[str] | None,
) -> dict[str, Any]:
    from .network import BASELINE, CEILING, NET_FRAMEWORKS

    medians = {(c.framework, c.scenario): _median(c.rps) for c in cells if c.status == "ok"}
    p99s = {(c.framework, c.scenario): _median(c.p99_ms) for c in cells if c.status == "ok"}
    rows = []
    for c in cells:
        fw, scenario = NET_FRAMEWORKS[c.framework], NET_SCENARIOS[c.scenario]
        med = medians.get((c.framework, c.scenario))
        rows.append(
            {
                **asdict(c),
                "label": fw.cell_label(scenario),
                "server": fw.server,
                "median_rps": med,
                "min_rps": min(c.rps) if c.rps else None,
                "max_rps": max(c.rps) if c.rps else None,
                "median_p50_ms": _median(c.p50_ms),
                "median_p99_ms": _median(c.p99_ms),
                "ratio_to_fastapi": _ratio(med, medians.get((BASELINE, c.scenario))),
                "ratio_to_ceiling": _ratio(med, medians.get((CEILING, c.scenario))),
            }
        )
    planned = {(c.framework, c.scenario) for c in cells}
    targets = {}
    for name, t in NETWORK_TARGETS.items():
        of = medians if t.metric == "rps" else p99s
        value = _ratio(of.get(t.numerator), of.get(t.denominator))
        if value is not None:
            status = "met" if t.met(value) else "MISSED"
        elif {t.numerator, t.denominator} <= planned:
            status = "UNMEASURED"
        else:
            status = "not run"
        targets[name] = {"target": t.describe(), "why": t.why, "value": value, "status": status}
    return {
        "benchmark": "network",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "argv": list(argv or []),
        "options": asdict(options),
        "wrk": wrk_version(),
        "elapsed_s": round(elapsed, 1),
        **environment(NET_PACKAGES),
        "scenarios": {name: s.description for name, s in NET_SCENARIOS.items()},
        "cells": rows,
        "targets": targets,
        "memory": memory,
    }


def write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


# -- text -------------------------------------------------------------------------------------

HEAD = ("scenario", "framework", "req/s", "min-max", "p50 ms", "p99 ms", "vs FastAPI", "vs ceiling")


def rows(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    """One row per cell; a scenario measured with the built-in load generator is marked ``*``."""
    out: list[tuple[str, ...]] = []
    for c in doc["cells"]:
        name = c["scenario"] + ("*" if c["generator"].startswith("built-in") else "")
        if c["median_rps"] is None:
            state = "skipped" if c["status"] == "skip" else "ERROR"
            out.append((name, c["label"], state, "", "", "", "", ""))
            continue
        out.append(
            (
                name,
                c["label"],
                f"{c['median_rps']:,.0f}",
                f"{c['min_rps']:,.0f}-{c['max_rps']:,.0f}",
                f"{c['median_p50_ms']:.2f}",
                f"{c['median_p99_ms']:.2f}",
                "" if c["ratio_to_fastapi"] is None else f"{c['ratio_to_fastapi']:.2f}x",
                "" if c["ratio_to_ceiling"] is None else f"{c['ratio_to_ceiling']:.0%}",
            )
        )
    return out


def footnote(doc: dict[str, Any]) -> str:
    generators = sorted({c["generator"] for c in doc["cells"] if c["generator"]})
    return "load: " + "; ".join(
        ("* " if g.startswith("built-in") else "") + g for g in generators
    )


def table(doc: dict[str, Any]) -> str:
    body = rows(doc)
    widths = [max(len(r[i]) for r in (HEAD, *body)) for i in range(len(HEAD))]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(
            v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(HEAD), rule, *map(line, body), "", footnote(doc)])


def markdown(doc: dict[str, Any]) -> str:
    align = "|" + "|".join(":--" if i < 2 else "--:" for i in range(len(HEAD))) + "|"
    lines = ["| " + " | ".join(HEAD) + " |", align]
    lines += ["| " + " | ".join(r) + " |" for r in rows(doc)]
    return "\n".join(lines)


def notes(doc: dict[str, Any]) -> str:
    seen: dict[str, list[str]] = {}
    for c in doc["cells"]:
        if c["status"] != "ok":
            seen.setdefault(f"{c['status']}: {c['message'][:400]}", []).append(
                f"{c['framework']}[{c['scenario']}]"
            )
        for errors in c["socket_errors"][:1]:
            seen.setdefault(f"wrk {errors}", []).append(f"{c['framework']}[{c['scenario']}]")
    return "\n".join(f"  {', '.join(where)}\n    {why}" for why, where in seen.items())


def targets_text(doc: dict[str, Any]) -> str:
    name_w = max(map(len, doc["targets"]), default=0)
    target_w = max((len(t["target"]) for t in doc["targets"].values()), default=0)
    lines = []
    for name, t in doc["targets"].items():
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        lines.append(f"  {name:<{name_w}} {t['target']:<{target_w}} got {value:>6}  {t['status']}")
    return "\n".join(lines)


def memory_text(memory: list[dict[str, Any]]) -> str:
    lines = ["memory of idle keep-alive connections (server RSS):"]
    for m in memory:
        if "error" in m:
            lines.append(f"  {m['framework']:<14} ERROR {m['error']}")
        else:
            lines.append(
                f"  {m['framework']:<14} {m['connections']:,} connections: {m['rss_before_mib']:.1f}"
                f" -> {m['rss_after_mib']:.1f} MiB ({m['per_connection_kib']:.2f} KiB each)"
            )
    return "\n".join(lines)


# -- chart ------------------------------------------------------------------------------------


def _colour(framework: str) -> str:
    if framework == "ceiling":
        return "#b0b0b0"
    if framework.startswith("fastcore"):
        return "#d62728" if framework == "fastcore" else "#ff9896"
    if framework.startswith("fastapi"):
        return "#1f77b4"
    return "#7f9fbf"


def chart(doc: dict[str, Any], path: Path) -> None:
    """One panel per scenario: median req/s per framework, whiskers at the rounds' min and max."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(c["scenario"] for c in doc["cells"]))
    cols = 2
    nrows = (len(scenarios) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(13, 3.1 * nrows), squeeze=False)
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        cells = [c for c in doc["cells"] if c["scenario"] == scenario and c["median_rps"]]
        labels = [c["label"] for c in cells]
        values = [c["median_rps"] for c in cells]
        low = [c["median_rps"] - c["min_rps"] for c in cells]
        high = [c["max_rps"] - c["median_rps"] for c in cells]
        y = range(len(cells))
        ax.barh(y, values, xerr=[low, high], color=[_colour(c["framework"]) for c in cells],
                error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})  # fmt: skip
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.invert_yaxis()
        ax.tick_params(axis="x", labelsize=8)
        tops = [c["max_rps"] for c in cells]
        for i, (v, top) in enumerate(zip(values, tops, strict=True)):
            ax.text(top, i, f"  {v:,.0f}", va="center", fontsize=7)  # right of the whisker
        ax.set_xlim(0, max(tops, default=1) * 1.2)
        ws = any(c["generator"].startswith("built-in") for c in cells)
        about = doc["scenarios"].get(scenario, "")
        about = about if len(about) <= 52 else about[:51] + "…"
        title = f"{scenario}: {about}" + (" (built-in loadgen)" if ws else "")
        ax.set_title(title, fontsize=9, loc="left")
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(scenarios) :]:
        ax.axis("off")
    machine = doc["machine"]
    fig.suptitle(
        f"requests/s (median of {doc['options']['rounds']} x {doc['options']['duration']:g} s; "
        f"whiskers min-max) — server on 1 core, load on another — {machine['cpu_count']} CPUs, "
        f"Python {doc['python']['version']}, {doc['created'][:10]}",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
