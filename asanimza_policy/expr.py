"""The expression language of conditions, derived values and step fields.

Pipeline: ``parse`` (text -> AST, ``expr_parse``; errors carry a character
offset) -> ``typecheck`` (against the declared names, ``expr_types``; returns
the tree with every node's type) -> ``compile_node`` (AST -> closure,
``expr_compile``).  ``build`` runs all three.  Nothing here calls ``eval`` or
``exec``; the only operations are the ones listed below, so cost is linear in
the size of the expression, which itself is bounded.

Types: ``boolean``, ``integer``, ``date``, ``string`` (an enum is a string with
a known set of values).  ``date + integer``, ``date - integer`` and
``date - date`` (days) are the date arithmetic; functions: ``days_between(a,
b)`` (days from a to b), ``add_days(d, n)``, ``date('YYYY-MM-DD')``,
``min(...)``, ``max(...)``.

Evaluation is three-valued: a name whose value the caller did not give
evaluates to :class:`Unknown` carrying that name, ``and``/``or`` follow Kleene
logic (``false and ?`` is false), and anything else touching an unknown is
unknown.  So the engine learns exactly which missing inputs block a decision.

This module is the facade the rest of the package imports.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import expr_parse
from .expr_compile import Fn, OutOfRange, Scope, Unknown, compile_node, merge_unknown
from .expr_parse import (
    KEYWORDS,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_LENGTH,
    Arith,
    BoolOp,
    Call,
    Compare,
    Expr,
    ExprError,
    In,
    Literal,
    Name,
    Neg,
    Not,
    literals_of,
    names_of,
    walk,
)
from .expr_types import (
    AS_OF,
    BOOLEAN,
    BROKEN,
    DATE,
    FUNCTIONS,
    INTEGER,
    RESERVED,
    STRING,
    TYPES,
    Type,
    Unresolved,
    typecheck,
)

__all__ = [
    "AS_OF", "BOOLEAN", "BROKEN", "DATE", "FUNCTIONS", "INTEGER", "KEYWORDS", "MAX_DEPTH", "MAX_INT_DIGITS",
    "MAX_LENGTH", "RESERVED", "STRING", "TYPES", "Arith", "BoolOp", "Call", "Compare", "Expr", "ExprError",
    "Expression", "Fn", "In", "Literal", "Name", "Neg", "Not", "OutOfRange", "Scope", "Type", "Unknown",
    "Unresolved", "build", "compile_node", "literals_of", "merge_unknown", "names_of", "parse", "typecheck", "walk",
]

_merge = merge_unknown   # the engine's name for it


def parse(text: str) -> Expr:
    """The AST of ``text`` (offsets set, types not yet)."""
    return expr_parse.parse(text, FUNCTIONS)


@dataclass(frozen=True)
class Expression:
    """A parsed, type-checked, compiled expression."""

    source: str
    ast: Expr = field(repr=False)       # type-checked: every node's .type is set
    type: Type
    names: tuple[str, ...]
    fn: Fn = field(repr=False, compare=False)

    @property
    def literals(self) -> tuple[Any, ...]:
        return literals_of(self.ast)

    def __call__(self, scope: Scope) -> Any:
        return self.fn(scope)


def build(text: str, env: Mapping[str, Type], want: Type | None = None, node: Expr | None = None) -> Expression:
    """Parse (unless ``node`` is ``text`` already parsed), type-check (optionally
    against an expected type) and compile."""
    typed = typecheck(node if node is not None else parse(text), env)
    t = typed.type
    assert t is not None
    if want is not None and not t.same_kind(want):
        raise ExprError(f"expected a {want} expression, got a {t}", 0)
    return Expression(text, typed, t, names_of(typed), compile_node(typed))
