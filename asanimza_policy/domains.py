"""The finite domains the logic analysis enumerates, read from a policy's expressions.

A condition can only tell apart values on either side of the constants it
compares with, so each input gets a few representatives instead of all its
values:

- an enum: its values; a boolean: true and false; an optional input: also
  "not given";
- an integer: every constant it is compared with (after moving the rest of the
  comparison to the other side), one on each side, within ``minimum`` and
  ``maximum`` when the input declares them;
- a date (``as_of`` is one more date): its distance to every other date it is
  compared with, around each offset that appears (k - 1, k, k + 1), following
  derived values to the inputs they read (``as_of > add_days(expires, 1)``
  compares ``as_of - expires`` with 1).

The comparisons are read as linear forms: sums of names (each +1 or -1) and a
constant; ``min`` and ``max`` give several alternatives.  Anything else (a
table lookup, a name times a name) contributes no constants, only the
variable's default representatives.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import product

from .expr import AS_OF, Arith, Call, Compare, Expr, In, Literal, Name, Neg, walk
from .model import Policy

MAX_ALTERNATIVES = 16          # min/max nested in min/max: keep the first few alternatives
ANCHOR = "date:"               # a date literal date('2027-01-01') is a fixed variable of this name

# A linear form: ((name, coefficient), ...) sorted by name, and a constant.
Linear = tuple[tuple[tuple[str, int], ...], int]


def _add(a: Linear, b: Linear, sign: int = 1) -> Linear:
    terms: dict[str, int] = dict(a[0])
    for n, c in b[0]:
        terms[n] = terms.get(n, 0) + sign * c
    return tuple(sorted((n, c) for n, c in terms.items() if c)), a[1] + sign * b[1]


@dataclass
class Domains:
    """Where each variable's values matter: the constants and distances its conditions use."""
    policy: Policy
    base: date                                   # as_of when nothing says otherwise
    ints: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    strings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    gaps: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))   # x - y = k
    anchors: dict[str, date] = field(default_factory=dict)
    _linear: dict[str, list[Linear] | None] = field(default_factory=dict)

    # -- reading the expressions ------------------------------------------------

    def linear(self, e: Expr) -> list[Linear] | None:
        """The alternatives ``e`` may equal, as linear forms, or None when it is not linear."""
        if isinstance(e, Literal):
            return [((), e.value)] if type(e.value) is int else None
        if isinstance(e, Name):
            return self._name(e.name)
        if isinstance(e, Neg):
            inner = self.linear(e.operand)
            return None if inner is None else [_add(((), 0), x, -1) for x in inner]
        if isinstance(e, Arith):
            return self._combine(e.left, e.right, 1 if e.op == "+" else -1)
        if isinstance(e, Call):
            if e.func == "date" and e.args and isinstance(e.args[0], Literal):
                from .dates import parse_iso_date
                name = ANCHOR + e.args[0].value
                self.anchors[name] = parse_iso_date(e.args[0].value)
                return [(((name, 1),), 0)]
            if e.func == "add_days" and len(e.args) == 2:
                return self._combine(e.args[0], e.args[1], 1)
            if e.func == "days_between" and len(e.args) == 2:
                return self._combine(e.args[1], e.args[0], -1)
            if e.func in ("min", "max"):
                out: list[Linear] = []
                for a in e.args:
                    alt = self.linear(a)
                    if alt is None:
                        return None
                    out.extend(alt)
                return out[:MAX_ALTERNATIVES]
        return None

    def _combine(self, a: Expr, b: Expr, sign: int) -> list[Linear] | None:
        la, lb = self.linear(a), self.linear(b)
        if la is None or lb is None:
            return None
        return [_add(x, y, sign) for x, y in product(la, lb)][:MAX_ALTERNATIVES]

    def _name(self, name: str) -> list[Linear] | None:
        if name in self._linear:
            return self._linear[name]
        self._linear[name] = None                 # a loop (reported elsewhere) reads as not linear
        d = self.policy.derived.get(name)
        if d is None:
            t = AS_OF_TYPE if name == AS_OF else self.policy.inputs[name].type
            out: list[Linear] | None = [(((name, 1),), 0)] if t in ("date", "integer") else None
        else:
            out = self.linear(d.expression.ast) if d.expression is not None else None
        self._linear[name] = out
        return out

    def read(self, e: Expr) -> None:
        """Note the constants and distances every comparison in ``e`` uses."""
        for n in walk(e):
            if isinstance(n, Compare):
                self._compare(n.left, n.right)
            elif isinstance(n, In):
                for c in n.choices:
                    self._compare(n.item, c)

    def _compare(self, left: Expr, right: Expr) -> None:
        kind = left.type.kind if left.type is not None else None
        if kind == "string":
            for a, b in ((left, right), (right, left)):
                if isinstance(a, Name) and isinstance(b, Literal) and a.name in self.policy.inputs:
                    self.strings[a.name].add(b.value)
            return
        if kind not in ("integer", "date"):
            return
        la, lb = self.linear(left), self.linear(right)
        if la is None or lb is None:
            return
        for pa, pb in product(la, lb):
            terms, const = _add(pa, pb, -1)          # left - right, compared with 0
            self._note(terms, const)

    def _note(self, terms, const: int) -> None:
        if len(terms) == 1 and abs(terms[0][1]) == 1:
            name, coef = terms[0]
            self.ints[name].add(-const * coef)
            return
        if len(terms) == 2 and terms[0][1] == -terms[1][1] and abs(terms[0][1]) == 1:
            (x, cx), (y, _) = terms
            k = -const if cx == 1 else const          # x - y = k
            self._gap(x, y, k)
            return
        names = [n for n, _ in terms]
        for x in names:
            self.ints[x].update((const, -const))
            for y in names:
                if x != y:
                    self._gap(x, y, const)
                    self._gap(x, y, -const)

    def _gap(self, x: str, y: str, k: int) -> None:
        self.gaps[(x, y)].add(k)
        self.gaps[(y, x)].add(-k)

    # -- the representatives ------------------------------------------------------

    def values(self, name: str, assigned: dict) -> list:
        """The representatives of input ``name`` (or ``as_of``), given the values chosen so far."""
        if name == AS_OF:
            return self._dates(name, assigned) or [self.base]
        inp = self.policy.inputs[name]
        if inp.type == "boolean":
            out: list = [False, True]
        elif inp.type == "enum":
            out = list(inp.values or ())
        elif inp.type == "integer":
            out = self._integers(name, inp)
        elif inp.type == "date":
            out = self._dates(name, assigned) or [assigned.get(AS_OF, self.base)]
        else:
            out = sorted(self.strings.get(name, ())) + ["something else"]
        if getattr(inp, "optional", False):
            out.append(NOT_GIVEN)
        return out

    def _integers(self, name: str, inp) -> list[int]:
        lo, hi = getattr(inp, "minimum", None), getattr(inp, "maximum", None)
        found = self.ints.get(name) or {0}
        out = sorted({k + s for k in found for s in (-1, 0, 1)})
        out = [v for v in out if (lo is None or v >= lo) and (hi is None or v <= hi)]
        if out:
            return out
        return [lo] if lo is not None else [hi] if hi is not None else []

    def _dates(self, name: str, assigned: dict) -> list[date]:
        out: set[date] = set()
        others = [(n, v) for n, v in assigned.items() if isinstance(v, date)] + list(self.anchors.items())
        for other, value in others:
            for k in self.gaps.get((name, other), ()):
                for s in (-1, 0, 1):
                    try:
                        out.add(value + timedelta(days=k + s))
                    except OverflowError:
                        pass            # off the calendar: the caller's InvalidContext, not a class of its own
        return sorted(out)


AS_OF_TYPE = "date"


class _NotGiven:
    """An optional input the caller did not give."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "not given"


NOT_GIVEN = _NotGiven()


def domains_of(policy: Policy) -> Domains:
    """The domains of every variable of ``policy``, from all its conditions and derived values."""
    if policy.effective_until is not None:
        base = policy.effective_from + (policy.effective_until - policy.effective_from) // 2
    else:
        base = policy.effective_from + timedelta(days=180)
    d = Domains(policy, base)
    for node in policy.nodes.values():
        for br in node.exits:
            if br.when is not None:
                d.read(br.when.ast)
    for der in policy.derived.values():
        if der.expression is not None:
            d.read(der.expression.ast)
    for step in _steps(policy):
        if step.when is not None:
            d.read(step.when.ast)
    for node in policy.nodes.values():
        for e in getattr(node, "document_when", ()):
            if e is not None:
                d.read(e.ast)
    return d


def _steps(policy: Policy):
    seen = set()
    for node in policy.nodes.values():
        for step in getattr(node, "steps", ()):
            if id(step) not in seen:
                seen.add(id(step))
                yield step
