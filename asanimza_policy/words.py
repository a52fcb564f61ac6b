"""Expressions in words a person reads: ``channel == 'sms'`` is "channel is sms",
``as_of > add_days(certificate_expires_on, 1)`` is "as of is after 1 day after
certificate expires on".

Generic: names are spelled with spaces, the comparison words depend on the
operands' types (dates are "before"/"after", numbers "less"/"more"), and with
``values`` the dates and numbers read are shown with their value ("as of
(2026-12-10)").  Diagrams, documentation and a decision's reasons all use it.

Dispatch is by the AST class's name, so this module needs nothing from the
expression modules beyond the tree itself.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from .fill import fill_reasons, value_words

_CMP = {
    "date": {"==": "is", "!=": "is not", "<": "is before", "<=": "is on or before", ">": "is after",
             ">=": "is on or after"},
    "integer": {"==": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than",
                ">=": "is at least"},
}
_EQ = {"==": "is", "!=": "is not"}
_FLIP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
AS_OF_WORDS = "as of"


def kinds_of(policy) -> dict[str, str]:
    """name -> type kind (boolean, integer, date, string) of every name a policy's expressions read."""
    out = {"as_of": "date"}
    for name, inp in policy.inputs.items():
        out[name] = "string" if inp.type == "enum" else inp.type
    for name, d in policy.derived.items():
        out[name] = d.type.kind
    return out


def name_words(name: str) -> str:
    return AS_OF_WORDS if name == "as_of" else name.replace("_", " ")


SLOTS: Any = object()      # as ``values``: mark where each value goes, to fill in later


class Words:
    """Turns syntax trees into words for one policy's names.

    ``values(name)`` (optional) returns a name's value, or anything else
    (``None``, an unknown) when it has none; dates and numbers read are then
    followed by their value in parentheses.
    """

    def __init__(self, kinds: Mapping[str, str], values: Callable[[str], Any] | None = None):
        self.kinds = kinds
        self.values = values

    # conditions --------------------------------------------------------
    def condition(self, node, negate: bool = False) -> str:
        """A true/false expression, or its negation, as a sentence fragment."""
        kind = type(node).__name__
        if kind == "Not":
            return self.condition(node.operand, not negate)
        if kind == "BoolOp":
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            parts = []
            for operand in node.operands:
                text = self.condition(operand, negate)
                if type(operand).__name__ == "BoolOp" and self._op_after(operand, negate) != op:
                    text = f"({text})"
                parts.append(text)
            return f" {op} ".join(parts)
        if kind == "Compare":
            op = _FLIP[node.op] if negate else node.op
            k = self.kind(node.left)
            verb = _CMP.get(k, _EQ).get(op) or _EQ.get(op, op)
            return f"{self.term(node.left)} {verb} {self.term(node.right)}"
        if kind == "In":
            neg = node.negated != negate
            choices = [self.term(c) for c in node.choices]
            if len(choices) == 1:
                return f"{self.term(node.item)} {'is not' if neg else 'is'} {choices[0]}"
            return f"{self.term(node.item)} is {'none' if neg else 'one'} of {', '.join(choices)}"
        if kind == "Literal" and isinstance(node.value, bool):
            return "always" if node.value != negate else "never"
        if kind == "Call" and node.func == "given":
            return f"{self.term(node.args[0])} is {'not ' if negate else ''}known"
        text = self.term(node)
        if kind == "Name" and self.kinds.get(node.name) == "boolean":
            return f"{text} is {'no' if negate else 'yes'}"
        return f"not {text}" if negate else text

    def clauses(self, node, negate: bool = False) -> list[list[tuple[str, str]]]:
        """The condition as clauses that all hold, each a list of alternatives
        ``(words, words of its negation)`` of which one holds."""
        kind = type(node).__name__
        if kind == "Not":
            return self.clauses(node.operand, not negate)
        if kind == "BoolOp":
            if self._op_after(node, negate) == "and":
                return [c for o in node.operands for c in self.clauses(o, negate)]
            lits: list[tuple[str, str]] = []
            for o in node.operands:
                sub = self.clauses(o, negate)
                lits += sub[0] if len(sub) == 1 else [(self.condition(o, negate), self.condition(o, not negate))]
            return [lits]
        return [[(self.condition(node, negate), self.condition(node, not negate))]]

    def _op_after(self, node, negate: bool) -> str:
        return node.op if not negate else ("or" if node.op == "and" else "and")

    # values --------------------------------------------------------------
    def term(self, node) -> str:
        kind = type(node).__name__
        if kind == "Literal":
            words = value_words(node.value)
            # "\0" marks where a value goes (SLOTS): a text literal holding one keeps it out of the way
            return words.replace("\0", "\ufffd") if self.values is SLOTS else words
        if kind == "Name":
            text = name_words(node.name)
            if self.values is SLOTS and self.kinds.get(node.name) in ("date", "integer"):
                text += f"\0{node.name}\0"
            elif self.values is not None and self.kinds.get(node.name) in ("date", "integer"):
                v = self.values(node.name)
                if isinstance(v, (date, int)) and not isinstance(v, bool):
                    text += f" ({value_words(v)})"
            return text
        if kind == "Neg":
            return f"minus {self.term(node.operand)}"
        if kind == "Arith":
            lk, rk = self.kind(node.left), self.kind(node.right)
            if lk == "date" and rk == "integer":
                return self._shift(node.left, node.right, -1 if node.op == "-" else 1)
            if lk == "integer" and rk == "date":
                return self._shift(node.right, node.left, 1)
            if lk == "date" and rk == "date":
                return f"the days from {self.term(node.right)} to {self.term(node.left)}"
            return f"{self.term(node.left)} {'plus' if node.op == '+' else 'minus'} {self.term(node.right)}"
        if kind == "Call":
            args = node.args
            if node.func == "date":
                return value_words(args[0].value)
            if node.func == "add_days":
                return self._shift(args[0], args[1], 1)
            if node.func == "days_between":
                return f"the days from {self.term(args[0])} to {self.term(args[1])}"
            if node.func in ("add_months", "add_years"):
                return self._shift(args[0], args[1], 1, node.func[4:-1])
            if node.func in ("months_between", "years_between"):
                return f"the whole {node.func.split('_')[0]} from {self.term(args[0])} to {self.term(args[1])}"
            if node.func == "given":
                return f"({self.condition(node)})"
            if node.func not in ("min", "max") or not args:     # a function without a phrase here
                return f"{node.func}({', '.join(self.term(a) for a in args)})"
            first = self.kind(args[0]) == "date"
            which = {("min", True): "the earlier", ("max", True): "the later",
                     ("min", False): "the smaller", ("max", False): "the larger"}[(node.func, first)]
            terms = [self.term(a) for a in args]
            return f"{which} of {', '.join(terms[:-1])} and {terms[-1]}"
        return f"({self.condition(node)})"

    def _shift(self, day, days, sign: int, unit: str = "day") -> str:
        """``day`` moved by ``days`` (times ``sign``) days, months or years, in words."""
        base = self.term(day)
        if type(days).__name__ == "Literal" and type(days.value) is int:
            n = days.value * sign
            if n == 0:
                return base
            return f"{abs(n)} {unit}{'s' * (abs(n) != 1)} {'after' if n > 0 else 'before'} {base}"
        return f"{base} {'plus' if sign > 0 else 'minus'} {self.term(days)} {unit}s"

    def kind(self, node) -> str:
        """The type kind of a tree (enough of it to choose words)."""
        kind = type(node).__name__
        if kind == "Literal":
            v = node.value
            return "boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else "string"
        if kind == "Name":
            return self.kinds.get(node.name, "string")
        if kind == "Call":
            if node.func in ("date", "add_days", "add_months", "add_years"):
                return "date"
            if node.func in ("days_between", "months_between", "years_between"):
                return "integer"
            if node.func == "given":
                return "boolean"
            return self.kind(node.args[0])
        if kind == "Arith":
            lk, rk = self.kind(node.left), self.kind(node.right)
            if lk == rk == "date":
                return "integer"
            return "date" if "date" in (lk, rk) else "integer"
        if kind == "Neg":
            return "integer"
        return "boolean"


def describe(expression, kinds: Mapping[str, str], values: Callable[[str], Any] | None = None,
             negate: bool = False) -> str:
    """A condition (an ``Expression`` or a syntax tree) in words."""
    tree = getattr(expression, "ast", expression)
    return Words(kinds, values).condition(tree, negate)


def describe_value(expression, kinds: Mapping[str, str]) -> str:
    """A value expression (a date rule, a text) in words."""
    tree = getattr(expression, "ast", expression)
    w = Words(kinds)
    return w.condition(tree) if w.kind(tree) == "boolean" else w.term(tree)


def branch_words(node, branch, kinds: Mapping[str, str], values=None) -> str:
    """What holds when ``branch`` of decision ``node`` is taken, as clauses joined
    by "; ".  With ``otherwise`` or a ``first`` match the earlier branches did not
    hold, so their negations come first, less what the branch's own condition
    already settles ("not submitted or too early; submitted" reads "too early;
    submitted")."""
    return "; ".join(branch_clauses(node, branch, kinds, values)) or "otherwise"


def branch_clauses(node, branch, kinds: Mapping[str, str], values=None) -> list[str]:
    w = Words(kinds, values)
    earlier = [b for b in getattr(node, "exits", ()) if b.when is not None and b.index < branch.index]
    if branch.when is not None and getattr(node, "match", "unique") != "first":
        earlier = []
    own = w.clauses(branch.when.ast) if branch.when is not None else []
    facts = {lits[0][0] for lits in own if len(lits) == 1}
    out: list[list[tuple[str, str]]] = []
    for b in earlier:
        for lits in w.clauses(b.when.ast, negate=True):
            if any(text in facts for text, _ in lits):
                continue            # already true by what is known
            kept = [(t, o) for t, o in lits if o not in facts] or lits
            if len(kept) == 1:
                facts.add(kept[0][0])
            out.append(kept)
    out += own
    texts = [" or ".join(t for t, _ in lits) for lits in out]
    return list(dict.fromkeys(texts))


# -- reasons: the conditions that held, with the values they read -------------
# A branch's words are worked out once (with a slot where each date or number
# read goes) and filled in for each decision: a walk only pays for the values.

_plans: dict[int, tuple[Any, tuple[str, ...]]] = {}
_kinds: dict[int, tuple[Any, dict]] = {}


def branch_plan(policy, node, branch) -> tuple[str, ...]:
    """A branch's words, split where the values it reads go: even parts are
    text, odd parts the names whose value follows in parentheses."""
    hit = _plans.get(id(branch))
    if hit is not None and hit[0] is branch:
        return hit[1]
    known = _kinds.get(id(policy))
    if known is None or known[0] is not policy:
        known = _kinds[id(policy)] = (policy, kinds_of(policy))
    parts = tuple(branch_words(node, branch, known[1], SLOTS).split("\0"))
    _plans[id(branch)] = (branch, parts)      # the branch is kept, so its id is not reused
    return parts


def reasons(policy, taken, values: Mapping[str, Any]) -> tuple[str, ...]:
    """For each ``(node, branch)`` taken, in order, what held, in words, with the
    dates and numbers it read: "as of (2026-12-10) is after certificate expires
    on (2026-12-01)"."""
    return fill_reasons([branch_plan(policy, node, branch) for node, branch in taken], values)
