"""What documentation says about a policy version, computed from its model:
every route from the start to each outcome (networkx path enumeration), the
conditions and date rules in words, the sentences each part cites, and which
routes rest on which assumption.  The Markdown and HTML writers both read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from .words import branch_clauses, describe, describe_value, kinds_of, value_words


@dataclass(frozen=True)
class Hop:
    node: str
    index: int            # the exit taken
    goto: str
    label: str | None
    clauses: tuple[str, ...]

    @property
    def text(self) -> str:
        words = "; ".join(self.clauses) or "otherwise"
        return f"{self.label}: {words}" if self.label and self.label != words else words


@dataclass(frozen=True)
class Route:
    number: int
    hops: tuple[Hop, ...]
    outcome: str
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class StepWords:
    action: str
    text: str                           # the template as written, {placeholders} kept
    when: str | None                    # "only if ..." in words
    fields: tuple[tuple[str, str], ...]     # (field, its rule in words)
    cites: tuple[str, ...]
    assumes: tuple[str, ...]


def _graph(policy):
    import networkx as nx

    g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    g.add_nodes_from(policy.nodes)
    for node in policy.nodes.values():
        for b in getattr(node, "exits", ()):
            g.add_edge(node.id, b.goto, key=b.index)
    return g


def routes(policy) -> list[Route]:
    """Every path from the start to an outcome, in the order of the branches
    (route 1 takes the first branch everywhere)."""
    import networkx as nx

    g = _graph(policy)
    kinds = kinds_of(policy)
    order = {nid: i for i, nid in enumerate(policy.nodes)}
    found: list[tuple[tuple[str, str, int], ...]] = []   # (from, to, branch index) hops
    for nid, node in policy.nodes.items():
        if node.kind == "decision":
            continue
        if nid == policy.start:
            found.append(())
            continue
        if not nx.has_path(g, policy.start, nid):
            continue
        for edges in nx.all_simple_edge_paths(g, policy.start, nid):
            # on a multigraph an edge is (from, to, key); the type stubs know only (from, to)
            found.append(tuple(cast("list[tuple[str, str, int]]", edges)))
    found.sort(key=lambda path: [(order[u], k) for u, _, k in path])
    out = []
    for i, path in enumerate(found, 1):
        hops = []
        for u, v, k in path:
            node = policy.nodes[u]
            branch = next(b for b in node.exits if b.index == k)
            hops.append(Hop(u, k, v, branch.label, tuple(branch_clauses(node, branch, kinds))))
        outcome = path[-1][1] if path else policy.start
        out.append(Route(i, tuple(hops), outcome, route_assumptions(policy, path, outcome)))
    return out


def _derived_behind(policy, names, seen: dict) -> None:
    for n in names:
        d = policy.derived.get(n)
        if d is not None and n not in seen:
            seen[n] = None
            _derived_behind(policy, d.names, seen)


def step_names(step) -> tuple[str, ...]:
    names = list(step.text.names)
    if step.when is not None:
        names += step.when.names
    for e in step.with_.values():
        names += e.names
    return tuple(names)


def route_assumptions(policy, path, outcome: str) -> tuple[str, ...]:
    """The assumptions a route rests on: those of its nodes, the outcome's steps,
    and the derived values its conditions and steps read, in the policy's order."""
    found: dict[str, None] = {}
    names: list[str] = []
    nodes = [u for u, _, _ in path] + [outcome]
    for nid in nodes:
        node = policy.nodes[nid]
        found.update(dict.fromkeys(node.assumes))
    for u, _, k in path:
        branch = next(b for b in policy.nodes[u].exits if b.index == k)
        if branch.when is not None:
            names += branch.when.names
    for step in getattr(policy.nodes[outcome], "steps", ()):
        found.update(dict.fromkeys(step.assumes))
        names += step_names(step)
    derived: dict[str, None] = {}
    _derived_behind(policy, names, derived)
    for n in derived:
        found.update(dict.fromkeys(policy.derived[n].assumes))
    return tuple(a for a in policy.assumptions if a in found)


def step_words(policy, step) -> StepWords:
    kinds = kinds_of(policy)
    when = describe(step.when, kinds) if step.when is not None else None
    fields = tuple((f, describe_value(e, kinds)) for f, e in step.with_.items())
    return StepWords(step.action, " ".join(step.text.source.split()), when, fields, step.cites, step.assumes)


def derived_words(policy, d) -> str:
    kinds = kinds_of(policy)
    if d.expression is not None:
        return describe_value(d.expression, kinds)
    pairs = ", ".join(f"{k} \u2192 {value_words(e.value)}" for k, e in d.table.items())
    return f"by {d.map_from.replace('_', ' ')}: {pairs}"


def outcome_citations(policy, node) -> tuple[str, ...]:
    """The sentences an outcome's plan cites: its own, its steps', and those of the
    assumptions both rest on, each once."""
    out: dict[str, None] = dict.fromkeys(node.cites)
    assumes = list(node.assumes)
    for step in getattr(node, "steps", ()):
        out.update(dict.fromkeys(step.cites))
        assumes += step.assumes
    for a in assumes:
        out.update(dict.fromkeys(policy.assumptions[a].cites))
    return tuple(out)


def unreachable(policy) -> list[str]:
    import networkx as nx

    g = _graph(policy)
    seen = nx.descendants(g, policy.start) | {policy.start}
    return [n for n in policy.nodes if n not in seen]
