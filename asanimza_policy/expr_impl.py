"""What the expression functions and the date arithmetic compute, as plain functions.

The tables in ``expr_types`` (:data:`~asanimza_policy.expr_types.FUNCTIONS`,
:data:`~asanimza_policy.expr_types.ARITHMETIC`) pair each function with its
type rule; the computation itself lives here, named, in a module that imports
nothing but ``datetime``.  So a compiled walk read back from the private cache
(``cold.py``) finds each function by its name without importing the expression
machinery.  A function added as a lambda still works everywhere; only the
cached compiled form of a version that uses it is not kept (it is evaluated on
the ordinary path).

Each raises ``OverflowError`` where the result leaves the calendar (years 1 to 9999).
"""
from __future__ import annotations

from datetime import date, timedelta


def days_between(a: date, b: date) -> int:
    return (b - a).days


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months.  The end-of-month rule: a day the
    target month lacks becomes its last day (31 January + 1 month = 28 February,
    or 29 in a leap year; 29 February + 12 months = 28 February).
    ``OverflowError`` outside years 1 to 9999."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    if not 1 <= y <= 9999:
        raise OverflowError(f"year {y} is outside the calendar")
    return date(y, m + 1, min(d.day, _days_in_month(y, m + 1)))


def add_years(d: date, n: int) -> date:
    return add_months(d, 12 * n)


def months_between(a: date, b: date) -> int:
    """Whole months from ``a`` to ``b``: the largest n with add_months(a, n) <= b
    (negative, the same from ``b`` back to ``a``, when ``b`` is earlier)."""
    if b < a:
        return -months_between(b, a)
    n = (b.year - a.year) * 12 + b.month - a.month
    return n - 1 if add_months(a, n) > b else n


def years_between(a: date, b: date) -> int:
    """Whole years from ``a`` to ``b`` (an age: years_between(birth_date, as_of));
    whole months // 12, so someone born on 29 February is a year older on 28 February."""
    m = months_between(a, b)
    return m // 12 if m >= 0 else -(-m // 12)


def given(v: object) -> bool:
    """Whether the caller gave a value (an unknown one arrives as ``None``)."""
    return v is not None


# the arithmetic operators on dates (``+`` and ``-`` of integers are ``operator.add`` / ``sub``)

def date_plus_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def days_plus_date(n: int, d: date) -> date:
    return timedelta(days=n) + d


def date_minus_days(d: date, n: int) -> date:
    return d - timedelta(days=n)


def date_minus_date(a: date, b: date) -> int:
    return (a - b).days
