"""Typed interface of the compiled router (``_ext/fastcore/_router.pyx``); see its docstring."""

from collections.abc import Iterable, Mapping
from typing import Any, Final, final

FOUND: Final = 0
METHOD_NOT_ALLOWED: Final = 1
NOT_FOUND: Final = 2

@final
class Router:
    def __init__(self) -> None: ...
    def add(self, path: str, methods: Iterable[str] | None, endpoint: object) -> None: ...
    # (FOUND, route, {name: value}) | (METHOD_NOT_ALLOWED, None, allowed methods) | (NOT_FOUND, None, None);
    # Any, so the router reads them without a runtime cast.
    def match(self, method: str, path: str) -> tuple[int, Any, Any]: ...
    def __len__(self) -> int: ...

def compile_template(path: str) -> tuple[str, dict[str, str]]: ...
def build_path(path: str, params: Mapping[str, object]) -> str | None: ...
