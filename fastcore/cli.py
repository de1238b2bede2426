"""``fastcore run module:app [options]`` (also ``python -m fastcore run ...``), ``fastcore routes
module:app`` (the route table) and ``fastcore openapi module:app`` (the OpenAPI document as JSON).

Subcommands are registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from .server.config import LOG_LEVELS, Config

DEFAULTS = {f.name: f.default for f in fields(Config) if f.name != "app"}


def _header(value: str) -> tuple[str, str]:
    name, sep, val = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError("expected 'Name: value'")
    return name.strip(), val.strip()


# (flags, Config field, argparse keywords, help).  Defaults come from Config, so they cannot drift.
RUN_OPTIONS: list[tuple[tuple[str, ...], str, dict[str, Any], str]] = [
    (("--host",), "host", {}, "bind address"),
    (("--port",), "port", {"type": int}, "bind port (0: any free port)"),
    (("--uds",), "uds", {}, "bind a Unix domain socket at this path"),
    (("--fd",), "fd", {"type": int}, "serve an already-listening socket from this file descriptor"),
    (("--factory",), "factory", {"action": "store_true"}, "APP is a callable that returns the app"),
    (("--workers",), "workers", {"type": int}, "worker processes sharing the socket"),
    (("--reload",), "reload", {"action": "store_true"}, "restart on .py changes (needs watchfiles)"),
    (("--reload-dir",), "reload_dirs", {"action": "append"}, "directory to watch (repeatable)"),
    (("--log-level",), "log_level", {"choices": list(LOG_LEVELS)}, "log level"),
    (("--access-log",), "access_log", {"action": "store_true"}, "log every request (off by default)"),
    (("--proxy-headers",), "proxy_headers", {"action": "store_true"},
     "trust X-Forwarded-For/-Proto from --forwarded-allow-ips"),
    (("--forwarded-allow-ips",), "forwarded_allow_ips", {},
     "comma-separated trusted proxy IPs/networks, or *"),
    (("--root-path",), "root_path", {}, "ASGI root_path (app mounted below a prefix)"),
    (("--ssl-keyfile",), "ssl_keyfile", {}, "TLS private key (PEM)"),
    (("--ssl-certfile",), "ssl_certfile", {}, "TLS certificate chain (PEM)"),
    (("--ssl-keyfile-password",), "ssl_keyfile_password", {}, "password of the TLS key"),
    (("--ssl-ca-certs",), "ssl_ca_certs", {}, "CA bundle for client certificates"),
    (("--lifespan",), "lifespan", {"choices": ["auto", "on", "off"]}, "ASGI lifespan protocol"),
    (("--backlog",), "backlog", {"type": int}, "listen(2) backlog"),
    (("--limit-concurrency",), "limit_concurrency", {"type": int},
     "connections/in-flight requests before answering 503 (0: no limit)"),
    (("--max-header-bytes", "--h11-max-header-size"), "max_header_bytes", {"type": int},
     "request header bytes before 431"),
    (("--max-header-count",), "max_header_count", {"type": int}, "request header fields before 431"),
    (("--max-url-length",), "max_url_length", {"type": int}, "request-target bytes before 414"),
    (("--max-body-size",), "max_body_size", {"type": int}, "request body bytes before 413 (0: no limit)"),
    (("--timeout-keep-alive",), "timeout_keep_alive", {"type": float}, "idle keep-alive seconds"),
    (("--timeout-request-head",), "timeout_request_head", {"type": float},
     "seconds to receive a request head before 408 (slow clients)"),
    (("--timeout-request-body",), "timeout_request_body", {"type": float},
     "seconds a request body may go without a byte before 408 (0: off)"),
    (("--timeout-send",), "timeout_send", {"type": float},
     "seconds a client may read nothing of a pending response before it is dropped (0: off)"),
    (("--timeout-graceful-shutdown",), "timeout_graceful_shutdown", {"type": float},
     "seconds in-flight requests get on SIGTERM"),
    (("--ws",), "ws", {"choices": ["auto", "websockets", "none"]}, "WebSocket support"),
    (("--ws-max-size",), "ws_max_size", {"type": int}, "WebSocket message bytes before close 1009"),
    (("--ws-ping-interval",), "ws_ping_interval", {"type": float}, "seconds between pings (0: none)"),
    (("--ws-ping-timeout",), "ws_ping_timeout", {"type": float}, "seconds to wait for a pong"),
    (("--ws-per-message-deflate",), "ws_per_message_deflate", {"action": argparse.BooleanOptionalAction},
     "WebSocket permessage-deflate compression, when the client offers it"),
    (("--server-header",), "server_header", {"action": "store_true"}, "send 'server: fastcore'"),
    (("--no-coalesce-writes",), "coalesce_writes", {"action": "store_false"},
     "coalesce_writes=False: write each response the moment the app sends it, instead of holding "
     "small complete responses to the end of the event-loop iteration"),
    (("--header",), "headers", {"action": "append", "type": _header},
     "extra response header 'Name: value' (repeatable)"),
]


def _add_run(sub: Any) -> None:
    parser = sub.add_parser(
        "run",
        help="serve an ASGI app on fastcore's built-in server",
        description="Serve an ASGI app (fastcore, FastAPI, Starlette...) on fastcore's server.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("app", metavar="APP", help="the app as 'module:attribute'")
    for flags, name, kwargs, help_text in RUN_OPTIONS:
        default = DEFAULTS[name]
        if kwargs.get("action") == "append":
            default = None
        parser.add_argument(*flags, dest=name, default=default, help=help_text, **kwargs)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from .server import run

    options = {name: getattr(args, name) for _, name, _, _ in RUN_OPTIONS}
    for name in ("reload_dirs", "headers"):
        options[name] = options[name] or []
    try:
        return run(args.app, **options)
    except ValueError as exc:
        print(f"fastcore run: error: {exc}", file=sys.stderr)
        return 2


def _load(target: str, factory: bool, command: str) -> Any:
    from .server.config import import_from_string

    try:
        app = import_from_string(target)
    except (ValueError, ImportError) as exc:
        print(f"fastcore {command}: error: {exc}", file=sys.stderr)
        return None
    return app() if factory else app


def _add_app_command(
    sub: Any, name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
) -> Any:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("app", metavar="APP", help="the app as 'module:attribute'")
    parser.add_argument("--factory", action="store_true", help="APP is a callable that returns the app")
    parser.set_defaults(handler=handler)
    return parser


def _add_openapi(sub: Any) -> None:
    parser = _add_app_command(sub, "openapi", "print the app's OpenAPI document (JSON)", _openapi)
    parser.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")


def _openapi(args: argparse.Namespace) -> int:
    app = _load(args.app, args.factory, "openapi")
    if app is None:
        return 2
    if not callable(getattr(app, "openapi", None)):
        print(f"fastcore openapi: error: {args.app} has no openapi() method", file=sys.stderr)
        return 2
    import msgspec

    document = msgspec.json.encode(app.openapi())
    if args.indent:
        document = msgspec.json.format(document, indent=args.indent)
    sys.stdout.write(document.decode() + "\n")
    return 0


def _add_routes(sub: Any) -> None:
    _add_app_command(sub, "routes", "list the app's routes: method, path, name, endpoint", _routes)


def _routes(args: argparse.Namespace) -> int:
    from starlette.routing import Mount, Route, WebSocketRoute

    app = _load(args.app, args.factory, "routes")
    if app is None:
        return 2
    rows: list[tuple[str, str, str, str]] = []
    for route in getattr(app, "routes", None) or ():
        if isinstance(route, Route):
            methods = sorted(route.methods or ())
            if "GET" in methods and "HEAD" in methods:
                methods.remove("HEAD")  # implied by GET
            rows.append((",".join(methods), route.path, route.name, _qualname(route.endpoint)))
        elif isinstance(route, WebSocketRoute):
            rows.append(("WS", route.path, route.name, _qualname(route.endpoint)))
        elif isinstance(route, Mount):
            rows.append(("MOUNT", route.path, route.name or "", _qualname(route.app)))
    if not rows:
        print(f"fastcore routes: {args.app} has no routes", file=sys.stderr)
        return 0
    header = ("METHOD", "PATH", "NAME", "ENDPOINT")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3])
    return 0


def _qualname(obj: Any) -> str:
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    return f"{getattr(target, '__module__', '?')}.{target.__qualname__}"


COMMANDS: list[Callable[[Any], None]] = [_add_run, _add_routes, _add_openapi]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fastcore", description="fastcore command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
