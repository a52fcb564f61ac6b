"""Texts with ``{name}`` placeholders: step texts, questions, outcome descriptions.

``parse_template`` splits a text into literal pieces and names (``{{`` and
``}}`` are braces).  A step's text is filled in only when every name is known
(otherwise the step waits for input).  A question or an explanation is filled
in with what is known so far, by one rule: a placeholder whose value cannot be
computed yet is left out together with the innermost parenthesised part that
holds it ("sent (from {a} to {b})?" becomes "sent?"); a placeholder outside
parentheses is left out alone.  Write such texts so they read well either way.
"""
from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from . import expr as ex
from .fill import join_filled, show
from .model import Template
from .shape import IDENT

__all__ = ["parse_template", "show", "fill_known", "plain", "for_readers"]


def parse_template(text: str) -> Template:
    """A step text's pieces; ``{{`` and ``}}`` are braces, ``{name}`` a placeholder.
    ``ExprError`` (with the offset of the offending brace) for anything else."""
    parts: list[tuple[str, str]] = []
    buf: list[str] = []
    at = 0                      # where the next piece starts in text
    pieces = iter(string.Formatter().parse(text))
    while True:
        try:
            literal, field, spec, conversion = next(pieces)
        except StopIteration:
            break
        except ValueError as e:
            if str(e).startswith("Single '}'"):
                raise ex.ExprError("'}' without an opening '{' (write }} for a brace)", text.index("}", at)) from None
            start = text.index("{", at)
            literal, field, spec, conversion = text[at:start], text[start + 1:], "", "!"   # reported below
        buf.append(literal)
        at += len(literal) + literal.endswith(("{", "}"))    # an escaped brace is two characters
        if field is None:
            continue
        end = text.find("}", at)
        if end < 0:
            raise ex.ExprError("'{' without a closing '}' (write {{ for a brace)", at)
        name = text[at + 1:end].strip()
        if spec or conversion or end != at + 1 + len(field) or not (IDENT.match(name) or name == ex.AS_OF):
            raise ex.ExprError(f"placeholder {{{name}}} must be a name", at)
        if "".join(buf):
            parts.append(("text", "".join(buf)))
        buf = []
        parts.append(("name", name))
        at = end + 1
    if "".join(buf):
        parts.append(("text", "".join(buf)))
    return Template(text, tuple(parts))


def fill_known(template: Template, lookup: Callable[[str], Any]) -> str:
    """The text with what ``lookup`` knows; ``lookup`` returns an
    :class:`~asanimza_policy.expr.Unknown` for what it does not."""
    pieces: list[str | None] = []
    for kind, value in template.parts:
        if kind == "text":
            pieces.append(value)
            continue
        v = lookup(value)
        pieces.append(None if type(v) is ex.Unknown else show(v))
    return join_filled(pieces)


def plain(template: Template) -> str:
    """The text with every placeholder left out (nothing is known)."""
    return fill_known(template, lambda name: ex.Unknown((name,)))


def for_readers(template: Template | None, text: str) -> str:
    """A text for the generated docs: each placeholder as the words of its name,
    in italics (``*online window opens*``); ``text`` when there are none."""
    if template is None:
        return text
    return fill_known(template, lambda name: f"*{name.replace('_', ' ')}*")
