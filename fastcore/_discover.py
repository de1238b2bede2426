"""Find the app behind ``fastcore run PATH`` / ``fastcore dev PATH``, as fastapi-cli does.

A path names a module file (``main.py``, ``pkg/api.py``, ``pkg/__init__.py``) or a package folder.
Its import name is built from the file upward while the parents are packages (hold an
``__init__.py``), and the folder above the topmost package goes on ``sys.path``::

    /srv/shop/api/main.py   (shop/ has no __init__.py, api/ has one)
    -> sys.path gets /srv/shop, the module is "api.main"

In the module, the app is the attribute named by ``--app``; without it ``app``, then ``api`` (when
they are FastCore/FastAPI instances), else the only FastCore/FastAPI instance.  Failures are
:class:`DiscoveryError` with a one-line message.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What fastapi-cli tries, in this order, when no path is given.
DEFAULT_PATHS = ("main.py", "app.py", "api.py", "app/main.py", "app/app.py", "app/api.py")
PREFERRED_NAMES = ("app", "api")


class DiscoveryError(Exception):
    """The path or the module holds no usable app (or several); the message is one line."""


@dataclass(frozen=True)
class Target:
    module: str  # import name, e.g. "api.main"
    attribute: str  # the app's name in that module
    sys_path: str  # the folder put on sys.path so that ``module`` imports
    source_root: str  # the topmost package's folder (or the module's), the natural reload dir

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attribute}"


def looks_like_path(target: str) -> bool:
    """``module:attr`` keeps its meaning; anything that exists or reads as a file/folder is a path."""
    if Path(target).exists():
        return True
    if ":" in target:
        return False
    return target.endswith(".py") or "/" in target or "\\" in target


def default_path(cwd: Path | None = None) -> Path:
    base = cwd or Path.cwd()
    for candidate in DEFAULT_PATHS:
        if (base / candidate).is_file():
            return base / candidate
    raise DiscoveryError(
        f"no path given and none of {', '.join(DEFAULT_PATHS)} exists in {base}; "
        "pass a file or package folder, or module:app"
    )


def module_of(path: Path) -> tuple[str, Path, Path]:
    """(import name, folder for sys.path, source root) of a module file or package folder."""
    resolved = path.resolve()
    if not resolved.exists():
        raise DiscoveryError(f"path {str(path)!r} does not exist")
    if resolved.is_file():
        if resolved.suffix != ".py":
            raise DiscoveryError(f"path {str(path)!r} is not a Python file (*.py) or a package folder")
        module_path = resolved.parent if resolved.name == "__init__.py" else resolved
    else:
        if not (resolved / "__init__.py").is_file():
            raise DiscoveryError(f"folder {str(path)!r} is not a package (it has no __init__.py)")
        module_path = resolved
    parts = [module_path.stem if module_path.is_file() else module_path.name]
    top = module_path
    for parent in module_path.parents:
        if not (parent / "__init__.py").is_file():
            break
        parts.insert(0, parent.name)
        top = parent
    for part in parts:
        if not part.isidentifier():
            raise DiscoveryError(f"{part!r} in {str(path)!r} is not a valid module name")
    root = top if top.is_dir() else top.parent
    return ".".join(parts), top.parent, root


def is_app(obj: Any) -> bool:
    """A FastCore app, FastAPI's own included (checked by class name: fastapi is not imported)."""
    from .applications import FastCore

    if isinstance(obj, FastCore):
        return True
    return any(
        cls.__name__ == "FastAPI" and cls.__module__.partition(".")[0] == "fastapi"
        for cls in type(obj).__mro__
    )


def discover(path: Path, app_name: str | None = None, *, factory: bool = False) -> Target:
    """Import the module at ``path`` (putting its root on ``sys.path``) and name its app."""
    module_name, extra_path, root = module_of(path)
    if str(extra_path) not in sys.path:
        sys.path.insert(0, str(extra_path))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            # Shadowed by an installed module of the same name, or not importable from its folder.
            raise DiscoveryError(f"cannot import {module_name!r} from {extra_path}: {exc}") from exc
        raise
    found_file = getattr(module, "__file__", None)
    if found_file is None or Path(found_file).resolve() not in _candidate_files(extra_path, module_name):
        raise DiscoveryError(
            f"importing {module_name!r} found {found_file or 'a namespace package'}, not {str(path)!r} "
            "(a module of that name comes first on sys.path)"
        )
    where = f"module {module_name!r} ({path})"
    if app_name is not None:
        if not hasattr(module, app_name):
            raise DiscoveryError(f"{where} has no attribute {app_name!r}")
        obj = getattr(module, app_name)
        if not callable(obj):
            raise DiscoveryError(f"{module_name}.{app_name} is not an ASGI app (not callable)")
        return Target(module_name, app_name, str(extra_path), str(root))
    if factory:
        raise DiscoveryError("--factory with a path needs --app NAME (the factory's name)")
    for name in PREFERRED_NAMES:
        if is_app(getattr(module, name, None)):
            return Target(module_name, name, str(extra_path), str(root))
    found = sorted(name for name, value in vars(module).items() if is_app(value))
    if not found:
        raise DiscoveryError(f"{where} holds no FastCore/FastAPI app; name one with --app NAME")
    if len(found) > 1:
        raise DiscoveryError(f"{where} holds several apps ({', '.join(found)}); choose one with --app NAME")
    return Target(module_name, found[0], str(extra_path), str(root))


def _candidate_files(extra_path: Path, module_name: str) -> tuple[Path, Path]:
    base = Path(extra_path, *module_name.split("."))
    return Path(f"{base}.py").resolve(), (base / "__init__.py").resolve()
