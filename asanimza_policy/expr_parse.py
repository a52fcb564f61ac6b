"""Expression text -> AST: the tokens, the parser and the AST classes.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | ['not'] 'in' list)?
    sum     := unary (('+'|'-') unary)*
    unary   := '-' unary | primary
    primary := INT | STRING | 'true' | 'false' | NAME | NAME '(' args ')'
             | '(' expr ')'
    list    := '[' expr (',' expr)* ']'

Every AST node carries the character ``offset`` (0-based) where it starts, for
error messages; offsets and types are left out of equality, so the same
condition written with other spacing compares equal.  Which names are
functions is the function table's business (``expr_types``); the parser is
given the names so that an unknown function is refused at parse time.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .expr_types import Type

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_INT_DIGITS = 9

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-")


class ExprError(Exception):
    """A problem in an expression at character ``offset`` (0-based)."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


# -- AST ---------------------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    """A node of the expression tree.

    ``offset`` says where it starts in the source; ``type`` is filled in by
    type checking (``expr_types.typecheck`` returns a typed copy of the tree).
    Neither takes part in equality.  The children of a node are whatever
    fields hold an ``Expr`` or a tuple of them, so a new node class cannot hide
    its children from :func:`walk`.
    """

    offset: int = field(compare=False)
    type: Type | None = field(default=None, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Expr, ...]:
        """The direct sub-expressions, left to right as in the source."""
        names = _FIELDS.get(type(self))
        if names is None:
            names = _FIELDS[type(self)] = tuple(f.name for f in fields(self) if f.name not in ("offset", "type"))
        out: list[Expr] = []
        for name in names:
            v = getattr(self, name)
            if isinstance(v, Expr):
                out.append(v)
            elif isinstance(v, tuple):
                out.extend(x for x in v if isinstance(x, Expr))
        return tuple(out)


_FIELDS: dict[type[Expr], tuple[str, ...]] = {}     # per class: the fields that may hold children


@dataclass(frozen=True, eq=False)
class Literal(Expr):
    value: Any        # bool | int | str

    # 1 == True in Python; the literals 1 and true are different expressions
    def __eq__(self, other: object) -> bool:
        if type(other) is not Literal:
            return NotImplemented
        return type(self.value) is type(other.value) and self.value == other.value

    def __hash__(self) -> int:
        return hash((Literal, type(self.value), self.value))


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str                       # and | or
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare(Expr):
    op: str                       # == != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True)
class In(Expr):
    item: Expr
    choices: tuple[Expr, ...]
    negated: bool = False


@dataclass(frozen=True)
class Arith(Expr):
    op: str                       # + -
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children, left to right."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def names_of(node: Expr) -> tuple[str, ...]:
    """The names an expression reads, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Name):
            seen.setdefault(n.name)
    return tuple(seen)


def literals_of(node: Expr) -> tuple[Any, ...]:
    return tuple(n.value for n in walk(node) if isinstance(n, Literal))


# -- tokens ------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<int>\d+)
  | (?P<str>'[^'\\\n]*'|"[^"\\\n]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\(|\)|\[|\]|,)
""", re.VERBOSE)


@dataclass(frozen=True)
class _Tok:
    kind: str    # int | str | name | op | end
    text: str
    offset: int


def _hint(ch: str) -> str:
    """Why a character cannot start a token, for the usual suspects."""
    if ch == "=":
        return " (compare with ==)"
    if ch in "'\"":
        return " (unterminated string)"
    if ch in "*/%":
        return " (only + and - are supported)"
    if ch == ".":
        return " (no attribute access)"
    if ch in "&|!":
        return " (write and, or, not)"
    return ""


def _tokens(text: str) -> list[_Tok]:
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise ExprError(f"unexpected character {text[i]!r}{_hint(text[i])}", i)
        kind = m.lastgroup
        if kind != "ws":
            out.append(_Tok(kind or "", m.group(), i))
        i = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


# -- parser ------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, functions: Collection[str]):
        self.toks = _tokens(text)
        self.functions = functions
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def at(self, *texts: str) -> bool:
        t = self.tok
        return t.kind in ("op", "name") and t.text in texts

    def take(self) -> _Tok:
        t = self.tok
        self.i += 1
        return t

    def expect(self, text: str) -> _Tok:
        if not self.at(text):
            got = repr(self.tok.text) if self.tok.kind != "end" else "the end"
            raise ExprError(f"expected {text!r}, found {got}", self.tok.offset)
        return self.take()

    @contextmanager
    def nested(self) -> Iterator[None]:
        """One level deeper for the duration of the block; refused past MAX_DEPTH."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.offset)
        try:
            yield
        finally:
            self.depth -= 1

    def parse(self) -> Expr:
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self.tok.text!r} after a complete expression", self.tok.offset)
        return node

    def or_(self) -> Expr:
        return self._chain("or", self.and_)

    def and_(self) -> Expr:
        return self._chain("and", self.not_)

    def _chain(self, op: str, operand) -> Expr:
        first = operand()
        parts = [first]
        while self.at(op):
            self.take()
            parts.append(operand())
        return first if len(parts) == 1 else BoolOp(first.offset, op, tuple(parts))

    def not_(self) -> Expr:
        if self.at("not"):
            t = self.take()
            with self.nested():
                return Not(t.offset, self.not_())
        return self.compare()

    def compare(self) -> Expr:
        left = self.sum()
        if self.at(*COMPARISONS):
            op = self.take().text
            right = self.sum()
            if self.at(*COMPARISONS):
                raise ExprError("comparisons cannot be chained; join them with and", self.tok.offset)
            return Compare(left.offset, op, left, right)
        negated = False
        if self.at("not") and self.toks[self.i + 1].text == "in":
            self.take()
            negated = True
        if self.at("in"):
            self.take()
            self.expect("[")
            with self.nested():
                items = [self.or_()]
                while self.at(","):
                    self.take()
                    if self.at("]"):
                        break
                    items.append(self.or_())
                self.expect("]")
            return In(left.offset, left, tuple(items), negated)
        return left

    def sum(self) -> Expr:
        node = self.unary()
        with ExitStack() as levels:
            while self.at(*ARITHMETIC):
                op = self.take().text
                # each operator nests the (left-leaning) tree one level deeper
                levels.enter_context(self.nested())
                node = Arith(node.offset, op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.at("-"):
            t = self.take()
            with self.nested():
                operand = self.unary()
            if isinstance(operand, Literal) and type(operand.value) is int:
                return Literal(t.offset, -operand.value)
            return Neg(t.offset, operand)
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "int":
            self.take()
            if len(t.text) > MAX_INT_DIGITS:
                raise ExprError(f"number {t.text[:12]}... has more than {MAX_INT_DIGITS} digits", t.offset)
            return Literal(t.offset, int(t.text))
        if t.kind == "str":
            self.take()
            return Literal(t.offset, t.text[1:-1])
        if t.kind == "name":
            self.take()
            if t.text in ("true", "false"):
                return Literal(t.offset, t.text == "true")
            if t.text in KEYWORDS:
                raise ExprError(f"{t.text!r} cannot start an operand", t.offset)
            if self.at("("):
                return self.call(t)
            return Name(t.offset, t.text)
        if self.at("("):
            self.take()
            with self.nested():
                node = self.or_()
                self.expect(")")
            return node
        got = "the end of the expression" if t.kind == "end" else repr(t.text)
        raise ExprError(f"expected a value, found {got}", t.offset)

    def call(self, t: _Tok) -> Expr:
        self.take()   # (
        with self.nested():
            args: list[Expr] = []
            if not self.at(")"):
                args.append(self.or_())
                while self.at(","):
                    self.take()
                    args.append(self.or_())
            self.expect(")")
        if t.text not in self.functions:
            raise ExprError(f"unknown function {t.text!r}; functions are "
                            f"{', '.join(sorted(self.functions))}", t.offset)
        return Call(t.offset, t.text, tuple(args))


def parse(text: str, functions: Collection[str]) -> Expr:
    """The AST of ``text``, whose calls may name only ``functions``."""
    if not isinstance(text, str):
        raise ExprError(f"an expression must be text; got {type(text).__name__}")
    if not text.strip():
        raise ExprError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text):,} characters; the limit is {MAX_LENGTH:,}")
    return _Parser(text, functions).parse()
