"""The start-up type model: one normal-form node per annotation, and the one table of pydantic's words."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import pathlib
import re
import typing
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, NewType, Optional, TypedDict, Union

import attrs
import msgspec
import pydantic
import pytest
from starlette.background import BackgroundTasks
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from typing_extensions import TypeAliasType

from fastcore import _params, typemodel
from fastcore._params import Coercer
from fastcore._validation_errors import MSG
from fastcore.params import Depends, Query, SecurityScopes
from fastcore.typemodel import inspect_node, node_of

ROOT = pathlib.Path(__file__).resolve().parents[1]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(msgspec.Struct, rename="camel"):
    x_pos: int
    y_pos: Annotated[int, msgspec.Meta(ge=0)] = 0


@dataclasses.dataclass
class DC:
    a: int


@attrs.define
class AT:
    a: int


class TD(TypedDict):
    a: int


class NT(NamedTuple):
    a: int


class PM(pydantic.BaseModel):
    a: int


class Tree(msgspec.Struct):
    children: list[Tree] = []


UserId = NewType("UserId", int)


@pytest.mark.parametrize(
    ("annotation", "kind", "scalar"),
    [
        (int, typemodel.SCALAR, int),
        (str, typemodel.SCALAR, str),
        (uuid.UUID, typemodel.SCALAR, uuid.UUID),
        (datetime.date, typemodel.SCALAR, datetime.date),
        (Any, typemodel.SCALAR, Any),
        (UserId, typemodel.SCALAR, int),
        (Literal["a", "b"], typemodel.CHOICE, None),
        (Color, typemodel.CHOICE, None),
        (list[int], typemodel.SEQUENCE, None),
        (tuple[int, ...], typemodel.SEQUENCE, None),
        (set[str], typemodel.SEQUENCE, None),
        (dict[str, int], typemodel.MAPPING, None),
        (int | None, typemodel.OPTIONAL, None),
        (Optional[int], typemodel.OPTIONAL, None),  # noqa: UP045
        (int | str, typemodel.UNION, None),
        (UploadFile, typemodel.UPLOAD, None),
        (Request, typemodel.INJECTED, None),
        (Response, typemodel.INJECTED, None),
        (BackgroundTasks, typemodel.INJECTED, None),
        (SecurityScopes, typemodel.INJECTED, None),
        (Point, typemodel.MODEL, None),
        (pydantic.HttpUrl, typemodel.OTHER, None),
    ],
)
def test_node_of_kinds(annotation: Any, kind: str, scalar: Any) -> None:
    node = node_of(annotation)
    assert node.kind == kind
    if scalar is not None:
        assert node.scalar is scalar


@pytest.mark.parametrize(
    ("model", "flavor"),
    [(Point, "struct"), (DC, "dataclass"), (AT, "attrs"), (TD, "typeddict"), (NT, "namedtuple"),
     (PM, "pydantic")],
)
def test_model_flavors(model: type, flavor: str) -> None:
    node = node_of(model)
    assert (node.kind, node.flavor) == (typemodel.MODEL, flavor)
    assert node.pydantic is (flavor == "pydantic")


def test_optional_sequence_and_item() -> None:
    node = node_of(list[int] | None)
    assert node.kind == typemodel.OPTIONAL
    assert node.base.kind == typemodel.SEQUENCE
    assert node.base.item is not None and node.base.item.scalar is int
    assert node_of(tuple[int, ...]).container is tuple
    assert node_of(set[int]).container is set


def test_annotated_marker_and_metadata() -> None:
    marker = Query(alias="q")
    node = node_of(Annotated[int | None, marker, "doc"])
    assert node.kind == typemodel.OPTIONAL
    assert node.marker is marker
    assert node.metadata == ("doc",)
    assert node.tp == int | None
    dep = Depends(lambda: 1)
    assert node_of(Annotated[int, dep]).marker is dep
    assert node_of(int).marker is None


def test_type_alias_is_resolved() -> None:
    marker = Query()
    alias = TypeAliasType("Q", Annotated[int, marker])
    node = node_of(alias)
    assert (node.kind, node.scalar, node.marker) == (typemodel.SCALAR, int, marker)


def test_pydantic_metadata_marks_the_node() -> None:
    node = node_of(Annotated[str, pydantic.AfterValidator(str.upper)])
    assert node.kind == typemodel.SCALAR
    assert node.pydantic


def test_node_of_is_cached() -> None:
    assert node_of(list[int]) is node_of(list[int])
    # unhashable metadata is read, not cached
    assert node_of(Annotated[int, {"a": 1}]).kind == typemodel.SCALAR


def test_inspect_node_renames_defaults_constraints() -> None:
    node = inspect_node(Point)
    assert node.kind == typemodel.MODEL and node.flavor == "struct"
    x, y = node.fields
    assert (x.name, x.key, x.required) == ("x_pos", "xPos", True)
    assert (y.name, y.key, y.required, y.default) == ("y_pos", "yPos", False, 0)
    assert y.node.constraints == {"ge": 0}
    assert msgspec.convert(5, y.node.tp) == 5
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(-1, y.node.tp)


def test_inspect_node_recursion_is_a_cycle() -> None:
    node = inspect_node(Tree)
    (children,) = node.fields
    assert children.node.kind == typemodel.SEQUENCE
    assert children.node.item is node


def test_inspect_node_keeps_literal_order() -> None:
    node = inspect_node(Literal["b", "a", "c"])
    assert node.choices == ["b", "a", "c"]


def test_inspect_node_refuses_what_msgspec_refuses() -> None:
    with pytest.raises(TypeError):
        inspect_node(DC | TD)  # two object types in one union
    assert typemodel.union_members(DC | TD) == [DC, TD]
    assert typemodel.union_members(int) is None


def test_model_fields_pydantic_and_msgspec() -> None:
    class Aliased(pydantic.BaseModel):
        a: int = pydantic.Field(alias="A")
        b: list[str] = pydantic.Field(default=[], validation_alias="B")

    fields = typemodel.model_fields(node_of(Aliased))
    assert [(f.name, f.key, f.required) for f in fields] == [("a", "A", True), ("b", "B", False)]
    assert fields[1].node.kind == typemodel.SEQUENCE
    assert [f.key for f in typemodel.model_fields(node_of(Point))] == ["xPos", "yPos"]


def test_uses_pydantic_and_response_class() -> None:
    assert typemodel.uses_pydantic(list[PM])
    assert typemodel.uses_pydantic(Annotated[int, pydantic.Field(gt=1)])
    assert not typemodel.uses_pydantic(Point)
    assert typemodel.is_response_class(JSONResponse)
    assert typemodel.is_response_class(Annotated[JSONResponse, "x"])
    # FastAPI's rule: a union holding a Response is not one (it is a model it cannot describe).
    assert not typemodel.is_response_class(Union[JSONResponse, dict[str, int]])  # noqa: UP007
    assert not typemodel.is_response_class(dict[str, int])


def test_unwrap_optional_and_supertype() -> None:
    assert typemodel.unwrap_optional(int | None) == (int, True)
    assert typemodel.unwrap_optional(int | str | None) == (Union[int, str], True)  # noqa: UP007
    assert typemodel.unwrap_optional(int) == (int, False)
    assert typemodel.supertype(UserId) is int


# -- one table of pydantic's wording -----------------------------------------------------------------


def test_compiled_coercer_words_errors_from_the_table() -> None:
    _, (err,) = Coercer(_params.K_INT, int, le=3)("5", ("query", "n"))
    assert err["msg"] == MSG["less_than_equal"].format(le=3)
    _, (err,) = Coercer(_params.K_INT, int)("x", ("query", "n"))
    assert err["msg"] == MSG["int_parsing"]
    _, (err,) = Coercer(_params.K_STR, str, min_length=2)("x", ("query", "n"))
    assert err["msg"] == MSG["string_too_short"].format(count="2 characters")


def test_no_second_catalogue_of_pydantic_wording() -> None:
    """pydantic's messages are written once, in fastcore/_validation_errors.py."""
    for path in [*ROOT.glob("_ext/fastcore/*.pyx"), *ROOT.glob("_ext/fastcore/*.pxi"),
                 *ROOT.glob("fastcore/**/*.py")]:
        if path.name == "_validation_errors.py":
            continue
        text = path.read_text()
        # (a quote before the words: a string in code, not a docstring's example output)
        for phrase in ('"Input should be', '"String should', '"Data should', '"Field required"',
                       '"Unable to', "should have at least"):
            assert phrase not in text, f"{path.relative_to(ROOT)} words pydantic's errors itself: {phrase!r}"


def test_only_the_type_model_inspects_types() -> None:
    """msgspec.inspect, and the Optional/sequence analysis, live in fastcore/typemodel.py only."""
    for path in ROOT.glob("fastcore/**/*.py"):
        if path.name == "typemodel.py":
            continue
        text = path.read_text()
        assert "import msgspec.inspect" not in text, path
        assert "def unwrap_optional" not in text, path
        assert "def uses_pydantic" not in text and "def _uses_pydantic" not in text, path


def test_typing_get_type_hints_of_module() -> None:
    # the module's own annotations resolve (mypy --strict checks the rest)
    assert typing.get_type_hints(typemodel.Node.__init__)


def test_pydantic_v1_models_are_refused_wherever_they_stand() -> None:
    import warnings

    from fastcore import FastCore
    from fastcore.exceptions import PydanticV1NotSupportedError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from pydantic.v1 import BaseModel as V1Model

    class Old(V1Model):
        name: str

    for annotation in (Old, Old | None, list[Old], Annotated[Old, "meta"]):
        with pytest.raises(PydanticV1NotSupportedError, match=r"pydantic\.v1 models are not supported"):
            typemodel.node_of(annotation)
    app = FastCore()
    with pytest.raises(PydanticV1NotSupportedError):
        app.get("/r", responses={404: {"model": Old}})(lambda: None)
    assert typemodel.node_of(pydantic.BaseModel).kind == typemodel.MODEL  # v2 models are fine


def test_only_the_type_model_takes_annotations_apart() -> None:
    """The issue-12 rule: one module reads annotations.  Other modules ask typemodel (nodes, or its
    shape helpers); a get_origin/get_args/msgspec.inspect elsewhere is a second reader."""
    package = Path(typemodel.__file__).parent
    readers = re.compile(r"\bget_origin\b|\bget_args\b|msgspec\.inspect|__origin__|__args__")
    offenders = [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "typemodel.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if readers.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("tp", "item", "value", "members"),
    [
        (list[int], int, None, None),
        (dict[str, float], None, float, None),
        (dict[int, float], None, None, None),
        (int | None, None, None, (int, type(None))),
        (Optional[str], None, None, (str, type(None))),  # noqa: UP045
        (list, None, None, None),
    ],
)
def test_shape_helpers(tp: Any, item: Any, value: Any, members: Any) -> None:
    assert typemodel.list_item(tp) == item
    assert typemodel.str_dict_value(tp) == value
    assert typemodel.union_args(tp) == members


def test_stream_item_and_optional_annotated() -> None:
    from collections.abc import AsyncIterable, Iterator

    assert typemodel.stream_item(AsyncIterable[int]) is int
    assert typemodel.stream_item(Iterator) is Any
    assert typemodel.stream_item(list[int]) is None
    marked = Annotated[int, "meta"]
    assert typemodel.optional_annotated(Optional[marked]) == marked  # noqa: UP045
    assert typemodel.optional_annotated(Optional[int]) is None  # noqa: UP045
