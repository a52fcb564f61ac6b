"""A decision's dated steps as an iCalendar file (RFC 5545), for any policy.

Each date a step carries (the fields its action declares as dates, e.g. the
first day it may be done, a deadline, a day to wait until) becomes an all-day
event, so a person's calendar reminds them when to act.  The text is the
step's own; nothing here knows what the steps are about.  The output is the
same for the same decision (the stamp is the evaluation date), so ``evaluate
--format ics`` and the HTTP API give byte-identical files.
"""
from __future__ import annotations

from datetime import date, timedelta

from .decision import Decision
from .model import Policy

PRODID = "-//asanimza-policy//decision plan//EN"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continuation lines starting with a space."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += ch
        size += n
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _short(text: str, limit: int = 70) -> str:
    """The text's first sentence, cut at a word boundary near ``limit``."""
    text = " ".join(text.split())
    for end in (". ", "; "):
        if end in text:
            text = text[: text.index(end)]
    if len(text) <= limit:
        return text.rstrip(".")
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def events(decision: Decision, policy: Policy) -> list[tuple[date, str, str, str]]:
    """(day, summary, description, uid) for each date carried by a step, in step order."""
    out = []
    for n, step in enumerate(decision.steps, 1):
        action = policy.actions.get(step.action)
        types = action.fields if action else {}
        for name, value in step.fields.items():
            if types.get(name) != "date" or not isinstance(value, date):
                continue
            summary = f"{name.replace('_', ' ').capitalize()}: {_short(step.text)}"
            uid = f"{decision.policy}-{decision.version}-{decision.outcome}-{n}-{name}-{value:%Y%m%d}@asanimza-policy"
            out.append((value, summary, step.text, uid))
    return out


def to_ics(decision: Decision, policy: Policy) -> str:
    """The calendar text (CRLF line ends); an empty calendar when no step has a date."""
    stamp = f"{decision.as_of:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(decision.title or policy.title)}"]
    for day, summary, description, uid in events(decision, policy):
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                  *([f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"] if day < date.max else []),
                  f"SUMMARY:{_escape(summary)}",
                  f"DESCRIPTION:{_escape(description)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
