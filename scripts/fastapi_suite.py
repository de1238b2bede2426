"""FastAPI's own test suite, run unmodified against fastcore through a generated import shim.

``bash ci/fastapi-suite`` calls this.  Steps, each cached under ``.cache/fastapi-suite/`` (git-ignored):

1. The FastAPI version is the one the ``test`` extra is tested with: ``fastapi==V`` in
   ``ci/constraints/py3.X.txt`` when that file exists, else the ``fastapi`` installed in ``.venv``.
2. ``pip download --no-deps --no-binary :all: fastapi==V``; the sdist is unpacked into ``suite/``
   (its ``tests/``, ``docs_src/``, ``pyproject.toml`` with FastAPI's pytest settings) with its
   ``fastapi/`` package moved out, and real FastAPI is installed from the same sdist into ``real/``
   (``pip install --no-deps --target``) for the reference run.
3. ``.venv-fastapi-suite``: no FastAPI in it; fastcore installed editable from this checkout, and the
   test dependencies of FastAPI's ``tests`` dependency group pinned in ``ci/fastapi-suite-requirements.txt``.
4. The shim ``shim/fastapi/`` is generated from fastcore's own modules (``--generate-shim``): for every
   public module of FastAPI's that fastcore has under the same dotted name, a module re-exporting that
   fastcore module's public names.  The only other mapping is ``RENAMES``.  No code of its own, so a
   missing feature shows up as a failing test, never as a stand-in.
5. pytest runs the suite twice in the same venv: with ``shim/`` on the path (fastcore) and with
   ``real/`` on it (FastAPI, cached per version).  ``scripts/fastapi_suite_plugin.py`` records each
   test's outcome and stops the fastcore run if ``fastapi`` is imported from anywhere but the shim.
6. The table: passed/total for fastcore and FastAPI, tutorial and whole suite, with and without the
   *internal* tests (see ``internal_reason``); then the check against ``ci/fastapi-suite-failures.txt``.

The failures file lists every test that passes on FastAPI and not on fastcore, one a line:
``kind | test id | reason``, kind one of ``deliberate`` (a difference README's "Deliberate
differences from FastAPI" lists), ``internal`` (the test imports FastAPI's private modules) and ``gap``
(not done yet).  The check fails on a failing test the file does not list and on a listed test that
passes now; ``--update`` rewrites the file from the run, keeping the deliberate entries written there.
"""

from __future__ import annotations

import argparse
import ast
import collections
import hashlib
import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tarfile
import time
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "fastapi-suite"
VENV = ROOT / ".venv-fastapi-suite"
REQUIREMENTS = ROOT / "ci" / "fastapi-suite-requirements.txt"
FAILURES = ROOT / "ci" / "fastapi-suite-failures.txt"
PLUGIN_DIR = ROOT / "scripts"

# ---------------------------------------------------------------------------------------------------
# The shim's mapping.  A FastAPI module name maps to the fastcore module of the same dotted name; the
# tables below are the only exceptions.  Nothing here may carry behaviour.

# Names fastcore spells differently, exported under FastAPI's spelling as well (none today:
# fastcore.FastAPI is FastCore with FastAPI's defaults).
RENAMES: dict[str, str] = {}
# fastcore modules that share a FastAPI module's name but are a different program: `fastapi.cli` is
# the `fastapi` command (fastapi-cli), fastcore.cli is `fastcore run`.
NOT_MAPPED = {"cli", "__main__"}

# ---------------------------------------------------------------------------------------------------
# "Internal" tests: a test file is internal when it reaches past FastAPI's public API, i.e. when any
# import in it (at any depth: module level, in functions, in fixtures) or any string target it
# patches (mock.patch("fastapi.x.y"), monkeypatch.setattr("fastapi.x.y", ...)) names
#   - a FastAPI module with a path component starting with "_" (fastapi._compat, fastapi.telemetry._runtime),
#   - a name starting with "_" imported from a FastAPI module,
#   - a FastAPI implementation module (INTERNAL_MODULES, and their submodules),
#   - a name of a FastAPI module outside PUBLIC_NAMES, for the modules that table restricts.
# Such files test how FastAPI is built, not what an app sees; they are counted apart.
INTERNAL_MODULES = (
    "fastapi.dependencies",
    "fastapi.utils",
    "fastapi.types",
    "fastapi.logger",
    "fastapi.temp_pydantic_v1_params",
    "fastapi.openapi.constants",
    "fastapi.middleware.asyncexitstack",
)
PUBLIC_NAMES = {
    "fastapi.routing": {"APIRoute", "APIRouter", "APIWebSocketRoute"},
    "fastapi.openapi.utils": {"get_openapi"},
}

TUTORIAL = "tests/test_tutorial/"


def internal_reason(source: str) -> str | None:
    """Why a test file is internal (the first private reference found), or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        refs: list[tuple[str, str | None]] = []
        if isinstance(node, ast.Import):
            refs = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            refs = [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname in ("patch", "setattr", "delattr") and isinstance(first, ast.Constant):
                if isinstance(first.value, str) and first.value.startswith("fastapi."):
                    module, _, attr = first.value.rpartition(".")
                    refs = [(module, attr)]
        for module, name in refs:
            why = _private_reference(module, name)
            if why:
                return why
    return None


def _private_reference(module: str, name: str | None) -> str | None:
    if module != "fastapi" and not module.startswith("fastapi."):
        return None
    parts = module.split(".")
    if any(part.startswith("_") for part in parts):
        return f"imports {module}"
    if any(module == m or module.startswith(m + ".") for m in INTERNAL_MODULES):
        return f"imports {module}"
    if name is None:
        return None
    if name.startswith("_"):
        return f"imports {module}.{name}"
    public = PUBLIC_NAMES.get(module)
    if public is not None and name not in public and name != "*":
        return f"imports {module}.{name}"
    if module == "fastapi" and f"fastapi.{name}" in INTERNAL_MODULES:
        return f"imports fastapi.{name}"
    return None


# ---------------------------------------------------------------------------------------------------
# Failure reasons.  A failing test's reason is the first rule whose pattern matches its failure text
# (the crash line and pytest's "E" lines); kind "deliberate" only for README's listed differences.
# Unmatched failures get a reason derived from the exception line (see auto_reason), so a new cause
# shows up grouped rather than as hundreds of one-offs; name it here once it is understood.
RULES: list[tuple[str, str, str]] = [
    # README: "Numbers are parsed strictly ... no inf/nan".
    (
        "deliberate",
        r'"type":"(?:int|float)_parsing"[^}]*"input":"(?:[+-]?(?:inf|infinity|nan)|\+\d|\s|[^"]*_[^"]*"|[^"]*\s")',
        "strict number parsing (README): no inf/nan, +5, 1_0, spaces",
    ),
    (
        "deliberate",
        r'"type":"(?:int|float)_parsing"[^}]*"input":"[^"]*[^\x00-\x7f]',
        "strict number parsing (README): ASCII digits only",
    ),
    (
        "deliberate",
        r"^tests/test_allow_inf_nan",
        "strict number parsing (README): inf/nan rejected in parameters and JSON bodies",
    ),
    # README: "GET routes also answer HEAD".
    ("deliberate", r"assert 200 == 405", "GET routes answer HEAD (README)"),
    # A test that monkeypatches a private name of a module object (not caught by internal_reason,
    # which reads import statements and dotted strings); the shim maps public names only.
    (
        "gap",
        r"has no attribute '(_PING_INTERVAL)'",
        "patches fastapi.routing.{0}, a private name the shim does not map (fastcore tests it itself)",
    ),
    # -- missing API
    (
        "gap",
        r"has type <class '[^']*'>, which cannot be read from a (?:query|header|cookie) string",
        "parameter models (Annotated[Model, Query()/Header()/Cookie()]) unsupported",
    ),
    (
        "gap",
        r"has type [^,]*\|[^,]*, which cannot be read from a (?:query|header|cookie|path)",
        "union-typed query/header/cookie parameters (int | str) unsupported",
    ),
    (
        "gap",
        r"has type (?:typing\.Annotated\[)?(?:list|set|tuple|frozenset)\[[^,]*,"
        r" which cannot be read from a (?:cookie|path)",
        "sequence-typed cookie/path parameters unsupported",
    ),
    (
        "gap",
        r"has type (?:typing\.Annotated\[)?(?:set|frozenset|tuple)\[.*cannot be read from a (?:query|header)",
        "set/tuple-typed query/header parameters unsupported",
    ),
    (
        "gap",
        r"cannot be read from a (?:query|header|cookie|path) string",
        "other parameter types unsupported in query/header/cookie/path",
    ),
    (
        "gap",
        r"does not appear in the route's path",
        "path parameter declared by alias/validation_alias (or via router prefix) not matched to the path",
    ),
    ("gap", r"got an unexpected keyword argument 'scope'", "Depends(scope=...) unsupported"),
    (
        "gap",
        r"got an unexpected keyword argument 'max_concurrency'",
        "Depends(max_concurrency=...) unsupported",
    ),
    (
        "gap",
        r"got an unexpected keyword argument 'strict_content_type'",
        "strict_content_type= (FastAPI/APIRouter/route) unsupported",
    ),
    ("gap", r"(\w+)\(\) got an unexpected keyword argument '(\w+)'", "{0}({1}=...) unsupported"),
    (
        "gap",
        r"no attribute 'frontend'|_low_priority_routes|fastapi\.frontend",
        "app.frontend()/router.frontend() (static frontend serving) missing",
    ),
    ("gap", r"no attribute 'on_event'", "app.on_event()/router.on_event() (startup/shutdown events) missing"),
    ("gap", r"no attribute 'websocket_route'", "app.websocket_route() missing"),
    (
        "gap",
        r"a route handler cannot be a generator",
        "generator handlers (yield: JSON Lines / SSE / byte streaming) unsupported",
    ),
    (
        "gap",
        r"Type unions may not contain more than one custom type",
        "unions of several models (body or form) unsupported (msgspec: one custom type per union)",
    ),
    (
        "gap",
        r"fastapi\.telemetry|opentelemetry|not enough values to unpack \(expected \d, got 0\)",
        "fastapi.telemetry (OpenTelemetry spans/logs) missing",
    ),
    # -- by test file, where the messages (a status, a value) say what differs but not why
    ("gap", r"^tests/test_telemetry/", "fastapi.telemetry (OpenTelemetry spans/logs) missing"),
    ("gap", r"^tests/test_\w*alias_choices", "validation_alias=AliasChoices(...) unsupported"),
    ("gap", r"^[^\n]*validation_alias", "validation_alias= on parameters unsupported"),
    (
        "gap",
        r"^tests/test_request_params/test_default_validation",
        "default values: validate_default / default_factory semantics differ",
    ),
    (
        "gap",
        r"^tests/test_request_params/test_field_options",
        "Field options on parameters (union_mode, compiled pattern, fail_fast) unsupported",
    ),
    (
        "gap",
        r"^tests/test_request_params/test_(?:body|form|file)/",
        "single body/form/file parameters: alias, optional and list handling differ",
    ),
    (
        "gap",
        r"^tests/test_include_router_defaults_overrides|^tests/test_default_response_class",
        "default_response_class / responses of app, router and include_router: override order differs",
    ),
    ("gap", r"oauth2RedirectUrl", "Swagger UI page lacks oauth2RedirectUrl"),
    (
        "gap",
        r"differs at info\.title: 'FastCore' != 'FastAPI'(?![\s\S]*differs at)",
        "openapi: info.title default is 'FastCore' (FastAPI: 'FastAPI')",
    ),
    (
        "gap",
        r"differs at (?:paths\.[^\n]*\.)?detail\[\d+\]\.loc|differs at detail\[\d+\]\.loc",
        "422 error loc differs (alias / embed / model field paths)",
    ),
    (
        "gap",
        r"differs at paths\.[^\n]*\.responses\.\d+\.content\.application/json\.schema\.title",
        "openapi: response schema lacks 'title'",
    ),
    (
        "gap",
        r"differs at paths\.[^\n]*\.requestBody\.content\.[^\n]*\.schema\.(?:title|examples|\$ref|oneOf)",
        "openapi: requestBody schema differs (title/examples/$ref/oneOf)",
    ),
    ("gap", r"differs at paths\.[^\n]*\.parameters", "openapi: parameters differ"),
    (
        "gap",
        r"differs at (?:components\.schemas\.[^\n]*)?properties\.",
        "openapi: model schema properties differ (aliases, formats, titles)",
    ),
    ("gap", r"differs at paths\.", "openapi: path operation differs"),
    ("gap", r"differs at components\.", "openapi: components differ"),
]


def auto_reason(message: str) -> str:
    """A reason from the failure text alone, normalised so that one cause gives one reason."""
    lines = [ln[2:].strip() if ln.startswith("E ") else ln.strip() for ln in message.splitlines()]
    lines = [ln for ln in lines if ln]
    m = re.match(r"(?:AssertionError: )?assert (\d{3}) == (\d{3})$", lines[0] if lines else "")
    if m:
        return f"assert status {m.group(1)} == {m.group(2)}"
    m = re.search(r"No module named '(fastapi[\w.]*)'", message)
    if m:
        return f"module {m.group(1)} missing in fastcore"
    m = re.search(r"cannot import name '(\w+)' from '(fastapi[\w.]*)'", message)
    if m:
        return f"{m.group(2)}.{m.group(1)} missing in fastcore"
    # A JSON comparison (the plugin's "differs at" lines): the first difference but the default
    # title, with names of paths, schemas and properties left out.
    diffs = [d for d in re.findall(r"differs at (\S+?): (.*)", message) if d[0] != "info.title"]
    if diffs:
        path, what = diffs[0]
        path = re.sub(r"\[\d+\]", "[]", path)
        path = re.sub(r"^paths\.[^.]+\.[a-z]+\b", "paths.*.*", path)
        path = re.sub(r"(schemas|properties|\$defs)\.[^.]+", r"\1.*", path)
        change = (
            "missing" if what.startswith("missing") else "extra" if what.startswith("extra") else "differs"
        )
        where = "openapi: " if path.startswith(("paths", "components")) else "JSON answer: "
        return f"{where}{path} {change}"
    head = lines[0] if lines else "no message"
    head = re.sub(r"0x[0-9a-f]+", "0x..", head)
    head = re.sub(r"'[^']{40,}'", "'...'", head)
    return head[:160]


def classify(test: str, message: str) -> tuple[str, str]:
    """(kind, reason) of a failing test: RULES see the test id on the first line, then the message."""
    text = f"{test}\n{message}"
    for kind, pattern, reason in RULES:
        m = re.search(pattern, text, re.S)
        if m:
            return kind, reason.format(*m.groups()) if m.groups() else reason
    reason = auto_reason(message)
    if reason.startswith(("assert", "AssertionError", "JSON answer")):
        # An assertion says what differs, rarely why: the test file names the feature.
        reason = f"{reason} [{test.split('::')[0].removeprefix('tests/')}]"
    return "gap", reason


# ---------------------------------------------------------------------------------------------------
# Set-up


def run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def fastapi_version() -> str:
    constraints = ROOT / "ci" / "constraints" / f"py{sys.version_info[0]}.{sys.version_info[1]}.txt"
    if constraints.exists():
        for line in constraints.read_text().splitlines():
            m = re.match(r"\s*fastapi\s*==\s*([\w.]+)", line)
            if m:
                return m.group(1)
    main = ROOT / ".venv" / "bin" / "python"
    if not main.exists():
        sys.exit(
            f"fastapi_suite: neither {constraints} (fastapi==...) nor .venv (bash ci/install) to read it from"
        )
    out = subprocess.run(
        [str(main), "-c", "import importlib.metadata as m; print(m.version('fastapi'))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def prepare_sources(version: str) -> Path:
    """Download and unpack the sdist; returns the version's cache directory."""
    base = CACHE / f"fastapi-{version}"
    sdist = CACHE / f"fastapi-{version}.tar.gz"
    if not sdist.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        run(
            [
                str(venv_python()),
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"fastapi=={version}",
                "-d",
                str(CACHE),
            ]
        )
    suite = base / "suite"
    if not (suite / "tests").is_dir():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            tar.extractall(base / "unpack", filter="data")
        (base / "unpack" / f"fastapi-{version}").rename(suite)
        (base / "unpack").rmdir()
        # The package itself must not be next to the tests: pytest puts the rootdir on sys.path.
        shutil.move(str(suite / "fastapi"), str(base / "fastapi-src"))
    real = base / "real"
    if not (real / "fastapi" / "__init__.py").exists():
        run(
            [
                str(venv_python()),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(real),
                str(sdist),
            ]
        )
    return base


def venv_python() -> Path:
    return VENV / "bin" / "python"


def _suite_constraints(constraints: Path) -> Path:
    """fastcore's pins minus the packages the suite's requirements pin themselves (those win)."""
    def name(line: str) -> str:
        return re.sub(r"[-_.]+", "-", re.split(r"[=<>!~\[; ]", line.strip(), maxsplit=1)[0]).lower()

    own = {name(line) for line in REQUIREMENTS.read_text().splitlines()
           if "==" in line and not line.lstrip().startswith("#")}
    kept = [line for line in constraints.read_text().splitlines()
            if line.startswith("#") or name(line) not in own]
    VENV.mkdir(parents=True, exist_ok=True)
    out = VENV / "constraints.txt"
    out.write_text("\n".join(kept) + "\n")
    return out


def prepare_venv(version: str) -> None:
    constraints = ROOT / "ci" / "constraints" / f"py{sys.version_info[0]}.{sys.version_info[1]}.txt"
    stamp_src = REQUIREMENTS.read_bytes() + (constraints.read_bytes() if constraints.exists() else b"")
    stamp_src += (ROOT / "pyproject.toml").read_bytes()
    stamp = hashlib.sha256(stamp_src).hexdigest()
    stamp_file = VENV / "fastapi-suite.stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    pinned = re.search(r"fastapi==([\w.]+)", REQUIREMENTS.read_text())
    if pinned and pinned.group(1) != version:
        print(
            f"fastapi_suite: {REQUIREMENTS.name} was pinned for FastAPI {pinned.group(1)}, running {version};"
            " refresh it from that release's `tests` dependency group (see its header)",
            file=sys.stderr,
        )
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet"]
    cons = ["-c", str(_suite_constraints(constraints))] if constraints.exists() else []
    run([*pip, "--upgrade", "pip"])
    run([*pip, "setuptools>=68", "wheel", "Cython>=3.0,<4", *cons])
    run([*pip, "-r", str(REQUIREMENTS), *cons])
    run([*pip, "--no-build-isolation", "-e", str(ROOT), *cons])
    # FastAPI's dependencies come in with the requirements; FastAPI itself must not.
    probe = subprocess.run([str(venv_python()), "-c", "import fastapi"], capture_output=True)
    if probe.returncode == 0:
        sys.exit(
            "fastapi_suite: fastapi is importable in .venv-fastapi-suite; it must not be installed there"
        )
    stamp_file.write_text(stamp)


# ---------------------------------------------------------------------------------------------------
# The shim (runs inside the suite venv, where fastcore is importable)


def fastapi_public_modules(src: Path) -> list[str]:
    """FastAPI's module names, relative to the package ("" for fastapi itself), from its source."""
    names = []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(parts))
    return names


def fastcore_modules(wanted: Iterable[str]) -> dict[str, types.ModuleType]:
    """fastcore's public modules that FastAPI has under the same name, imported."""
    import fastcore

    names = {""}
    for info in pkgutil.walk_packages(fastcore.__path__, "fastcore."):
        rel = info.name.removeprefix("fastcore.")
        if any(p.startswith("_") for p in rel.split(".")) or rel.split(".")[0] in NOT_MAPPED:
            continue
        names.add(rel)
    # Only the modules FastAPI has are imported: fastcore.workers, for one, needs gunicorn.
    return {
        rel: importlib.import_module(f"fastcore.{rel}" if rel else "fastcore")
        for rel in sorted(names & set(wanted))
    }


def public_names(module: types.ModuleType) -> list[str]:
    names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(n for n in names if not inspect.ismodule(getattr(module, n)) or n == "status")


def generate_shim(out: Path, fastapi_src: Path) -> None:
    wanted = fastapi_public_modules(fastapi_src)
    have = fastcore_modules(wanted)
    shutil.rmtree(out, ignore_errors=True)
    mapped, missing = [], []
    for rel in wanted:
        # A FastAPI package needs its directory even when fastcore lacks the module, so that the
        # submodules fastcore does have stay importable; its __init__ then re-exports nothing.
        is_pkg = (fastapi_src / rel.replace(".", "/") / "__init__.py").exists() if rel else True
        target = out / "fastapi" / (rel.replace(".", "/") if rel else "")
        path = target / "__init__.py" if is_pkg else target.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        module = have.get(rel)
        if module is None:
            missing.append(rel)
            if is_pkg:
                path.write_text(
                    f'"""Generated by scripts/fastapi_suite.py: fastcore has no {module_name(rel)}."""\n'
                )
            continue
        mapped.append(rel)
        path.write_text(shim_source(rel, module))
    (out / "MAPPING.txt").write_text(
        "".join(f"{module_name(r)} -> {have[r].__name__}\n" for r in mapped)
        + "".join(f"{module_name(r)} -> (none)\n" for r in missing)
    )


def module_name(rel: str) -> str:
    return f"fastapi.{rel}" if rel else "fastapi"


def shim_source(rel: str, module: types.ModuleType) -> str:
    names = public_names(module)
    lines = [
        f'"""Generated by scripts/fastapi_suite.py: {module_name(rel)} -> {module.__name__}. Do not edit."""',
        "",
    ]
    if names:
        lines.append(f"from {module.__name__} import (")
        lines += [f"    {n}," for n in names]
        lines.append(")")
    aliases = {new: old for old, new in RENAMES.items() if old in names}
    lines += [f"{new} = {old}" for new, old in sorted(aliases.items())]
    lines += ["", f"__all__ = {sorted([*names, *aliases])!r}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# Running and reading results


@dataclass
class Outcome:
    outcome: str
    message: str = ""
    where: str = ""


def run_pytest(suite: Path, pythonpath: Path, expect: Path | None, results: Path, args: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), str(PLUGIN_DIR)])
    env["FASTAPI_SUITE_RESULTS"] = str(results)
    if expect is not None:
        env["FASTAPI_SUITE_EXPECT"] = str(expect)
    cmd = [
        str(venv_python()),
        "-m",
        "pytest",
        "-p",
        "fastapi_suite_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "--tb=short",
        "-o",
        "console_output_style=classic",
        *args,
    ]
    print("+", f"PYTHONPATH={env['PYTHONPATH']}", " ".join(cmd), flush=True)
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=suite, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    elapsed = time.monotonic() - start
    tail = proc.stdout.strip().splitlines()[-1:] if proc.stdout else []
    print(f"  pytest exit {proc.returncode} in {elapsed:.0f}s: {' '.join(tail)}", flush=True)
    (results.with_suffix(".log")).write_text(proc.stdout)
    if proc.returncode not in (0, 1) or not results.exists():
        print(proc.stdout[-4000:], file=sys.stderr)
        sys.exit(f"fastapi_suite: pytest did not run the suite (exit {proc.returncode})")
    return elapsed


def read_results(path: Path) -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    """(test outcomes, collection errors by module nodeid); a later line for a test wins."""
    tests: dict[str, Outcome] = {}
    collect: dict[str, Outcome] = {}
    for line in path.read_text().splitlines():
        e = json.loads(line)
        o = Outcome(e["outcome"], e.get("message", ""), e.get("where", ""))
        if e["outcome"].startswith("collect-"):
            collect[e["nodeid"]] = o
        elif not (e["nodeid"] in tests and tests[e["nodeid"]].outcome == "error"):
            tests[e["nodeid"]] = o
    return tests, collect


def fastcore_outcome(test: str, tests: dict[str, Outcome], collect: dict[str, Outcome]) -> Outcome:
    if test in tests:
        return tests[test]
    module = test.split("::")[0]
    for nodeid, o in collect.items():
        if nodeid and (module == nodeid or module.startswith(nodeid.rstrip("/") + "/")):
            return Outcome("error", o.message, o.where)
    return Outcome("not-run", "not collected on fastcore", "")


# ---------------------------------------------------------------------------------------------------
# The failures file


@dataclass
class Entry:
    kind: str
    test: str
    reason: str


KINDS = ("deliberate", "internal", "gap")


def read_failures(path: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    if not path.exists():
        return entries
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ", 2)]
        if len(parts) != 3 or parts[0] not in KINDS:
            sys.exit(f"{path.name}:{n}: expected 'kind | test id | reason' with kind in {KINDS}: {line!r}")
        entries[parts[1]] = Entry(*parts)
    return entries


def write_failures(path: Path, entries: Iterable[Entry], version: str) -> None:
    order = {k: i for i, k in enumerate(KINDS)}
    rows = sorted(entries, key=lambda e: (order[e.kind], e.reason, e.test))
    head = [
        f"# FastAPI {version}'s tests that pass on FastAPI and fail on fastcore (bash ci/fastapi-suite).",
        '# kind | test id | reason.  deliberate: README\'s "Deliberate differences from FastAPI";',
        "# internal: the test imports FastAPI's private modules; gap: not done yet, to reach zero.",
        "# Rewritten by `bash ci/fastapi-suite --update`, which keeps the deliberate entries here.",
    ]
    path.write_text("\n".join([*head, *(f"{e.kind} | {e.test} | {e.reason}" for e in rows)]) + "\n")


# ---------------------------------------------------------------------------------------------------
# Report


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def report(ref: dict[str, Outcome], ours: dict[str, Outcome], internal: set[str]) -> None:
    def row(label: str, keep: Iterator[str] | Iterable[str]) -> str:
        ids = list(keep)
        ref_pass = {t for t in ids if ref[t].outcome == "passed"}
        our_pass = {t for t in ids if ours[t].outcome == "passed"}
        both = len(ref_pass & our_pass)
        return (
            f"{label:<34} {len(our_pass):>6}/{len(ids):<6} {len(ref_pass):>6}/{len(ids):<6} "
            f"{pct(both, len(ref_pass)):>9}"
        )

    ids = sorted(ref)
    tut = [t for t in ids if t.startswith(TUTORIAL)]
    print()
    print(f"{'':<34} {'fastcore':>13} {'FastAPI':>13} {'of FastAPI':>9}")
    print(row("tutorial (tests/test_tutorial/)", tut))
    print(row("tutorial, without internal", (t for t in tut if t not in internal)))
    print(row("whole suite", ids))
    print(row("whole suite, without internal", (t for t in ids if t not in internal)))
    print(row("internal tests only", (t for t in ids if t in internal)))
    only_ours = [t for t in ids if ours[t].outcome == "passed" and ref[t].outcome != "passed"]
    if only_ours:
        print(f"({len(only_ours)} tests pass on fastcore and not on FastAPI)")
    print("'of FastAPI': the share of FastAPI's passing tests that fastcore passes too.")


# ---------------------------------------------------------------------------------------------------


# A mismatch with the list is run once more on its own, without xdist: a test whose verdict
# flips between the two runs is flaky (timing, order), reported but not held against the change.
RECHECK_MAX = 300


def recheck(
    suite: Path, shim: Path, base: Path, unlisted: list[str], now_pass: list[str], ran: set[str]
) -> tuple[list[str], list[str]]:
    """``unlisted`` and ``now_pass`` less the tests whose second run agrees with the list."""
    again = [t for t in [*unlisted, *now_pass] if t in ran]  # a listed test may no longer exist
    if not again:
        return unlisted, now_pass
    results = base / "fastcore-recheck.jsonl"
    results.unlink(missing_ok=True)
    print(f"fastapi_suite: running the {len(again)} mismatches once more", flush=True)
    run_pytest(suite, shim, shim, results, ["-n", "0", *again])
    tests, collect = read_results(results)

    def passed(t: str) -> bool:
        return fastcore_outcome(t, tests, collect).outcome == "passed"

    flaky = [t for t in unlisted if passed(t)] + [t for t in now_pass if t in tests and not passed(t)]
    for t in flaky:
        print(f"FLAKY        {t} (its verdict changed on a second run; not counted)")
    return [t for t in unlisted if t not in flaky], [t for t in now_pass if t not in flaky]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--update", action="store_true", help=f"rewrite {FAILURES.relative_to(ROOT)} from this run"
    )
    ap.add_argument("--tutorial-only", action="store_true", help="run tests/test_tutorial/ only")
    ap.add_argument("-n", "--numprocesses", default="2", help="pytest-xdist workers (0: no xdist); default 2")
    ap.add_argument(
        "--refresh-reference", action="store_true", help="rerun FastAPI even if its results are cached"
    )
    ap.add_argument(
        "--no-run",
        action="store_true",
        help="re-read the last run's results instead of running pytest (to refine RULES)",
    )
    ap.add_argument("--generate-shim", nargs=2, metavar=("OUT", "FASTAPI_SRC"), help=argparse.SUPPRESS)
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    opts = ap.parse_args()

    if opts.generate_shim:
        generate_shim(Path(opts.generate_shim[0]), Path(opts.generate_shim[1]))
        return 0

    started = time.monotonic()
    version = fastapi_version()
    print(f"fastapi_suite: FastAPI {version}", flush=True)
    base = CACHE / f"fastapi-{version}"
    if not opts.no_run:
        prepare_venv(version)
        base = prepare_sources(version)
    suite = base / "suite"
    shim = base / "shim"
    if not opts.no_run:
        run(
            [
                str(venv_python()),
                str(Path(__file__).resolve()),
                "--generate-shim",
                str(shim),
                str(base / "fastapi-src"),
            ]
        )

    # Test paths among the pytest arguments (``-- tests/test_sse.py``) replace the default target.
    named = [a for a in opts.pytest_args if not a.startswith("-") and (suite / a.split("::")[0]).exists()]
    targets = [] if named else [TUTORIAL] if opts.tutorial_only else ["tests"]
    xdist = ["-n", opts.numprocesses]  # -n 0: no workers (the suite's xdist_group marks need the plugin)
    args = [*xdist, *opts.pytest_args, *targets]
    key = hashlib.sha256(json.dumps([version, args]).encode() + REQUIREMENTS.read_bytes()).hexdigest()[:12]
    ref_file = base / f"reference-{key}.jsonl"
    if opts.no_run:
        pass
    elif opts.refresh_reference or not ref_file.exists():
        run_pytest(suite, base / "real", base / "real", ref_file.with_suffix(".tmp"), args)
        ref_file.with_suffix(".tmp").rename(ref_file)
    else:
        print(
            f"fastapi_suite: FastAPI's results from {ref_file.relative_to(ROOT)} (--refresh-reference reruns)"
        )
    ours_file = base / "fastcore.jsonl"
    if not opts.no_run:
        run_pytest(suite, shim, shim, ours_file, args)

    ref_tests, _ = read_results(ref_file)
    our_tests, our_collect = read_results(ours_file)
    ours = {t: fastcore_outcome(t, our_tests, our_collect) for t in ref_tests}
    internal_files: dict[str, str] = {}
    for t in ref_tests:
        f = t.split("::")[0]
        if f not in internal_files:
            path = suite / f
            why = internal_reason(path.read_text()) if path.exists() else None
            internal_files[f] = why or ""
    internal = {t for t in ref_tests if internal_files[t.split("::")[0]]}
    report(ref_tests, ours, internal)

    failing = {t for t, o in ours.items() if ref_tests[t].outcome == "passed" and o.outcome != "passed"}
    listed = read_failures(FAILURES)
    fresh: dict[str, Entry] = {}
    for t in sorted(failing):
        if t in internal:
            kind, reason = "internal", internal_files[t.split("::")[0]]
        else:
            kind, reason = classify(t, ours[t].message)
        old = listed.get(t)
        # A "deliberate" entry written in the file survives --update (its reason points at README);
        # a gap's reason is recomputed from this run, so a cause that was fixed does not keep naming
        # tests that now fail for another one.  Name a gap's cause in RULES, not in the file.
        if old is not None and old.kind == "deliberate" and kind != "internal":
            kind, reason = old.kind, old.reason
        fresh[t] = Entry(kind, t, reason)

    counts = collections.Counter((e.kind, e.reason) for e in fresh.values())
    print(
        f"\nfailing on fastcore, passing on FastAPI: {len(fresh)}  "
        + "  ".join(f"{k}: {sum(1 for e in fresh.values() if e.kind == k)}" for k in KINDS)
    )
    print("gaps by reason:")
    for (kind, reason), n in counts.most_common():
        if kind == "gap":
            print(f"  {n:5}  {reason}")
    print(f"\nfastapi_suite: {time.monotonic() - started:.0f}s in all")

    ran = set(ref_tests)
    in_scope = {t: e for t, e in listed.items() if t.split("::")[0] in {x.split("::")[0] for x in ran}}
    if not opts.tutorial_only and not opts.pytest_args:
        in_scope = listed
    unlisted = sorted(set(fresh) - set(listed))
    now_pass = sorted(t for t in in_scope if t not in fresh)
    if opts.update:
        kept = [e for t, e in listed.items() if t not in in_scope]
        write_failures(FAILURES, [*kept, *fresh.values()], version)
        print(f"fastapi_suite: wrote {FAILURES.relative_to(ROOT)} ({len(kept) + len(fresh)} tests)")
        return 0
    if (unlisted or now_pass) and not opts.no_run and len(unlisted) + len(now_pass) <= RECHECK_MAX:
        unlisted, now_pass = recheck(suite, shim, base, unlisted, now_pass, ran)
    if unlisted or now_pass:
        for t in unlisted:
            e = fresh[t]
            print(f"NEW FAILURE  {e.kind} | {t} | {e.reason}\n    {ours[t].message.splitlines()[:1]}")
        for t in now_pass:
            print(f"NOW PASSES   {t} (listed as {listed[t].kind}: {listed[t].reason})")
        print(
            f"\nfastapi_suite: {len(unlisted)} failing tests not in {FAILURES.relative_to(ROOT)}, "
            f"{len(now_pass)} listed tests that pass (or no longer exist). Fix the failures, or if a "
            "change is intended run `bash ci/fastapi-suite --update` and commit the file."
        )
        return 1
    print(f"fastapi_suite: OK, every failure is listed in {FAILURES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
