"""What a compiled policy calls at run time: the document of a finished walk.

The generated ``decide`` does not collect the trace, citations, assumptions,
branches taken and caveats one by one as the interpreter's recorder does.  It
appends the number of each *event* of the walk (a node entered, a derived value
computed, a branch taken, a step planned, an outcome's caveats) to a list, in the
order the interpreter would record them.  The events are few and fixed per
policy, and so are the walks: the same sequence of events always gives the same
trace, citations, assumptions, caveats and reason plans.  :func:`frame` works
them out once per sequence (a :class:`Frame`, kept in a bounded table); a walk
pays for one ``tuple()`` and one dictionary lookup, and then only for what
varies: its dates, numbers and texts.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from .context import _check
from .decision import NEEDS_INPUT, Assumption, Choice, Decision, Question, new_decision
from .engine import _blame
from .errors import InvalidContext, PolicyError
from .expr import OutOfRange, Unknown
from .findings import Finding
from .model import Policy
from .template import fill_known
from .words import branch_plan, fill_reasons

FRAME_LIMIT = 4096      # distinct walks kept per policy version; past it the table starts again
DATE_LIMIT = 65536      # date texts kept per policy version, likewise


class Event(NamedTuple):
    """One thing the walk records: each part optional."""
    node: str | None = None               # a node entered: its id joins the trace
    cites: tuple[str, ...] = ()           # citations, in order (an assumption's own included)
    assumes: tuple[str, ...] = ()         # assumption ids
    caveats: tuple[str, ...] = ()         # caveat ids
    taken: Any = None                     # (node, branch) of a branch taken


class Frame(NamedTuple):
    """What one sequence of events makes of a decision."""
    trace: tuple[str, ...]
    citations: tuple[str, ...]
    assumptions: tuple[Assumption, ...]
    caveats: tuple[Any, ...]
    plans: tuple[tuple[str, ...], ...]    # each branch taken in words, with its slots
    reasons: tuple[str, ...] | None       # the words themselves when no branch reads a date or number


def frame(policy: Policy, events: tuple[Event, ...], frames: dict, key: tuple[int, ...]) -> Frame:
    """The frame of the walk whose events are ``key`` (computed once per sequence)."""
    trace: list[str] = []
    cit: dict[str, None] = {}
    asm: dict[str, None] = {}
    cav: dict[str, None] = {}
    taken = []
    for i in key:
        e = events[i]
        if e.node is not None:
            trace.append(e.node)
        cit.update(dict.fromkeys(e.cites))
        asm.update(dict.fromkeys(e.assumes))
        cav.update(dict.fromkeys(e.caveats))
        if e.taken is not None:
            taken.append(e.taken)
    plans = tuple(branch_plan(policy, node, branch) for node, branch in taken)
    constant = all(len(p) == 1 for p in plans)
    f = Frame(tuple(trace), tuple(cit), tuple(Assumption(a, policy.assumptions[a].text) for a in asm),
              tuple(policy.caveats[c] for c in cav), plans,
              tuple(p[0] for p in plans) if constant else None)
    if len(frames) >= FRAME_LIMIT:
        frames.clear()
    frames[key] = f
    return f


def finish(policy: Policy, events: tuple[Event, ...], frames: dict, as_of: date, status: str, vals: dict,
           ev: list[int], outcome: str | None, steps: tuple, documents: tuple, title: str | None,
           explanation: str | None = None, missing: tuple[str, ...] = (), questions: tuple = ()) -> Decision:
    """The decision of a compiled walk (equal to the one ``engine._decision``
    builds); ``steps`` are the walk's step tuples (see ``decision.new_decision``)."""
    key = tuple(ev)
    f = frames.get(key)
    if f is None:
        f = frame(policy, events, frames, key)
    reasons = f.reasons
    if reasons is None:
        reasons = fill_reasons(f.plans, vals)
    return new_decision(policy.id, policy.version, as_of, status, outcome, missing, documents, f.trace,
                        f.citations, f.assumptions, title, questions, reasons, explanation, f.caveats,
                        policy.sha256, steps)


def needs_input(policy: Policy, events: tuple[Event, ...], frames: dict, as_of: date, vals: dict, ev: list[int],
                unknown: Unknown, lookup: Callable[[str], Any]) -> Decision:
    """The ``needs_input`` decision: the missing fields in the order the policy declares its inputs."""
    inputs = policy.inputs
    rank = {name: i for i, name in enumerate(inputs)}
    missing = tuple(sorted((n for n in unknown.names if n in inputs and not inputs[n].optional),
                           key=rank.__getitem__))
    questions = []
    for n in missing:
        inp = inputs[n]
        choices = None if inp.values is None else tuple(Choice(v, inp.labels.get(v, v)) for v in inp.values)
        text = fill_known(inp.question_template, lookup) if inp.question_template else inp.question
        questions.append(Question(inp.name, text, inp.type, choices))
    return finish(policy, events, frames, as_of, NEEDS_INPUT, vals, ev, None, (), (), None,
                  missing=missing, questions=tuple(questions))


def blamed(policy: Policy, vals: dict, e: OutOfRange, node) -> Exception:
    """As the interpreter says it: the extreme date given, or the policy's own defect."""
    field = _blame(policy, vals, e.names)
    if field is None:
        message = f"node {node.id!r}: {e}, whatever the context; the policy's date arithmetic cannot be evaluated"
        return PolicyError([Finding.at("DATE_OVERFLOW", message, policy.path, node.pos)])
    return InvalidContext(f"{field}: {e}", field)


def date_value(policy: Policy, dates: dict, name: str, text: str) -> date | None:
    """The date a context's text gives for input ``name`` (kept for the next
    row that gives it), or ``None`` when the text is not one: the caller then
    validates the whole context, which names the first bad field."""
    try:
        day = _check(policy.inputs[name], text)
    except InvalidContext:
        return None
    if len(dates) >= DATE_LIMIT:
        dates.clear()
    dates[text] = day
    return day
