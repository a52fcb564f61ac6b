"""A terminal interview: ask the next missing field until the decision is complete.

The walk says what it needs (``needs_input`` and its questions); this module
only asks, reads and checks the answer, so it works for any policy.  Reading
and writing go through two callables, so tests (and other front ends) can
drive it without a terminal.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from .context import parse_date
from .decision import NEEDS_INPUT, Decision, Question
from .engine import run
from .errors import InvalidContext
from .findings import did_you_mean
from .model import Policy

BACK = "back"
_YES = ("yes", "y", "true", "1")
_NO = ("no", "n", "false", "2")


class InterviewEnded(Exception):
    """The answers ran out (end of input) before the decision was complete."""


@dataclass(frozen=True)
class Invalid:
    """An answer that cannot be used; ``message`` says what would be right."""
    message: str


def choices_of(q: Question) -> list[tuple[str, str]]:
    """(value, label) of each numbered choice; booleans are yes / no."""
    if q.type == "boolean":
        return [("true", "Yes"), ("false", "No")]
    if q.choices:
        return [(c.value, c.label) for c in q.choices]
    return []


def prompt_lines(q: Question) -> list[str]:
    out = [q.text]
    for i, (value, label) in enumerate(choices_of(q), 1):
        out.append(f"  {i}. {label}" + (f"  [{value}]" if q.type != "boolean" and label != value else ""))
    if q.type == "date":
        out.append("  (a date, YYYY-MM-DD)")
    elif q.type == "integer":
        out.append("  (a whole number)")
    return out


def parse_answer(q: Question, text: str) -> object:
    """The context value for ``text``, or :class:`Invalid` saying why not."""
    raw = " ".join(text.split())
    low = raw.lower()
    if not raw:
        return Invalid("please answer" + (": type the number of a choice" if choices_of(q) else ""))
    if q.type == "boolean":
        if low in _YES:
            return True
        if low in _NO:
            return False
        return Invalid(f"answer yes or no (or 1 or 2); got {raw!r}{did_you_mean(low, ('yes', 'no'))}")
    if q.type == "enum" and q.choices:
        options = choices_of(q)
        if low.isdigit():
            n = int(low)
            if 1 <= n <= len(options):
                return options[n - 1][0]
            return Invalid(f"choose a number from 1 to {len(options)}; got {raw}")
        for value, label in options:
            if low in (value.lower(), label.lower()):
                return value
        words = [v for v, _ in options] + [label for _, label in options]
        hint = did_you_mean(raw, words) or did_you_mean(low, [w.lower() for w in words])
        return Invalid(f"choose a number from 1 to {len(options)}, or one of {', '.join(v for v, _ in options)};"
                       f" got {raw!r}{hint}")
    if q.type == "date":
        try:
            return parse_date(raw, q.field)
        except InvalidContext as e:
            return Invalid(str(e).split(": ", 1)[1])
    if q.type == "integer":
        try:
            return int(raw)
        except ValueError:
            return Invalid(f"expected a whole number; got {raw!r}")
    return raw


def interview(policy: Policy, context: Mapping[str, object], as_of: date,
              read: Callable[[str], str], write: Callable[[str], None]) -> tuple[Decision, dict[str, object]]:
    """Ask until the decision is not ``needs_input``; return it and the answers.

    ``read(prompt)`` returns one line and raises ``EOFError`` at the end of
    input; ``write`` prints one line.  Answering ``back`` forgets the previous
    answer given in this interview and asks that question again.
    """
    answers: dict[str, object] = {k: v for k, v in context.items() if v is not None}
    asked: list[str] = []
    hinted = False
    while True:
        decision = run(policy, answers, as_of)
        if decision.status != NEEDS_INPUT:
            return decision, answers
        q = decision.questions[0]
        if not hinted:
            write("Answer with the number of a choice (or type it); 'back' returns to the previous question.")
            write("")
            hinted = True
        else:
            write("")
        for line in prompt_lines(q):
            write(line)
        while True:
            try:
                text = read("> ")
            except EOFError:
                raise InterviewEnded(f"the input ended before the question about {q.field} was answered") from None
            if text.strip().lower() == BACK:
                if not asked:
                    write("  (nothing to go back to)")
                    continue
                answers.pop(asked.pop(), None)
                break
            value = parse_answer(q, text)
            if isinstance(value, Invalid):
                write(f"  {value.message}")
                continue
            answers[q.field] = value
            asked.append(q.field)
            break


def as_context_text(policy: Policy, answers: Mapping[str, object]) -> str:
    """The answers as a YAML context file, in the policy's declared input order."""
    lines = [f"# Answers for {policy.id} {policy.version}; reuse with --context"]
    for name in policy.inputs:
        if name not in answers:
            continue
        v = answers[name]
        if isinstance(v, bool):
            text = "true" if v else "false"
        elif isinstance(v, date):
            text = v.isoformat()
        elif isinstance(v, int):
            text = str(v)
        else:
            text = _yaml_string(str(v))
        lines.append(f"{name}: {text}")
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def _yaml_string(s: str) -> str:
    if _PLAIN.match(s) and s.lower() not in _RESERVED:
        return s
    # a JSON string is a YAML string: quoting keeps "yes", "1.0" or "2026-01-01"
    # from being read back as something else
    return json.dumps(s, ensure_ascii=False)
