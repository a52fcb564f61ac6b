"""``check``'s structure stage: what the routes reach, and declarations nothing uses.

Built on networkx, which only ``check`` (and the docs) import, never the
evaluate path.  Loops are refused earlier, by the model builder
(``GRAPH_CYCLE``, at the ``goto`` that closes the loop), and a decision node
cannot be built without a branch, so every decision node that the start
reaches has a way out; whether its conditions ever let a context through is
the logic stage's business (``LOGIC_GAP``, ``LOGIC_UNREACHED``).
"""
from __future__ import annotations

from collections.abc import Iterator

from .findings import WARNING, Finding
from .loader import Document
from .model import Policy


def graph_of(policy: Policy):
    """The policy's nodes and branches as a networkx DiGraph."""
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    for nid, node in policy.nodes.items():
        g.add_node(nid, kind=node.kind)
        for br in node.exits:
            if br.goto in policy.nodes:
                g.add_edge(nid, br.goto)
    return g


def structure_findings(policy: Policy, doc: Document) -> list[Finding]:
    return list(_unreachable(policy, doc)) + list(_unused(policy, doc))


def _unreachable(policy: Policy, doc: Document) -> Iterator[Finding]:
    import networkx as nx

    g = graph_of(policy)
    reached = nx.descendants(g, policy.start) | {policy.start}
    for nid, node in policy.nodes.items():
        if nid in reached:
            continue
        code = "OUTCOME_UNREACHABLE" if node.kind == "outcome" else "NODE_UNREACHABLE"
        what = "outcome" if node.kind == "outcome" else "node"
        yield Finding.at(code, f"{what} {nid!r} is not reached by any route from the start ({policy.start!r})",
                         policy.path, doc.key_pos(("nodes", nid)))


def _expressions(policy: Policy):
    for node in policy.nodes.values():
        for br in node.exits:
            if br.when is not None:
                yield br.when
    for d in policy.derived.values():
        if d.expression is not None:
            yield d.expression
    for step in _all_steps(policy):
        if step.when is not None:
            yield step.when
        yield from step.with_.values()
    for node in policy.nodes.values():
        yield from (e for e in getattr(node, "document_when", ()) if e is not None)


def _all_steps(policy: Policy):
    seen: set[int] = set()
    for step in list(policy.steps.values()) + [s for n in policy.nodes.values() for s in getattr(n, "steps", ())]:
        if id(step) not in seen:
            seen.add(id(step))
            yield step


def _used_names(policy: Policy) -> set[str]:
    names: set[str] = set()
    for e in _expressions(policy):
        names.update(e.names)
    for d in policy.derived.values():
        if d.map_from:
            names.add(d.map_from)
    for step in _all_steps(policy):
        names.update(step.text.names)
    for inp in policy.inputs.values():
        tpl = getattr(inp, "question_template", None)
        if tpl is not None:
            names.update(tpl.names)
    for node in policy.nodes.values():
        tpl = getattr(node, "explanation", None)
        names.update(getattr(tpl, "names", ()))
    return names


def _unused(policy: Policy, doc: Document) -> Iterator[Finding]:
    names = _used_names(policy)
    listed_steps = {id(s) for n in policy.nodes.values() for s in getattr(n, "steps", ())}
    steps = list(_all_steps(policy))
    actions = {s.action for s in steps}
    documents = {d for n in policy.nodes.values() for d in getattr(n, "documents", ())}
    assumed = {a for n in policy.nodes.values() for a in n.assumes}
    assumed |= {a for s in steps for a in s.assumes}
    assumed |= {a for d in policy.derived.values() for a in d.assumes}
    unused = (
        ("INPUT_UNUSED", "inputs", "input", [n for n in policy.inputs if n not in names],
         "no condition, derived value, step or question reads it"),
        ("DERIVED_UNUSED", "derived", "derived value", [n for n in policy.derived if n not in names],
         "nothing reads it"),
        ("DOCUMENT_UNUSED", "documents", "document", [d for d in policy.documents if d not in documents],
         "no outcome lists it"),
        ("ACTION_UNUSED", "actions", "action", [a for a in policy.actions if a not in actions],
         "no step uses it"),
        ("ASSUMPTION_UNUSED", "assumptions", "assumption", [a for a in policy.assumptions if a not in assumed],
         "no node, step or derived value assumes it"),
        ("STEP_UNUSED", "steps", "shared step", [s for s, step in policy.steps.items() if id(step) not in listed_steps],
         "no outcome lists it"),
    )
    for code, key, what, names_, why in unused:
        for n in names_:
            yield Finding.at(code, f"{what} {n!r} is declared but never used: {why}", policy.path,
                             doc.key_pos((key, n)), WARNING)
