"""Which nodes and edges of each policy version a set of walks touched.

A :class:`Coverage` is an ordinary listener of the walk: pass it to
``evaluate(..., listeners=[cov])`` as often as you like, then ask for the
report.  An edge is one exit of a decision node (a branch or its otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass

from .engine import Listener
from .model import Policy


@dataclass(frozen=True)
class Report:
    policy: str
    version: str
    nodes: tuple[str, ...]                        # every node id
    edges: tuple[tuple[str, int, str], ...]       # (node, exit index, target)
    nodes_walked: frozenset
    edges_walked: frozenset

    @staticmethod
    def _pct(part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 100.0

    @property
    def node_percent(self) -> float:
        return self._pct(len(self.nodes_walked), len(self.nodes))

    @property
    def edge_percent(self) -> float:
        return self._pct(len(self.edges_walked), len(self.edges))

    def format(self) -> str:
        lines = [f"coverage {self.policy} {self.version}: nodes {len(self.nodes_walked)}/{len(self.nodes)} "
                 f"({self.node_percent:.1f}%), edges {len(self.edges_walked)}/{len(self.edges)} "
                 f"({self.edge_percent:.1f}%)"]
        lines += [f"  node never walked: {n}" for n in self.nodes if n not in self.nodes_walked]
        lines += [f"  edge never taken: {n} -> {t}" for n, i, t in self.edges if (n, i, t) not in self.edges_walked]
        return "\n".join(lines)


class Coverage(Listener):
    def __init__(self):
        # (policy id, version) -> (policy, nodes walked, edges taken)
        self._seen: dict[tuple[str, str], tuple[Policy, set, set]] = {}
        self._nodes: set = set()
        self._edges: set = set()

    def walk_started(self, policy, as_of) -> None:
        _, self._nodes, self._edges = self._seen.setdefault((policy.id, policy.version), (policy, set(), set()))

    def node_entered(self, node) -> None:
        self._nodes.add(node.id)

    def branch_taken(self, node, branch) -> None:
        self._edges.add((node.id, branch.index, branch.goto))

    def reports(self) -> list[Report]:
        out = []
        for (pid, version), (policy, nodes, edges) in sorted(self._seen.items()):
            every_edge = tuple((n.id, b.index, b.goto) for n in policy.nodes.values()
                               for b in n.exits)
            out.append(Report(pid, version, tuple(policy.nodes), every_edge, frozenset(nodes), frozenset(edges)))
        return out
