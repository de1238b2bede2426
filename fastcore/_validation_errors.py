"""Error dicts in pydantic v2's wording, and why a scalar was rejected: the vocabulary of
``fastcore.validation`` (which walks types and values; this module only words the errors).

:data:`MSG` is the one table of pydantic's wording: the compiled parameter coercer
(``fastcore._params``) binds its messages from it when it is imported, and the body error collector
reads it here.  Entries with ``{placeholders}`` are filled with ``str.format``.
"""

from __future__ import annotations

import base64
import decimal
import math
import re
from collections.abc import Callable
from typing import Any

import msgspec

ErrorDict = dict[str, Any]
Loc = tuple[str | int, ...]

MSG: dict[str, str] = {
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "int_parsing_size": "Unable to parse input string as an integer, exceeded maximum size",
    "float_type": "Input should be a valid number",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "string_type": "Input should be a valid string",
    "string_unicode": "Input should be a valid string, unable to parse raw data as a unicode string",
    "bool_type": "Input should be a valid boolean",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "none_required": "Input should be None",
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
    "finite_number": "Input should be a finite number",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "datetime_type": "Input should be a valid datetime",
    "date_type": "Input should be a valid date",
    "date_from_datetime_inexact": "Datetimes provided to dates should have zero time - e.g. be exact dates",
    "time_type": "Input should be a valid time",
    "time_delta_type": "Input should be a valid timedelta",
    "timezone_aware": "Input should have timezone info",
    "timezone_naive": "Input should not have timezone info",
    "bytes_type": "Input should be a valid bytes",
    "list_type": "Input should be a valid list",
    "set_type": "Input should be a valid set",
    "frozen_set_type": "Input should be a valid frozenset",
    "tuple_type": "Input should be a valid tuple",
    "dict_type": "Input should be a valid dictionary",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "missing": "Field required",
    "extra_forbidden": "Extra inputs are not permitted",
    # Constraints ({count} is "3 characters", "1 item"...; bounds are shown as pydantic prints them).
    "multiple_of": "Input should be a multiple of {multiple_of}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "less_than": "Input should be less than {lt}",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "greater_than": "Input should be greater than {gt}",
    "string_too_short": "String should have at least {count}",
    "string_too_long": "String should have at most {count}",
    "bytes_too_short": "Data should have at least {count}",
    "bytes_too_long": "Data should have at most {count}",
    "too_short": "{field_type} should have at least {count} after validation, not {actual}",
    "too_long": "{field_type} should have at most {count} after validation, not {actual}",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "literal_error": "Input should be {expected}",
    "enum": "Input should be {expected}",
    "dataclass_type": "Input should be a dictionary or an instance of {class_name}",
    "named_tuple_type": "Input should be a tuple, list, dictionary or an instance of {class_name}",
    "union_tag_not_found": "Unable to extract tag using discriminator {discriminator}",
    "union_tag_invalid": "Input tag '{tag}' found using {discriminator} does not match any of the expected "
                         "tags: {expected_tags}",
}

# The ``*_parsing`` errors of these types carry the parser's reason in ctx["error"].
PARSING_PREFIX: dict[str, str] = {
    "uuid_parsing": "Input should be a valid UUID, ",
    "datetime_from_date_parsing": "Input should be a valid datetime or date, ",
    "datetime_parsing": "Input should be a valid datetime, ",
    "date_from_datetime_parsing": "Input should be a valid date or datetime, ",
    "time_parsing": "Input should be in a valid time format, ",
    "time_delta_parsing": "Input should be a valid timedelta, ",
}


def _error(kind: str, loc: Loc, value: Any, msg: str | None = None,
           ctx: dict[str, Any] | None = None) -> ErrorDict:
    err: ErrorDict = {"type": kind, "loc": loc, "msg": MSG[kind] if msg is None else msg, "input": value}
    if ctx is not None:
        err["ctx"] = ctx
    return err


def _parsing(kind: str, loc: Loc, value: Any, reason: str) -> ErrorDict:
    return _error(kind, loc, value, PARSING_PREFIX[kind] + reason, {"error": reason})


def _show(number: Any) -> str:
    """A number as pydantic-core (Rust ``Display``) prints it: never an exponent, ``1.0`` as ``1``."""
    if isinstance(number, float) and math.isfinite(number):
        if number.is_integer():
            return str(int(number))
        text = repr(number)
        return format(decimal.Decimal(text), "f") if "e" in text else text
    return str(number)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _expected(values: tuple[Any, ...] | list[Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" list of allowed values."""
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _convert(value: Any, tp: Any) -> tuple[bool, Any]:
    """(True, converted) when msgspec accepts ``value`` as ``tp`` in lax mode, else (False, exc)."""
    try:
        return True, msgspec.convert(value, tp, strict=False)
    except msgspec.ValidationError as exc:
        return False, exc
    except UnicodeEncodeError:
        # A lone surrogate (Python's JSON parser lets one through) where msgspec wants UTF-8: judge
        # the value's shape with each surrogate replaced, one character for one, so lengths hold.
        try:
            return True, msgspec.convert(_without_surrogates(value), tp, strict=False)
        except msgspec.ValidationError as exc:
            return False, exc


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------------------
# Why a scalar was rejected, in pydantic's words. Each explainer is called only after msgspec has
# rejected the value, so it must always name an error, even when pydantic would have accepted.

Explainer = Callable[[Any, Loc], ErrorDict]

_INT64 = 2**63


def _explain_int(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, float) and not isinstance(value, bool):
        if not math.isfinite(value):
            return _error("finite_number", loc, value)
        if not value.is_integer():
            return _error("int_from_float", loc, value)
        return _error("int_parsing_size" if abs(value) >= _INT64 else "int_type", loc, value)
    if isinstance(value, str):
        digits = value.strip().lstrip("+-").lstrip("0")
        if len(digits) > 4300 and digits.isdigit():
            return _error("int_parsing_size", loc, value)
        return _error("int_parsing", loc, value)
    return _error("int_type", loc, value)


def _explain_float(value: Any, loc: Loc) -> ErrorDict:
    return _error("float_parsing" if isinstance(value, str) else "float_type", loc, value)


def _explain_bool(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        return _error("bool_parsing", loc, value)
    # pydantic reads an integral number as an int first, then fails to interpret it as a bool
    if isinstance(value, float) and value.is_integer():
        value_as_int: Any = int(value)
    else:
        value_as_int = value
    if isinstance(value_as_int, int) and not isinstance(value, bool) and -_INT64 <= value_as_int < _INT64:
        return _error("bool_parsing", loc, value)
    return _error("bool_type", loc, value)


def _explain_decimal(value: Any, loc: Loc) -> ErrorDict:
    return _error("decimal_parsing" if isinstance(value, str) else "decimal_type", loc, value)


def _explain_bytes(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
            reason = "Invalid base64 encoded string"
        except ValueError as exc:
            reason = str(exc) or "Invalid base64 encoded string"
        return _error("bytes_invalid_encoding", loc, value, f"Data should be valid base64: {reason}",
                      {"encoding": "base64", "encoding_error": reason})
    return _error("bytes_type", loc, value)


_UUID_GROUP_STARTS = (0, 9, 14, 19, 24)


def _uuid_reason(text: str) -> str:
    """The reason the Rust ``uuid`` crate (used by pydantic) gives for an unparsable UUID."""
    body, offset = text, 0
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset = text[1:-1], 1
    elif text.startswith("urn:uuid:"):
        body, offset = text[9:], 9
    simple = offset == 0
    bounds: list[int] = []
    for index, char in enumerate(body):
        if char == "-":
            bounds.append(index)
        elif char not in "0123456789abcdefABCDEF":
            return f"invalid character: found `{char}` at {index + offset}"
    if not bounds and simple:
        return f"invalid length: found {len(text)}"
    if len(bounds) != 4:
        return f"invalid group count: expected 5, found {len(bounds) + 1}"
    for group in range(4):
        if bounds[group] != _UUID_GROUP_STARTS[group + 1] - 1:
            expected = _UUID_GROUP_STARTS[group + 1] - 1 - _UUID_GROUP_STARTS[group]
            return (f"invalid group length in group {group}: expected {expected}, "
                    f"found {bounds[group] - _UUID_GROUP_STARTS[group]}")
    if len(body) != 36:
        return f"invalid group length in group 4: expected 12, found {len(text) - _UUID_GROUP_STARTS[4]}"
    return "invalid format"  # braced / URN forms: valid for pydantic, not for msgspec


def _explain_uuid(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        return _parsing("uuid_parsing", loc, value, _uuid_reason(value))
    return _error("uuid_type", loc, value)


def _date_reason(text: str) -> str | None:
    """speedate's reason for a bad ``YYYY-MM-DD`` prefix, or None when the prefix is a fine date."""
    if len(text) < 10:
        return "input is too short"
    for index, what in ((0, "year"), (1, "year"), (2, "year"), (3, "year"), (5, "month"), (6, "month"),
                        (8, "day"), (9, "day")):
        if not "0" <= text[index] <= "9":
            return f"invalid character in {what}"
    if text[4] != "-" or text[7] != "-":
        return "invalid date separator, expected `-`"
    month, day = int(text[5:7]), int(text[8:10])
    if not 1 <= month <= 12:
        return "month value is outside expected range of 1-12"
    if day == 0 or day > 31:
        return "day value is outside expected range"
    return None


def _explain_datetime(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        return _parsing("datetime_from_date_parsing", loc, value, _date_reason(value) or "invalid datetime")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        reason = "dates after 9999 are not supported as unix timestamps"
        return _parsing("datetime_parsing", loc, value, reason)
    return _error("datetime_type", loc, value)


def _explain_date(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        reason = _date_reason(value)
        if reason is None and len(value) > 10:
            return _error("date_from_datetime_inexact", loc, value)
        return _parsing("date_from_datetime_parsing", loc, value, reason or "invalid date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _error("date_from_datetime_inexact", loc, value)
    return _error("date_type", loc, value)


def _explain_time(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        reason = "input is too short" if len(value) < 5 else "invalid time format"
        return _parsing("time_parsing", loc, value, reason)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            return _parsing("time_parsing", loc, value, "time in seconds should be positive")
        if value > 86399:
            return _parsing("time_parsing", loc, value, "numeric times may not exceed 86,399 seconds")
    return _error("time_type", loc, value)


def _explain_timedelta(value: Any, loc: Loc) -> ErrorDict:
    if isinstance(value, str):
        return _parsing("time_delta_parsing", loc, value, "invalid duration format")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _parsing("time_delta_parsing", loc, value, "durations may not exceed 999,999,999 days")
    return _error("time_delta_type", loc, value)


def _explain_str(value: Any, loc: Loc) -> ErrorDict:
    return _error("string_type", loc, value)


def _explain_none(value: Any, loc: Loc) -> ErrorDict:
    return _error("none_required", loc, value)
