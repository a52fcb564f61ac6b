"""How a value reads in a text, what a placeholder without a value leaves, and
how the values read go into a decision's reasons.

The rules of ``template`` (texts filled in with what is known) and ``words``
(reasons with their dates and numbers), kept apart so that a compiled walk read
back from the private cache (``cold.py``) fills its texts by the same code
without importing the policy model.
"""
from __future__ import annotations

from datetime import date

TYPE_CHECKING = False        # typing is not imported at run time: a cold command does without it
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

GAP = "\x00"        # where a placeholder without a value was (another character when the text holds this one)


def show(v: object) -> str:
    """A value as a text shows it: dates ISO, booleans yes / no."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, date):
        return v.isoformat()
    return "none" if v is None else str(v)


def value_words(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def fill_reasons(plans, values: Mapping[str, object]) -> tuple[str, ...]:
    """The words of each plan with the values read put in."""
    out = []
    for parts in plans:
        if len(parts) == 1:
            out.append(parts[0])
            continue
        text = parts[0]
        for i in range(1, len(parts), 2):       # odd parts are the names of slots
            v: Any = values.get(parts[i])
            t = type(v)
            if t is date:                       # the common cases first, without a call
                text += " (" + v.isoformat() + ")"
            elif t is int:
                text += " (" + str(v) + ")"
            elif isinstance(v, (date, int)) and not isinstance(v, bool):
                text += f" ({value_words(v)})"
            text += parts[i + 1]
        out.append(text)
    return tuple(out)


def join_filled(pieces: list[str | None]) -> str:
    """A text from its pieces, ``None`` where a placeholder has no value: each
    such gap leaves with the innermost parenthesised part that holds it ("sent
    (from ? to x)?" becomes "sent?"), or alone."""
    if None not in pieces:
        return "".join(pieces)      # type: ignore[arg-type]  # no None among them
    known = "".join(p for p in pieces if p is not None)
    gap = GAP
    if gap in known:        # the text or a value holds the mark itself: one it lacks
        gap = next(c for c in map(chr, range(0xE000, 0x110000)) if c not in known)
    return close_gaps("".join(gap if p is None else p for p in pieces), gap)


def close_gaps(text: str, gap: str = GAP) -> str:
    """``text`` without its gaps (each ``gap``, a character found nowhere else in it):
    each leaves with the innermost parenthesised part that holds it ("sent (from
    \\0 to x)?" becomes "sent?"), or alone."""
    if gap not in text:
        return text
    group_with_gap, space_before, spaces = _patterns or _compile()
    if gap != GAP:
        import re
        group_with_gap = re.compile(r"\s?\([^()]*" + re.escape(gap) + r"[^()]*\)")
    while True:
        shorter = group_with_gap.sub("", text)
        if shorter == text:
            break
        text = shorter
    text = text.replace(gap, "")
    return spaces.sub(" ", space_before.sub(r"\1", text)).strip()


_patterns: tuple = ()


def _compile() -> tuple:
    global _patterns
    import re  # only texts with gaps need it

    _patterns = (re.compile(r"\s?\([^()]*\x00[^()]*\)"), re.compile(r"\s+([.,;:!?])"), re.compile(r"[ \t]{2,}"))
    return _patterns
