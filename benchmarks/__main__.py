"""``python -m benchmarks [network|inprocess|micro] [options]``: run a suite and print its table.

With no suite, the network suite runs (real servers over loopback, wrk, a table, a JSON file and a
chart): ``python -m benchmarks --help``.  ``inprocess`` calls the ASGI apps directly and holds the
targets CI checks (``python -m benchmarks inprocess --help``); ``micro`` times each compiled module
against the plain-Python way.

Exit status: 0 on success; 1 if a cell returned a wrong response or crashed, or with ``--check``
if a target in ``benchmarks/targets.py`` was missed or could not be measured.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from . import inprocess, micro, network, report
from .apps import SCENARIOS
from .frameworks import DEFAULT_FRAMEWORKS, FRAMEWORKS
from .targets import TARGETS

QUICK = inprocess.Options(rounds=3, duration=0.15, warmup=0.1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    scenario_help = "\n".join(f"  {s.name:<14} {s.description}" for s in SCENARIOS.values())
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks inprocess",
        description="Compare fastcore with FastAPI and Starlette, calling ASGI apps in-process.",
        epilog=f"scenarios:\n{scenario_help}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    default = inprocess.Options()
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument(
        "--framework",
        action="append",
        choices=list(FRAMEWORKS),
        metavar="NAME",
        help="run only this framework (repeatable; default: "
        f"{', '.join(DEFAULT_FRAMEWORKS)}; 'baseline' = raw ASGI harness floor)",
    )
    parser.add_argument(
        "--rounds", type=int, help=f"timed rounds per cell (default {default.rounds})"
    )
    parser.add_argument(
        "--requests", type=int, help="requests per round (default: calibrated to --duration)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        help=f"target seconds per timed round (default {default.duration})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK.rounds} short rounds: a smoke test, not a measurement",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a target is missed or cannot be measured"
    )
    parser.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="TARGET",
        help="with --check, only these targets (repeatable) decide the exit status; the rest are "
        "still reported",
    )
    return parser.parse_args(argv)


def gate_failures(verdicts: dict[str, dict[str, Any]], gate: list[str]) -> list[str]:
    """The targets that fail ``--check``: missed or unmeasured, among ``gate`` (all when empty)."""
    return [
        name
        for name, v in verdicts.items()
        if (not gate or name in gate) and v["status"] in ("MISSED", "UNMEASURED")
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["micro"]:
        return micro.main(argv[1:])
    if argv[:1] == ["inprocess"]:
        return run_inprocess(argv[1:])
    return network.main(argv[1:] if argv[:1] == ["network"] else argv)


def run_inprocess(argv: list[str]) -> int:
    args = parse_args(argv)
    base = QUICK if args.quick else inprocess.Options()
    options = inprocess.Options(
        rounds=args.rounds or base.rounds,
        requests=args.requests or base.requests,
        duration=args.duration or base.duration,
        warmup=base.warmup,
    )
    scenarios = list(dict.fromkeys(args.scenario or SCENARIOS))
    frameworks = list(dict.fromkeys(args.framework or DEFAULT_FRAMEWORKS))

    cells = inprocess.run(frameworks, scenarios, options)

    ratios = report.derived(cells, scenarios, frameworks)
    verdicts = report.evaluate_targets(cells)
    env = report.environment()
    loops = {str(c.info.get("loop")) for c in cells if c.info}
    print(
        f"\nin-process ASGI, {options.rounds} rounds, Python {env['python']['version']}, "
        f"{env['machine']['cpu_count']} CPUs, loop: {', '.join(sorted(loops)) or '?'}\n"
    )
    print(report.table(cells, scenarios))
    print()
    print(report.derived_text(ratios))
    fastcore_info = next((c.info for c in cells if c.framework == "fastcore" and c.info), None)
    if fastcore_info:
        compiled = ", ".join(sorted(fastcore_info.get("compiled", {}))) or "NONE"
        print(f"fastcore loaded from {fastcore_info['framework']['file']}; compiled: {compiled}")
    problems = report.notes(cells)
    if problems:
        print(f"\nnot measured:\n{problems}")
    print(f"\ntargets ({len(TARGETS)}, from benchmarks/targets.py):")
    print(report.targets_text(verdicts))
    if args.json:
        report.write_json(args.json, cells, options, ratios, verdicts)
        print(f"\nwrote {args.json}")

    failed = any(c.status == "error" for c in cells)
    if args.check:
        if unknown := [g for g in args.gate if g not in TARGETS]:
            print(f"unknown --gate target(s) {unknown}; known: {list(TARGETS)}")
            return 1
        failed |= bool(gate_failures(verdicts, args.gate))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
