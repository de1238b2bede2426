"""``Path()``, ``Query()``, ``Header()``, ``Cookie()``, ``Body()``, ``Form()``, ``File()``,
``Depends()`` and ``Security()`` with FastAPI's signatures.

They return ``Any`` so that ``q: int = Query(10)`` type-checks, as it does with FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from fastcore import params
from fastcore.params import UNSET

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]


def _given(info: params.ParamInfo, kwargs: dict[str, Any]) -> params.ParamInfo:
    info.given = frozenset(kwargs)
    return info


def Path(default: Any = UNSET, **kwargs: Any) -> Any:
    """A path parameter (the value of ``{name}`` in the route's path)."""
    return _given(params.PathInfo(default, **kwargs), kwargs)


def Query(default: Any = UNSET, **kwargs: Any) -> Any:
    """A query-string parameter; ``list[T]`` collects repeated keys."""
    return _given(params.QueryInfo(default, **kwargs), kwargs)


def Header(default: Any = UNSET, *, convert_underscores: bool = True, **kwargs: Any) -> Any:
    """A request header; ``x_token`` reads ``x-token`` unless ``convert_underscores=False``."""
    return _given(params.HeaderInfo(default, convert_underscores=convert_underscores, **kwargs), kwargs)


def Cookie(default: Any = UNSET, **kwargs: Any) -> Any:
    """A cookie from the request's ``Cookie`` header."""
    return _given(params.CookieInfo(default, **kwargs), kwargs)


def Body(default: Any = UNSET, *, embed: bool | None = None, media_type: str = "application/json",
         **kwargs: Any) -> Any:
    """A value from the JSON request body."""
    return _given(params.BodyInfo(default, embed=embed, media_type=media_type, **kwargs), kwargs)


def Form(default: Any = UNSET, **kwargs: Any) -> Any:
    """A field of an urlencoded or multipart form."""
    return _given(params.FormInfo(default, **kwargs), kwargs)


def File(default: Any = UNSET, **kwargs: Any) -> Any:
    """A file of a multipart form."""
    return _given(params.FileInfo(default, **kwargs), kwargs)


def Depends(
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
    max_concurrency: int | None = None,
    run_sync_inline: bool | None = None,
) -> Any:
    """The parameter's value is what ``dependency`` returns (or yields), solved per request.

    ``scope="function"`` runs a yield dependency's clean-up as soon as the path operation has
    returned, before the response is sent; ``"request"`` (the default) after it is sent.
    ``max_concurrency=N`` lets at most N calls of this declaration run at once; the others wait.
    ``run_sync_inline=True`` runs a plain ``def`` dependency on the event loop instead of a worker
    thread: faster, for code that never blocks (a blocking call would stall every request).
    """
    return params.Depends(
        dependency,
        use_cache=use_cache,
        scope=scope,
        max_concurrency=max_concurrency,
        run_sync_inline=run_sync_inline,
    )


def Security(
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
    max_concurrency: int | None = None,
    run_sync_inline: bool | None = None,
) -> Any:
    """Like ``Depends``, and declares the OAuth2 scopes the dependency requires."""
    return params.Security(
        dependency,
        scopes=scopes,
        use_cache=use_cache,
        max_concurrency=max_concurrency,
        run_sync_inline=run_sync_inline,
    )
