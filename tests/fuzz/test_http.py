"""Fuzz ``fastcore._http.HttpProtocol``: generated and random request bytes, split at arbitrary read
boundaries, into a protocol with a socket-less transport on a real event loop (see ``_protocol``).

Whatever the bytes: no exception leaves ``data_received``, nothing is logged as an error, every byte
written is a well-formed HTTP/1.1 response, no 5xx but the deliberate ones for bad input (501, 505),
an error response closes the connection, valid requests ahead of garbage are answered first and in
order, and no task of the connection outlives it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ._kit import drawn, fuzz_settings
from ._protocol import Case, Problems, build_case, check, run_case


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = _new_loop()
    try:
        yield loop
    finally:
        loop.close()


@pytest.fixture(scope="module")
def problems(loop: asyncio.AbstractEventLoop) -> Iterator[Problems]:
    problems = Problems()
    loop.set_exception_handler(problems.loop_handler)
    logger = logging.getLogger("fastcore")
    logger.addHandler(problems)
    try:
        yield problems
    finally:
        logger.removeHandler(problems)


def _run(case: Case, loop: asyncio.AbstractEventLoop, problems: Problems) -> None:
    problems.seen.clear()
    outcome = run_case(case, loop)
    check(case, outcome)
    assert problems.seen == []


@fuzz_settings(1500)
@given(case=drawn(build_case))
def test_structured_requests(case: Case, loop: asyncio.AbstractEventLoop, problems: Problems) -> None:
    _run(case, loop, problems)


@fuzz_settings(800)
@given(data=st.binary(max_size=600), cuts=st.lists(st.integers(0, 600), max_size=5),
       spin=st.booleans(), small=st.booleans())
def test_random_bytes(data: bytes, cuts: list[int], spin: bool, small: bool,
                      loop: asyncio.AbstractEventLoop, problems: Problems) -> None:
    _run(Case(data, [], [c for c in cuts if c < len(data)], spin, small), loop, problems)


@fuzz_settings(800)
@given(prefix=st.sampled_from([b"GET / HTTP/1.1\r\nHost: a\r\n", b"POST /s HTTP/1.1\r\nHost: a\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\n", b"GET /", b""]),
       data=st.binary(max_size=300), spin=st.booleans())
def test_random_bytes_after_a_plausible_start(prefix: bytes, data: bytes, spin: bool,
                                              loop: asyncio.AbstractEventLoop, problems: Problems) -> None:
    # Random bytes mostly die on the first byte; after a plausible start they reach the later states.
    _run(Case(prefix + data, [], [len(prefix)], spin, False), loop, problems)


_OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
_ERROR = b'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 16\r\n\r\n{"detail":"Bad"}'
_GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


@pytest.mark.parametrize(("out", "closed", "valid"), [
    (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nok", True, 0),  # framing: body shorter than promised
    (b"HTTP/1.1 200 OK\r\n\r\nok", True, 0),  # not framed at all
    (b"junk", True, 0),
    (_ERROR.replace(b"400 Bad Request", b"500 Internal Server Error"), True, 0),
    (_ERROR, False, 0),  # an error response on a connection left open
    (_ERROR + _OK, True, 0),  # a response after an error response
    (b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 2\r\n\r\nno", True, 0),  # not JSON
    (b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok", True, 0),
    (b"HTTP/1.1 102 Processing\r\n\r\n" + _OK, True, 0),
    (_ERROR, True, 1),  # the valid request ahead of the garbage was not answered
])
def test_the_checks_catch_what_they_promise(out: bytes, closed: bool, valid: int) -> None:
    # The oracle can fail: each of these outputs breaks one invariant.
    from ._protocol import Expected, Outcome

    expected = [Expected(b"GET", b"/", b"", b"")] * valid
    case = Case(_GET * valid + b"\x00", expected, [], False, False)
    with pytest.raises(AssertionError):
        check(case, Outcome(out, closed, 0, 0, False))
