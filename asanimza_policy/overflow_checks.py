"""``check``'s date pass: date arithmetic that leaves the calendar whatever the context.

At run time, date arithmetic that leaves the calendar (before year 1 or after
9999) while every date it reads is an ordinary one (years 1000 to 9000,
:data:`~asanimza_policy.dates.ORDINARY_YEARS`) is the policy's defect:
``DATE_OVERFLOW``, never the caller's.  Much of it can be seen in the file
(``date('9999-12-31') + 1``, ``add_days(as_of, 999999999)``,
``add_years(birth_date, 20000)``), and this pass reports it there, at the
sub-expression, as ``EXPR_DATE_OVERFLOW``.

Every expression of the model is read (conditions, derived values, the steps'
``when`` and ``with``, the documents' ``when``), bottom up, each
sub-expression standing for the values it may take:

- a *constant*, when it reads no input (a literal, ``date('...')``, arithmetic
  on constants, a derived value computed from constants);
- a *span of dates* from the earliest to the latest it may be: a date input or
  ``as_of`` may be any ordinary date, and any other date (computed from an
  integer input, say) any date of the calendar;
- anything, otherwise.

Values are computed by the expression language itself (the sub-expression
compiled with constants in place of its operands), so this pass holds no
calendar arithmetic of its own and knows every function of the table.  A
function applied to a span of dates is computed at the span's two ends: the
functions that return a date move the date they are given (``+``, ``-``,
``add_days``, ``add_months``, ``add_years``, ``min``, ``max``), so each is
monotone in its arguments and never stretches a span; when both ends leave
the calendar, every date between does too.  A new date function must keep
that property, or this pass would need to learn about it.  What is not
certain (an offset read from an input, a date leaving the calendar only for
some dates) is not reported: it is met at run time, and a caller's extreme
date stays the caller's ``InvalidContext``.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import date
from itertools import product
from typing import Any

from .dates import ORDINARY_YEARS
from .expr import AS_OF, DATE, Expr, Literal, Name, OutOfRange, compile_node
from .findings import Finding, Position
from .loader import Document
from .model import Policy

MAX_SPANS = 4          # operands of one call that are spans: 2**4 ends computed at most
_OUTSIDE = " is outside the calendar"
ORDINARY = (date(ORDINARY_YEARS[0], 1, 1), date(ORDINARY_YEARS[-1], 12, 31))


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Span:
    lo: date
    hi: date


class _Failed:
    """The value of a sub-expression reported already: it never has one."""


FAILED = _Failed()
Value = Const | Span | _Failed | None        # None: anything


class _NoNames:
    def lookup(self, name: str):             # pragma: no cover, no mutate - folded nodes read no name
        raise AssertionError(f"a folded expression read {name!r}")


def _with_operands(node: Expr, operands: Iterator[Expr]) -> Expr:
    """``node`` with its children replaced, in the order ``children()`` lists them."""
    changes: dict[str, Any] = {}
    for f in fields(node):
        if f.name in ("offset", "type"):
            continue
        v = getattr(node, f.name)
        if isinstance(v, Expr):
            changes[f.name] = next(operands)
        elif isinstance(v, tuple):
            changes[f.name] = tuple(next(operands) if isinstance(x, Expr) else x for x in v)
    return replace(node, **changes)


def compute(node: Expr, values: tuple) -> Any:
    """What ``node`` computes from these values of its operands (``OutOfRange`` when it
    leaves the calendar): the node compiled with the values as its operands."""
    kids = node.children()
    literals = iter(Literal(k.offset, v, type=k.type) for k, v in zip(kids, values, strict=True))
    return compile_node(_with_operands(node, literals))(_NoNames())


def _ends(v: Value) -> tuple:
    """The values to compute with: a constant, or both ends of a span."""
    return (v.lo, v.hi) if isinstance(v, Span) else (v.value,) if isinstance(v, Const) else ()


class _Pass:
    def __init__(self, policy: Policy, doc: Document):
        self.policy, self.doc = policy, doc
        self.derived: dict[str, Value] = {}
        self.findings: list[Finding] = []
        self.path: tuple = ()
        self.what = ""

    # -- the values ----------------------------------------------------------------

    def expression(self, ast: Expr, path: tuple, what: str) -> Value:
        self.path, self.what = path, what
        return self.value(ast)

    def value(self, node: Expr) -> Value:
        if isinstance(node, Literal):
            return Const(node.value)
        if isinstance(node, Name):
            v = self.name(node.name)
        else:
            v = self.combine(node, [self.value(k) for k in node.children()])
        if v is None and node.type is not None and node.type.same_kind(DATE):
            return Span(date.min, date.max)        # a date, so some day of the calendar
        return v

    def name(self, name: str) -> Value:
        inp = self.policy.inputs.get(name)
        if name == AS_OF or (inp is not None and inp.type == "date"):
            return Span(*ORDINARY)
        d = self.policy.derived.get(name)
        if d is None:
            return None
        if d.expression is not None:
            return self.derived.get(name)          # computed before, in dependency order
        values = {e.value for e in d.table.values()} if d.table else set()
        return Const(values.pop()) if len(values) == 1 else None

    def combine(self, node: Expr, values: list[Value]) -> Value:
        if any(v is FAILED for v in values):
            return FAILED
        if any(v is None for v in values):
            return None
        spans = sum(type(v) is Span for v in values)
        if spans > MAX_SPANS:
            return None
        results, outside = [], []
        for args in product(*(_ends(v) for v in values)):
            try:
                results.append(compute(node, args))
            except OutOfRange as e:
                outside.append((args, e))
        if outside and not results and spans <= 1:
            self.report(node, outside)
            return FAILED
        if outside or not results:
            return None
        if not spans:
            return Const(results[0])
        if node.type is not None and node.type.same_kind(DATE):
            lo, hi = min(results), max(results)
            return Const(lo) if lo == hi else Span(lo, hi)
        return None

    # -- the finding ---------------------------------------------------------------

    def report(self, node: Expr, outside: list) -> None:
        said = [str(e).removesuffix(_OUTSIDE) for _, e in outside]
        if len(said) == 1:
            why = f"{said[0]} is outside it, and no input changes that"
        else:
            why = (f"{said[0]} is outside it, and so are {said[-1]} and every value between (a date input or "
                   f"as_of may be any day of the years {ORDINARY_YEARS[0]} to {ORDINARY_YEARS[-1]})")
        message = (f"{self.what}: date arithmetic leaves the calendar (years 1 to 9999) whatever the context: {why}; "
                   "every evaluation that reaches it fails with DATE_OVERFLOW, the policy's defect, not the caller's")
        pos = self.doc.pos(self.path)
        if self.doc.styles.get(tuple(self.path), "") not in ("|", ">"):
            pos = Position(pos.line, pos.col + self.doc.text_offset(self.path) + node.offset)
        self.findings.append(Finding.at("EXPR_DATE_OVERFLOW", message, self.doc.path, pos))


def overflow_findings(policy: Policy, doc: Document) -> list[Finding]:
    """Date arithmetic of ``policy`` that leaves the calendar whatever the context."""
    p = _Pass(policy, doc)
    for name in policy.derived_order or tuple(policy.derived):
        d = policy.derived[name]
        if d.expression is not None:
            p.derived[name] = p.expression(d.expression.ast, ("derived", name, "expr"), f"derived {name}")
    for sid, step in policy.steps.items():
        _step(p, step, ("steps", sid))
    for nid, node in policy.nodes.items():
        for br in getattr(node, "branches", ()):
            p.expression(br.when.ast, ("nodes", nid, "branches", br.index, "when"), "when")
        for i, step in enumerate(getattr(node, "steps", ())):
            if step.id == f"{nid}#{i + 1}":                  # written in the outcome (a shared step is above)
                _step(p, step, ("nodes", nid, "steps", i))
        for i, when in enumerate(getattr(node, "document_when", ())):
            if when is not None:
                p.expression(when.ast, ("nodes", nid, "documents", i, "when"), "document when")
    return p.findings


def _step(p: _Pass, step, path: tuple) -> None:
    if step.when is not None:
        p.expression(step.when.ast, path + ("when",), "step when")
    for name, e in step.with_.items():
        p.expression(e.ast, path + ("with", name), f"field {name}")
