# Included by _params.pyx (one extension, one concept): parsing UUIDs, dates and times from text.
# Messages follow pydantic's wording for the common failures.  Uses _params.pyx's module globals
# (UUID, date_cls, time_cls, ...) and its `error`/`INVALID` helpers.

cdef str HEXDIGITS = "0123456789abcdefABCDEF"
cdef tuple GROUPS = (8, 4, 4, 4, 12)


cdef object parse_uuid(str s, tuple loc, list errors):
    cdef str body = s
    cdef str msg = None
    cdef Py_ssize_t i, n
    cdef list groups
    # The URN and the braced form ("{...}", Microsoft's GUID spelling) are accepted, as by pydantic,
    # which also counts an error's position from the start of the hex digits.
    if body.startswith("urn:uuid:"):
        body = body[9:]
    elif len(body) == 38 and body[0] == "{" and body[37] == "}":
        body = body[1:37]
    n = len(body)
    for i in range(n):
        if body[i] != "-" and body[i] not in HEXDIGITS:
            msg = f"invalid character: found `{body[i]}` at {i}"
            break
    if msg is None:
        if "-" in body:
            groups = body.split("-")
            if len(groups) != 5:
                msg = f"invalid group count: expected 5, found {len(groups)}"
            else:
                for i in range(5):
                    if len(groups[i]) != GROUPS[i]:
                        msg = f"invalid group length in group {i}: expected {GROUPS[i]}, found {len(groups[i])}"
                        break
        elif n != 32:
            msg = f"invalid length: expected length 32 for simple format, found {n}"
    if msg is None:
        try:
            return UUID(body)
        except ValueError:
            msg = "invalid format"
    errors.append(error("uuid_parsing", loc, PREFIX_UUID + msg, s, {"error": msg}))
    return INVALID


cdef str INEXACT = MSG_INEXACT
cdef str TOO_SHORT = "input is too short"
cdef str EXTRA = "unexpected extra characters at the end of the input"


cdef int digits_at(str s, Py_ssize_t pos, Py_ssize_t count):
    """The number written by s[pos:pos+count] (ASCII digits), or -1."""
    cdef int value = 0
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    if pos + count > len(s):
        return -1
    for i in range(pos, pos + count):
        c = s[i]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (<int>c - 48)
    return value


cdef object parse_date_part(str s):
    """YYYY-MM-DD at the start of s -> date, or an error message."""
    cdef int year, month, day
    if len(s) < 10:
        return TOO_SHORT
    year = digits_at(s, 0, 4)
    if year < 0:
        return "invalid character in year"
    if s[4] != "-":
        return "invalid date separator, expected `-`"
    month = digits_at(s, 5, 2)
    if month < 0:
        return "invalid character in month"
    if s[7] != "-":
        return "invalid date separator, expected `-`"
    day = digits_at(s, 8, 2)
    if day < 0:
        return "invalid character in day"
    if month < 1 or month > 12:
        return "month value is outside expected range of 1-12"
    try:
        return date_cls(year, month, day)
    except ValueError:
        return "day value is outside expected range"


cdef object parse_time_part(str s, Py_ssize_t pos):
    """HH:MM[:SS[.ffffff]][Z|±HH[:]MM] from s[pos:] -> time (with tzinfo), or an error message."""
    cdef int hour, minute, second = 0, micro = 0, sign, tzh, tzm
    cdef Py_ssize_t n = len(s), i, digits
    cdef Py_UCS4 c
    tz = None
    if n - pos < 5:
        return TOO_SHORT
    hour = digits_at(s, pos, 2)
    if hour < 0:
        return "invalid character in hour"
    if s[pos + 2] != ":":
        return "invalid time separator, expected `:`"
    minute = digits_at(s, pos + 3, 2)
    if minute < 0:
        return "invalid character in minute"
    if hour > 23:
        return "hour value is outside expected range of 0-23"
    if minute > 59:
        return "minute value is outside expected range of 0-59"
    i = pos + 5
    if i < n and s[i] == ":":
        second = digits_at(s, i + 1, 2)
        if second < 0:
            return TOO_SHORT if i + 3 > n else "invalid character in second"
        if second > 59:
            return "second value is outside expected range of 0-59"
        i += 3
        if i < n and (s[i] == "." or s[i] == ","):
            i += 1
            digits = 0
            while i < n:
                c = s[i]
                if c < 48 or c > 57:
                    break
                if digits < 6:
                    micro = micro * 10 + (<int>c - 48)
                digits += 1
                i += 1
            if digits == 0:
                return "invalid character in second fraction"
            while digits < 6:
                micro *= 10
                digits += 1
    if i < n:
        c = s[i]
        if c == "Z" or c == "z":
            tz = utc
            i += 1
        elif c == "+" or c == "-":
            sign = 1 if c == "+" else -1
            tzh = digits_at(s, i + 1, 2)
            if tzh < 0:
                return "invalid timezone hour" if i + 3 <= n else TOO_SHORT
            i += 3
            if i < n and s[i] == ":":
                i += 1
            tzm = digits_at(s, i, 2) if i < n else 0
            if tzm < 0:
                return "invalid timezone minute"
            if i < n:
                i += 2
            if tzh > 23 or tzm > 59:
                return "timezone offset must be less than 24 hours"
            tz = timezone_cls(timedelta_cls(hours=tzh, minutes=tzm) * sign)
        else:
            return EXTRA
    if i < n:
        return EXTRA
    return time_cls(hour, minute, second, micro, tz)


cdef object parse_datetime(str s):
    cdef object d, t
    cdef Py_ssize_t n = len(s)
    if is_strict_number(s) and n <= 32:
        # Unix timestamps (seconds, or milliseconds when large), as pydantic accepts them.
        seconds = float(s)
        if abs(seconds) > 2e10:
            seconds = seconds / 1000
        try:
            return datetime_cls.fromtimestamp(seconds, utc)
        except (OverflowError, ValueError, OSError):
            return "timestamp value is outside the supported range"
    d = parse_date_part(s)
    if type(d) is str:
        return d
    if n == 10:
        return datetime_cls(d.year, d.month, d.day)
    if s[10] not in "Tt _":
        return "invalid datetime separator, expected `T`, `t`, `_` or space"
    t = parse_time_part(s, 11)
    if type(t) is str:
        return t
    return datetime_cls.combine(d, t, t.tzinfo)


cdef object parse_date_value(str s):
    cdef object d, t
    d = parse_date_part(s)
    if type(d) is str:
        return d
    if len(s) == 10:
        return d
    if s[10] not in "Tt _":
        return EXTRA
    t = parse_time_part(s, 11)
    if type(t) is str:
        return t
    if t.hour or t.minute or t.second or t.microsecond:
        return INEXACT
    return d


cdef object parse_time_value(str s):
    return parse_time_part(s, 0)
