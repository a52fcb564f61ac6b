"""``check``'s logic stage: gaps, overlaps, shadowed branches and unreached nodes,
each with a counterexample, from the enumeration of ``analysis.py``.

When no gap and no overlap is found and the enumeration completed, no context
that passes validation makes the interpreter fail on this graph (``NODE_GAP``
at run time): every decision node was tried with every class of contexts that
reaches it.
"""
from __future__ import annotations

from collections.abc import Iterator

from .analysis import DEFAULT_LIMIT, Analysis, example, walk_classes
from .domains import domains_of
from .findings import WARNING, Finding
from .loader import Document
from .model import DecisionNode, Policy


def analyse(policy: Policy, limit: int = DEFAULT_LIMIT) -> tuple[Analysis, list[Finding]]:
    """The analysis of one policy version and what it found."""
    doms = domains_of(policy)
    a = walk_classes(policy, limit=limit, domains=doms)
    return a, list(_findings(a, doms.base, None))


def logic_findings(policy: Policy, doc: Document | None = None, limit: int = DEFAULT_LIMIT) -> list[Finding]:
    doms = domains_of(policy)
    a = walk_classes(policy, limit=limit, domains=doms)
    return list(_findings(a, doms.base, doc))


def _at(policy: Policy, doc: Document | None, path: tuple, fallback) -> tuple[int, int]:
    if doc is not None:
        p = doc.key_pos(path) if len(path) == 2 else doc.pos(path)
        return p.line, p.col
    return fallback.line, fallback.col


def _findings(a: Analysis, base, doc: Document | None) -> Iterator[Finding]:
    policy = a.policy
    where = policy.path

    def finding(code, message, path, fallback, severity="error"):
        line, col = _at(policy, doc, path, fallback)
        return Finding(code, message, where, line, col, severity)

    for nid, r in a.nodes.items():
        node = policy.nodes[nid]
        assert isinstance(node, DecisionNode)     # the analysis records decision nodes only
        npath = ("nodes", nid)
        if r.gap is not None:
            yield finding("LOGIC_GAP", f"node {nid!r}: no branch holds and there is no otherwise for a context "
                          f"that reaches it; try: {example(policy, r.gap, base)}", npath, node.pos)
        if r.blocked is not None:
            yield finding("LOGIC_GAP", f"node {nid!r}: a branch reads an optional input that was not given "
                          f"(test it with given()); try: {example(policy, r.blocked, base)}", npath, node.pos)
        for second, (first, chosen) in sorted(r.overlaps.items()):
            br = node.exits[second]
            yield finding("LOGIC_OVERLAP", f"node {nid!r}: branches {first + 1} and {second + 1} both hold "
                          f"(declare match: first, or make them exclusive); try: {example(policy, chosen, base)}",
                          npath + ("branches", br.index), br.pos)
        if a.complete:
            for i, br in enumerate(node.branches):
                if i in r.won or any(k == i for k in r.overlaps):
                    continue
                if r.outside is not None:
                    why = ("the node's date arithmetic leaves the calendar for a context that reaches it (at run "
                           f"time: DATE_OVERFLOW); try: {example(policy, r.outside, base)}")
                else:
                    why = ("an earlier branch holds whenever this one does" if node.match == "first"
                           else "it holds for no context that reaches the node")
                dead = f"; so no context reaches {br.goto!r}" if br.goto not in a.reached else ""
                yield finding("LOGIC_SHADOWED", f"node {nid!r}: branch {i + 1} (goto {br.goto}) is never taken: "
                              f"{why}{dead}", npath + ("branches", br.index), br.pos)
    if not a.complete:
        yield finding("LOGIC_LIMIT", f"stopped after {a.states:,} combinations of input values (most at node "
                      f"{a.busiest!r}): gaps, overlaps and shadowed branches are not proved absent; "
                      "raise --max-combinations, or let fewer inputs meet at one node",
                      ("nodes", a.busiest or policy.start), policy.nodes[a.busiest or policy.start].pos,
                      WARNING)
