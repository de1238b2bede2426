"""``--proxy-headers``: take the client address and scheme from X-Forwarded-For/-Proto.

Only a peer in ``--forwarded-allow-ips`` is believed; anyone else could forge the headers.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .config import ASGIApp

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedHosts:
    def __init__(self, spec: str) -> None:
        items = [s.strip() for s in spec.split(",") if s.strip()]
        self.always = "*" in items
        self.networks: list[Network] = []
        self.literals: set[str] = set()
        for item in items:
            if item == "*":
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.literals.add(item)  # e.g. a Unix socket path

    def __contains__(self, host: object) -> bool:
        if self.always:
            return True
        if not isinstance(host, str):
            return False
        if host in self.literals:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def client_from(self, forwarded_for: str) -> str | None:
        # The nearest hop the proxies appended is on the right: skip the trusted ones (RFC 7239 §5.2).
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if self.always:
            return hops[0] if hops else None
        for hop in reversed(hops):
            if hop not in self:
                return hop
        return hops[0] if hops else None


class ProxyHeadersMiddleware:
    def __init__(self, app: ASGIApp, trusted: str = "127.0.0.1") -> None:
        self.app = app
        self.trusted = TrustedHosts(trusted)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = client[0] if client else None
            if (peer is None and self.trusted.always) or (peer is not None and peer in self.trusted):
                for name, value in scope["headers"]:
                    if name == b"x-forwarded-proto":
                        proto = value.decode("latin-1").split(",")[-1].strip().lower()
                        if proto in ("http", "https", "ws", "wss"):
                            if scope["type"] == "websocket":
                                proto = "wss" if proto in ("https", "wss") else "ws"
                            else:
                                proto = "https" if proto in ("https", "wss") else "http"
                            scope["scheme"] = proto
                    elif name == b"x-forwarded-for":
                        host = self.trusted.client_from(value.decode("latin-1"))
                        if host:
                            scope["client"] = (host, 0)
        await self.app(scope, receive, send)
