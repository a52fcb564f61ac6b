"""Types, type checking, and the tables of functions and operators.

``typecheck(node, env)`` returns a copy of the tree with every node's ``type``
filled in, or raises :class:`ExprError` at the culprit's offset.  What a
function or an arithmetic operator accepts and what it computes sit together
in one entry of :data:`FUNCTIONS` or :data:`ARITHMETIC`; ``expr_compile``
reads the same entries, so a new function is one entry here (see
docs/extending.md).
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from .dates import parse_iso_date
from .expr_impl import (
    add_days,
    add_months,
    add_years,
    date_minus_date,
    date_minus_days,
    date_plus_days,
    days_between,
    days_plus_date,
    given,
    months_between,
    years_between,
)
from .expr_parse import KEYWORDS, Arith, BoolOp, Call, Compare, Expr, ExprError, In, Literal, Name, Neg, Not
from .findings import choice_list, did_you_mean

AS_OF = "as_of"     # the evaluation date, readable in every expression


class Unresolved(ExprError):
    """Reads a name whose own definition is broken; that is reported where the
    name is declared, so this one needs no finding of its own."""


# -- types -------------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    kind: str                                  # boolean | integer | date | string
    values: tuple[str, ...] | None = None      # enum values, for strings

    def __str__(self) -> str:
        return self.kind

    def same_kind(self, other: Type) -> bool:
        return self.kind == other.kind


BOOLEAN, INTEGER, DATE, STRING = Type("boolean"), Type("integer"), Type("date"), Type("string")
BROKEN = Type("broken")    # the type of a declared name whose definition did not build
TYPES = {"boolean": BOOLEAN, "integer": INTEGER, "date": DATE, "string": STRING}

Env = Mapping[str, Type]

iso_date = parse_iso_date    # the one ISO-date reading (dates.py)


# -- functions: what each accepts and what it computes, together ---------------

class Args:
    """The arguments of one call, checked in the order a function's rule asks."""

    def __init__(self, call: Call, env: Env):
        self.call, self.env = call, env
        self.typed = list(call.args)

    def count(self, n: int) -> None:
        if len(self.typed) != n:
            raise ExprError(f"{self.call.func}() takes {n} argument{'s' * (n != 1)}, got {len(self.typed)}",
                            self.call.offset)

    def type(self, i: int) -> Type:
        self.typed[i] = typecheck(self.typed[i], self.env)
        return _type(self.typed[i])

    def expect(self, i: int, want: Type, where: str) -> None:
        self.typed[i] = _expect(self.typed[i], self.env, want, where)


@dataclass(frozen=True)
class Function:
    name: str
    check: Callable[[Args], Type]   # checks the arguments, returns the result's type
    impl: Callable[..., Any]        # the result, from the arguments' values (none of them unknown)
    at_compile: bool = False        # computed once when compiling: the arguments are literals
    outside: str | None = None      # when impl overflows the calendar: "{0} plus {1} days"
    sees_unknown: bool = False      # impl receives None for an unknown argument (and is never unknown itself)


FUNCTIONS: dict[str, Function] = {}


def function(name: str, impl: Callable[..., Any], **options: Any):
    """Register the decorated argument check as function ``name`` computing ``impl``."""
    def register(check: Callable[[Args], Type]) -> Callable[[Args], Type]:
        FUNCTIONS[name] = Function(name, check, impl, **options)
        return check
    return register


@function("date", iso_date, at_compile=True)
def _date(a: Args) -> Type:
    a.count(1)
    arg = a.call.args[0]
    if not (isinstance(arg, Literal) and type(arg.value) is str):
        raise ExprError("date() takes a literal 'YYYY-MM-DD'", a.call.offset)
    try:
        iso_date(arg.value)
    except ValueError:
        raise ExprError(f"{arg.value!r} is not a date YYYY-MM-DD", arg.offset) from None
    a.type(0)
    return DATE


@function("days_between", days_between)
def _days_between(a: Args) -> Type:
    a.count(2)
    a.expect(0, DATE, "days_between()")
    a.expect(1, DATE, "days_between()")
    return INTEGER


@function("add_days", add_days, outside="{0} plus {1} days")
def _add_days(a: Args) -> Type:
    a.count(2)
    a.expect(0, DATE, "add_days() first argument")
    a.expect(1, INTEGER, "add_days() second argument")
    return DATE


def _date_and_count(a: Args) -> Type:
    f = a.call.func
    a.count(2)
    a.expect(0, DATE, f"{f}() first argument")
    a.expect(1, INTEGER, f"{f}() second argument")
    return DATE


def _two_dates(a: Args) -> Type:
    a.count(2)
    a.expect(0, DATE, f"{a.call.func}()")
    a.expect(1, DATE, f"{a.call.func}()")
    return INTEGER


function("add_months", add_months, outside="{0} plus {1} months")(_date_and_count)
function("add_years", add_years, outside="{0} plus {1} years")(_date_and_count)
function("months_between", months_between)(_two_dates)
function("years_between", years_between)(_two_dates)


def _least_and_greatest(a: Args) -> Type:
    f, n = a.call.func, len(a.typed)
    if n < 2:
        raise ExprError(f"{f}() takes at least 2 arguments", a.call.offset)
    first = a.type(0)
    if first.kind not in ("integer", "date"):
        raise ExprError(f"{f}() takes integers or dates, not {first}s", a.typed[0].offset)
    for i in range(1, n):
        a.expect(i, first, f"{f}()")
    return first


@function("given", given, sees_unknown=True)
def _given(a: Args) -> Type:
    # whether the caller gave a value: the guard before reading an optional input
    # (the builder checks that the name is an optional input and that every read is guarded)
    a.count(1)
    arg = a.call.args[0]
    if not isinstance(arg, Name):
        raise ExprError("given() takes the name of an input", a.call.offset)
    a.type(0)
    return BOOLEAN


function("min", min)(_least_and_greatest)
function("max", max)(_least_and_greatest)

RESERVED = KEYWORDS | frozenset(FUNCTIONS) | {AS_OF}


# -- operators -----------------------------------------------------------------

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
ORDERED_OPS = frozenset({"<", "<=", ">", ">="})       # these need integers or dates
ORDERED_KINDS = frozenset({"integer", "date"})


@dataclass(frozen=True)
class Operation:
    type: Type                        # the result's type
    impl: Callable[[Any, Any], Any]   # the result, from the operands' values


# (left kind, operator, right kind) -> result; a pair not listed is a type error
ARITHMETIC: dict[tuple[str, str, str], Operation] = {
    ("integer", "+", "integer"): Operation(INTEGER, operator.add),
    ("integer", "-", "integer"): Operation(INTEGER, operator.sub),
    ("date", "+", "integer"): Operation(DATE, date_plus_days),
    ("integer", "+", "date"): Operation(DATE, days_plus_date),
    ("date", "-", "integer"): Operation(DATE, date_minus_days),
    ("date", "-", "date"): Operation(INTEGER, date_minus_date),
}


def arithmetic(node: Arith) -> Operation:
    """The operation a type-checked ``node`` computes."""
    return ARITHMETIC[(_type(node.left).kind, node.op, _type(node.right).kind)]


# -- type checking: one rule per AST class ---------------------------------------

E = TypeVar("E", bound=Expr)
RULES: dict[type[Expr], Callable[[Any, Env], Expr]] = {}


def rule(cls: type[E]) -> Callable[[Callable[[E, Env], Expr]], Callable[[E, Env], Expr]]:
    def register(fn: Callable[[E, Env], Expr]) -> Callable[[E, Env], Expr]:
        RULES[cls] = fn
        return fn
    return register


def typecheck(node: Expr, env: Env) -> Expr:
    """``node`` with its type and its children's types, given the types of the
    names it may read."""
    check = RULES.get(type(node))
    if check is None:
        raise TypeError(f"no type rule for {type(node).__name__}")
    return check(node, env)


def _type(node: Expr) -> Type:
    if node.type is None:
        raise TypeError(f"{node!r} is not type-checked")
    return node.type


def _expect(node: Expr, env: Env, want: Type, where: str) -> Expr:
    typed = typecheck(node, env)
    got = _type(typed)
    if not got.same_kind(want):
        raise ExprError(f"{where} needs a {want}, got a {got}", node.offset)
    return typed


def _check_choice(lit: Expr, other: Expr) -> None:
    """A string literal compared with an enum must be one of its values."""
    values = _type(other).values
    if isinstance(lit, Literal) and type(lit.value) is str and values is not None and lit.value not in values:
        hint = did_you_mean(lit.value, values)
        what = f"{other.name}'s values" if isinstance(other, Name) else "the possible values"
        raise ExprError(f"{lit.value!r} is not one of {what}: {choice_list(values)}{hint}", lit.offset)


def _bare_value(n: Expr, other: Expr, env: Env) -> None:
    """An unknown name that is one of the values of the enum it is compared
    with: the author meant the value and left out the quotes."""
    if not isinstance(n, Name) or n.name in env:
        return
    try:
        values = _type(typecheck(other, env)).values
    except ExprError:
        return
    if values is not None and n.name in values:
        whose = f"{other.name}'s values" if isinstance(other, Name) else "the values it is compared with"
        raise ExprError(f"unknown name {n.name!r}: did you mean {n.name!r} in quotes? (one of {whose})",
                        n.offset)


@rule(Literal)
def _literal(n: Literal, env: Env) -> Expr:
    v = n.value
    return replace(n, type=BOOLEAN if type(v) is bool else INTEGER if type(v) is int else STRING)


@rule(Name)
def _name(n: Name, env: Env) -> Expr:
    if n.name not in env:
        raise ExprError(f"unknown name {n.name!r}{did_you_mean(n.name, env)}", n.offset)
    if env[n.name] is BROKEN:
        raise Unresolved(f"{n.name!r} is not defined correctly", n.offset)
    return replace(n, type=env[n.name])


@rule(Not)
def _not(n: Not, env: Env) -> Expr:
    return replace(n, operand=_expect(n.operand, env, BOOLEAN, "not"), type=BOOLEAN)


@rule(BoolOp)
def _boolop(n: BoolOp, env: Env) -> Expr:
    return replace(n, operands=tuple(_expect(o, env, BOOLEAN, n.op) for o in n.operands), type=BOOLEAN)


@rule(Compare)
def _compare(n: Compare, env: Env) -> Expr:
    _bare_value(n.left, n.right, env)
    _bare_value(n.right, n.left, env)
    left, right = typecheck(n.left, env), typecheck(n.right, env)
    lt, rt = _type(left), _type(right)
    if not lt.same_kind(rt):
        raise ExprError(f"cannot compare {lt} with {rt}", n.right.offset)
    if n.op in ORDERED_OPS and lt.kind not in ORDERED_KINDS:
        raise ExprError(f"{n.op} compares integers or dates, not {lt}s", n.offset)
    _check_choice(left, right)
    _check_choice(right, left)
    return replace(n, left=left, right=right, type=BOOLEAN)


@rule(In)
def _in(n: In, env: Env) -> Expr:
    for choice in n.choices:
        _bare_value(choice, n.item, env)
    item = typecheck(n.item, env)
    it = _type(item)
    choices = []
    for choice in n.choices:
        typed = typecheck(choice, env)
        ct = _type(typed)
        if not it.same_kind(ct):
            raise ExprError(f"list item is {ct}, but the left side is {it}", choice.offset)
        _check_choice(typed, item)
        choices.append(typed)
    return replace(n, item=item, choices=tuple(choices), type=BOOLEAN)


@rule(Neg)
def _neg(n: Neg, env: Env) -> Expr:
    return replace(n, operand=_expect(n.operand, env, INTEGER, "unary -"), type=INTEGER)


@rule(Arith)
def _arith(n: Arith, env: Env) -> Expr:
    left, right = typecheck(n.left, env), typecheck(n.right, env)
    lt, rt = _type(left), _type(right)
    op = ARITHMETIC.get((lt.kind, n.op, rt.kind))
    if op is None:
        raise ExprError(f"cannot compute {lt} {n.op} {rt}", n.offset)
    return replace(n, left=left, right=right, type=op.type)


@rule(Call)
def _call(n: Call, env: Env) -> Expr:
    fn = FUNCTIONS.get(n.func)
    if fn is None:
        raise ExprError(f"unknown function {n.func!r}", n.offset)
    args = Args(n, env)
    result = fn.check(args)
    return replace(n, args=tuple(args.typed), type=result)
