"""fastcore.responses: the exported classes (server-sent events: tests/test_sse.py)."""

from __future__ import annotations

import starlette.responses

import fastcore.responses


def test_exports() -> None:
    for name in ("JSONResponse", "PlainTextResponse", "HTMLResponse", "RedirectResponse",
                 "StreamingResponse", "FileResponse", "Response", "EventSourceResponse",
                 "ServerSentEvent", "ORJSONResponse", "UJSONResponse"):
        assert name in fastcore.responses.__all__
        assert getattr(fastcore.responses, name) is not None
    assert fastcore.responses.Response is starlette.responses.Response
    assert issubclass(fastcore.responses.JSONResponse, starlette.responses.Response)
    assert fastcore.responses.JSONResponse({"a": [1]}).body == b'{"a":[1]}'


def test_event_source_response_is_fastcore_sse_one() -> None:
    import fastcore.sse

    assert fastcore.responses.EventSourceResponse is fastcore.sse.EventSourceResponse
    assert fastcore.responses.ServerSentEvent is fastcore.sse.ServerSentEvent
