"""Value parsing and the field-problem builder every rule module shares.

A leaf module: it imports nothing of ``shared`` but the error catalogue, so the
validator, the adverse-event and the eligibility rules can all use it without
importing each other. Nothing is coerced: "5" is not 5, 5.0 is not a whole
number, true is not 1.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from shared.errors import FieldProblem

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only. ``str.isdigit`` is also true for '²' (which ``int`` refuses: a crash)
    and for other scripts' digits (which ``int`` reads: "９９" would silently become 99)."""
    return text.isascii() and text.isdigit()


def is_int(value: Any) -> bool:
    """True for a whole number given as one (a bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for a finite int or float (a bool, NaN or infinity is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parses_as_timestamp(value: str) -> bool:
    """True when ``value`` is an ISO 8601 timestamp Python can read (``Z`` allowed for UTC)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def problem(field: str, value: Any, allowed: str, why: str, code: str = "", **params: Any) -> FieldProblem:
    """A refusal of ``field`` whose message names the field, the value given and what is allowed;
    ``code`` and ``params`` let a screen word the same rule in its own language."""
    return FieldProblem(field, value, allowed, f"{field}: {why} (got {value!r}; allowed: {allowed})", code, params)


def parse_date(value: Any, field: str, problems: list[FieldProblem]) -> date | None:
    """An ISO 8601 calendar date (YYYY-MM-DD), or None with a problem appended to ``problems``."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(problem(field, value, "a date YYYY-MM-DD", "is not a valid date", "value.date_invalid"))
    return None


_PARTIAL_DATE = re.compile(r"(?P<y>[0-9]{4})(-(?P<m>[0-9]{2})(-(?P<d>[0-9]{2}))?)?")


def partial_date_bounds(value: Any) -> tuple[date, date] | None:
    """The first and last day an ISO 8601 date that may be partial (YYYY, YYYY-MM, YYYY-MM-DD) can mean;
    None when ``value`` is not one. A medication or condition that began years ago is often known only to
    the year or month (SDTM --STDTC allows exactly these)."""
    match = _PARTIAL_DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return None
    try:
        year = int(match["y"])
        if match["d"]:
            day = date(year, int(match["m"]), int(match["d"]))
            return day, day
        if match["m"]:
            month = int(match["m"])
            first = date(year, month, 1)
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return first, date.fromordinal(nxt.toordinal() - 1)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def parse_partial_date(value: Any, field: str, problems: list[FieldProblem]) -> tuple[date, date] | None:
    """``partial_date_bounds`` of ``value``, or None with a problem appended to ``problems``."""
    bounds = partial_date_bounds(value)
    if bounds is None:
        problems.append(problem(field, value, "a date YYYY-MM-DD, or YYYY-MM or YYYY when only that is known",
                                "is not a valid (partial) date", "value.partial_date_invalid"))
    return bounds
