"""The one reading of an ISO date (``YYYY-MM-DD``) for policies, contexts and expressions."""
from __future__ import annotations

import re
from datetime import date

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")      # ASCII digits, nothing after

# A given date this far from the present is the caller's doing when arithmetic on
# it leaves the calendar; with ordinary dates only, the policy's arithmetic is (the
# interpreter's DATE_OVERFLOW, and what `check` reports where the file shows it).
ORDINARY_YEARS = range(1000, 9001)


def looks_like_date(text: str) -> bool:
    """Whether ``text`` has the shape ``YYYY-MM-DD`` (the day may still not exist)."""
    return bool(ISO_DATE.match(text))


def parse_iso_date(text: str) -> date:
    """The day written ``YYYY-MM-DD``; ``ValueError`` for any other shape or a day
    that does not exist (2026-02-30)."""
    if not ISO_DATE.match(text):
        raise ValueError(f"{text!r} is not YYYY-MM-DD")
    return date.fromisoformat(text)
