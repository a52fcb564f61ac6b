"""Checking a caller's context against the inputs a policy declares.

The rules are the contract's: every field optional, ``None`` the same as
absent, unknown keys / wrong types / values outside an enum / empty strings /
impossible dates are errors naming the field, and a ``datetime`` is not a date.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .errors import InvalidContext
from .findings import did_you_mean
from .model import Input, Policy

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_date(value: Any, field: str, prefix: str = "") -> date:
    """A ``date`` from a ``date`` or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):
        raise InvalidContext(f"{prefix}{field}: expected a date YYYY-MM-DD; got a datetime {value.isoformat()}",
                             field)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if value == "":
            raise InvalidContext(f"{prefix}{field}: empty string; expected a date YYYY-MM-DD", field)
        if _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise InvalidContext(f"{prefix}{field}: {value!r} is not a real date", field) from None
    raise InvalidContext(f"{prefix}{field}: expected a date YYYY-MM-DD; got {_show(value)}", field)


def _check(inp: Input, value: Any, prefix: str) -> Any:
    name, t = inp.name, inp.type
    if t == "boolean":
        if type(value) is bool:
            return value
        raise InvalidContext(f"{prefix}{name}: expected true or false; got {_show(value)}", name)
    if t == "date":
        return parse_date(value, name, prefix)
    if t == "integer":
        if type(value) is int:
            return value
        raise InvalidContext(f"{prefix}{name}: expected a whole number; got {_show(value)}", name)
    if not isinstance(value, str):
        want = f"one of {', '.join(inp.values)}" if t == "enum" else "text"
        raise InvalidContext(f"{prefix}{name}: expected {want}; got {_show(value)}", name)
    if value == "":
        raise InvalidContext(f"{prefix}{name}: empty string"
                             + (f"; expected one of {', '.join(inp.values)}" if t == "enum" else ""), name)
    if t == "enum" and value not in inp.values:
        hint = did_you_mean(value, inp.values)
        raise InvalidContext(f"{prefix}{name}: expected one of {', '.join(inp.values)}; got {_show(value)}{hint}",
                             name)
    return value


def validate(policy: Policy, context: Any, prefix: str = "") -> dict[str, Any]:
    """The given (non-null) fields of ``context``, checked and normalised."""
    if not isinstance(context, Mapping):
        what = "nothing" if context is None else type(context).__name__
        raise InvalidContext(f"{prefix}context must be a mapping of field names to values; got {what}")
    inputs = policy.inputs
    values: dict[str, Any] = {}
    for key, value in context.items():
        if not isinstance(key, str):
            raise InvalidContext(f"{prefix}context keys must be field names (text); got {_show(key)}")
        inp = inputs.get(key)
        if inp is None:
            hint = did_you_mean(key, inputs)
            raise InvalidContext(f"{prefix}{key}: not a field of policy {policy.id}{hint}; its fields are "
                                 f"{', '.join(inputs)}", key)
        if value is not None:
            values[key] = _check(inp, value, prefix)
    return values
