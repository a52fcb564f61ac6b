"""Optional inputs are read only behind ``given(name)``.

An optional input is never asked, so a walk must never stop for it: every
expression that reads one (directly, or through a derived value) must be
*guarded*, i.e. only evaluated once ``given(name)`` is known to hold.  A guard
is, simply:

- in the same expression, an operand of ``and`` to the left that implies
  ``given(name)`` (``given(x) and x < d``), or an operand of ``or`` to the
  left whose falsity implies it (``not given(x) or x < d``);
- on the way to a node, a branch taken whose condition implies ``given(name)``
  (its ``and``-ed parts include ``given(name)``), or, under ``match: first``
  and for ``otherwise``, an earlier branch not taken whose condition is
  ``not given(name)``; a node is guarded for a name when every way to it is;
- for a step's fields and text, the step's own ``when`` (implies, as above).

Texts that fill in what is known (a question, an outcome's description) need
no guard: an unknown value is left out of them.  ``given`` itself may only
name an input.  On an input that is asked, ``given(x) and x`` reads ``x`` only when
the caller gave it, so the route does not ask for it: for a case that only
matters when the caller says so.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from graphlib import TopologicalSorter

from .expr import BoolOp, Call, Expr, Name, Not
from .model import Action, Branch, DecisionNode, Derived, GraphNode, Input, OutcomeNode, Step


def _given_name(e: Expr) -> str | None:
    if isinstance(e, Call) and e.func == "given" and isinstance(e.args[0], Name):
        return e.args[0].name
    return None


def when_true(e: Expr) -> set[str]:
    """The names that are given whenever ``e`` is true."""
    name = _given_name(e)
    if name is not None:
        return {name}
    if isinstance(e, Not):
        return when_false(e.operand)
    if isinstance(e, BoolOp) and e.op == "and":
        return set().union(*(when_true(o) for o in e.operands))
    return set()


def when_false(e: Expr) -> set[str]:
    """The names that are given whenever ``e`` is false."""
    if isinstance(e, Not):
        return when_true(e.operand)
    if isinstance(e, BoolOp) and e.op == "or":
        return set().union(*(when_false(o) for o in e.operands))
    return set()


class Guards:
    """Which optional inputs each expression reads without a guard."""

    def __init__(self, inputs: Mapping[str, Input], derived: Mapping[str, Derived]):
        self.inputs = set(inputs)
        self.optional = {n for n, i in inputs.items() if i.optional}
        self.derived = derived
        self._derived_reads: dict[str, frozenset[str]] = {}

    def reads(self, e: Expr | None, guarded: frozenset[str] | set[str] = frozenset()) -> set[str]:
        """Optional inputs ``e`` reads that ``guarded`` does not cover."""
        if e is None or not self.optional:
            return set()
        if _given_name(e) is not None:
            return set()
        if isinstance(e, Name):
            return set(self.name_reads(e.name)) - set(guarded)
        if isinstance(e, BoolOp):
            out: set[str] = set()
            g = set(guarded)
            for o in e.operands:
                out |= self.reads(o, g)
                g |= when_true(o) if e.op == "and" else when_false(o)
            return out
        return set().union(*(self.reads(c, guarded) for c in e.children()))

    def name_reads(self, name: str) -> frozenset[str]:
        """What reading ``name`` reads of the optional inputs, unguarded."""
        if name in self.optional:
            return frozenset((name,))
        d = self.derived.get(name)
        if d is None:
            return frozenset()
        if name not in self._derived_reads:
            self._derived_reads[name] = frozenset()       # derived values are acyclic; this only stops a loop
            found = (self.reads(d.expression.ast) if d.expression is not None
                     else set(self.name_reads(d.map_from)) if d.map_from is not None else set())
            self._derived_reads[name] = frozenset(found)
        return self._derived_reads[name]

    def given_misuse(self, e: Expr | None) -> Iterator[str]:
        """Names that ``given()`` tests but that are not inputs (a derived value is never given)."""
        if e is None:
            return
        stack = [e]
        while stack:
            n = stack.pop()
            name = _given_name(n)
            if name is not None and name not in self.inputs:
                yield name
            stack.extend(n.children())


def _condition(branch: Branch) -> Expr:
    """A branch's condition: every branch of a decision has one (``otherwise`` is kept on the node)."""
    assert branch.when is not None
    return branch.when.ast


def _ast(expression) -> Expr | None:
    return expression.ast if expression is not None else None


def step_reads(g: Guards, step: Step, guarded: set[str], fields: Collection[str] = ()) -> list[tuple[tuple, str]]:
    """(key path inside the step, optional input) for each unguarded read of a step;
    ``fields`` are its action's fields, which its text's placeholders name before any input."""
    out: list[tuple[tuple, str]] = [(("when",), n) for n in sorted(g.reads(_ast(step.when), guarded))]
    inside = guarded | when_true(step.when.ast) if step.when is not None else guarded
    for fname, e in step.with_.items():
        out += [(("with", fname), n) for n in sorted(g.reads(e.ast, inside))]
    for name in step.text.names:
        if name not in fields:
            out += [(("text",), n) for n in sorted(g.name_reads(name) - inside)]
    return out


def node_guards(g: Guards, nodes: Mapping[str, GraphNode], start: str) -> dict[str, set[str]]:
    """For each node reachable from ``start``: the optional inputs given on every way to it."""
    incoming: dict[str, list[set[str]]] = {}
    edges: dict[str, list[tuple[str, set[str]]]] = {}
    for nid, node in nodes.items():
        edges[nid] = []
        if isinstance(node, DecisionNode):
            not_taken: set[str] = set()
            for br in node.branches:
                earlier = not_taken if node.match == "first" else set()
                edges[nid].append((br.goto, when_true(_condition(br)) | earlier))
                not_taken |= when_false(_condition(br))
            if node.otherwise is not None:
                edges[nid].append((node.otherwise.goto, not_taken))
    order = TopologicalSorter({n: [src for src, es in edges.items() for t, _ in es if t == n]
                               for n in nodes}).static_order()
    guarded: dict[str, set[str]] = {}
    for nid in order:
        if nid == start:
            guarded[nid] = set()
        elif incoming.get(nid):
            guarded[nid] = set.intersection(*incoming[nid])
        else:
            continue                                     # not reachable
        for target, adds in edges.get(nid, ()):
            incoming.setdefault(target, []).append(guarded[nid] | adds)
    return guarded


def unguarded(inputs: Mapping[str, Input], derived: Mapping[str, Derived], nodes: Mapping[str, GraphNode],
              start: str, actions: Mapping[str, Action] | None = None) -> list[tuple[tuple, str, str]]:
    """(key path, optional input or misused name, problem) for each place that reads an
    optional input without a guard, or that tests a name with given() that is not an
    input.  The graph must be acyclic and its references resolved."""
    g = Guards(inputs, derived)
    out: list[tuple[tuple, str, str]] = []
    for name, d in derived.items():
        for n in g.given_misuse(_ast(d.expression)):
            out.append((("derived", name, "expr"), n, "given"))
    for nid, node in nodes.items():
        for br in getattr(node, "branches", ()):
            for n in g.given_misuse(_condition(br)):
                out.append((("nodes", nid, "branches", br.index, "when"), n, "given"))
        for i, step in enumerate(getattr(node, "steps", ())):
            for e in (step.when, *step.with_.values()):
                for n in g.given_misuse(_ast(e)):
                    out.append((("nodes", nid, "steps", i), n, "given"))
        for i, e in enumerate(getattr(node, "document_when", ())):
            for n in g.given_misuse(_ast(e)):
                out.append((("nodes", nid, "documents", i, "when"), n, "given"))
    if not g.optional:
        return out
    guarded = node_guards(g, nodes, start)
    for nid, node in nodes.items():
        if nid not in guarded:
            continue
        have = guarded[nid]
        if isinstance(node, DecisionNode):
            not_taken: set[str] = set()       # under match: first, what the earlier branches' falsity gives
            for br in node.branches:
                for n in sorted(g.reads(_condition(br), have | not_taken)):
                    out.append((("nodes", nid, "branches", br.index, "when"), n, "read"))
                if node.match == "first":
                    not_taken |= when_false(_condition(br))
        elif isinstance(node, OutcomeNode):
            for i, step in enumerate(node.steps):
                fields = actions[step.action].fields if actions and step.action in actions else ()
                for where, n in step_reads(g, step, have, fields):
                    inline = step.id.startswith(f"{nid}#")
                    out.append((("nodes", nid, "steps", i) + (where if inline else ()), n, "read"))
            for i, e in enumerate(node.document_when):
                for n in sorted(g.reads(_ast(e), have)):
                    out.append((("nodes", nid, "documents", i, "when"), n, "read"))
    return out
