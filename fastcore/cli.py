"""``fastcore run APP [options]`` (also ``python -m fastcore run ...``), ``fastcore dev APP`` (the same
with --reload, 127.0.0.1 and debug logging), ``fastcore routes APP`` (the route table) and
``fastcore openapi APP`` (the OpenAPI document as JSON).  APP is ``module:attribute`` or, as with
fastapi-cli, a module file or package folder whose app is discovered (:mod:`fastcore._discover`).

Subcommands are registered in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from ._discover import DEFAULT_PATHS, DiscoveryError, Target, default_path, discover, looks_like_path
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


APP_HELP = (
    "the app: 'module:attribute', or a module file (main.py) or package folder whose app is found "
    "as fastapi-cli finds it (default: the first of " + ", ".join(DEFAULT_PATHS) + ")"
)


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("app", metavar="APP", nargs="?", default=None, help=APP_HELP)
    parser.add_argument("--app", dest="app_name", metavar="NAME", default=None,
                        help="with a path: the app's attribute name (default: app, api, or the only app)")


def _add_server(sub: Any, command: str, help_text: str, overrides: dict[str, Any]) -> None:
    parser = sub.add_parser(
        command, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _add_target(parser)
    for flags, name, kwargs, option_help in RUN_OPTIONS:
        default = overrides.get(name, DEFAULTS[name])
        if kwargs.get("action") == "append":
            default = None
        if name == "reload" and default:
            kwargs = {"action": argparse.BooleanOptionalAction}
        parser.add_argument(*flags, dest=name, default=default, help=option_help, **kwargs)
    parser.set_defaults(handler=_run, command=command)


def _add_run(sub: Any) -> None:
    _add_server(sub, "run", "serve an ASGI app (fastcore, FastAPI, Starlette...) on fastcore's server", {})


def _add_dev(sub: Any) -> None:
    # fastapi-cli's `fastapi dev`: reload on, loopback only, and here debug-level logging.
    _add_server(sub, "dev", "serve an app for development: --reload, 127.0.0.1, debug logging",
                {"reload": True, "host": "127.0.0.1", "log_level": "debug"})


class _Failed(Exception):
    """A command's error, already printed; ``main`` returns its exit code."""

    def __init__(self, code: int) -> None:
        self.code = code


def _fail(args: argparse.Namespace, message: object, code: int) -> _Failed:
    print(f"fastcore {args.command}: error: {message}", file=sys.stderr)
    return _Failed(code)


def _resolve(args: argparse.Namespace, factory: bool) -> tuple[str, Target | None]:
    """The import string for APP, discovering the app when APP is a path (failure: exit code 1)."""
    target: str | None = args.app
    try:
        if target is not None and not looks_like_path(target):
            if args.app_name is not None:
                raise DiscoveryError(f"--app NAME goes with a path; {target!r} already names the app")
            return target, None
        found = discover(Path(target) if target is not None else default_path(), args.app_name,
                         factory=factory)
    except DiscoveryError as exc:
        raise _fail(args, exc, 1) from None
    return found.import_string, found


def _run(args: argparse.Namespace) -> int:
    from .server import run

    import_string, found = _resolve(args, args.factory)
    options = {name: getattr(args, name) for _, name, _, _ in RUN_OPTIONS}
    for name in ("reload_dirs", "headers"):
        options[name] = options[name] or []
    if found is not None and options["reload"] and not options["reload_dirs"]:
        # Watch the app's own source tree, wherever the command was started from.
        options["reload_dirs"] = [found.source_root]
    try:
        return run(import_string, **options)
    except ValueError as exc:
        raise _fail(args, exc, 2) from None


def _load(args: argparse.Namespace) -> Any:
    from .server.config import import_from_string

    import_string, _ = _resolve(args, args.factory)
    try:
        app = import_from_string(import_string)
    except (ValueError, ImportError) as exc:
        raise _fail(args, exc, 2) from None
    return app() if args.factory else app


def _add_app_command(
    sub: Any, name: str, help_text: str, handler: Callable[[argparse.Namespace], int]
) -> Any:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    _add_target(parser)
    parser.add_argument("--factory", action="store_true", help="APP is a callable that returns the app")
    parser.set_defaults(handler=handler, command=name)
    return parser


def _add_openapi(sub: Any) -> None:
    parser = _add_app_command(sub, "openapi", "print the app's OpenAPI document (JSON)", _openapi)
    parser.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")


def _openapi(args: argparse.Namespace) -> int:
    app = _load(args)
    if not callable(getattr(app, "openapi", None)):
        raise _fail(args, f"{args.app or 'the app'} has no openapi() method", 2)
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

    app = _load(args)
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
        print(f"fastcore routes: {args.app or 'the app'} has no routes", file=sys.stderr)
        return 0
    header = ("METHOD", "PATH", "NAME", "ENDPOINT")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3])
    return 0


def _qualname(obj: Any) -> str:
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    return f"{getattr(target, '__module__', '?')}.{target.__qualname__}"


COMMANDS: list[Callable[[Any], None]] = [_add_run, _add_dev, _add_routes, _add_openapi]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fastcore", description="fastcore command line")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except _Failed as failed:
        return failed.code
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
