"""The speed targets fastcore must meet, in one place; ``--check`` fails the run if any is missed.

Each target is a ratio of two cells' median req/s, ``numerator / denominator``, with a bound.
"""

from dataclasses import dataclass
from typing import Literal

Cell = tuple[str, str]  # (framework, scenario)


@dataclass(frozen=True)
class Target:
    numerator: Cell
    denominator: Cell
    op: Literal[">=", "<="]
    bound: float
    why: str

    def met(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound

    def describe(self) -> str:
        (nf, ns), (df, ds) = self.numerator, self.denominator
        return f"{nf}[{ns}] / {df}[{ds}] req/s {self.op} {self.bound:g}"


TARGETS: dict[str, Target] = {
    "json-speedup": Target(
        ("fastcore", "json"), ("fastapi", "json"), ">=", 10.0, "fastcore >= 10x FastAPI on json"
    ),
    "params-speedup": Target(
        ("fastcore", "params"),
        ("fastapi", "params"),
        ">=",
        10.0,
        "fastcore >= 10x FastAPI on params",
    ),
    "body-speedup": Target(
        ("fastcore", "body"),
        ("fastapi", "body"),
        ">=",
        8.0,
        "issue 3: JSON body -> model -> response_model >= 8x FastAPI (msgspec.Struct models)",
    ),
    "list100-speedup": Target(
        ("fastcore", "list100"),
        ("fastapi", "list100"),
        ">=",
        8.0,
        "issue 3: list of 100 models through response_model >= 8x FastAPI (msgspec.Struct)",
    ),
    "security-speedup": Target(
        ("fastcore", "security"),
        ("fastapi", "security"),
        ">=",
        8.0,
        "issue 4: OAuth2PasswordBearer + user dependency >= 8x FastAPI",
    ),
    "routing-flat": Target(
        ("fastcore", "routing-first"),
        ("fastcore", "routing-last"),
        "<=",
        1.3,
        "routing cost independent of route count: last of 1,000 routes within 1.3x of first",
    ),
}


# The network benchmark's targets (``python -m benchmarks network --check``), over its framework
# names (``network.NET_FRAMEWORKS``); cells use the network scenarios.  The first two need the
# raw-ASGI servers, which run only when selected (``--framework asgi-fastcore --framework
# asgi-uvicorn``): the built-in server's own targets, apart from any framework.
NETWORK_TARGETS: dict[str, Target] = {
    "server-vs-ceiling": Target(
        ("asgi-fastcore", "json"),
        ("ceiling", "json"),
        ">=",
        0.5,
        "fastcore's server with a raw ASGI app >= 50% of bare uvloop+httptools",
    ),
    "server-vs-uvicorn": Target(
        ("asgi-fastcore", "json"),
        ("asgi-uvicorn", "json"),
        ">=",
        3.0,
        "fastcore's server >= 3x uvicorn, same raw ASGI app",
    ),
    "network-json": Target(
        ("fastcore", "json"),
        ("fastapi", "json"),
        ">=",
        10.0,
        "fastcore on its server >= 10x FastAPI on uvicorn (json)",
    ),
    "network-params": Target(
        ("fastcore", "params"),
        ("fastapi", "params"),
        ">=",
        10.0,
        "fastcore on its server >= 10x FastAPI on uvicorn (params)",
    ),
}
