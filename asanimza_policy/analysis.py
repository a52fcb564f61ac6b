"""The logic of every decision node, over the domains of what its conditions read.

The analysis walks the graph as the interpreter does, but without a context:
when a condition reads an input (or ``as_of``) that has no value yet, the walk
forks, once per representative of that input's domain (``domains.py``).  So
only what a route reads is enumerated, every state that arrives at a node is
a context that passes validation and reaches it, and every decision node sees
every class of contexts that can tell its branches apart.  At each node:

- a *gap*: a state where no branch holds and there is no ``otherwise``;
- an *overlap*: a state where two branches hold (``match: unique``);
- a *shadowed* branch: one that never wins although the node is reached;
- an *unreached* node: the graph has a route to it, no context takes one.

Each problem comes with a counterexample: the context and the ``--as-of`` to
paste.  Two states that arrive at a node agreeing on everything that node and
the nodes after it read are the same from there on, so the second is not
walked again (``prune``).  Past ``limit`` states the analysis stops and says
so; what it found is still true, but it no longer proves the absence of the
rest.  A state whose date arithmetic leaves the calendar is dropped: with a
date far from the present that is the caller's ``InvalidContext``, with
ordinary dates the policy's ``DATE_OVERFLOW`` (which ``check`` reports where
the file shows it, ``overflow_checks.py``); the node keeps the first such
state (``outside``), so that a branch it never saw taken is not blamed on the
branches before it.
"""
from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from .dates import ORDINARY_YEARS
from .domains import NOT_GIVEN, Domains, domains_of
from .expr import AS_OF, OutOfRange, Unknown, names_of
from .model import DecisionNode, Policy

DEFAULT_LIMIT = 2_000_000     # states walked per policy version before the analysis stops


class _Need(Exception):
    """A condition reads a variable that has no value yet: fork on it."""

    def __init__(self, name: str):
        self.name = name


class _Scope:
    """What one state can read: the values chosen, derived values on demand."""

    __slots__ = ("values", "derived", "chosen")

    def __init__(self, chosen: dict, derived):
        self.chosen = chosen
        self.values = {k: v for k, v in chosen.items() if v is not NOT_GIVEN}
        self.derived = derived

    def lookup(self, name: str):
        try:
            return self.values[name]
        except KeyError:
            pass
        d = self.derived.get(name)
        if d is None:
            if name in self.chosen:              # an optional input not given
                return Unknown((name,))
            raise _Need(name)
        if d.expression is not None:
            v = d.expression.fn(self)
        else:
            key = self.lookup(d.map_from)
            v = key if type(key) is Unknown else d.table[key].value
        self.values[name] = v
        return v


@dataclass
class NodeResult:
    """What the states arriving at one decision node showed."""
    arrivals: int = 0
    won: set = field(default_factory=set)                 # branch positions (in node.exits) taken
    gap: dict | None = None                               # the first counterexample
    overlaps: dict = field(default_factory=dict)          # second branch's position -> (first, counterexample)
    blocked: dict | None = None                           # waits for an optional input nobody asks
    outside: dict | None = None                           # its date arithmetic left the calendar, all dates ordinary


@dataclass
class Analysis:
    policy: Policy
    nodes: dict[str, NodeResult]
    reached: set[str]
    states: int
    complete: bool                 # False: stopped at the limit
    busiest: str | None = None     # the node most states arrived at, when stopped


def _chosen_to_context(policy: Policy, chosen: dict) -> tuple[dict, date | None]:
    ctx = {}
    for name in policy.inputs:                  # in declaration order, as an author reads them
        v = chosen.get(name, NOT_GIVEN)
        if v is NOT_GIVEN:
            continue
        ctx[name] = v.isoformat() if isinstance(v, date) else v
    return ctx, chosen.get(AS_OF)


def _own_reads(policy: Policy, node, deep: bool = False) -> set[str]:
    """Inputs and as_of the node's conditions (``deep``: and an outcome's steps) read,
    following derived values."""
    out: set[str] = set()
    todo = [n for br in node.exits if br.when is not None for n in br.when.names]
    if deep:
        for step in getattr(node, "steps", ()):
            todo += [n for e in ((step.when,) if step.when else ()) + tuple(step.with_.values()) for n in e.names]
            todo += [n for n in step.text.names if n not in policy.actions[step.action].fields]
        todo += [n for e in getattr(node, "document_when", ()) if e is not None for n in e.names]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        d = policy.derived.get(n)
        if d is None:
            out.add(n)
        else:
            todo.extend(d.names)
    return out


def _live(policy: Policy, order: list[str], cap: int, deep: bool) -> dict[str, frozenset] | None:
    """Per node: what it and every node after it read; None when that grows past ``cap``."""
    live: dict[str, frozenset] = {}
    total = 0
    for nid in reversed(order):
        node = policy.nodes[nid]
        s = frozenset(_own_reads(policy, node, deep))
        for br in node.exits:
            nxt = live.get(br.goto, frozenset())
            s = nxt if s <= nxt else s | nxt
        live[nid] = s
        total += len(s)
        if total > cap:
            return None
    return live


def _order(policy: Policy) -> list[str]:
    """Nodes reachable from the start, each before the nodes its exits lead to."""
    from graphlib import TopologicalSorter

    preds: dict[str, list[str]] = {}
    todo, seen = [policy.start], set()
    while todo:
        nid = todo.pop()
        if nid in seen:
            continue
        seen.add(nid)
        preds.setdefault(nid, [])
        for br in policy.nodes[nid].exits:
            preds.setdefault(br.goto, []).append(nid)
            todo.append(br.goto)
    return list(TopologicalSorter(preds).static_order())


def _evaluate(policy: Policy, node: DecisionNode, chosen: dict):
    """The truth of each exit's condition in this state: a list of True/False/Unknown."""
    scope = _Scope(chosen, policy.derived)
    if node.match == "first":
        out = []
        for br in node.branches:
            v = br.when.fn(scope) if br.when is not None else True
            out.append(v)
            if v is not False:
                break
        return out
    return [br.when.fn(scope) if br.when is not None else True for br in node.branches]


def walk_classes(policy: Policy, *, limit: int = DEFAULT_LIMIT, prune: bool = True, domains: Domains | None = None,
                 visit=None, deep: bool = False) -> Analysis:
    """Walk every class of contexts through the graph; ``visit(node_id, chosen)`` sees each
    state arriving at a node (``chosen``: variable -> value, ``NOT_GIVEN`` for an optional input).
    ``deep``: at an outcome, also tell apart what its steps read (their conditions, dates, texts)."""
    # the walk makes many small dicts and no cycles; the cyclic collector would walk the
    # whole model (every node's AST) again and again, which doubles the time on large graphs
    paused = gc.isenabled()
    gc.disable()
    try:
        return _walk(policy, limit, prune, domains, visit, deep)
    finally:
        if paused:
            gc.enable()


def _walk(policy: Policy, limit: int, prune: bool, domains: Domains | None, visit, deep: bool) -> Analysis:
    doms = domains or domains_of(policy)
    order = _order(policy)
    live = _live(policy, order, cap=20 * len(order) + 10_000, deep=deep) if prune else None
    results: dict[str, NodeResult] = {}
    arrivals: dict[str, int] = {}
    seen: set = set()
    stack: list[tuple[str, dict]] = [(policy.start, {})]
    states = 0
    while stack:
        states += 1
        if states > limit:
            busiest = max(arrivals, key=arrivals.__getitem__) if arrivals else policy.start
            return Analysis(policy, results, set(arrivals), states - 1, False, busiest)
        nid, chosen = stack.pop()
        node = policy.nodes[nid]
        if live is not None:
            keep = live[nid]
            key = (nid, tuple(sorted((k, v) for k, v in chosen.items() if k in keep)))
            if key in seen:
                continue
            seen.add(key)
        if not isinstance(node, DecisionNode):
            if deep:
                try:
                    _plan(policy, node, chosen)
                except _Need as need:
                    _fork(policy, doms, stack, nid, chosen, need.name)
                    continue
                except OutOfRange:
                    continue
            arrivals[nid] = arrivals.get(nid, 0) + 1
            if visit is not None:
                visit(nid, chosen)
            continue
        try:
            truth = _evaluate(policy, node, chosen)
        except _Need as need:
            _fork(policy, doms, stack, nid, chosen, need.name)
            continue
        except OutOfRange:
            r = results.setdefault(nid, NodeResult())
            if r.outside is None and all(v.year in ORDINARY_YEARS for v in chosen.values() if type(v) is date):
                r.outside = dict(chosen)     # the policy's DATE_OVERFLOW; else the caller's InvalidContext
            continue
        arrivals[nid] = arrivals.get(nid, 0) + 1
        if visit is not None:
            visit(nid, chosen)
        r = results.setdefault(nid, NodeResult())
        r.arrivals += 1
        nxt = _choose(policy, node, truth, chosen, r)
        if nxt is not None:
            stack.append((nxt, chosen))
    return Analysis(policy, results, set(arrivals), states, True)


def _fork(policy: Policy, doms: Domains, stack: list, nid: str, chosen: dict, name: str) -> None:
    """One state per representative of ``name``."""
    if name != AS_OF and AS_OF not in chosen and policy.inputs[name].type == "date":
        name = AS_OF           # dates are placed around the evaluation date
    for v in reversed(doms.values(name, chosen)):
        stack.append((nid, {**chosen, name: v}))


def _plan(policy: Policy, node, chosen: dict) -> None:
    """Read what the outcome's steps read, as the interpreter plans them."""
    scope = _Scope(chosen, policy.derived)
    for step in node.steps:
        if step.when is not None and step.when.fn(scope) is not True:
            continue
        fields = policy.actions[step.action].fields
        for e in step.with_.values():
            e.fn(scope)
        for kind, value in step.text.parts:
            if kind == "name" and value not in fields:
                scope.lookup(value)
    for e in node.document_when:
        if e is not None:
            e.fn(scope)


def _choose(policy: Policy, node: DecisionNode, truth: list, chosen: dict, r: NodeResult) -> str | None:
    if any(type(v) is Unknown for v in truth):
        if r.blocked is None:
            r.blocked = dict(chosen)
        return None
    hold = [i for i, v in enumerate(truth) if v is True]
    if node.match == "unique" and len(hold) > 1:
        if hold[1] not in r.overlaps:
            r.overlaps[hold[1]] = (hold[0], dict(chosen))
        return None                    # the interpreter refuses this context
    if hold:
        i = hold[0]
    elif node.otherwise is not None:
        i = len(node.branches)
    else:
        if r.gap is None:
            r.gap = dict(chosen)
        return None
    r.won.add(i)
    return node.exits[i].goto


def enumerate_classes(policy: Policy, node: str | None = None, *, limit: int = DEFAULT_LIMIT,
                      prune: bool = False) -> Iterator[tuple[dict, date]]:
    """A representative ``(context, as_of)`` of every class of contexts that the graph's
    conditions tell apart: those arriving at ``node``, or (None) at an outcome.

    The context is a plain mapping as a caller would send it (dates as ISO text);
    ``as_of`` is the evaluation date to use with it.  Without ``prune`` every route
    is walked, so two classes with the same outcome by different routes both appear.
    """
    found: list[tuple[dict, date]] = []
    doms = domains_of(policy)

    def visit(nid, chosen):
        if (node is None and policy.nodes[nid].kind == "outcome") or nid == node:
            ctx, as_of = _chosen_to_context(policy, chosen)
            found.append((ctx, as_of or doms.base))

    walk_classes(policy, limit=limit, prune=prune, domains=doms, visit=visit, deep=True)
    return iter(found)


def example(policy: Policy, chosen: dict, base: date) -> str:
    """A counterexample an author can paste into a shell."""
    ctx, as_of = _chosen_to_context(policy, chosen)
    text = json.dumps(ctx, ensure_ascii=False)
    return (f"echo '{text}' | asanimza-policy evaluate {policy.path} "
            f"--as-of {(as_of or base).isoformat()} --context -")


def reads_of(policy: Policy, node) -> tuple[str, ...]:
    """The names a node's conditions read (for messages)."""
    return tuple(dict.fromkeys(n for br in node.exits if br.when is not None for n in names_of(br.when.ast)))
