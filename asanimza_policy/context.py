"""Checking a caller's context against the inputs a policy declares.

The rules are the contract's: every field optional, ``None`` the same as
absent, unknown keys / wrong types / values outside an enum / empty strings /
impossible dates are errors naming the field, and a ``datetime`` is not a date.
A caller's subclass of ``str`` or ``date`` is read as the plain value it holds,
so every walk (interpreted, compiled, fast) sees the same values.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .dates import looks_like_date, parse_iso_date
from .errors import InvalidContext
from .findings import choice_list, did_you_mean, excerpt, plain
from .model import Input, Policy

_SURROGATE = re.compile("[\ud800-\udfff]")

# A context is untrusted: values are shown through ``excerpt`` (bounded and
# escaped, never the repr of a huge integer or a deep list) and field names the
# policy does not declare are escaped before they start a message.
_show = excerpt


_name = plain


def parse_date(value: Any, field: str) -> date:
    """A ``date`` from a ``date`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):
        raise InvalidContext(f"{field}: expected a date YYYY-MM-DD; got a datetime {value.isoformat()}",
                             field)
    if isinstance(value, date):
        # a caller's own subclass is read as the plain date it holds (its methods never run in a walk)
        return value if type(value) is date else date.fromordinal(date.toordinal(value))
    if isinstance(value, str):
        if value == "":
            raise InvalidContext(f"{field}: empty string; expected a date YYYY-MM-DD", field)
        if looks_like_date(value):
            try:
                return parse_iso_date(value)
            except ValueError:
                raise InvalidContext(f"{field}: {value!r} is not a real date", field) from None
    raise InvalidContext(f"{field}: expected a date YYYY-MM-DD; got {_show(value)}", field)


def _check(inp: Input, value: Any) -> Any:
    name, t = inp.name, inp.type
    if t == "boolean":
        if type(value) is bool:
            return value
        raise InvalidContext(f"{name}: expected true or false; got {_show(value)}", name)
    if t == "date":
        return parse_date(value, name)
    if t == "integer":
        if type(value) is not int:
            raise InvalidContext(f"{name}: expected a whole number; got {_show(value)}", name)
        low, high = inp.minimum, inp.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            want = (f"from {low} to {high}" if low is not None and high is not None
                    else f"at least {low}" if low is not None else f"at most {high}")
            raise InvalidContext(f"{name}: expected a whole number {want}; got {value}", name)
        return value
    if not isinstance(value, str):
        want = f"one of {choice_list(inp.values)}" if t == "enum" else "text"
        raise InvalidContext(f"{name}: expected {want}; got {_show(value)}", name)
    if type(value) is not str:
        value = str.__str__(value)      # a subclass: the plain text it holds, as for dates
    if value == "":
        raise InvalidContext(f"{name}: empty string"
                             + (f"; expected one of {choice_list(inp.values)}" if t == "enum" else ""), name)
    if t == "enum" and value not in (inp.values or ()):
        hint = did_you_mean(value, inp.values or ())
        raise InvalidContext(f"{name}: expected one of {choice_list(inp.values)}; got {_show(value)}{hint}",
                             name)
    if not value.isascii() and _SURROGATE.search(value):
        raise InvalidContext(f"{name}: not valid Unicode text (half of a surrogate pair); got "
                             f"{_show(value)}", name)
    return value


def validate(policy: Policy, context: Any) -> dict[str, Any]:
    """The given (non-null) fields of ``context``, checked and normalised."""
    if not isinstance(context, Mapping):
        what = "nothing" if context is None else type(context).__name__
        raise InvalidContext(f"context must be a mapping of field names to values; got {what}")
    inputs = policy.inputs
    values: dict[str, Any] = {}
    for key, value in context.items():
        if not isinstance(key, str):
            raise InvalidContext(f"context keys must be field names (text); got {_show(key)}")
        inp = inputs.get(key)
        if inp is None:
            hint = did_you_mean(key, inputs)
            raise InvalidContext(f"{_name(key)}: not a field of policy {policy.id}{hint}; its fields are "
                                 f"{choice_list(inputs)}", key)
        if value is not None:
            values[key] = _check(inp, value)
    return values
