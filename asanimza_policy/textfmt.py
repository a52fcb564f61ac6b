"""A decision as text a person reads at a glance."""
from __future__ import annotations

import textwrap
from datetime import date

from .decision import NEEDS_INPUT, NOT_COVERED, Decision
from .model import Policy
from .words import name_words, value_words

WIDTH = 88


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False) or [first or indent]


# a step field with this name is the first day the step can be done
EARLIEST = "not_before"


def _field_words(name: str, v, as_of: date) -> str:
    if v is None:
        return "none"
    if name == EARLIEST and isinstance(v, date) and v < as_of:
        return f"now (possible since {v.isoformat()})"      # the JSON keeps the rule's date
    return value_words(v)


def _step_details(fields, as_of: date) -> str:
    """Every extra field of the step's action, in the action's order: "not before:
    2026-12-02 \u00b7 deadline: none" (a null date is "none"; a first day already
    past on the evaluation date is "now (possible since ...)")."""
    return " \u00b7 ".join(f"{name_words(k)}: {_field_words(k, v, as_of)}" for k, v in fields.items())


def _caveat_lines(caveat, indent: str) -> list[str]:
    """A caveat beside what it qualifies: the fact, then where it was read."""
    return (_wrap(caveat.text, indent + "  ", f"{indent}! Caveat: ")
            + _wrap(f"{caveat.title}, {caveat.url} (read on {caveat.read_on.isoformat()})", indent + "  "))


def render(decision: Decision, policy: Policy) -> str:
    d = decision.to_dict()
    out = [f"{policy.title}", f"{policy.id} {policy.version}, as of {d['as_of']}", ""]
    status = {NEEDS_INPUT: "needs input", NOT_COVERED: "not covered by the source"}.get(d["status"], d["status"])
    out.append(f"Status: {status}" + (f" \u2014 {d['title']}" if d["title"] else ""))
    if d["status"] == NEEDS_INPUT:
        q = d["questions"][0]
        out.append("")
        out += _wrap(q["text"], "  ", "Next question: ")
        if q.get("choices"):
            out.append("  answer " + " | ".join(f"{c['value']} ({c['label']})" if c["label"] != c["value"]
                                                else c["value"] for c in q["choices"]))
        else:
            out.append(f"  answer {'true | false' if q['type'] == 'boolean' else q['type']} as {q['field']}")
        if len(d["missing"]) > 1:
            out.append(f"Also needed here: {', '.join(d['missing'][1:])}")
    if d.get("explanation"):
        out.append("")
        out += _wrap(d["explanation"], "  ")
    if d["steps"]:
        out += ["", "What to do"]
        for i, s in enumerate(decision.steps, 1):
            out += _wrap(s.text, "     ", f"  {i}. ")
            details = _step_details(s.fields, decision.as_of)
            if details:
                out.append(f"     [{details}]")
            for cid in s.caveats:
                out += _caveat_lines(policy.caveats[cid], "     ")
    if d["documents"]:
        out += ["", "Documents to bring"]
        for doc in d["documents"]:
            out += _wrap(policy.documents.get(doc, doc), "    ", "  - ")
    on_outcome = [c for c in decision.caveats if not any(c.id in s.caveats for s in decision.steps)]
    if on_outcome:
        out += ["", "Caveats (from other official sources)"]
        for c in on_outcome:
            out += _caveat_lines(c, "  ")
    out += ["", "Path: " + " \u2192 ".join(d["trace"])]
    if decision.reasons:
        out += ["", "Why"]
        for walked, reason in zip(decision.trace, decision.reasons, strict=False):
            out += _wrap(f"{walked}: {reason}", "    ", "  - ")
    if d["assumptions"]:
        out += ["", "Assumptions (where the source is silent or ambiguous)"]
        for a in d["assumptions"]:
            out += _wrap(a["text"], "    ", f"  - {a['id']}: ")
    if d["citations"]:
        out += ["", f"Source: {policy.source.title}"]
        if policy.source.url:
            out.append(f"  {policy.source.url}")
        for c in d["citations"]:
            out += _wrap(f"\u201c{c}\u201d", "    ", "  - ")
    return "\n".join(_safe(line) for line in out) + "\n"


MAX_LINE = 500


def _safe(line: str) -> str:
    """A line a terminal shows as it is: control characters, terminal escapes
    and half surrogate pairs escaped, and a value of unbounded length (a
    caller's text echoed in a step) cut short."""
    if not line.isprintable():
        line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)
    if len(line) > MAX_LINE:
        line = f"{line[:MAX_LINE]}... ({len(line):,} characters)"
    return line
