"""One self-contained HTML page per policy version: the flowchart as inline SVG,
the questions, every route, each outcome's plan with its quoted source, the
assumptions and the source text itself.  Inline CSS, no scripts, nothing
fetched from the network, so it opens from a file anywhere."""
from __future__ import annotations

import re
from html import escape
from pathlib import Path

from .routes import derived_words, outcome_citations, routes, step_words
from .template import for_readers
from .words import value_words

CSS = """
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #d1d5db; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); }
h3 { margin-bottom: .3rem; } .meta, .muted { color: var(--muted); }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; background: #f3f4f6;
       padding: 0 .25em; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; margin: .8rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #f9fafb; }
blockquote { margin: .5rem 0; padding: .3rem .9rem; border-left: 4px solid #93c5fd; background: #eff6ff; }
.chart { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; background: #fff;
         width: calc(100vw - 3rem); position: relative; left: 50%; transform: translateX(-50%); }
.chart svg { display: block; margin: 0 auto; }
.tag { display: inline-block; font-size: .8rem; padding: 0 .4rem; border-radius: 9px; }
.complete { background: #dcfce7; } .not_covered { background: #fef3c7; }
pre.source { white-space: pre-wrap; background: #f9fafb; border: 1px solid var(--line); padding: .8rem; }
nav a { margin-right: .8rem; }
"""


def _svg_inline(svg: str) -> str:
    """The SVG element alone (no XML prologue, doctype or comments)."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.S).strip()
    # Graphviz sizes in points; one pixel a point draws 11pt labels as 11px text,
    # the size of a map legend, and keeps the whole chart on a wide screen
    svg = re.sub(r"<svg[^>]*>", lambda m: re.sub(r'((?:width|height)="[\d.]+)pt"', r'\1"', m[0]), svg, count=1)
    return svg.replace("<svg ", '<svg role="img" aria-label="flowchart" ', 1)


def _source_text(policy) -> str | None:
    try:
        return (Path(policy.path).parent / policy.source.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def html_page(policy, versions, svg: str | None) -> str:
    from .docs import TYPE_WORDS, span

    e = escape
    rs = routes(policy)
    src = policy.source
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(policy.title)} ({e(policy.id)} {e(policy.version)})</title>",
           f"<style>{CSS}</style>", "</head>", "<body>",
           f"<h1>{e(policy.title)}</h1>",
           f'<p class="meta"><code>{e(policy.id)}</code> version <b>{e(policy.version)}</b>, in effect '
           f"{e(span(policy))}, time zone {e(policy.timezone)}.</p>"]
    if policy.description:
        out.append(f"<p>{e(' '.join(policy.description.split()))}</p>")
    title = f'<a href="{e(src.url)}">{e(src.title)}</a>' if src.url else f"<i>{e(src.title)}</i>"
    out.append(f"<p><b>Source:</b> {title}, quoted word for word below.</p>")
    out.append('<nav><a href="#flowchart">Flowchart</a><a href="#questions">Questions</a><a href="#routes">Routes'
               '</a><a href="#outcomes">Outcomes</a><a href="#assumptions">Assumptions</a>'
               '<a href="#source">Source text</a></nav>')
    out.append('<h2 id="flowchart">Flowchart</h2>')
    if svg:
        out.append(f'<div class="chart">{_svg_inline(svg)}</div>')
    else:
        out.append('<p class="muted">The flowchart needs Graphviz\'s <code>dot</code> program, which was not '
                   "installed when this page was written.</p>")

    out += ['<h2 id="questions">Questions</h2>', "<table><tr><th>#</th><th>field</th><th>answer</th>"
            "<th>question</th></tr>"]
    for i, inp in enumerate(policy.inputs.values(), 1):
        answer = TYPE_WORDS[inp.type]
        if inp.values:
            answer += " " + ", ".join(v + (f" ({inp.labels[v]})" if v in inp.labels else "") for v in inp.values)
        out.append(f"<tr><td>{i}</td><td><code>{e(inp.name)}</code></td><td>{e(answer)}</td>"
                   f"<td>{e(for_readers(inp.question_template, inp.question).replace('*', ''))}</td></tr>")
    out.append("</table>")
    if policy.derived:
        out.append("<table><tr><th>computed value</th><th>rule</th></tr>")
        for d in policy.derived.values():
            out.append(f"<tr><td><code>{e(d.name)}</code></td><td>{e(derived_words(policy, d))}</td></tr>")
        out.append("</table>")

    out += ['<h2 id="routes">Routes</h2>',
            f"<p>Every way from the first question to an outcome: {len(rs)} routes.</p>",
            "<table><tr><th>route</th><th>conditions, in order</th><th>outcome</th><th>documents</th></tr>"]
    for r in rs:
        node = policy.nodes[r.outcome]
        conds = "<br>".join(f"{i}. {e(h.text)}" for i, h in enumerate(r.hops, 1)) or "(none)"
        docs = "<br>".join(e(policy.documents[d].rstrip(".")) for d in node.documents) or "&mdash;"
        out.append(f'<tr><td>R{r.number}</td><td>{conds}</td><td><a href="#outcome-{e(r.outcome)}">'
                   f"{e(node.title)}</a> <span class=\"tag {e(node.status)}\">{e(node.status.replace('_', ' '))}"
                   f"</span></td><td>{docs}</td></tr>")
    out.append("</table>")

    out.append('<h2 id="outcomes">Outcomes</h2>')
    for node in policy.nodes.values():
        if node.kind == "decision":
            continue
        reached = ", ".join(f"R{r.number}" for r in rs if r.outcome == node.id) or "no route"
        out.append(f'<h3 id="outcome-{e(node.id)}">{e(node.title)} <span class="tag {e(node.status)}">'
                   f"{e(node.status.replace('_', ' '))}</span></h3>")
        out.append(f'<p class="muted"><code>{e(node.id)}</code>; reached by {e(reached)}.</p>')
        if node.description:
            out.append(f"<p>{e(' '.join(node.description.split()))}</p>")
        if node.steps:
            out.append("<ol>")
            for step in node.steps:
                w = step_words(policy, step)
                extra = f" <i>(only if {e(w.when)})</i>" if w.when else ""
                rules = "".join(f"<li>{e(f.replace('_', ' '))}: {e(rule)}</li>" for f, rule in w.fields)
                out.append(f"<li><code>{e(w.action)}</code>: {e(w.text)}{extra}"
                           + (f"<ul>{rules}</ul>" if rules else "") + "</li>")
            out.append("</ol>")
        if node.documents:
            out.append("<p><b>Documents:</b> " + "; ".join(e(policy.documents[d].rstrip(".")) for d in node.documents)
                       + "</p>")
        for c in outcome_citations(policy, node):
            out.append(f"<blockquote>{e(c)}</blockquote>")

    out.append('<h2 id="assumptions">Assumptions</h2>')
    for a in policy.assumptions.values():
        resting = ", ".join(f"R{r.number}" for r in rs if a.id in r.assumptions) or "none"
        out.append(f'<h3 id="assumption-{e(a.id)}"><code>{e(a.id)}</code></h3>')
        out.append(f"<p>{e(' '.join(a.text.split()))}</p>")
        out += [f"<blockquote>{e(c)}</blockquote>" for c in a.cites]
        out.append(f'<p class="muted">Routes resting on it: {e(resting)}.</p>')
    if not policy.assumptions:
        out.append("<p>This policy names no assumptions.</p>")

    out.append('<h2 id="versions">Versions</h2><table><tr><th>version</th><th>in effect</th></tr>')
    for v in versions:
        out.append(f"<tr><td>{e(v.version)}</td><td>{e(span(v))}</td></tr>")
    out.append("</table>")
    text = _source_text(policy)
    out.append('<h2 id="source">Source text</h2>')
    out.append(f"<p>{title}" + (f" ({e(value_words(src.url))})" if src.url else "") + "</p>")
    if text is not None:
        out.append(f'<pre class="source">{e(text)}</pre>')
    else:
        out.append(f'<p class="muted">The source file {e(src.path)} could not be read.</p>')
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
