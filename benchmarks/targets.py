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
    "routing-flat": Target(
        ("fastcore", "routing-first"),
        ("fastcore", "routing-last"),
        "<=",
        1.3,
        "routing cost independent of route count: last of 1,000 routes within 1.3x of first",
    ),
}
