"""Walk one or more policy versions over their input space, by their own questions.

Starting from the empty context, each version is evaluated; where one needs
input, the exploration branches over the domain of the field it asks for
first; where all have decided, the optional inputs that the walked nodes read
are branched over too (given, with each value of their domain, or not given).
The leaves are the contexts on which every version decided, one per class of
answers that the conditions can tell apart.

Domains: enum values; booleans; integers around every integer constant the
policies mention (k - 1, k, k + 1, within declared bounds); dates relative to
the evaluation date and to every date already chosen, shifted by every
constant offset the policies mention (and one day either side), so that
comparisons such as ``as_of > add_days(expiry, 1)`` see both of their sides.
The number of evaluations is bounded (``budget``); past it the result says it
is incomplete rather than running on.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .errors import InvalidContext, PolicyError
from .model import Policy

MAX_OFFSET_DAYS = 3660


class _Absent:
    """An optional input deliberately left out of a context."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass
class Exploration:
    leaves: list[tuple[dict, tuple]]        # (context, the versions' decisions or errors)
    complete: bool
    evaluations: int


def project(policy: Policy, ctx: dict) -> dict:
    """The part of ``ctx`` that ``policy`` declares (another version's fields are absent for it)."""
    return {k: v for k, v in ctx.items() if v is not ABSENT and k in policy.inputs}


def signature(decision: Any, as_of: date) -> tuple:
    """What a person would notice change: status, outcome, steps with their
    dates and fields (not their wording), documents; or the error."""
    if isinstance(decision, Exception):
        return ("error", f"{type(decision).__name__}", (), ())
    steps = tuple((s.action, tuple((k, v.isoformat() if isinstance(v, date) else v) for k, v in s.fields.items()))
                  for s in decision.steps)
    return (decision.status, decision.outcome, steps, tuple(decision.documents))


def _integers(policies: Sequence[Policy]) -> set[int]:
    out: set[int] = {0}
    for p in policies:
        for e in _expressions(p):
            for lit in e.literals:
                if isinstance(lit, int) and not isinstance(lit, bool) and abs(lit) <= MAX_OFFSET_DAYS:
                    out.add(lit)
    return out


def _expressions(policy: Policy):
    for d in policy.derived.values():
        if d.expression is not None:
            yield d.expression
    steps = list(policy.steps.values())
    for node in policy.nodes.values():
        for b in node.exits:
            if b.when is not None:
                yield b.when
        steps += list(getattr(node, "steps", ()))
    for s in steps:
        if s.when is not None:
            yield s.when
        yield from s.with_.values()


def _reads(policy: Policy) -> dict[str, set[str]]:
    """node id -> the inputs its conditions (or its steps) read, through derived values."""
    memo: dict[str, set[str]] = {}

    def inputs_of(names, trail=()) -> set[str]:
        out: set[str] = set()
        for n in names:
            if n in policy.inputs:
                out.add(n)
            elif n in policy.derived and n not in trail:
                if n not in memo:
                    memo[n] = inputs_of(policy.derived[n].names, trail + (n,))
                out |= memo[n]
        return out
    reads: dict[str, set[str]] = {}
    for node in policy.nodes.values():
        names: list[str] = []
        for b in node.exits:
            if b.when is not None:
                names += b.when.names
        for s in getattr(node, "steps", ()):
            names += list(s.when.names) if s.when is not None else []
            for e in s.with_.values():
                names += e.names
            names += list(s.text.names)
        reads[node.id] = inputs_of(names)
    return reads


class _Domains:
    def __init__(self, policies: Sequence[Policy], as_of: date):
        self.as_of = as_of
        ints = _integers(policies)
        self.ints = sorted({i + d for i in ints for d in (-1, 0, 1)})
        self.offsets = sorted({s * (abs(i) + d) for i in ints for d in (-1, 0, 1) for s in (1, -1)})
        self.inputs: dict[str, Any] = {}
        for p in policies:
            for name, inp in p.inputs.items():
                self.inputs.setdefault(name, inp)

    def values(self, name: str, ctx: dict) -> list:
        inp = self.inputs[name]
        if inp.type == "enum":
            return list(inp.values or ())
        if inp.type == "boolean":
            return [True, False]
        if inp.type == "integer":
            lo, hi = getattr(inp, "minimum", None), getattr(inp, "maximum", None)
            return [i for i in self.ints if (lo is None or i >= lo) and (hi is None or i <= hi)] or [lo or 0]
        if inp.type == "date":
            anchors = [self.as_of] + [v for k, v in ctx.items() if isinstance(v, date) and k != name]
            out = []
            for a in dict.fromkeys(anchors):
                for o in self.offsets:
                    try:
                        out.append(a + timedelta(days=o))
                    except OverflowError:
                        pass
            return sorted(set(out))
        return ["text"]


def explore(policies: Sequence[Policy], as_of: date, budget: int = 200_000) -> Exploration:
    from . import evaluate

    domains = _Domains(policies, as_of)
    reads = [_reads(p) for p in policies]
    optional = {n for p in policies for n, i in p.inputs.items() if getattr(i, "optional", False)}
    leaves: list[tuple[dict, tuple]] = []
    stack: list[dict] = [{}]
    evaluations = 0
    while stack:
        if evaluations >= budget:
            return Exploration(leaves, False, evaluations)
        ctx = stack.pop()
        decisions: list[Any] = []
        need = None
        for p in policies:
            evaluations += 1
            try:
                d = evaluate(p, project(p, ctx), as_of=as_of)
            except (InvalidContext, PolicyError) as e:
                decisions.append(e)
                continue
            decisions.append(d)
            if need is None and d.status == "needs_input":
                need = next((m for m in d.missing if m not in ctx), None)
        if need is not None:
            stack += [{**ctx, need: v} for v in reversed(domains.values(need, ctx))]
            continue
        read = set()
        for d, r in zip(decisions, reads, strict=False):
            if not isinstance(d, Exception):
                for node in d.trace:
                    read |= r.get(node, set())
        todo = sorted(n for n in read & optional if n not in ctx)
        if todo:
            n = todo[0]
            stack += [{**ctx, n: v} for v in reversed(domains.values(n, ctx))]
            stack.append({**ctx, n: ABSENT})
            continue
        leaves.append(({k: v for k, v in ctx.items() if v is not ABSENT}, tuple(decisions)))
    return Exploration(leaves, True, evaluations)
