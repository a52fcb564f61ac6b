"""A type-checked expression AST -> Python statements, for values all known.

The fast walk of a compiled policy (``compile_fast``) runs where every value an
expression reads is given.  There the three-valued logic of ``codegen_expr`` is
plain Python: ``a and b`` short-circuits as the interpreter does, a comparison
is a comparison.  Whatever would make the answer depend on the rules for the
unknown (a name without a value) or on an error (a date leaving the calendar)
raises :class:`Bail` instead, and the general walk, which knows those rules,
answers.  Evaluation order is the interpreter's, so derived values are computed
(and cite their sources) in the same order.

Nothing of the policy's text enters the source except through ``repr()`` of a
literal or a constant handed over by name, as in ``codegen_expr``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .codegen_expr import (
    OPS,
    Emitter,
    Rules,
    Unsupported,
    literal_options,
    literal_rule,
    name_rule,
    overflow_guarded,
)
from .expr_parse import Arith, BoolOp, Call, Compare, In, Literal, Name, Neg, Not
from .expr_types import FUNCTIONS, arithmetic


class Bail(Exception):
    """The fast walk cannot answer alone: the general walk answers instead."""


class KnownEmitter(Emitter):
    """An emitter for the fast walk: ``read_name`` reads a value that must be
    known (or raises ``Bail``); ``read_optional`` an optional input as it is
    (``None`` when not given), for ``given()``."""

    def __init__(self, consts: dict[str, Any], name_reader: Callable[[Emitter, str, str], None],
                 optional_reader: Callable[[Emitter, str, str], None]):
        super().__init__(consts, name_reader)
        self.read_optional = optional_reader


RULES = Rules({Literal: literal_rule, Name: name_rule})
rule, emit_known, _value = RULES.rule, RULES.emit, RULES.value


@rule(Not)
def _not(em: Emitter, node: Not, target: str) -> None:
    em.emit(f"{target} = not {_value(em, node.operand)}")


@rule(BoolOp)
def _boolop(em: Emitter, node: BoolOp, target: str) -> None:
    # and: False at the first false operand, else True; or: the reverse
    stop = node.op == "or"
    em.emit(f"{target} = {stop}")
    opened = 0
    for operand in node.operands:
        a = _value(em, operand)
        em.emit(f"if {'not ' if stop else ''}{a}:")
        em.indent += 1
        opened += 1
    em.emit(f"{target} = {not stop}")
    em.indent -= opened


@rule(Compare)
def _compare(em: Emitter, node: Compare, target: str) -> None:
    a = _value(em, node.left)
    b = _value(em, node.right)
    em.emit(f"{target} = {a} {OPS[node.op]} {b}")


@rule(In)
def _in(em: Emitter, node: In, target: str) -> None:
    a = _value(em, node.item)
    test = "not in" if node.negated else "in"
    options = literal_options(em, node)
    if options is not None:
        em.emit(f"{target} = {a} {test} {options}")
        return
    vals = [_value(em, c) for c in node.choices]
    em.emit(f"{target} = {a} {test} ({', '.join(vals)},)")


@rule(Neg)
def _neg(em: Emitter, node: Neg, target: str) -> None:
    em.emit(f"{target} = -{_value(em, node.operand)}")


@rule(Arith)
def _arith(em: Emitter, node: Arith, target: str) -> None:
    impl = em.const(arithmetic(node).impl, "ARITH")
    a, b = _value(em, node.left), _value(em, node.right)
    overflow_guarded(em, f"{impl}({a}, {b})", target, "raise Bail")


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
    if fn.sees_unknown:
        # given(name): whether the context gave the input (an absent one is None here)
        args = []
        for a in node.args:
            if type(a) is not Name:
                raise Unsupported(f"{node.func}() of an expression")
            t = em.var()
            assert isinstance(em, KnownEmitter)
            em.read_optional(em, a.name, t)
            args.append(t)
        em.emit(f"{target} = {impl}({', '.join(args)})")
        return
    args = [_value(em, a) for a in node.args]
    overflow_guarded(em, f"{impl}({', '.join(args)})", target, "raise Bail")
