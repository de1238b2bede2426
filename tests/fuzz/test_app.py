"""Fuzz a routed fastcore app (path, query, header and cookie parameters of many types; JSON bodies
into msgspec Structs, dataclasses and pydantic models; forms and uploads; security schemes), called
as an ASGI app with generated requests (see ``_routed``): never a 5xx, never an exception out of the
app, and every 4xx carries FastAPI's JSON error shape.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ._kit import drawn, fuzz_settings
from ._routed import (
    CONTENT_TYPES,
    Request,
    Result,
    build_request,
    call,
    check,
    make_app,
    upstream_upload_leak_closed,
)


@pytest.fixture(scope="module")
def app() -> Any:
    return make_app()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


def _run(app: Any, loop: asyncio.AbstractEventLoop, request: Request) -> Result:
    with upstream_upload_leak_closed(request):
        result = loop.run_until_complete(call(app, request))
    check(request, result)
    return result


@fuzz_settings(1500)
@given(request=drawn(build_request))
def test_generated_requests(request: Request, app: Any, loop: asyncio.AbstractEventLoop) -> None:
    _run(app, loop, request)


BODY_ROUTES = [("POST", "/struct"), ("POST", "/dataclass"), ("POST", "/pydantic"), ("POST", "/embed"),
               ("POST", "/list"), ("POST", "/any"), ("POST", "/form"), ("POST", "/upload"),
               ("PUT", "/items/1")]


@fuzz_settings(400)
@given(route=st.sampled_from(BODY_ROUTES), body=st.binary(max_size=300),
       ctype=st.sampled_from(CONTENT_TYPES), chunks=st.integers(1, 3))
def test_random_body_bytes(route: tuple[str, str], body: bytes, ctype: bytes, chunks: int, app: Any,
                           loop: asyncio.AbstractEventLoop) -> None:
    headers = [(b"content-type", ctype), (b"content-length", b"%d" % len(body))]
    _run(app, loop, Request(route[0], route[1], b"", headers, body, chunks))


@fuzz_settings(400)
@given(query=st.binary(max_size=200).map(lambda b: bytes(c for c in b if 0x21 <= c < 0x7F and c != 0x23)),
       path=st.text(max_size=30))
def test_random_query_and_path(query: bytes, path: str, app: Any, loop: asyncio.AbstractEventLoop) -> None:
    # Printable-ASCII query bytes, as a server hands them over, against the most parameters; and text
    # after a route's prefix.
    _run(app, loop, Request("GET", "/items/1", query, [], b"", 1))
    _run(app, loop, Request("GET", "/files/" + path, query, [], b"", 1))
    _run(app, loop, Request("GET", "/items/" + path, query, [], b"", 1))


def test_the_checks_catch_what_they_promise() -> None:
    # The oracle can fail: a 500, a 4xx without FastAPI's shape, a 422 item without its keys.
    get = Request("GET", "/", b"", [], b"", 1)
    json_type = [(b"content-type", b"application/json")]
    for bad in (Result(500, json_type, b'{"detail":"x"}'), Result(400, [], b'{"detail":"x"}'),
                Result(404, json_type, b'{"error":"x"}'), Result(422, json_type, b'{"detail":"x"}'),
                Result(422, json_type, b'{"detail":[{"loc":["query","q"],"msg":"m","input":1}]}'),
                Result(422, json_type, b'{"detail":[{"type":"t","loc":[],"msg":"m","input":1}]}')):
        with pytest.raises(AssertionError):
            check(get, bad)
    check(get, Result(422, json_type, b'{"detail":[{"type":"t","loc":["query","q"],"msg":"m","input":1}]}'))
