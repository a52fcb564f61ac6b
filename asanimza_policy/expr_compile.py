"""A type-checked AST -> a closure computing its value from a scope.

Evaluation is three-valued: a name whose value the caller did not give
evaluates to :class:`Unknown` carrying that name, ``and``/``or`` follow Kleene
logic (``false and ?`` is false), and anything else touching an unknown is
unknown.  Functions and arithmetic compute what their entries in
``expr_types`` say; the operand types recorded by type checking choose the
entry once, here, not at every evaluation.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .expr_parse import Arith, BoolOp, Call, Compare, Expr, In, Literal, Name, Neg, Not, names_of
from .expr_types import COMPARE, FUNCTIONS, arithmetic

Scope = Any   # anything with .lookup(name) -> value | Unknown
Fn = Callable[[Scope], Any]


class OutOfRange(Exception):
    """Date arithmetic left the calendar (e.g. 9999-12-31 plus a day)."""

    def __init__(self, message: str, names: tuple[str, ...]):
        super().__init__(message)
        self.names = names


class Unknown:
    """The value of an expression that reads inputs the caller did not give."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def __repr__(self) -> str:
        return f"Unknown({', '.join(self.names)})"


def merge_unknown(a: Unknown | None, b: Unknown) -> Unknown:
    """``a`` and ``b`` together: a's names, then b's new ones."""
    if a is None:
        return b
    return Unknown(a.names + tuple(n for n in b.names if n not in a.names))


def _unknown_of(*values: Any) -> Unknown | None:
    unknown = None
    for v in values:
        if type(v) is Unknown:
            unknown = merge_unknown(unknown, v)
    return unknown


# -- one compiler per AST class --------------------------------------------------

E = TypeVar("E", bound=Expr)
COMPILERS: dict[type[Expr], Callable[[Any], Fn]] = {}


def compiler(cls: type[E]) -> Callable[[Callable[[E], Fn]], Callable[[E], Fn]]:
    def register(fn: Callable[[E], Fn]) -> Callable[[E], Fn]:
        COMPILERS[cls] = fn
        return fn
    return register


def compile_node(node: Expr) -> Fn:
    """A closure computing ``node`` (type-checked) from a scope."""
    make = COMPILERS.get(type(node))
    if make is None:
        raise TypeError(f"cannot compile {type(node).__name__}")
    return make(node)


@compiler(Literal)
def _literal(node: Literal) -> Fn:
    v = node.value
    return lambda s: v


@compiler(Name)
def _name(node: Name) -> Fn:
    name = node.name
    return lambda s: s.lookup(name)


@compiler(Not)
def _not(node: Not) -> Fn:
    f = compile_node(node.operand)

    def not_(s):
        v = f(s)
        return v if type(v) is Unknown else not v
    return not_


@compiler(BoolOp)
def _boolop(node: BoolOp) -> Fn:
    fs = tuple(compile_node(o) for o in node.operands)
    stop = node.op == "or"     # the value that decides at once
    go_on = not stop

    def boolop(s):
        unknown = None
        for f in fs:
            v = f(s)
            if v is stop:
                return stop
            if v is not go_on:
                unknown = merge_unknown(unknown, v)
        return go_on if unknown is None else unknown
    return boolop


@compiler(Compare)
def _compare(node: Compare) -> Fn:
    op = COMPARE[node.op]
    fl, fr = compile_node(node.left), compile_node(node.right)
    if isinstance(node.right, Literal):
        lit = node.right.value

        def compare_literal(s):
            a = fl(s)
            return a if type(a) is Unknown else op(a, lit)
        return compare_literal

    def compare(s):
        a, b = fl(s), fr(s)
        if type(a) is Unknown or type(b) is Unknown:
            return _unknown_of(a, b)
        return op(a, b)
    return compare


@compiler(In)
def _in(node: In) -> Fn:
    fi = compile_node(node.item)
    negated = node.negated
    if all(isinstance(c, Literal) for c in node.choices):
        options = frozenset(c.value for c in node.choices if isinstance(c, Literal))

        def in_literals(s):
            v = fi(s)
            return v if type(v) is Unknown else ((v in options) != negated)
        return in_literals
    fcs = tuple(compile_node(c) for c in node.choices)

    def in_(s):
        vals = [fi(s)] + [f(s) for f in fcs]
        unknown = _unknown_of(*vals)
        if unknown is not None:
            return unknown
        return (vals[0] in vals[1:]) != negated
    return in_


@compiler(Neg)
def _neg(node: Neg) -> Fn:
    f = compile_node(node.operand)

    def neg(s):
        v = f(s)
        return v if type(v) is Unknown else -v
    return neg


@compiler(Arith)
def _arith(node: Arith) -> Fn:
    impl = arithmetic(node).impl
    fl, fr = compile_node(node.left), compile_node(node.right)
    names = names_of(node)
    op = node.op

    def arith(s):
        a, b = fl(s), fr(s)
        if type(a) is Unknown or type(b) is Unknown:
            return _unknown_of(a, b)
        try:
            return impl(a, b)
        except OverflowError:
            raise OutOfRange(f"{a} {op} {b} is outside the calendar", names) from None
    return arith


@compiler(Call)
def _call(node: Call) -> Fn:
    fn = FUNCTIONS[node.func]
    impl, outside = fn.impl, fn.outside
    if fn.at_compile:
        v = impl(*(a.value for a in node.args if isinstance(a, Literal)))
        return lambda s: v
    fs = tuple(compile_node(a) for a in node.args)
    names = names_of(node)

    if fn.sees_unknown:
        def call_seeing_unknown(s):
            return impl(*(None if type(v) is Unknown else v for v in (f(s) for f in fs)))
        return call_seeing_unknown

    if len(fs) == 2:
        fa, fb = fs

        def call2(s):
            a, b = fa(s), fb(s)
            if type(a) is Unknown or type(b) is Unknown:
                return _unknown_of(a, b)
            try:
                return impl(a, b)
            except OverflowError:
                if outside is None:
                    raise
                raise OutOfRange(f"{outside.format(a, b)} is outside the calendar", names) from None
        return call2

    def call(s):
        vals = [f(s) for f in fs]
        unknown = _unknown_of(*vals)
        if unknown is not None:
            return unknown
        try:
            return impl(*vals)
        except OverflowError:
            if outside is None:
                raise
            raise OutOfRange(f"{outside.format(*vals)} is outside the calendar", names) from None
    return call
