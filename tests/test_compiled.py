"""The compiled modules are the ones loaded: no silent fallback, none missing."""

from __future__ import annotations

import importlib
import pathlib

import pytest

EXPECTED = ("_fastpath", "_http", "_params", "_respond", "_router")
EXT_DIR = pathlib.Path(__file__).resolve().parent.parent / "_ext" / "fastcore"


def test_every_pyx_is_expected() -> None:
    if not EXT_DIR.is_dir():  # running against an installed wheel, without the sources
        pytest.skip("no _ext sources beside the tests")
    assert sorted(p.stem for p in EXT_DIR.glob("*.pyx")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_module_is_compiled(name: str) -> None:
    module = importlib.import_module(f"fastcore.{name}")
    path = pathlib.Path(module.__file__ or "")
    assert path.suffix in (".so", ".pyd"), f"fastcore.{name} loaded from {path}, not a compiled extension"


@pytest.mark.parametrize("name", EXPECTED)
def test_module_has_stub(name: str) -> None:
    module = importlib.import_module(f"fastcore.{name}")
    stub = pathlib.Path(module.__file__ or "").parent / f"{name}.pyi"
    assert stub.is_file(), f"fastcore/{name}.pyi is missing"
