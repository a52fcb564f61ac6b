"""Flowcharts: every node and edge of every policy found is drawn, with its label,
in each format; a context highlights exactly the walked path; output is stable."""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

import pytest

import asanimza_policy as ap
from asanimza_policy import render as r
from asanimza_policy.cli import main
from asanimza_policy.model import SEMVER

from .conftest import AS_OF, POLICY_FILE, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "policies"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason=r.INSTALL_DOT)


def every_policy_file():
    """Every version file of every shipped policy and of the synthetic fixtures."""
    files = [f for root in (ROOT / "policies", FIXTURES) for f in sorted(root.glob("*/*.yaml"))
             if SEMVER.match(f.stem)]
    assert any(FIXTURES in f.parents for f in files) and any((ROOT / "policies") in f.parents for f in files)
    return files


POLICIES = every_policy_file()
IDS = [f"{f.parent.name}/{f.stem}" for f in POLICIES]


def exits(policy):
    return [(n, b) for n in policy.nodes.values() for b in getattr(n, "exits", ())]


def expected_kind(node):
    return "decision" if node.kind == "decision" else node.status


# -- DOT ---------------------------------------------------------------------

def dot_statements(text: str):
    """(nodes: id -> attribute text, edges: [(source, target, attribute text)]) of our DOT."""
    nodes, edges = {}, []
    for line in text.splitlines():
        m = re.match(r"\t(\w+) -> (\w+)(?: \[(.*)\])?$", line)
        if m:
            edges.append((m[1], m[2], m[3] or ""))
            continue
        m = re.match(r"\t(\w+) \[(.*)\]$", line)
        if m and m[1] not in ("node", "edge", "graph"):
            nodes[m[1]] = m[2]
    return nodes, edges


def dot_label(attrs: str) -> str:
    m = re.search(r'label=(?:"((?:[^"\\]|\\.)*)"|(\w+))', attrs)
    return " ".join((m[1] or m[2] or "").replace("\\n", " ").split()) if m else ""


@pytest.mark.parametrize("path", POLICIES, ids=IDS)
def test_dot_draws_every_node_and_edge_with_its_label(path):
    policy = ap.load(path)
    nodes, edges = dot_statements(r.to_dot(policy))
    assert set(nodes) == set(policy.nodes) | {"__start", "__legend"}
    for node in policy.nodes.values():
        flat = re.sub(r"<[^>]*>", " ", nodes[node.id])
        assert " ".join(node.title.split()[:2]) in " ".join(flat.split()), node.id
    style = {n: nodes[n] for n in policy.nodes}
    for node in policy.nodes.values():
        kind = expected_kind(node)
        assert f"fillcolor=\"{r.LOOKS[kind][0]}\"" in style[node.id]
        assert ("dashed" in style[node.id]) == (kind == "not_covered")
    drawn = Counter((s, t) for s, t, _ in edges if s != "__start")
    assert drawn == Counter((n.id, b.goto) for n, b in exits(policy))
    assert [(s, t) for s, t, _ in edges if s == "__start"] == [("__start", policy.start)]
    labels = Counter(dot_label(a) for s, _, a in edges if s != "__start")
    assert labels == Counter(" ".join(r.edge_label(policy, n, b).split()) for n, b in exits(policy))


@pytest.mark.parametrize("path", POLICIES, ids=IDS)
def test_unlabelled_branches_carry_their_condition_in_words(path):
    policy = ap.load(path)
    for node, branch in exits(policy):
        label = r.edge_label(policy, node, branch)
        if branch.label:
            assert label == branch.label
        elif branch.when is None:
            assert label == "otherwise"
        else:   # every name the condition reads is there, spelled for people
            for name in branch.when.names:
                assert (name.replace("_", " ") if name != "as_of" else "as of") in label
            assert "==" not in label and "_" not in label


# -- Mermaid -----------------------------------------------------------------

MERMAID_NODE = re.compile(r'^  n_(\w+)(?:\{\{"(.*)"\}\}|\["(.*)"\]):::(\w+)$')
MERMAID_EDGE = re.compile(r'^  n_(\w+) -->\|"(.*)"\| n_(\w+)$')


def mermaid_words(text: str) -> str:
    return " ".join(text.replace("<br/>", " ").replace("#quot;", '"').replace("#amp;", "&").split())


@pytest.mark.parametrize("path", POLICIES, ids=IDS)
def test_mermaid_draws_every_node_and_edge_with_its_label_and_look(path):
    policy = ap.load(path)
    text = r.to_mermaid(policy)
    assert text.startswith("%%") and "\nflowchart LR\n" in text
    nodes = {m[1]: (mermaid_words(m[2] or m[3]), m[4]) for m in map(MERMAID_NODE.match, text.splitlines()) if m}
    edges = [(m[1], mermaid_words(m[2]), m[3]) for m in map(MERMAID_EDGE.match, text.splitlines()) if m]
    assert nodes == {n.id: (" ".join(n.title.split()), expected_kind(n)) for n in policy.nodes.values()}
    assert Counter(edges) == Counter((n.id, " ".join(r.edge_label(policy, n, b).split()), b.goto)
                                     for n, b in exits(policy))
    assert f"start([\"start\"]) --> n_{policy.start}" in text
    for kind in ("decision", "complete", "not_covered"):
        assert f"classDef {kind} " in text and f"legend_{kind}" in text


def test_mermaid_escapes_quotes_and_brackets(tmp_path):
    text = POLICY_FILE.read_text(encoding="utf-8").replace(
        "title: Office or SMS?", 'title: Office "or" <SMS>?', 1)
    folder = tmp_path / "asan-imza-renewal"
    shutil.copytree(POLICY_FILE.parent / "source", folder / "source")
    (folder / "1.0.0.yaml").write_text(text, encoding="utf-8")
    out = r.to_mermaid(ap.load(folder / "1.0.0.yaml"))
    assert 'n_channel{{"Office #quot;or#quot; #lt;SMS#gt;?"}}:::decision' in out


# -- the walked path ---------------------------------------------------------

WALKS = [
    ({"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
      "service_type": "business", "current_service_type": "business", "balance_covers_tariff": True}, "complete"),
    ({"channel": "office", "subscriber_type": "legal_entity", "legal_entity_status": "new"}, "not_covered"),
    ({"channel": "sms", "certificate_expires_on": "2026-12-01"}, "needs_input"),
]


@pytest.mark.parametrize("context,status", WALKS)
def test_context_highlights_exactly_the_walked_path(context, status):
    policy = ap.load(POLICY_FILE)
    decision = ap.evaluate(policy, context, as_of=AS_OF)
    assert decision.status == status
    trace = list(decision.trace)
    nodes, edges = dot_statements(r.to_dot(policy, r.walk(policy, context, AS_OF)))
    bold = [n for n in policy.nodes if 'penwidth=3' in nodes[n]]
    assert bold == [n for n in policy.nodes if n in trace]
    assert all(f'color="{r.DIM}"' in nodes[n] for n in policy.nodes if n not in trace)
    taken = [(s, t) for s, t, a in edges if "penwidth=3" in a and s != "__start"]
    assert taken == [(a, b) for a, b in itertools.pairwise(trace)]
    stopped = [n for n in policy.nodes if "peripheries=2" in nodes[n]]
    words = {"complete": "complete", "needs_input": "needs input", "not_covered": "not covered by the source"}
    assert f"walked path: {words[status]}\"" in r.to_dot(policy, r.walk(policy, context, AS_OF))
    if status == "needs_input":
        assert stopped == [trace[-1]]
        assert f"stopped here: needs {', '.join(decision.missing)}" in nodes[trace[-1]]
    else:
        assert stopped == []
    mermaid = r.to_mermaid(policy, r.walk(policy, context, AS_OF))
    walked_line = next(line for line in mermaid.splitlines() if line.endswith(" walked") and "class n_" in line)
    assert walked_line.split()[1].split(",") == [f"n_{n}" for n in policy.nodes if n in trace
                                                 and not (status == "needs_input" and n == trace[-1])]


def test_render_command_highlights_a_context_from_a_file(tmp_path, capsys):
    ctx = tmp_path / "ctx.yaml"
    ctx.write_text("channel: office\nsubscriber_type: individual\nappears_in_person: false\n", encoding="utf-8")
    out = tmp_path / "chart.dot"
    assert main(["render", "asan-imza-renewal", "--format", "dot", "--context", str(ctx), "--as-of",
                 "2026-11-24", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    nodes, _ = dot_statements(out.read_text(encoding="utf-8"))
    assert [n for n in nodes if "penwidth=3" in nodes[n]] == [
        "channel", "office_subscriber_type", "office_individual_presence", "office_by_power_of_attorney"]
    assert [p.name for p in tmp_path.iterdir()] == ["ctx.yaml", "chart.dot"] or \
        sorted(p.name for p in tmp_path.iterdir()) == ["chart.dot", "ctx.yaml"]


@pytest.mark.parametrize("args,message", [
    (["--format", "png"], "invalid choice: 'png'"),
    (["--format", "dot", "--context", "-"], "channel: expected one of office, sms; got 'fax'"),
    (["--format", "dot", "--version", "9.9.9"], "has no version '9.9.9'"),
    (["--format", "dot", "-o", "/nonexistent/folder/x.dot"], "No such file or directory"),
])
def test_render_bad_input_is_one_line_exit_2(args, message, monkeypatch, capsys):
    import io
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"channel": "fax"}')))
    assert main(["render", "asan-imza-renewal", "--as-of", "2026-11-24", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


# -- stable output -------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_output_is_byte_identical_across_runs(fmt):
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        p = subprocess.run([sys.executable, "-m", "asanimza_policy", "render", "asan-imza-renewal", "--format", fmt,
                            "--as-of", "2026-11-24"], capture_output=True, env=env, cwd=ROOT, timeout=60)
        assert p.returncode == 0, p.stderr
        outs.add(p.stdout)
    assert len(outs) == 1


# -- SVG -------------------------------------------------------------------------

@needs_dot
@pytest.mark.parametrize("path", POLICIES, ids=IDS)
def test_svg_has_a_shape_for_every_node_and_edge(path):
    policy = ap.load(path)
    svg = ET.fromstring(r.to_svg(policy))
    ns = {"s": "http://www.w3.org/2000/svg"}
    titles = [g.find("s:title", ns).text for g in svg.iter("{http://www.w3.org/2000/svg}g")
              if g.get("class") == "node"]
    assert sorted(titles) == sorted([*policy.nodes, "__start", "__legend"])
    edges = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "edge"]
    assert len(edges) == len(exits(policy)) + 1


def test_svg_without_dot_exits_2_saying_how_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["render", "asan-imza-renewal", "--format", "svg", "--as-of", "2026-11-24"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "`dot`" in err and "apt-get install graphviz" in err
    # DOT and Mermaid still work without it
    assert main(["render", "asan-imza-renewal", "--format", "mermaid", "--as-of", "2026-11-24"]) == 0


def test_walk_of_another_domain(tmp_path):
    policy = ap.load(FIXTURES / "library-card" / "1.1.0.yaml")
    w = r.walk(policy, {"has_fines": False, "card_expires_on": "2026-12-31"}, date(2026, 12, 20))
    assert w.status == "needs_input" and w.stopped == "window" and w.missing == ("age",)
    assert w.edges == {("fines", 1)}
