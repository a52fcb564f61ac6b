"""Flowcharts of one policy version: DOT (through the ``graphviz`` package), SVG
(through Graphviz's ``dot`` program) and Mermaid.

Both formats are drawn from one :func:`chart`: boxes (decisions, complete
outcomes, not-covered outcomes, each with its own look) and arrows (one per
exit of a decision, carrying its label or its condition in words).  Given a
:class:`Walk` (the events of one evaluation, collected by a listener) the
walked nodes and the edges taken are highlighted and everything else dimmed;
a walk that stopped for input marks the node where it stopped.

The output depends only on the model (and the walk): the same policy gives
byte-identical DOT and Mermaid.  ``graphviz`` is imported only here, and only
when DOT or SVG is asked for.
"""
from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from datetime import date
from typing import Any

from .engine import Listener, run
from .words import branch_words, kinds_of

FORMATS = ("dot", "svg", "mermaid")
INSTALL_DOT = ("Graphviz's `dot` program is not installed; install it with "
               "`apt-get install graphviz` (Debian, Ubuntu), `dnf install graphviz`, `brew install graphviz` "
               "or from https://graphviz.org/download/ (DOT and Mermaid need no program)")

# kind -> (fill, border, words in the legend)
LOOKS = {
    "decision": ("#dbeafe", "#1d4ed8", "decision (a question)"),
    "complete": ("#dcfce7", "#15803d", "outcome: a plan"),
    "not_covered": ("#fef3c7", "#b45309", "outcome: not covered by the source"),
}
WALKED, DIM, DIM_TEXT, STOPPED = "#1e3a8a", "#d1d5db", "#9ca3af", "#dc2626"
TITLE_WIDTH, LABEL_WIDTH = 26, 24


class DotMissing(RuntimeError):
    """SVG was asked for and Graphviz's ``dot`` program is not on PATH."""

    def __init__(self):
        super().__init__(INSTALL_DOT)


# -- the walk --------------------------------------------------------------

@dataclass(frozen=True)
class Walk:
    nodes: tuple[str, ...]                      # entered, in order
    edges: frozenset                            # (node id, exit index) taken
    status: str
    stopped: str | None = None                  # with needs_input: where the walk stopped
    missing: tuple[str, ...] = ()


class _PathRecorder(Listener):
    def __init__(self):
        self.nodes: list[str] = []
        self.edges: set[tuple[str, int]] = set()
        self.stopped: str | None = None

    def node_entered(self, node) -> None:
        self.nodes.append(node.id)

    def branch_taken(self, node, branch) -> None:
        self.edges.add((node.id, branch.index))

    def input_missing(self, node, names) -> None:
        self.stopped = node.id


def walk(policy, context: Any, as_of: date) -> Walk:
    """The path the engine walks for ``context`` (bad input raises as ``evaluate`` does)."""
    rec = _PathRecorder()
    decision = run(policy, context, as_of, (rec,))
    return Walk(tuple(rec.nodes), frozenset(rec.edges), decision.status, rec.stopped, decision.missing)


# -- what is drawn ------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    id: str
    kind: str            # decision | complete | not_covered
    title: str
    state: str           # plain | walked | dimmed | stopped
    note: str = ""       # e.g. what the walk needs at the node where it stopped


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    index: int
    label: str
    state: str           # plain | walked | dimmed


def node_kind(node) -> str:
    return "decision" if node.kind == "decision" else node.status


def edge_label(policy, node, branch, kinds=None) -> str:
    """The words on an edge: the author's label, else the condition in words."""
    if branch.label:
        return branch.label
    if branch.when is None:
        return "otherwise"
    return branch_words(node, branch, kinds or kinds_of(policy))


def chart(policy, walk: Walk | None = None) -> tuple[list[Box], list[Arrow]]:
    """The boxes and arrows of a policy's graph, in the policy's node order."""
    kinds = kinds_of(policy)
    walked = set(walk.nodes) if walk else set()
    boxes, arrows = [], []
    for node in policy.nodes.values():
        state, note = "plain", ""
        if walk is not None:
            state = "walked" if node.id in walked else "dimmed"
            if node.id == walk.stopped:
                state, note = "stopped", "needs " + ", ".join(walk.missing)
        boxes.append(Box(node.id, node_kind(node), node.title, state, note))
        for branch in getattr(node, "exits", ()):
            edge_state = "plain" if walk is None else (
                "walked" if (node.id, branch.index) in walk.edges else "dimmed")
            arrows.append(Arrow(node.id, branch.goto, branch.index, edge_label(policy, node, branch, kinds),
                                edge_state))
    return boxes, arrows


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False) or [""]


def heading(policy) -> str:
    return f"{policy.title} ({policy.id} {policy.version})"


# -- DOT ------------------------------------------------------------------

def _html_lines(lines: list[str]) -> str:
    return "<br/>".join(html.escape(line, quote=False) for line in lines)


def _dot_box(box: Box) -> dict[str, str]:
    fill, border, _ = LOOKS[box.kind]
    style = ["filled"]
    if box.kind == "decision":
        style.insert(0, "rounded")
    if box.kind == "not_covered":
        style.append("dashed")
    attrs = {"shape": "box", "style": ",".join(style), "fillcolor": fill, "color": border, "penwidth": "1.2"}
    lines = _html_lines(_wrap(box.title, TITLE_WIDTH))
    small = box.id if box.kind == "decision" else f"{box.id} ({box.kind.replace('_', ' ')})"
    text_color = "#111827"
    if box.state == "dimmed":
        attrs.update(fillcolor="#f9fafb", color=DIM)
        text_color = DIM_TEXT
    elif box.state == "walked":
        attrs.update(color=WALKED, penwidth="3")
    elif box.state == "stopped":
        attrs.update(color=STOPPED, penwidth="3", peripheries="2")
        small = f"{small}<br/><b>stopped here: {html.escape(box.note, quote=False)}</b>"
    attrs["label"] = (f'<<font color="{text_color}">{lines}<br/>'
                      f'<font point-size="9" color="{DIM_TEXT if box.state == "dimmed" else "#4b5563"}">'
                      f'{small}</font></font>>')
    return attrs


def _legend_html(walk: Walk | None) -> str:
    rows = []
    for kind in ("decision", "complete", "not_covered"):
        fill, border, words = LOOKS[kind]
        rows.append(f'<tr><td bgcolor="{fill}" color="{border}" border="1" width="18"> </td>'
                    f'<td align="left">{html.escape(words, quote=False)}</td></tr>')
    if walk is not None:
        rows.append(f'<tr><td bgcolor="{WALKED}" width="18"> </td><td align="left">the walked path</td></tr>')
        rows.append(f'<tr><td bgcolor="{DIM}" width="18"> </td><td align="left">not walked</td></tr>')
        if walk.stopped:
            rows.append(f'<tr><td bgcolor="{STOPPED}" width="18"> </td>'
                        f'<td align="left">stopped: needs input</td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="4" cellpadding="2">'
            '<tr><td colspan="2" align="left"><b>Legend</b></td></tr>' + "".join(rows) + "</table>>")


# the chart's title says how the walk ended as the text format says it, not as a status code
_STATUS_WORDS = {"needs_input": "needs input", "not_covered": "not covered by the source"}


def to_dot(policy, walk: Walk | None = None) -> str:
    """The flowchart as Graphviz DOT text."""
    import graphviz

    boxes, arrows = chart(policy, walk)
    g = graphviz.Digraph(policy.id.replace("-", "_"))
    g.attr(rankdir="LR", fontname="Helvetica", fontsize="16", labelloc="t", nodesep="0.35", ranksep="0.45",
           label=heading(policy) + (f"\nwalked path: {_STATUS_WORDS.get(walk.status, walk.status)}"
                                    if walk else ""))
    g.attr("node", fontname="Helvetica", fontsize="11", margin="0.15,0.08")
    g.attr("edge", fontname="Helvetica", fontsize="10", color="#374151", fontcolor="#374151")
    g.node("__start", "start", shape="oval", style="filled", fillcolor="#111827", fontcolor="white",
           fontsize="10", width="0.6", height="0.3", color=WALKED if walk else "#111827")
    for box in boxes:
        g.node(box.id, **_dot_box(box))
    g.edge("__start", policy.start, color=WALKED if walk else "#111827", penwidth="3" if walk else "1.2")
    for a in arrows:
        attrs = {"label": "\\n".join(_wrap(a.label, LABEL_WIDTH))}
        if a.state == "walked":
            attrs.update(color=WALKED, fontcolor=WALKED, penwidth="3")
        elif a.state == "dimmed":
            attrs.update(color=DIM, fontcolor=DIM_TEXT)
        g.edge(a.source, a.target, **attrs)
    g.node("__legend", _legend_html(walk), shape="plaintext", fontsize="10")
    return g.source


def to_svg(policy, walk: Walk | None = None) -> str:
    """The flowchart as SVG; :class:`DotMissing` without Graphviz's ``dot``."""
    import graphviz

    try:
        return graphviz.Source(to_dot(policy, walk)).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise DotMissing() from None


# -- Mermaid --------------------------------------------------------------

def _mermaid_text(lines: list[str]) -> str:
    out = "<br/>".join(lines)
    for ch, code in (("&", "#amp;"), ('"', "#quot;"), ("<br/>", "\0"), ("<", "#lt;"), (">", "#gt;"), ("\0", "<br/>")):
        out = out.replace(ch, code)
    return f'"{out}"'


def to_mermaid(policy, walk: Walk | None = None) -> str:
    """The flowchart as Mermaid text (GitHub and GitLab draw it in Markdown)."""
    boxes, arrows = chart(policy, walk)
    out = [f"%% {heading(policy)}", "flowchart LR"]
    out.append(f'  start(["start"]) --> n_{policy.start}')
    for box in boxes:
        lines = [" ".join(box.title.split())]      # Mermaid wraps node text itself
        if box.note:
            lines.append(f"stopped here: {box.note}")
        text = _mermaid_text(lines)
        shape = "{{" + text + "}}" if box.kind == "decision" else f"[{text}]"
        out.append(f"  n_{box.id}{shape}:::{box.kind}")
    for a in arrows:
        out.append(f"  n_{a.source} -->|{_mermaid_text(_wrap(a.label, LABEL_WIDTH))}| n_{a.target}")
    out.append('  subgraph legend["Legend"]')
    out.append('    direction LR')
    for kind in ("decision", "complete", "not_covered"):
        text = _mermaid_text([LOOKS[kind][2]])
        shape = "{{" + text + "}}" if kind == "decision" else f"[{text}]"
        out.append(f"    legend_{kind}{shape}:::{kind}")
    if walk is not None:
        out.append('    legend_walked["the walked path"]:::walked')
        out.append('    legend_dimmed["not walked"]:::dimmed')
        if walk.stopped:
            out.append('    legend_stopped["stopped: needs input"]:::stopped')
    out.append("  end")
    out.append("  style legend fill:#ffffff,stroke:#d1d5db,color:#111827")
    for kind, (fill, border, _) in LOOKS.items():
        dash = ",stroke-dasharray:5 3" if kind == "not_covered" else ""
        out.append(f"  classDef {kind} fill:{fill},stroke:{border},color:#111827{dash}")
    out.append("  classDef start fill:#111827,stroke:#111827,color:#ffffff")
    out.append("  class start start")
    if walk is not None:
        out.append(f"  classDef walked stroke:{WALKED},stroke-width:3px")
        out.append(f"  classDef dimmed fill:#f9fafb,stroke:{DIM},color:{DIM_TEXT}")
        out.append(f"  classDef stopped stroke:{STOPPED},stroke-width:4px")
        for state in ("walked", "dimmed", "stopped"):
            ids = [f"n_{b.id}" for b in boxes if b.state == state]
            if ids:
                out.append(f"  class {','.join(ids)} {state}")
        # link 0 is start -> first node; then the arrows in order
        taken = ["0"] + [str(i + 1) for i, a in enumerate(arrows) if a.state == "walked"]
        dimmed = [str(i + 1) for i, a in enumerate(arrows) if a.state == "dimmed"]
        out.append(f"  linkStyle {','.join(taken)} stroke:{WALKED},stroke-width:3px")
        if dimmed:
            out.append(f"  linkStyle {','.join(dimmed)} stroke:{DIM},color:{DIM_TEXT}")
    return "\n".join(out) + "\n"


def render(policy, fmt: str, walk: Walk | None = None) -> str:
    """The flowchart in ``fmt`` (dot, svg or mermaid)."""
    return {"dot": to_dot, "svg": to_svg, "mermaid": to_mermaid}[fmt](policy, walk)
