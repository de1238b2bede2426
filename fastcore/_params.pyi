"""Typed interface of the compiled parameter plan (``_ext/fastcore/_params.pyx``); see its docstring."""

from collections.abc import Callable, Iterable
from re import Pattern
from typing import Any, Final, TypedDict, final

from starlette.background import BackgroundTasks
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Send
from starlette.websockets import WebSocket
from typing_extensions import NotRequired

from fastcore.exceptions import HTTPException

# Value kinds: what a Coercer turns the raw string into.
K_STR: Final = 0
K_INT: Final = 1
K_FLOAT: Final = 2
K_BOOL: Final = 3
K_DECIMAL: Final = 4
K_UUID: Final = 5
K_DATETIME: Final = 6
K_DATE: Final = 7
K_TIME: Final = 8
K_CHOICE: Final = 9
K_BYTES: Final = 10
K_ANY: Final = 11

# Sources: where a Field's value comes from.
S_PATH: Final = 0
S_QUERY: Final = 1
S_HEADER: Final = 2
S_COOKIE: Final = 3
S_REQUEST: Final = 10
S_RESPONSE: Final = 11
S_BACKGROUND: Final = 12
S_VALUE: Final = 13

# Names below that start with "_" exist only for type checkers.
_Loc = tuple[str | int, ...]

class _ErrorDict(TypedDict):
    """One validation failure, shaped as FastAPI reports it (pydantic v2's dict without ``url``)."""

    type: str
    loc: _Loc
    msg: str
    input: Any
    ctx: NotRequired[dict[str, Any]]

def missing_error(loc: _Loc) -> _ErrorDict: ...
def expected_text(values: Iterable[object]) -> str: ...
def has_unusual_numbers(raw: bytes) -> bool: ...
def too_large() -> HTTPException: ...
def declared_length(conn: Conn) -> int | None: ...
async def read_body(conn: Conn, limit: int) -> bytes: ...
def scope_header(scope: dict[str, Any], name: bytes) -> str | None: ...
def parse_query(qs: bytes) -> dict[str, list[str]]: ...
def parse_cookies(header: str) -> dict[str, str]: ...
@final
class Conn:
    @property
    def scope(self) -> dict[str, Any]: ...
    @property
    def receive(self) -> Receive: ...
    @property
    def send(self) -> Send: ...
    def __init__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None: ...
    body: bytes | None
    form: FormData | None
    @property
    def query(self) -> dict[str, list[str]]: ...
    @property
    def headers(self) -> dict[str, list[str]]: ...
    @property
    def cookies(self) -> dict[str, str]: ...
    @property
    def request(self) -> Request | WebSocket: ...
    @request.setter
    def request(self, value: Request | WebSocket) -> None: ...
    @property
    def response(self) -> Response | None: ...
    def get_response(self) -> Response: ...
    @property
    def background(self) -> BackgroundTasks | None: ...
    def get_background(self) -> BackgroundTasks: ...

@final
class Coercer:
    @property
    def kind(self) -> int: ...
    @property
    def target(self) -> Any: ...
    def __init__(
        self,
        kind: int,
        target: Any = None,
        *,
        choices: Iterable[Any] | None = None,
        gt: Any = None,
        ge: Any = None,
        lt: Any = None,
        le: Any = None,
        multiple_of: Any = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | Pattern[str] | None = None,
        allow_inf_nan: bool = False,
    ) -> None: ...
    def __call__(self, raw: object, loc: _Loc = ("query", "value")) -> tuple[Any, list[_ErrorDict]]: ...

@final
class Field:
    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def source(self) -> int: ...
    @property
    def is_list(self) -> bool: ...
    @property
    def required(self) -> bool: ...
    @property
    def default(self) -> Any: ...
    @property
    def factory(self) -> Callable[[], Any] | None: ...
    @property
    def coercer(self) -> Coercer | None: ...
    def __init__(
        self,
        name: str,
        key: str,
        source: int,
        coercer: Coercer | None = None,
        *,
        required: bool = True,
        default: Any = None,
        factory: Callable[[], Any] | None = None,
        is_list: bool = False,
        list_min: int | None = None,
        list_max: int | None = None,
        container: Callable[[list[Any]], Any] | None = None,
        label: str | None = None,
    ) -> None: ...

@final
class Plan:
    @property
    def fields(self) -> tuple[Field, ...]: ...
    def __init__(self, fields: Iterable[Field], order: Iterable[str] | None = None) -> None: ...
    def __len__(self) -> int: ...
    @property
    def positional(self) -> bool: ...
    def extract(
        self, conn: Conn, path_params: dict[str, Any] | None, errors: list[_ErrorDict]
    ) -> dict[str, Any]: ...
    def extract_into(
        self,
        conn: Conn,
        path_params: dict[str, Any] | None,
        values: dict[str, Any],
        errors: list[_ErrorDict],
    ) -> None: ...
    def extract_args(
        self, conn: Conn, path_params: dict[str, Any] | None, errors: list[_ErrorDict]
    ) -> tuple[Any, ...]: ...
