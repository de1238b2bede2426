"""What the fuzz tests share: their hypothesis settings (one budget knob) and a ``Source`` of choices.

An input builder takes a ``Source`` and asks it for choices (pick one of these, an integer in a range,
some bytes), so the same builder serves hypothesis (``drawn``: shrinkable, replayable) and a plain
seeded ``random.Random`` (``RandomSource``: for the memory test, where hypothesis' own bookkeeping
would swamp what is measured).

Budget: each test names its default number of examples, sized so that the whole fuzz suite adds
well under a minute to a normal pytest run on a 2-core box.  ``FASTCORE_FUZZ_EXAMPLES=N`` gives every
fuzz test N examples instead (``ci/fuzz`` sets it for the long run by hand).
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T = TypeVar("T")

EXAMPLES_ENV = "FASTCORE_FUZZ_EXAMPLES"


def examples(default: int) -> int:
    """The number of examples (or requests) a fuzz test runs: `default`, or $FASTCORE_FUZZ_EXAMPLES."""
    value = os.environ.get(EXAMPLES_ENV, "").strip()
    return int(value) if value else default


def fuzz_settings(default: int) -> settings:
    return settings(
        max_examples=examples(default),
        deadline=None,  # a shared, noisy box: one slow example is not a finding
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,  # a failure prints the @reproduce_failure line that replays it
    )


class Source(Protocol):
    def choice(self, options: Sequence[T]) -> T: ...
    def integer(self, lo: int, hi: int) -> int: ...
    def chance(self, percent: int) -> bool: ...
    def binary(self, max_size: int) -> bytes: ...
    def text(self, max_size: int) -> str: ...


class _DrawnSource:
    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return options[self._draw(st.integers(0, len(options) - 1))]

    def integer(self, lo: int, hi: int) -> int:
        return int(self._draw(st.integers(lo, hi)))

    def chance(self, percent: int) -> bool:
        # "Yes" is the top `percent` of 0..99, so a failure shrinks towards "no" (towards 0).
        return bool(self._draw(st.integers(0, 99)) >= 100 - percent)

    def binary(self, max_size: int) -> bytes:
        return bytes(self._draw(st.binary(max_size=max_size)))

    def text(self, max_size: int) -> str:
        return str(self._draw(st.text(max_size=max_size)))


class RandomSource:
    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._random.randrange(len(options))]

    def integer(self, lo: int, hi: int) -> int:
        return self._random.randint(lo, hi)

    def chance(self, percent: int) -> bool:
        return self._random.randrange(100) < percent

    def binary(self, max_size: int) -> bytes:
        return self._random.randbytes(self._random.randint(0, max_size))

    def text(self, max_size: int) -> str:
        n = self._random.randint(0, max_size)
        # Mostly ASCII, some of the rest of the BMP (no surrogates) and beyond, like st.text().
        chars = [chr(self._random.choice((self._random.randint(32, 126), self._random.randint(0, 0xD7FF),
                                          self._random.randint(0xE000, 0x10FFFF)))) for _ in range(n)]
        return "".join(chars)


def drawn(build: Callable[[Source], T]) -> st.SearchStrategy[T]:
    """A hypothesis strategy of what `build` makes from drawn choices."""

    @st.composite
    def strategy(draw: Callable[[st.SearchStrategy[Any]], Any]) -> T:
        return build(_DrawnSource(draw))

    return strategy()
