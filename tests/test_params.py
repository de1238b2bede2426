"""Tests for the compiled parameter plan ``fastcore._params``.

Besides direct tests of each kind, constraint and source, a naive plain-Python oracle (``re.fullmatch``
for the strict grammars, ``int()``/``float()``/``Decimal()`` for the values, pydantic's messages) is
checked against the compiled ``Coercer`` with hypothesis, and ``parse_query``/``parse_cookies`` against
plain reference parsers.  Where our rules agree with pydantic's, pydantic itself is the reference.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import Field as PydField
from pydantic import TypeAdapter, ValidationError
from starlette.background import BackgroundTasks
from starlette.requests import Request, cookie_parser
from starlette.responses import Response

import fastcore._params as params_module
from fastcore._params import (
    K_ANY,
    K_BOOL,
    K_BYTES,
    K_CHOICE,
    K_DATE,
    K_DATETIME,
    K_DECIMAL,
    K_FLOAT,
    K_INT,
    K_STR,
    K_TIME,
    K_UUID,
    S_BACKGROUND,
    S_COOKIE,
    S_HEADER,
    S_PATH,
    S_QUERY,
    S_REQUEST,
    S_RESPONSE,
    S_VALUE,
    Coercer,
    Conn,
    Field,
    Plan,
    expected_text,
    missing_error,
    parse_cookies,
    parse_query,
)
from fastcore.exceptions import FastCoreError

LOC = ("query", "q")
MSG_INT = "Input should be a valid integer, unable to parse string as an integer"
MSG_INT_SIZE = "Unable to parse input string as an integer, exceeded maximum size"
MSG_FLOAT = "Input should be a valid number, unable to parse string as a number"
MSG_FINITE = "Input should be a finite number"
MSG_BOOL = "Input should be a valid boolean, unable to interpret input"
MSG_DECIMAL = "Input should be a valid decimal"


def coerce(kind: int, raw: object, target: Any = None, **kw: Any) -> tuple[Any, list[Any]]:
    return Coercer(kind, target, **kw)(raw, LOC)


def err(
    type_: str, msg: str, input_: Any, ctx: dict[str, Any] | None = None, loc: Any = LOC
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx is not None:
        out["ctx"] = ctx
    return out


def make_conn(query: bytes = b"", headers: list[tuple[str, str]] | None = None) -> Conn:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers or []]
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": raw}
    return Conn(scope, None, None)  # type: ignore[arg-type]


def test_compiled_module_loaded() -> None:
    # No silent fallback: the module must be the Cython build.
    assert params_module.__file__ is not None
    assert params_module.__file__.endswith(".so")


def test_constants() -> None:
    kinds = (
        K_STR,
        K_INT,
        K_FLOAT,
        K_BOOL,
        K_DECIMAL,
        K_UUID,
        K_DATETIME,
        K_DATE,
        K_TIME,
        K_CHOICE,
        K_BYTES,
        K_ANY,
    )
    assert kinds == tuple(range(12))
    assert (S_PATH, S_QUERY, S_HEADER, S_COOKIE) == (0, 1, 2, 3)
    assert (S_REQUEST, S_RESPONSE, S_BACKGROUND, S_VALUE) == (10, 11, 12, 13)


def test_missing_error() -> None:
    assert missing_error(("query", "q")) == {
        "type": "missing",
        "loc": ("query", "q"),
        "msg": "Field required",
        "input": None,
    }


# --- ints -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-42", -42),
        ("007", 7),
        # Either side of the 18-digit fast path (C long long) and the general one (int()).
        ("9" * 18, int("9" * 18)),
        ("-" + "9" * 18, -int("9" * 18)),
        ("9" * 19, int("9" * 19)),
        ("-" + "9" * 19, -int("9" * 19)),
        ("9223372036854775808", 2**63),
        ("9" * 4300, int("9" * 4300)),
        ("-" + "9" * 4300, -int("9" * 4300)),
        ("0" * 5000 + "12", 12),
        ("-" + "0" * 5000, 0),
    ],
)
def test_int_accepted(raw: str, value: int) -> None:
    assert coerce(K_INT, raw) == (value, [])


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "-",
        "--1",
        "+5",
        " 5",
        "5 ",
        "5\n",
        "1_0",
        "1.0",
        "1e3",
        "0x10",
        "\uff11",
        "٣",
        "\U0001d7d9",
        "\x005",
        "5\x00",
        "inf",
        "nan",
        "1,000",
        "½",
        "Ⅷ",
        "١٢",
    ],
)
def test_int_rejected(raw: str) -> None:
    assert coerce(K_INT, raw) == (None, [err("int_parsing", MSG_INT, raw)])


@pytest.mark.parametrize("raw", ["1" * 4301, "-" + "1" * 4301, "0" + "1" * 4301])
def test_int_too_many_digits(raw: str) -> None:
    assert coerce(K_INT, raw) == (None, [err("int_parsing_size", MSG_INT_SIZE, raw)])


# --- floats -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0.0),
        ("-0", -0.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("-.5", -0.5),
        ("1e3", 1000.0),
        ("1E+3", 1000.0),
        ("2.5e-3", 0.0025),
        ("1e-400", 0.0),
        ("1.7976931348623157e308", 1.7976931348623157e308),
    ],
)
def test_float_accepted(raw: str, value: float) -> None:
    assert coerce(K_FLOAT, raw) == (value, [])


@pytest.mark.parametrize(
    "raw",
    [
        "",
        ".",
        "-",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "+1.5",
        " 1.5",
        "1.5 ",
        "1_0.5",
        "inf",
        "-inf",
        "nan",
        "NaN",
        "Infinity",
        "\uff11.\uff15",
        "0x1p3",
        "1.5.5",
        "1e5.5",
        "\x001",
        "1" * 4301,
    ],
)
def test_float_rejected(raw: str) -> None:
    assert coerce(K_FLOAT, raw) == (None, [err("float_parsing", MSG_FLOAT, raw)])


@pytest.mark.parametrize("raw", ["1e400", "-1e309", "1" * 400])
def test_float_must_be_finite(raw: str) -> None:
    assert coerce(K_FLOAT, raw) == (None, [err("finite_number", MSG_FINITE, raw)])


# --- bools ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "True", "TRUE", "on", "ON", "yes", "Yes", "y", "Y", "t", "T"])
def test_bool_true(raw: str) -> None:
    assert coerce(K_BOOL, raw) == (True, [])


@pytest.mark.parametrize("raw", ["0", "false", "False", "off", "OFF", "no", "NO", "n", "N", "f", "F"])
def test_bool_false(raw: str) -> None:
    assert coerce(K_BOOL, raw) == (False, [])


@pytest.mark.parametrize(
    "raw", ["", " true", "true ", "2", "-1", "00", "yes\x00", "\uff59\uff45\uff53", "truee", "nope", "∅"]
)
def test_bool_rejected(raw: str) -> None:
    assert coerce(K_BOOL, raw) == (None, [err("bool_parsing", MSG_BOOL, raw)])


# --- decimals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["0", "-1.50", ".5", "5.", "1e400", "1E-400", "123456789012345678901234567890.5"]
)
def test_decimal_accepted(raw: str) -> None:
    value, errors = coerce(K_DECIMAL, raw)
    assert errors == []
    assert value == Decimal(raw) and str(value) == str(Decimal(raw))


@pytest.mark.parametrize(
    "raw", ["", "abc", "NaN", "Infinity", "sNaN", "+1", " 1", "1_0", "\uff11", "1" * 4301,
            # exponents beyond what Decimal can hold (pydantic answers decimal_parsing as well)
            "0e99999999999999999999", "1e-99999999999999999999", "-5E+123456789012345678901"]
)
def test_decimal_rejected(raw: str) -> None:
    assert coerce(K_DECIMAL, raw) == (None, [err("decimal_parsing", MSG_DECIMAL, raw)])


# --- strings and bytes ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", " ", "\x00", "é", "🙂", "a\nb", "\u200b"])
def test_str_passes_anything(raw: str) -> None:
    assert coerce(K_STR, raw) == (raw, [])


def test_str_constraints() -> None:
    assert coerce(K_STR, "", min_length=1) == (
        None,
        [err("string_too_short", "String should have at least 1 character", "", {"min_length": 1})],
    )
    assert coerce(K_STR, "ab", min_length=3) == (
        None,
        [err("string_too_short", "String should have at least 3 characters", "ab", {"min_length": 3})],
    )
    assert coerce(K_STR, "ab", max_length=1) == (
        None,
        [err("string_too_long", "String should have at most 1 character", "ab", {"max_length": 1})],
    )
    assert coerce(K_STR, "🙂🙂", max_length=2) == ("🙂🙂", [])  # characters, not bytes
    assert coerce(K_STR, "xab", pattern="^ab") == (
        None,
        [err("string_pattern_mismatch", "String should match pattern '^ab'", "xab", {"pattern": "^ab"})],
    )
    assert coerce(K_STR, "xab", pattern="ab") == ("xab", [])  # search, not match, as pydantic
    assert coerce(K_STR, "xab", pattern=re.compile("b$")) == ("xab", [])
    # lengths come before the pattern
    assert coerce(K_STR, "a", min_length=2, pattern="^x")[1][0]["type"] == "string_too_short"


def test_bytes() -> None:
    assert coerce(K_BYTES, "é") == (b"\xc3\xa9", [])
    assert coerce(K_BYTES, "é", min_length=3) == (
        None,
        [err("bytes_too_short", "Data should have at least 3 bytes", "é", {"min_length": 3})],
    )
    assert coerce(K_BYTES, "éé", max_length=3) == (
        None,
        [err("bytes_too_long", "Data should have at most 3 bytes", "éé", {"max_length": 3})],
    )
    assert coerce(K_BYTES, "ab", max_length=1)[1][0]["msg"] == "Data should have at most 1 byte"


def test_any_keeps_non_strings() -> None:
    marker = object()
    assert coerce(K_ANY, marker) == (marker, [])
    assert coerce(K_ANY, "x") == ("x", [])
    assert coerce(K_INT, 5) == (5, [])  # path values from a typed converter arrive as objects


# --- numeric constraints ----------------------------------------------------------------------


def test_constraint_messages() -> None:
    assert coerce(K_INT, "5", le=4) == (
        None,
        [err("less_than_equal", "Input should be less than or equal to 4", "5", {"le": 4})],
    )
    assert coerce(K_INT, "5", lt=5) == (
        None,
        [err("less_than", "Input should be less than 5", "5", {"lt": 5})],
    )
    assert coerce(K_INT, "5", ge=6) == (
        None,
        [err("greater_than_equal", "Input should be greater than or equal to 6", "5", {"ge": 6})],
    )
    assert coerce(K_INT, "5", gt=5) == (
        None,
        [err("greater_than", "Input should be greater than 5", "5", {"gt": 5})],
    )
    assert coerce(K_INT, "5", multiple_of=2) == (
        None,
        [err("multiple_of", "Input should be a multiple of 2", "5", {"multiple_of": 2})],
    )
    assert coerce(K_INT, "6", multiple_of=2, ge=6, le=6) == (6, [])


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"multiple_of": 3, "le": 1, "lt": 1, "ge": 9, "gt": 9}, "multiple_of"),
        ({"le": 1, "lt": 1, "ge": 9, "gt": 9}, "less_than_equal"),
        ({"lt": 1, "ge": 9, "gt": 9}, "less_than"),
        ({"ge": 9, "gt": 9}, "greater_than_equal"),
        ({"gt": 9}, "greater_than"),
    ],
)
def test_constraint_order_first_failure_only(kw: dict[str, Any], expected: str) -> None:
    for kind in (K_INT, K_FLOAT, K_DECIMAL):
        _, errors = coerce(kind, "5", **kw)
        assert [e["type"] for e in errors] == [expected]


def test_float_bounds_are_floats_and_print_like_pydantic() -> None:
    # pydantic: ctx holds the float, the message prints it without exponent or trailing ".0"
    assert coerce(K_FLOAT, "5", le=2) == (
        None,
        [err("less_than_equal", "Input should be less than or equal to 2", "5", {"le": 2.0})],
    )
    assert coerce(K_FLOAT, "-1", ge=0.0)[1][0]["msg"] == "Input should be greater than or equal to 0"
    assert (
        coerce(K_FLOAT, "5", ge=1e16)[1][0]["msg"]
        == "Input should be greater than or equal to 10000000000000000"
    )
    assert coerce(K_FLOAT, "5", le=1.5e-7)[1][0]["msg"] == "Input should be less than or equal to 0.00000015"
    assert type(coerce(K_FLOAT, "5", le=2)[1][0]["ctx"]["le"]) is float


def test_float_multiple_of_like_pydantic() -> None:
    assert coerce(K_FLOAT, "0.3", multiple_of=0.1) == (0.3, [])
    assert coerce(K_FLOAT, "-2.9999999999", multiple_of=3) == (-2.9999999999, [])
    assert coerce(K_FLOAT, "1e300", multiple_of=0.1) == (1e300, [])
    assert coerce(K_FLOAT, "5.5", multiple_of=0.2) == (
        None,
        [err("multiple_of", "Input should be a multiple of 0.2", "5.5", {"multiple_of": 0.2})],
    )
    assert coerce(K_FLOAT, "1e300", multiple_of=1e-10)[1][0]["type"] == "multiple_of"  # quotient overflows


def test_decimal_constraints_are_exact() -> None:
    assert coerce(K_DECIMAL, "1.2", le=1.2) == (Decimal("1.2"), [])  # the float bound means 1.2 as written
    assert coerce(K_DECIMAL, "1.3", le=1.2) == (
        None,
        [err("less_than_equal", "Input should be less than or equal to 1.2", "1.3", {"le": Decimal("1.2")})],
    )
    assert coerce(K_DECIMAL, "0.3", multiple_of=0.1) == (Decimal("0.3"), [])
    assert coerce(K_DECIMAL, "1.5", multiple_of=Decimal("0.2")) == (
        None,
        [err("multiple_of", "Input should be a multiple of 0.2", "1.5", {"multiple_of": Decimal("0.2")})],
    )
    # huge quotients: pydantic's 28-digit division raises or rounds; ours is exact and never raises
    assert coerce(K_DECIMAL, "1e40", multiple_of=1) == (Decimal("1e40"), [])
    assert coerce(K_DECIMAL, "1" + "0" * 40, multiple_of=3)[1][0]["type"] == "multiple_of"
    assert coerce(K_DECIMAL, "1e400", multiple_of=Decimal("0.3"))[1][0]["type"] == "multiple_of"
    assert coerce(K_DECIMAL, "3e999999999", multiple_of=Decimal("0.3")) == (Decimal("3e999999999"), [])
    assert coerce(K_DECIMAL, "1e-999999999", multiple_of=Decimal("0.5"))[1][0]["type"] == "multiple_of"
    assert coerce(K_DECIMAL, "0e-999999999", multiple_of=Decimal("0.5")) == (Decimal("0e-999999999"), [])
    assert coerce(K_DECIMAL, "-0", gt=0)[1][0]["type"] == "greater_than"


def test_int_bounds() -> None:
    assert coerce(K_INT, "11", le=10.0) == (
        None,
        [err("less_than_equal", "Input should be less than or equal to 10", "11", {"le": 10})],
    )
    assert coerce(K_INT, "3", le=2.5)[1][0]["type"] == "less_than_equal"
    big = "9" * 400
    assert coerce(K_INT, big, le=10)[1][0]["input"] == big
    assert coerce(K_INT, "1" + "0" * 40, multiple_of=10**30) == (10**40, [])


@pytest.mark.parametrize(
    ("kind", "step"),
    [
        (K_INT, 0),
        (K_INT, -2),
        (K_INT, 0.5),
        (K_FLOAT, 0),
        (K_FLOAT, -0.5),
        (K_FLOAT, math.inf),
        (K_FLOAT, math.nan),
        (K_DECIMAL, Decimal(0)),
        (K_DECIMAL, Decimal("Infinity")),
    ],
)
def test_bad_multiple_of_fails_at_startup(kind: int, step: Any) -> None:
    with pytest.raises(FastCoreError):
        Coercer(kind, None, multiple_of=step)


# --- enums and literals -----------------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def test_enum() -> None:
    assert coerce(K_CHOICE, "red", Color, choices=list(Color)) == (Color.RED, [])
    assert coerce(K_CHOICE, "RED", Color, choices=list(Color)) == (
        None,
        [err("enum", "Input should be 'red' or 'green'", "RED", {"expected": "'red' or 'green'"})],
    )
    assert coerce(K_CHOICE, "2", Level, choices=list(Level)) == (Level.HIGH, [])
    assert coerce(K_CHOICE, "3", Level, choices=list(Level)) == (
        None,
        [err("enum", "Input should be 1 or 2", "3", {"expected": "1 or 2"})],
    )


def test_literal() -> None:
    choices = ["a", "it's", 3]
    assert coerce(K_CHOICE, "a", choices=choices) == ("a", [])
    assert coerce(K_CHOICE, "3", choices=choices) == (3, [])
    expected = "'a', \"it's\" or 3"
    assert coerce(K_CHOICE, "b", choices=choices) == (
        None,
        [err("literal_error", f"Input should be {expected}", "b", {"expected": expected})],
    )
    assert coerce(K_CHOICE, "true", choices=[True]) == (True, [])
    assert coerce(K_CHOICE, "x", choices=["only"])[1][0]["msg"] == "Input should be 'only'"
    # text never means None, even when None is one of the literals
    assert coerce(K_CHOICE, "None", choices=["a", None])[1][0]["type"] == "literal_error"


@pytest.mark.parametrize(
    ("tp", "choices", "raw"),
    [
        (Literal["a", "it's", 3], ["a", "it's", 3], "b"),
        (Literal["x"], ["x"], "y"),
        (Color, list(Color), "blue"),
    ],
)
def test_choice_messages_match_pydantic(tp: Any, choices: list[Any], raw: str) -> None:
    target = tp if isinstance(tp, type) else None
    assert coerce(K_CHOICE, raw, target, choices=choices)[1] == pydantic_errors(tp, raw)


def test_expected_text() -> None:
    assert expected_text(["a"]) == "'a'"
    assert expected_text([1, 2, 3]) == "1, 2 or 3"


# --- uuids, dates, times ----------------------------------------------------------------------

UUID_TEXT = "12345678-1234-5678-1234-567812345678"


@pytest.mark.parametrize(
    "raw",
    [
        UUID_TEXT,
        UUID_TEXT.upper(),
        UUID_TEXT.replace("-", ""),
        "urn:uuid:" + UUID_TEXT,
        "{" + UUID_TEXT + "}",
    ],
)
def test_uuid_accepted(raw: str) -> None:
    assert coerce(K_UUID, raw) == (uuid.UUID(UUID_TEXT), [])


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("x" + UUID_TEXT[1:], "invalid character: found `x` at 0"),
        (UUID_TEXT[:-1] + "g", "invalid character: found `g` at 35"),
        ("{" + UUID_TEXT[:-1] + "x}", "invalid character: found `x` at 35"),
        (UUID_TEXT.replace("-", "", 1), "invalid group count: expected 5, found 4"),
        ("12345678-1234-5678-12345-67812345678", "invalid group length in group 3: expected 4, found 5"),
        (" " + UUID_TEXT, "invalid character: found ` ` at 0"),
    ],
)
def test_uuid_rejected(raw: str, why: str) -> None:
    assert coerce(K_UUID, raw) == (
        None,
        [err("uuid_parsing", "Input should be a valid UUID, " + why, raw, {"error": why})],
    )
    assert pydantic_errors(uuid.UUID, raw) == coerce(K_UUID, raw)[1]


@pytest.mark.parametrize("raw", ["", "1234", "\x00"])
def test_uuid_rejected_short(raw: str) -> None:
    value, errors = coerce(K_UUID, raw)
    assert value is None and errors[0]["type"] == "uuid_parsing"


UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2024-01-02", dt.datetime(2024, 1, 2)),
        ("2024-01-02T03:04", dt.datetime(2024, 1, 2, 3, 4)),
        ("2024-01-02 03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02_03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02t03:04:05z", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2024-01-02T03:04:05.123456789+05:30",
            dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        ),
        (
            "2024-01-02T03:04:05-0130",
            dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(-dt.timedelta(hours=1.5))),
        ),
        ("1700000000", dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000000", dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
)
def test_datetime_accepted(raw: str, value: dt.datetime) -> None:
    assert coerce(K_DATETIME, raw) == (value, [])
    assert TypeAdapter(dt.datetime).validate_python(raw) == value


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "input is too short"),
        ("abc", "input is too short"),
        ("2024-1-02", "input is too short"),
        ("2024-1-020", "invalid character in month"),
        ("2024-13-02", "month value is outside expected range of 1-12"),
        ("2024-02-30", "day value is outside expected range"),
        ("2024-01-02T03:04:05+05:30x", "unexpected extra characters at the end of the input"),
    ],
)
def test_datetime_rejected(raw: str, why: str) -> None:
    expected = err(
        "datetime_from_date_parsing", "Input should be a valid datetime or date, " + why, raw, {"error": why}
    )
    assert coerce(K_DATETIME, raw) == (None, [expected])
    assert pydantic_errors(dt.datetime, raw) == [expected]


def test_datetime_truncated_time() -> None:
    # pydantic calls this "unexpected extra characters"; we say what is wrong with the time part
    why = "input is too short"
    assert coerce(K_DATETIME, "2024-01-02T03")[1] == [
        err(
            "datetime_from_date_parsing",
            "Input should be a valid datetime or date, " + why,
            "2024-01-02T03",
            {"error": why},
        )
    ]


def test_date() -> None:
    assert coerce(K_DATE, "2024-01-02") == (dt.date(2024, 1, 2), [])
    assert coerce(K_DATE, "2024-01-02T00:00:00Z") == (dt.date(2024, 1, 2), [])
    inexact = "Datetimes provided to dates should have zero time - e.g. be exact dates"
    assert coerce(K_DATE, "2024-01-02T00:00:01") == (
        None,
        [err("date_from_datetime_inexact", inexact, "2024-01-02T00:00:01")],
    )
    why = "day value is outside expected range"
    assert coerce(K_DATE, "2024-02-30") == (
        None,
        [
            err(
                "date_from_datetime_parsing",
                "Input should be a valid date or datetime, " + why,
                "2024-02-30",
                {"error": why},
            )
        ],
    )
    assert coerce(K_DATE, "")[1][0]["ctx"] == {"error": "input is too short"}


def test_time() -> None:
    assert coerce(K_TIME, "03:04") == (dt.time(3, 4), [])
    assert coerce(K_TIME, "03:04:05.5") == (dt.time(3, 4, 5, 500000), [])
    assert coerce(K_TIME, "03:04:05Z") == (dt.time(3, 4, 5, tzinfo=UTC), [])
    assert coerce(K_TIME, "03:04:05+01:00") == (
        dt.time(3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        [],
    )
    for raw, why in [
        ("24:00", "hour value is outside expected range of 0-23"),
        ("3:04:05", "invalid character in hour"),
        ("03:60", "minute value is outside expected range of 0-59"),
        ("", "input is too short"),
    ]:
        expected = err("time_parsing", "Input should be in a valid time format, " + why, raw, {"error": why})
        assert coerce(K_TIME, raw) == (None, [expected])
        assert pydantic_errors(dt.time, raw) == [expected]


# --- fields, plans, sources -------------------------------------------------------------------


def test_last_query_value_wins_first_header_wins() -> None:
    plan = Plan([Field("q", "q", S_QUERY, Coercer(K_INT)), Field("h", "x-h", S_HEADER, Coercer(K_STR))])
    conn = make_conn(b"q=1&q=2", [("x-h", "first"), ("x-h", "second")])
    errors: list[Any] = []
    assert plan.extract(conn, {}, errors) == {"q": 2, "h": "first"}
    assert errors == []


def test_extract_args_follows_the_given_order() -> None:
    fields = [
        Field("p", "p", S_PATH, Coercer(K_INT)),
        Field("q", "q", S_QUERY, Coercer(K_INT), required=False, default=7),
    ]
    plain = Plan(fields)
    assert not plain.positional
    with pytest.raises(ValueError, match="without the callable's parameter order"):
        plain.extract_args(make_conn(), {"p": "1"}, [])
    plan = Plan(fields, order=["q", "p"])  # the signature's order, not the fields' (path first)
    assert plan.positional
    errors: list[Any] = []
    assert plan.extract_args(make_conn(b"q=3"), {"p": "1"}, errors) == (3, 1)
    assert plan.extract_args(make_conn(), {"p": "2"}, errors) == (7, 2)
    assert errors == []
    # A failed value leaves None in its place; the errors say why, in the fields' order.
    assert plan.extract_args(make_conn(b"q=x"), {}, errors) == (None, None)
    assert [e["loc"] for e in errors] == [("path", "p"), ("query", "q")]
    for bad in (["p"], ["p", "q", "r"], ["p", "p"]):
        with pytest.raises(ValueError, match="every field once"):
            Plan(fields, order=bad)


def test_plan_collects_every_error() -> None:
    plan = Plan(
        [
            Field("id", "id", S_PATH, Coercer(K_INT)),
            Field("n", "n", S_QUERY, Coercer(K_INT, le=3)),
            Field("flag", "flag", S_QUERY, Coercer(K_BOOL)),
            Field("token", "x-token", S_HEADER, Coercer(K_STR), label="X-Token"),
            Field("session", "session", S_COOKIE, Coercer(K_UUID)),
            Field("ok", "ok", S_QUERY, Coercer(K_STR)),
        ]
    )
    conn = make_conn(b"n=5&flag=maybe&ok=fine", [("cookie", "session=nope")])
    errors: list[Any] = []
    values = plan.extract(conn, {"id": "x"}, errors)
    assert values == {"ok": "fine"}
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("int_parsing", ("path", "id")),
        ("less_than_equal", ("query", "n")),
        ("bool_parsing", ("query", "flag")),
        ("missing", ("header", "X-Token")),
        ("uuid_parsing", ("cookie", "session")),
    ]
    assert len(plan) == 6 and plan.fields[0].name == "id"


def test_defaults_required_and_factory() -> None:
    plan = Plan(
        [
            Field("a", "a", S_QUERY, Coercer(K_INT), required=False, default=7),
            Field("b", "b", S_QUERY, Coercer(K_INT), required=False, default=None),
            Field("c", "c", S_QUERY, Coercer(K_STR), required=False, default=[1, [2]]),
            Field("d", "d", S_QUERY, Coercer(K_STR), required=False, factory=dict),
            Field("e", "e", S_QUERY, Coercer(K_INT), is_list=True, required=False, default=[1]),
            Field("f", "f", S_QUERY, Coercer(K_INT)),
            Field("g", "g", S_PATH, Coercer(K_INT)),
        ]
    )
    errors: list[Any] = []
    first = plan.extract(make_conn(), None, errors)
    second = plan.extract(make_conn(), {}, [])
    assert first == {"a": 7, "b": None, "c": [1, [2]], "d": {}, "e": [1]}
    assert errors == [missing_error(("query", "f")), missing_error(("path", "g"))]
    # mutable defaults are copies, per call (FastAPI deep-copies them)
    assert first["c"] is not second["c"] and first["c"][1] is not second["c"][1]
    assert first["d"] is not second["d"] and first["e"] is not second["e"]
    first["c"].append(3)
    assert plan.fields[2].default == [1, [2]]


def test_blank_value_is_present_not_missing() -> None:
    plan = Plan([Field("q", "q", S_QUERY, Coercer(K_INT), required=False, default=3)])
    errors: list[Any] = []
    assert plan.extract(make_conn(b"q="), {}, errors) == {}
    assert errors == [err("int_parsing", MSG_INT, "")]


def test_list_fields() -> None:
    field = Field("n", "n", S_QUERY, Coercer(K_INT), is_list=True, list_min=2, list_max=3)
    plan = Plan([field])
    errors: list[Any] = []
    assert plan.extract(make_conn(b"n=1&x=0&n=2"), {}, errors) == {"n": [1, 2]}
    plan.extract(make_conn(b"n=1&n=x&n=3&n=y"), {}, errors)
    assert errors == [
        err("int_parsing", MSG_INT, "x", loc=("query", "n", 1)),
        err("int_parsing", MSG_INT, "y", loc=("query", "n", 3)),
    ]
    errors = []
    plan.extract(make_conn(b"n=1"), {}, errors)
    assert errors == [
        err(
            "too_short",
            "List should have at least 2 items after validation, not 1",
            ["1"],
            {"field_type": "List", "min_length": 2, "actual_length": 1},
            loc=("query", "n"),
        )
    ]
    errors = []
    plan.extract(make_conn(b"n=1&n=2&n=3&n=4"), {}, errors)
    assert errors == [
        err(
            "too_long",
            "List should have at most 3 items after validation, not 4",
            ["1", "2", "3", "4"],
            {"field_type": "List", "max_length": 3, "actual_length": 4},
            loc=("query", "n"),
        )
    ]
    one = Plan([Field("n", "n", S_QUERY, Coercer(K_INT), is_list=True, list_max=1)])
    errors = []
    one.extract(make_conn(b"n=1&n=2"), {}, errors)
    assert errors[0]["msg"] == "List should have at most 1 item after validation, not 2"
    missing = Plan([Field("n", "n", S_QUERY, Coercer(K_INT), is_list=True)])
    errors = []
    assert missing.extract(make_conn(), {}, errors) == {}
    assert errors == [missing_error(("query", "n"))]


def test_list_containers_and_headers() -> None:
    plan = Plan(
        [
            Field("t", "t", S_QUERY, Coercer(K_STR), is_list=True, container=tuple),
            Field("s", "s", S_QUERY, Coercer(K_INT), is_list=True, container=frozenset),
            Field("h", "x-h", S_HEADER, Coercer(K_STR), is_list=True, label="X-H"),
        ]
    )
    errors: list[Any] = []
    conn = make_conn(b"t=a&t=b&s=1&s=1", [("x-h", "one"), ("x-h", "two")])
    assert plan.extract(conn, {}, errors) == {"t": ("a", "b"), "s": frozenset({1}), "h": ["one", "two"]}
    assert errors == []


def test_header_list_item_loc_uses_label() -> None:
    plan = Plan([Field("h", "x-n", S_HEADER, Coercer(K_INT), is_list=True, label="X-N")])
    errors: list[Any] = []
    plan.extract(make_conn(b"", [("x-n", "1"), ("x-n", "z")]), {}, errors)
    assert errors == [err("int_parsing", MSG_INT, "z", loc=("header", "X-N", 1))]


def test_injected_sources() -> None:
    plan = Plan(
        [
            Field("request", "request", S_REQUEST, None),
            Field("response", "response", S_RESPONSE, None),
            Field("tasks", "tasks", S_BACKGROUND, None),
            Field("scopes", "scopes", S_VALUE, None, required=False, default="fixed"),
            Field("raw", "raw", S_QUERY, None),
        ]
    )
    conn = make_conn(b"raw=%41")
    errors: list[Any] = []
    values = plan.extract(conn, {}, errors)
    assert errors == []
    assert isinstance(values["request"], Request) and values["request"] is conn.request
    assert isinstance(values["response"], Response) and values["response"] is conn.response
    assert values["response"].status_code is None and "content-length" not in values["response"].headers
    assert isinstance(values["tasks"], BackgroundTasks) and values["tasks"] is conn.background
    assert values["scopes"] == "fixed" and values["raw"] == "A"


def test_conn_is_lazy_and_parses_once() -> None:
    conn = make_conn(b"a=1", [("cookie", "x=1; y=2"), ("cookie", "z=3"), ("x-up", "v")])
    assert conn.response is None and conn.background is None
    assert conn.query == {"a": ["1"]} and conn.query is conn.query
    assert conn.headers["cookie"] == ["x=1; y=2", "z=3"]  # header names arrive lower-cased from ASGI
    assert conn.cookies == {"x": "1", "y": "2"}
    assert conn.headers["x-up"] == ["v"]


def test_conn_requires_dict_scope() -> None:
    with pytest.raises(TypeError):
        Conn([], None, None)  # type: ignore[arg-type]


def test_field_repr_and_attributes() -> None:
    coercer = Coercer(K_INT, int)
    field = Field("n", "n", S_QUERY, coercer, required=False, default=1)
    assert repr(field) == "Field('n', key='n', source=1, required=False)"
    assert (field.name, field.key, field.source, field.required, field.default, field.coercer) == (
        "n",
        "n",
        S_QUERY,
        False,
        1,
        coercer,
    )
    assert (coercer.kind, coercer.target) == (K_INT, int)


# --- query strings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qs", "expected"),
    [
        (b"", {}),
        (b"&&&", {}),
        (b"a=1&a=2&b=3", {"a": ["1", "2"], "b": ["3"]}),
        (b"a+b=c+d", {"a b": ["c d"]}),
        (b"%41=%2B%2b", {"A": ["++"]}),
        (b"x=%zz&y=%4&z=%", {"x": ["%zz"], "y": ["%4"], "z": ["%"]}),
        (b"x=%ff&y=%C3%A9", {"x": ["\ufffd"], "y": ["é"]}),
        (b"x=\xc3\xa9\xff", {"x": ["é\ufffd"]}),
        (b"a=&b&&=c&=", {"a": [""], "b": [""], "": ["c", ""]}),
        (b"a=b=c", {"a": ["b=c"]}),
        (b"x=%00", {"x": ["\x00"]}),
        (b"a;b=c", {"a;b": ["c"]}),
    ],
)
def test_parse_query(qs: bytes, expected: dict[str, list[str]]) -> None:
    assert parse_query(qs) == expected


def reference_query(qs: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in qs.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        decoded = [
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "replace") for part in (key, value)
        ]
        out.setdefault(decoded[0], []).append(decoded[1])
    return out


QUERY_BYTES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                b"&",
                b"=",
                b"+",
                b"%",
                b"%2",
                b"%41",
                b"%zz",
                b"%ff",
                b"%C3",
                b"%A9",
                b"%2B",
                b"a",
                b"b",
                b"\xc3",
                b"\xa9",
                b"\xff",
                b" ",
                b"\x00",
            ]
        ),
        st.binary(max_size=3),
    ),
    max_size=20,
).map(b"".join)


@given(QUERY_BYTES)
@settings(max_examples=400, deadline=None)
def test_parse_query_matches_reference(qs: bytes) -> None:
    assert parse_query(qs) == reference_query(qs)


# --- cookies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", {}),
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1;a=2", {"a": "2"}),
        ('a="quoted value"', {"a": "quoted value"}),
        ('a="x\\"y\\\\z"', {"a": 'x"y\\z'}),
        ('a="\\101\\102"', {"a": "AB"}),
        ('a="unterminated', {"a": '"unterminated'}),
        ("novalue", {"": "novalue"}),
        ("a=b=c", {"a": "b=c"}),
        (" ; ;a = 1 ", {"a": "1"}),
        ("=x", {"": "x"}),
    ],
)
def test_parse_cookies(header: str, expected: dict[str, str]) -> None:
    assert parse_cookies(header) == expected


COOKIE_TEXT = st.lists(
    st.sampled_from(['"', "\\", ";", "=", " ", "a", "b", "0", "1", "7", "\n", "é", "\t"]), max_size=24
).map("".join)


@given(COOKIE_TEXT)
@settings(max_examples=400, deadline=None)
def test_parse_cookies_matches_starlette(header: str) -> None:
    assert parse_cookies(header) == cookie_parser(header)


# --- the naive oracle -------------------------------------------------------------------------

ORACLE_INT = re.compile(r"-?[0-9]+")
ORACLE_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
ORACLE_TRUE = {"1", "true", "on", "yes", "y", "t"}
ORACLE_FALSE = {"0", "false", "off", "no", "n", "f"}


def oracle_display(bound: Any) -> str:
    """Rust's float Display (what pydantic prints): positional notation, shortest digits, no ".0"."""
    if type(bound) is not float:
        return str(bound)
    text = repr(bound)
    sign = "-" if text.startswith("-") else ""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + int(exponent or "0")
    if point <= 0:
        text = "0." + "0" * -point + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, frac = text.partition(".")
    return sign + (whole.lstrip("0") or "0") + dot + frac


def oracle_bound(kind: int, bound: Any) -> Any:
    if bound is None:
        return None
    if kind == K_FLOAT:
        return float(bound)
    if kind == K_DECIMAL:
        return Decimal(repr(bound)) if isinstance(bound, float) else Decimal(bound)
    if kind == K_INT and isinstance(bound, float) and bound == int(bound):
        return int(bound)
    return bound


def oracle_is_multiple(value: Any, step: Any) -> bool:
    if isinstance(value, float):
        quotient = value / step
        if not math.isfinite(quotient):
            return False
        nearest = float(math.trunc(quotient))
        if abs(quotient - nearest) >= 0.5:
            nearest += math.copysign(1.0, quotient)
        return abs(value - nearest * step) <= 1e-9
    return (Fraction(value) / Fraction(step)).denominator == 1


def oracle_numeric(
    kind: int, value: Any, raw: str, bounds: dict[str, Any]
) -> tuple[Any, list[dict[str, Any]]]:
    b = {name: oracle_bound(kind, bound) for name, bound in bounds.items()}
    checks = [
        (
            "multiple_of",
            "multiple_of",
            "Input should be a multiple of ",
            lambda: oracle_is_multiple(value, b["multiple_of"]),
        ),
        ("le", "less_than_equal", "Input should be less than or equal to ", lambda: value <= b["le"]),
        ("lt", "less_than", "Input should be less than ", lambda: value < b["lt"]),
        ("ge", "greater_than_equal", "Input should be greater than or equal to ", lambda: value >= b["ge"]),
        ("gt", "greater_than", "Input should be greater than ", lambda: value > b["gt"]),
    ]
    for name, type_, text, ok in checks:
        if b.get(name) is not None and not ok():
            return None, [err(type_, text + oracle_display(b[name]), raw, {name: b[name]})]
    return value, []


def oracle(kind: int, raw: str, **constraints: Any) -> tuple[Any, list[dict[str, Any]]]:
    if kind == K_INT:
        if not ORACLE_INT.fullmatch(raw):
            return None, [err("int_parsing", MSG_INT, raw)]
        significant = raw.lstrip("-").lstrip("0") or "0"
        if len(significant) > 4300:
            return None, [err("int_parsing_size", MSG_INT_SIZE, raw)]
        value: Any = -int(significant) if raw.startswith("-") else int(significant)
        return oracle_numeric(kind, value, raw, constraints)
    if kind == K_FLOAT:
        if not ORACLE_NUMBER.fullmatch(raw) or len(raw) > 4300:
            return None, [err("float_parsing", MSG_FLOAT, raw)]
        value = float(raw)
        if not math.isfinite(value):
            return None, [err("finite_number", MSG_FINITE, raw)]
        return oracle_numeric(kind, value, raw, constraints)
    if kind == K_DECIMAL:
        if not ORACLE_NUMBER.fullmatch(raw) or len(raw) > 4300:
            return None, [err("decimal_parsing", MSG_DECIMAL, raw)]
        try:
            number = Decimal(raw)
        except ArithmeticError:  # an exponent beyond Decimal's range: pydantic's decimal_parsing too
            return None, [err("decimal_parsing", MSG_DECIMAL, raw)]
        return oracle_numeric(kind, number, raw, constraints)
    if kind == K_BOOL:
        if raw.lower() in ORACLE_TRUE:
            return True, []
        if raw.lower() in ORACLE_FALSE:
            return False, []
        return None, [err("bool_parsing", MSG_BOOL, raw)]
    assert kind == K_STR
    low, high, pattern = (constraints.get(k) for k in ("min_length", "max_length", "pattern"))
    if low is not None and len(raw) < low:
        noun = "character" if low == 1 else "characters"
        return None, [
            err("string_too_short", f"String should have at least {low} {noun}", raw, {"min_length": low})
        ]
    if high is not None and len(raw) > high:
        noun = "character" if high == 1 else "characters"
        return None, [
            err("string_too_long", f"String should have at most {high} {noun}", raw, {"max_length": high})
        ]
    if pattern is not None and re.search(pattern, raw) is None:
        return None, [
            err(
                "string_pattern_mismatch",
                f"String should match pattern '{pattern}'",
                raw,
                {"pattern": pattern},
            )
        ]
    return raw, []


NUMBER_TOKENS = [
    "0",
    "1",
    "5",
    "9",
    "00",
    "-",
    "+",
    ".",
    "e",
    "E",
    "e-",
    "e+",
    "_",
    " ",
    "\t",
    "\n",
    "\x00",
    "\uff11",
    "٣",
    "\U0001d7d9",
    "inf",
    "nan",
    "x",
    ",",
    "e400",
    "e-400",
    "9" * 20,
]
RAW_TEXT = st.one_of(
    st.lists(st.sampled_from(NUMBER_TOKENS), max_size=10).map("".join),
    st.text(max_size=12),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.sampled_from(["1" * 4300, "-" + "1" * 4300, "1" * 4301, "0" * 4400 + "7", "1e308", "1e309", "2e-324"]),
)
INT_BOUND = st.integers(-1000, 1000)
FLOAT_BOUND = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e6, 1e6), st.sampled_from([0.0, 2.0, 1e16, 1.5e-7])
)
DECIMAL_BOUND = st.one_of(
    st.integers(-1000, 1000), st.decimals(-1000, 1000, places=3), st.sampled_from([1.2, 0.5])
)


def bounds(
    values: st.SearchStrategy[Any], steps: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={"gt": values, "ge": values, "lt": values, "le": values, "multiple_of": steps}
    )


KIND_CASES = st.one_of(
    st.tuples(st.just(K_INT), bounds(INT_BOUND, st.integers(1, 30))),
    st.tuples(st.just(K_FLOAT), bounds(FLOAT_BOUND, st.sampled_from([0.1, 0.25, 0.5, 2, 3.0, 1e-3, 7.5]))),
    st.tuples(
        st.just(K_DECIMAL), bounds(DECIMAL_BOUND, st.sampled_from([Decimal("0.1"), Decimal(3), 0.5, 2]))
    ),
    st.tuples(st.just(K_BOOL), st.just({})),
    st.tuples(
        st.just(K_STR),
        st.fixed_dictionaries(
            {},
            optional={
                "min_length": st.integers(0, 5),
                "max_length": st.integers(0, 5),
                "pattern": st.sampled_from(["^a", "b$", "[0-9]", r"\s", "^$"]),
            },
        ),
    ),
)


def small_exponent(raw: str) -> bool:
    try:
        exponent = Decimal(raw).as_tuple().exponent
    except ArithmeticError:
        return True  # not a number at all: the oracle rejects it before any arithmetic
    return not isinstance(exponent, int) or abs(exponent) < 5000


@given(KIND_CASES, RAW_TEXT)
@example((K_DECIMAL, {}), "0e99999999999999999999")  # once found by chance: the oracle's Decimal() raised
@settings(max_examples=1500, deadline=None)
def test_coercer_matches_oracle(case: tuple[int, dict[str, Any]], raw: str) -> None:
    kind, constraints = case
    if kind == K_DECIMAL and "multiple_of" in constraints:
        assume(small_exponent(raw))  # the oracle's Fraction would be astronomically large
    expected = oracle(kind, raw, **constraints)
    actual = Coercer(kind, None, **constraints)(raw, LOC)
    assert actual == expected
    assert type(actual[0]) is type(expected[0])
    for got, want in zip(actual[1], expected[1], strict=True):
        assert {k: type(v) for k, v in got.get("ctx", {}).items()} == {
            k: type(v) for k, v in want.get("ctx", {}).items()
        }


# --- pydantic as the reference, where our rules agree -----------------------------------------


def pydantic_errors(tp: Any, raw: str) -> list[dict[str, Any]]:
    try:
        TypeAdapter(tp).validate_python(raw)
    except ValidationError as exc:
        return [{**{k: v for k, v in e.items() if k != "url"}, "loc": LOC} for e in exc.errors()]
    return []


PYD_TYPES = {K_INT: int, K_FLOAT: float, K_DECIMAL: Decimal}
STRICT_NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e7, 1e7).map(repr).filter(lambda s: "e" not in s or "-" in s.split("e")[1]),
    st.decimals(-(10**6), 10**6, places=4).map(str),
)


@given(KIND_CASES.filter(lambda c: c[0] in PYD_TYPES), STRICT_NUMBERS)
@settings(max_examples=800, deadline=None)
def test_numbers_match_pydantic(case: tuple[int, dict[str, Any]], raw: str) -> None:
    kind, constraints = case
    if kind == K_INT:
        assume(ORACLE_INT.fullmatch(raw))
    assume(ORACLE_NUMBER.fullmatch(raw))
    tp = Annotated[PYD_TYPES[kind], PydField(**constraints)] if constraints else PYD_TYPES[kind]
    value, errors = Coercer(kind, None, **constraints)(raw, LOC)
    assert errors == pydantic_errors(tp, raw)
    if not errors:
        assert value == TypeAdapter(tp).validate_python(raw)


@given(st.text(alphabet=st.sampled_from(list("0123456789abcdefABCDEF-{}urn:idx ")), max_size=40))
@settings(max_examples=400, deadline=None)
def test_uuid_acceptance_matches_pydantic(raw: str) -> None:
    value, errors = coerce(K_UUID, raw)
    theirs = pydantic_errors(uuid.UUID, raw)
    assert (errors == []) == (theirs == [])
    if not errors:
        assert value == TypeAdapter(uuid.UUID).validate_python(raw)


@pytest.mark.parametrize(
    ("raw", "unusual"),
    [
        (b'{"x": 1.5, "y": [1e10, 2E-5]}', False),
        (b'{"x": NaN}', True),
        (b"NaN", True),
        (b"Infinity", True),
        (b'{"x": -Infinity}', True),
        (b'{"x": 1e999}', True),
        (b'{"x": 2E+308}', True),
        (b'{"x": 5e-324}', True),
        (b'{"x": 1e99}', False),  # two exponent digits never overflow
        (b'{"e999": "Na"}', False),  # no digit before the e, and no whole NaN
        (b'{"x": "Infinit"}', False),
        (b'{"x": "says NaN"}', True),  # conservative: strings are not told apart
        (b"", False),
        (b"1e99", False),
        (b"1e999", True),
    ],
)
def test_has_unusual_numbers(raw: bytes, unusual: bool) -> None:
    assert params_module.has_unusual_numbers(raw) is unusual


# -- scope_header and the Request a Conn makes ---------------------------------------------------


def test_scope_header_is_the_first_value_decoded_as_latin1() -> None:
    from fastcore._params import scope_header

    scope: dict[str, Any] = {"headers": [(b"a", b"1"), (b"b", b"caf\xe9"), (b"a", b"2")]}
    assert scope_header(scope, b"a") == "1"
    assert scope_header(scope, b"b") == "café"
    assert scope_header(scope, b"c") is None
    assert scope_header({}, b"a") is None
    # not the usual list of 2-tuples: still read, item by item
    assert scope_header({"headers": ((b"a", b"3"),)}, b"a") == "3"
    assert scope_header({"headers": [[b"a", b"4"]]}, b"a") == "4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"12", 12), (b"0", 0), (b"-1", -1), (b" 12 ", 12), (b"1_000", 1000), (b"+7", 7),
     (b"99999999999999999999", 99999999999999999999), (b"abc", None), (b"", None), (b"1.5", None)],
)
def test_declared_length_reads_content_length_as_int_does(value: bytes, expected: int | None) -> None:
    from fastcore._params import Conn, declared_length

    async def nothing() -> None: ...

    conn = Conn({"type": "http", "headers": [(b"content-length", value)]}, nothing, nothing)
    assert declared_length(conn) == expected
    assert declared_length(Conn({"type": "http", "headers": []}, nothing, nothing)) is None


def test_conn_request_is_the_request_starlette_makes() -> None:
    from starlette.requests import Request

    from fastcore._params import Conn

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"x", "more_body": False}

    async def send(message: Any) -> None:
        pass

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    made = Conn(scope, receive, send).request
    expected = Request(scope, receive, send)
    assert type(made) is Request
    assert list(vars(made).items()) == list(vars(expected).items())
    assert made.receive is receive
