"""The expression language of conditions, derived values and step fields.

Pipeline: ``parse`` (text -> AST, errors carry a character offset) ->
``typecheck`` (against the declared names) -> ``compile_expr`` (AST -> closure).
Nothing here calls ``eval`` or ``exec``; the only operations are the ones
listed below, so cost is linear in the size of the expression, which itself is
bounded.

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

Types: ``boolean``, ``integer``, ``date``, ``string`` (an enum is a string with
a known set of values).  ``date + integer``, ``date - integer`` and
``date - date`` (days) are the date arithmetic; functions: ``days_between(a,
b)`` (days from a to b), ``add_days(d, n)``, ``date('YYYY-MM-DD')``,
``min(...)``, ``max(...)``.

Evaluation is three-valued: a name whose value the caller did not give
evaluates to :class:`Unknown` carrying that name, ``and``/``or`` follow Kleene
logic (``false and ?`` is false), and anything else touching an unknown is
unknown.  So the engine learns exactly which missing inputs block a decision.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Iterator, Mapping

from .dates import parse_iso_date
from .findings import did_you_mean

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_INT_DIGITS = 9

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
FUNCTIONS = frozenset({"days_between", "add_days", "date", "min", "max"})
AS_OF = "as_of"
RESERVED = KEYWORDS | FUNCTIONS | {AS_OF}


class ExprError(Exception):
    """A problem in an expression at character ``offset`` (0-based)."""

    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


class Unresolved(ExprError):
    """Reads a name whose own definition is broken; that is reported where the
    name is declared, so this one needs no finding of its own."""


class OutOfRange(Exception):
    """Date arithmetic left the calendar (e.g. 9999-12-31 plus a day)."""

    def __init__(self, message: str, names: tuple[str, ...]):
        super().__init__(message)
        self.names = names


# -- types -------------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    kind: str                                  # boolean | integer | date | string
    values: tuple[str, ...] | None = None      # enum values, for strings

    def __str__(self) -> str:
        return self.kind

    def same_kind(self, other: "Type") -> bool:
        return self.kind == other.kind


BOOLEAN, INTEGER, DATE, STRING = Type("boolean"), Type("integer"), Type("date"), Type("string")
BROKEN = Type("broken")    # the type of a declared name whose definition did not build
TYPES = {"boolean": BOOLEAN, "integer": INTEGER, "date": DATE, "string": STRING}


# -- unknown values ----------------------------------------------------------

class Unknown:
    """The value of an expression that reads inputs the caller did not give."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def __repr__(self) -> str:
        return f"Unknown({', '.join(self.names)})"


def _merge(a: Unknown | None, b: Unknown) -> Unknown:
    if a is None:
        return b
    return Unknown(a.names + tuple(n for n in b.names if n not in a.names))


# -- AST ---------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    offset: int


@dataclass(frozen=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str                       # and | or
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    op: str                       # == != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class In(Node):
    item: Node
    choices: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True)
class Arith(Node):
    op: str                       # + -
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Not | Neg):
            kids = (n.operand,)
        elif isinstance(n, BoolOp):
            kids = n.operands
        elif isinstance(n, Compare | Arith):
            kids = (n.left, n.right)
        elif isinstance(n, In):
            kids = (n.item, *n.choices)
        elif isinstance(n, Call):
            kids = n.args
        else:
            kids = ()
        stack.extend(reversed(kids))


def names_of(node: Node) -> tuple[str, ...]:
    """The names an expression reads, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Name):
            seen.setdefault(n.name)
    return tuple(seen)


def literals_of(node: Node) -> tuple[Any, ...]:
    return tuple(n.value for n in walk(node) if isinstance(n, Literal))


# -- lexer -------------------------------------------------------------------

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


def _tokens(text: str) -> list[_Tok]:
    out, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            ch = text[i]
            hint = ""
            if ch == "=":
                hint = " (compare with ==)"
            elif ch in "'\"":
                hint = " (unterminated string)"
            elif ch in "*/%.":
                hint = " (only + and - are supported)" if ch in "*/%" else " (no attribute access)"
            elif ch in "&|!":
                hint = " (write and, or, not)"
            raise ExprError(f"unexpected character {ch!r}{hint}", i)
        kind = m.lastgroup
        if kind != "ws":
            out.append(_Tok(kind, m.group(), i))
        i = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


# -- parser ------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
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

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.offset)

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self.tok.text!r} after a complete expression", self.tok.offset)
        return node

    def or_(self) -> Node:
        first = self.and_()
        parts = [first]
        while self.at("or"):
            self.take()
            parts.append(self.and_())
        return first if len(parts) == 1 else BoolOp(first.offset, "or", tuple(parts))

    def and_(self) -> Node:
        first = self.not_()
        parts = [first]
        while self.at("and"):
            self.take()
            parts.append(self.not_())
        return first if len(parts) == 1 else BoolOp(first.offset, "and", tuple(parts))

    def not_(self) -> Node:
        if self.at("not"):
            t = self.take()
            self.nest()
            node = Not(t.offset, self.not_())
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        if self.at("==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
            right = self.sum()
            if self.at("==", "!=", "<", "<=", ">", ">="):
                raise ExprError("comparisons cannot be chained; join them with and", self.tok.offset)
            return Compare(left.offset, op, left, right)
        negated = False
        if self.at("not") and self.toks[self.i + 1].text == "in":
            self.take()
            negated = True
        if self.at("in"):
            self.take()
            self.expect("[")
            self.nest()
            items = [self.or_()]
            while self.at(","):
                self.take()
                if self.at("]"):
                    break
                items.append(self.or_())
            self.expect("]")
            self.depth -= 1
            return In(left.offset, left, tuple(items), negated)
        return left

    def sum(self) -> Node:
        node = self.unary()
        depth = self.depth
        while self.at("+", "-"):
            op = self.take().text
            self.nest()   # each operator nests the (left-leaning) tree one level deeper
            node = Arith(node.offset, op, node, self.unary())
        self.depth = depth
        return node

    def unary(self) -> Node:
        if self.at("-"):
            t = self.take()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            if isinstance(operand, Literal) and type(operand.value) is int:
                return Literal(t.offset, -operand.value)
            return Neg(t.offset, operand)
        return self.primary()

    def primary(self) -> Node:
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
                self.take()
                self.nest()
                args: list[Node] = []
                if not self.at(")"):
                    args.append(self.or_())
                    while self.at(","):
                        self.take()
                        args.append(self.or_())
                self.expect(")")
                self.depth -= 1
                if t.text not in FUNCTIONS:
                    raise ExprError(f"unknown function {t.text!r}; functions are "
                                    f"{', '.join(sorted(FUNCTIONS))}", t.offset)
                return Call(t.offset, t.text, tuple(args))
            return Name(t.offset, t.text)
        if self.at("("):
            self.take()
            self.nest()
            node = self.or_()
            self.expect(")")
            self.depth -= 1
            return node
        got = "the end of the expression" if t.kind == "end" else repr(t.text)
        raise ExprError(f"expected a value, found {got}", t.offset)


def parse(text: str) -> Node:
    if not isinstance(text, str):
        raise ExprError(f"an expression must be text; got {type(text).__name__}")
    if not text.strip():
        raise ExprError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text):,} characters; the limit is {MAX_LENGTH:,}")
    return _Parser(text).parse()


# -- type checking -----------------------------------------------------------

def typecheck(node: Node, env: Mapping[str, Type]) -> Type:
    """The type of ``node`` given the types of the names it may read."""
    if isinstance(node, Literal):
        v = node.value
        return BOOLEAN if type(v) is bool else INTEGER if type(v) is int else STRING
    if isinstance(node, Name):
        if node.name not in env:
            raise ExprError(f"unknown name {node.name!r}{did_you_mean(node.name, env)}", node.offset)
        if env[node.name] is BROKEN:
            raise Unresolved(f"{node.name!r} is not defined correctly", node.offset)
        return env[node.name]
    if isinstance(node, Not):
        _expect(node.operand, env, BOOLEAN, "not")
        return BOOLEAN
    if isinstance(node, BoolOp):
        for operand in node.operands:
            _expect(operand, env, BOOLEAN, node.op)
        return BOOLEAN
    if isinstance(node, Compare):
        lt, rt = typecheck(node.left, env), typecheck(node.right, env)
        if not lt.same_kind(rt):
            raise ExprError(f"cannot compare {lt} with {rt}", node.right.offset)
        if node.op in ("<", "<=", ">", ">=") and lt.kind not in ("integer", "date"):
            raise ExprError(f"{node.op} compares integers or dates, not {lt}s", node.offset)
        _check_choice(node.left, lt, node.right, rt)
        _check_choice(node.right, rt, node.left, lt)
        return BOOLEAN
    if isinstance(node, In):
        it = typecheck(node.item, env)
        for choice in node.choices:
            ct = typecheck(choice, env)
            if not it.same_kind(ct):
                raise ExprError(f"list item is {ct}, but the left side is {it}", choice.offset)
            _check_choice(choice, ct, node.item, it)
        return BOOLEAN
    if isinstance(node, Neg):
        _expect(node.operand, env, INTEGER, "unary -")
        return INTEGER
    if isinstance(node, Arith):
        lt, rt = typecheck(node.left, env), typecheck(node.right, env)
        kinds = (lt.kind, rt.kind, node.op)
        if kinds in (("integer", "integer", "+"), ("integer", "integer", "-")):
            return INTEGER
        if kinds in (("date", "integer", "+"), ("date", "integer", "-"), ("integer", "date", "+")):
            return DATE
        if kinds == ("date", "date", "-"):
            return INTEGER
        raise ExprError(f"cannot compute {lt} {node.op} {rt}", node.offset)
    if isinstance(node, Call):
        return _check_call(node, env)
    raise ExprError("unsupported expression", node.offset)  # pragma: no cover


def _expect(node: Node, env, want: Type, where: str) -> None:
    got = typecheck(node, env)
    if not got.same_kind(want):
        raise ExprError(f"{where} needs a {want}, got a {got}", node.offset)


def _check_choice(lit: Node, lt: Type, other: Node, ot: Type) -> None:
    """A string literal compared with an enum must be one of its values."""
    if isinstance(lit, Literal) and type(lit.value) is str and ot.values is not None:
        if lit.value not in ot.values:
            hint = did_you_mean(lit.value, ot.values)
            what = f"{other.name}'s values" if isinstance(other, Name) else "the possible values"
            raise ExprError(f"{lit.value!r} is not one of {what}: {', '.join(ot.values)}{hint}", lit.offset)


def _check_call(node: Call, env) -> Type:
    f, args = node.func, node.args

    def arity(n: int):
        if len(args) != n:
            raise ExprError(f"{f}() takes {n} argument{'s' * (n != 1)}, got {len(args)}", node.offset)

    if f == "date":
        arity(1)
        a = args[0]
        if not (isinstance(a, Literal) and type(a.value) is str):
            raise ExprError("date() takes a literal 'YYYY-MM-DD'", node.offset)
        _parse_date_literal(a)
        return DATE
    if f == "days_between":
        arity(2)
        for a in args:
            _expect(a, env, DATE, f"{f}()")
        return INTEGER
    if f == "add_days":
        arity(2)
        _expect(args[0], env, DATE, f"{f}() first argument")
        _expect(args[1], env, INTEGER, f"{f}() second argument")
        return DATE
    # min / max
    if len(args) < 2:
        raise ExprError(f"{f}() takes at least 2 arguments", node.offset)
    first = typecheck(args[0], env)
    if first.kind not in ("integer", "date"):
        raise ExprError(f"{f}() takes integers or dates, not {first}s", args[0].offset)
    for a in args[1:]:
        _expect(a, env, first, f"{f}()")
    return first


def _parse_date_literal(a: Literal) -> date:
    try:
        return parse_iso_date(a.value)
    except ValueError:
        raise ExprError(f"{a.value!r} is not a date YYYY-MM-DD", a.offset) from None


# -- compiling ---------------------------------------------------------------

Scope = Any   # anything with .lookup(name) -> value | Unknown
Fn = Callable[[Scope], Any]

_CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}


def compile_node(node: Node) -> Fn:
    """A closure computing ``node`` from a scope; typecheck first."""
    if isinstance(node, Literal):
        v = node.value
        return lambda s: v
    if isinstance(node, Name):
        name = node.name
        return lambda s: s.lookup(name)
    if isinstance(node, Call) and node.func == "date":
        v = _parse_date_literal(node.args[0])
        return lambda s: v
    if isinstance(node, Not):
        f = compile_node(node.operand)

        def not_(s):
            v = f(s)
            return v if type(v) is Unknown else not v
        return not_
    if isinstance(node, BoolOp):
        fs = tuple(compile_node(o) for o in node.operands)
        stop = node.op == "or"     # the value that decides at once

        def boolop(s):
            unknown = None
            for f in fs:
                v = f(s)
                if v is stop:
                    return stop
                if v is not (not stop):
                    unknown = _merge(unknown, v)
            return (not stop) if unknown is None else unknown
        return boolop
    if isinstance(node, Compare):
        op = _CMP[node.op]
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
    if isinstance(node, In):
        fi = compile_node(node.item)
        if all(isinstance(c, Literal) for c in node.choices):
            options = frozenset(c.value for c in node.choices)
            negated = node.negated

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
            return (vals[0] in vals[1:]) != node.negated
        return in_
    if isinstance(node, Neg):
        f = compile_node(node.operand)

        def neg(s):
            v = f(s)
            return v if type(v) is Unknown else -v
        return neg
    if isinstance(node, Arith):
        return _compile_arith(node)
    if isinstance(node, Call):
        return _compile_call(node)
    raise TypeError(f"cannot compile {node!r}")  # pragma: no cover


def _unknown_of(*values) -> Unknown | None:
    unknown = None
    for v in values:
        if type(v) is Unknown:
            unknown = _merge(unknown, v)
    return unknown


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _compile_arith(node: Arith) -> Fn:
    fl, fr = compile_node(node.left), compile_node(node.right)
    names = names_of(node)
    text = f"{node.op}"

    def arith(s):
        a, b = fl(s), fr(s)
        if type(a) is Unknown or type(b) is Unknown:
            return _unknown_of(a, b)
        try:
            if node.op == "+":
                if type(a) is int and type(b) is int:
                    return a + b
                return a + _days(b) if type(b) is int else _days(a) + b
            if type(a) is int:
                return a - b
            if type(b) is int:
                return a - _days(b)
            return (a - b).days
        except OverflowError:
            raise OutOfRange(f"{a} {text} {b} is outside the calendar", names) from None
    return arith


def _compile_call(node: Call) -> Fn:
    fs = tuple(compile_node(a) for a in node.args)
    names = names_of(node)
    func = node.func

    def call(s):
        vals = [f(s) for f in fs]
        unknown = _unknown_of(*vals)
        if unknown is not None:
            return unknown
        if func == "days_between":
            return (vals[1] - vals[0]).days
        if func == "add_days":
            try:
                return vals[0] + _days(vals[1])
            except OverflowError:
                raise OutOfRange(f"{vals[0]} plus {vals[1]} days is outside the calendar", names) from None
        return min(vals) if func == "min" else max(vals)
    return call


@dataclass(frozen=True)
class Expression:
    """A parsed, type-checked, compiled expression."""

    source: str
    ast: Node = field(repr=False)
    type: Type
    names: tuple[str, ...]
    fn: Fn = field(repr=False, compare=False)

    @property
    def literals(self) -> tuple[Any, ...]:
        return literals_of(self.ast)

    def __call__(self, scope: Scope) -> Any:
        return self.fn(scope)


def build(text: str, env: Mapping[str, Type], want: Type | None = None, node: Node | None = None) -> Expression:
    """Parse (unless ``node`` is ``text`` already parsed), type-check (optionally
    against an expected type) and compile."""
    node = node if node is not None else parse(text)
    t = typecheck(node, env)
    if want is not None and not t.same_kind(want):
        raise ExprError(f"expected a {want} expression, got a {t}", 0)
    return Expression(text, node, t, names_of(node), compile_node(node))
