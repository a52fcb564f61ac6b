"""A type-checked expression AST -> Python statements computing its value.

The statements follow the closures of ``expr_compile`` exactly (three-valued
logic, the same evaluation order, the same errors), so a compiled policy and
the interpreter read the same derived values in the same order and cite the
same sources.  Nothing of the policy's text enters the source except through
``repr()`` of a literal or through a constant handed to the generated module
by name (``Emitter.const``); variables are generated identifiers.

An AST class without a rule here raises :class:`Unsupported`: the caller then
keeps the interpreter for that policy version.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .expr_parse import Arith, BoolOp, Call, Compare, Expr, In, Literal, Name, Neg, Not, names_of
from .expr_types import FUNCTIONS, arithmetic

OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Unsupported(Exception):
    """A construct the code generator does not compile (the interpreter serves it)."""


class Emitter:
    """Lines of Python at an indentation, fresh variable names, named constants."""

    def __init__(self, consts: dict[str, Any], name_reader: Callable[[Emitter, str, str], None]):
        self.lines: list[str] = []
        self.indent = 1
        self.consts = consts
        self.counter = 0
        self.read_name = name_reader          # (emitter, name, target) -> emits target = value of name

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    def var(self, prefix: str = "t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value: Any, prefix: str = "K") -> str:
        """A module-level name holding ``value`` (never its text in the source)."""
        for k, v in self.consts.items():
            if v is value and k.startswith(prefix):
                return k
        name = f"{prefix}{len(self.consts)}"
        self.consts[name] = value
        return name

    def block(self) -> _Indent:
        return _Indent(self)


class _Indent:
    def __init__(self, em: Emitter):
        self.em = em

    def __enter__(self) -> None:
        self.em.indent += 1

    def __exit__(self, *exc: object) -> None:
        self.em.indent -= 1


def literal_source(value: Any) -> str:
    if type(value) not in (bool, int, str):
        raise Unsupported(f"literal of type {type(value).__name__}")
    return repr(value)


class Rules(dict):
    """One code generator's rules: AST class -> the function that emits its
    statements (``rule`` registers one).  This module's table writes the general
    walk's three-valued code; ``codegen_known`` has one for values all known."""

    def rule(self, cls: type) -> Callable:
        def register(fn: Callable) -> Callable:
            self[cls] = fn
            return fn
        return register

    def emit(self, em: Emitter, node: Expr, target: str) -> None:
        """Emit statements leaving the value of ``node`` in variable ``target``."""
        fn = self.get(type(node))
        if fn is None:
            raise Unsupported(f"expression node {type(node).__name__}")
        fn(em, node, target)

    def value(self, em: Emitter, node: Expr) -> str:
        """A variable (or literal text) holding the value of ``node``."""
        if type(node) is Literal:
            return literal_source(node.value)
        t = em.var()
        self.emit(em, node, t)
        return t


def literal_rule(em: Emitter, node: Literal, target: str) -> None:
    em.emit(f"{target} = {literal_source(node.value)}")


def name_rule(em: Emitter, node: Name, target: str) -> None:
    em.read_name(em, node.name, target)       # each walk reads names its own way


RULES = Rules({Literal: literal_rule, Name: name_rule})
rule, emit_expr, _value = RULES.rule, RULES.emit, RULES.value


@rule(Not)
def _not(em: Emitter, node: Not, target: str) -> None:
    a = _value(em, node.operand)
    em.emit(f"{target} = {a} if type({a}) is Unknown else not {a}")


@rule(BoolOp)
def _boolop(em: Emitter, node: BoolOp, target: str) -> None:
    stop = node.op == "or"             # the value that decides at once
    unk = em.var("u")
    em.emit(f"{unk} = None")
    opened = 0
    for operand in node.operands:
        a = _value(em, operand)
        em.emit(f"if {a} is {stop}:")
        with em.block():
            em.emit(f"{target} = {stop}")
        em.emit("else:")
        em.indent += 1
        opened += 1
        em.emit(f"if {a} is not {not stop}:")
        with em.block():
            em.emit(f"{unk} = merge_unknown({unk}, {a})")
    em.emit(f"{target} = {not stop} if {unk} is None else {unk}")
    em.indent -= opened


@rule(Compare)
def _compare(em: Emitter, node: Compare, target: str) -> None:
    op = OPS[node.op]
    a = _value(em, node.left)
    if isinstance(node.right, Literal):
        lit = literal_source(node.right.value)
        em.emit(f"{target} = {a} if type({a}) is Unknown else ({a} {op} {lit})")
        return
    b = _value(em, node.right)
    with _known(em, [a, b], [a, b], target):
        em.emit(f"{target} = {a} {op} {b}")


def _known(em: Emitter, values: list[str], maybe: list[str], target: str) -> _Indent:
    """Emit ``target = unknown_of(values)`` for when one of ``maybe`` (the values
    that can be unknown) is, and open the block for when none is."""
    if not maybe:
        em.emit("if True:")
        return em.block()
    em.emit("if " + " or ".join(f"type({v}) is Unknown" for v in maybe) + ":")
    with em.block():
        em.emit(f"{target} = unknown_of({', '.join(values)})")
    em.emit("else:")
    return em.block()


def overflow_guarded(em: Emitter, call: str, target: str, raise_line: str) -> None:
    """``target = call``, raising ``raise_line`` when it leaves the calendar."""
    em.emit("try:")
    with em.block():
        em.emit(f"{target} = {call}")
    em.emit("except OverflowError:")
    with em.block():
        em.emit(raise_line)


def literal_options(em: Emitter, node: In) -> str | None:
    """The constant holding the choices of ``node`` when all are literals (else None)."""
    literals = [c for c in node.choices if isinstance(c, Literal)]
    if len(literals) != len(node.choices):
        return None
    for c in literals:
        literal_source(c.value)     # type check
    return em.const(frozenset(c.value for c in literals), "OPTIONS")


@rule(In)
def _in(em: Emitter, node: In, target: str) -> None:
    a = _value(em, node.item)
    test = "not in" if node.negated else "in"
    options = literal_options(em, node)
    if options is not None:
        em.emit(f"{target} = {a} if type({a}) is Unknown else ({a} {test} {options})")
        return
    vals = [a] + [_value(em, c) for c in node.choices]
    u = em.var("u")
    em.emit(f"{u} = unknown_of({', '.join(vals)})")
    em.emit(f"{target} = {u} if {u} is not None else ({a} {test} ({', '.join(vals[1:])},))")


@rule(Neg)
def _neg(em: Emitter, node: Neg, target: str) -> None:
    a = _value(em, node.operand)
    em.emit(f"{target} = {a} if type({a}) is Unknown else -{a}")


@rule(Arith)
def _arith(em: Emitter, node: Arith, target: str) -> None:
    impl = em.const(arithmetic(node).impl, "ARITH")
    names = em.const(names_of(node), "NAMES")
    a, b = _value(em, node.left), _value(em, node.right)
    with _known(em, [a, b], [a, b], target):
        overflow_guarded(em, f"{impl}({a}, {b})", target,
                          f"raise OutOfRange(f'{{{a}}} {node.op} {{{b}}} is outside the calendar', {names}) from None")


@rule(Call)
def _call(em: Emitter, node: Call, target: str) -> None:
    fn = FUNCTIONS.get(node.func)
    if fn is None:
        raise Unsupported(f"function {node.func!r}")
    if fn.at_compile:
        value = fn.impl(*(a.value for a in node.args if isinstance(a, Literal)))
        em.emit(f"{target} = {em.const(value, 'VALUE')}")
        return
    impl = em.const(fn.impl, "FN")
    args = [_value(em, a) for a in node.args]
    if fn.sees_unknown:
        shown = ", ".join(f"None if type({a}) is Unknown else {a}" for a in args)
        em.emit(f"{target} = {impl}({shown})")
        return
    names = em.const(names_of(node), "NAMES")
    joined = ", ".join(args)
    maybe = [a for a, arg in zip(args, node.args, strict=True) if type(arg) is not Literal]  # a literal is known
    if fn.outside is None:
        raise_line = "raise"
    else:
        outside = em.const(fn.outside, "OUTSIDE")
        raise_line = f"raise OutOfRange({outside}.format({joined}) + ' is outside the calendar', {names}) from None"
    with _known(em, args, maybe, target):
        overflow_guarded(em, f"{impl}({joined})", target, raise_line)
