"""How long `check` takes on synthetic policies of 500, 5,000 and 50,000 nodes.

    .venv/bin/python bench/check_scale.py [NODES ...]

A synthetic policy is a dispatch tree (shared enum inputs ``level_1``,
``level_2``, ..., eight values each) over modules of eleven nodes, each module
with its own boolean, integer, date (compared with ``as_of`` through a derived
value) and enum inputs, so every kind of domain is enumerated.  Every
generated policy is clean: `check --strict` reports nothing.

The loader refuses files over 5 MB or 200,000 YAML nodes; the 50,000-node
policy is larger (about 8 MB), so the benchmark reads every size with the
limits raised, in this process, and otherwise runs `check` unchanged
(schema, model, citations, structure, source coverage, logic).  The limits
themselves stay: they protect a server from a hostile file, and a real policy
is far smaller.
"""
from __future__ import annotations

import functools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH = 8
MODULE_NODES = 11


def _module(i: int) -> tuple[dict, dict, dict, str]:
    """inputs, derived, nodes of module i, and its source sentence."""
    m = f"m{i}"
    sentence = f"Rule {i} applies to case {i}."
    inputs = {
        f"{m}_flag": {"type": "boolean", "question": f"Flag {i}?"},
        f"{m}_count": {"type": "integer", "question": f"Count {i}?"},
        f"{m}_due": {"type": "date", "question": f"Due date {i}?"},
        f"{m}_kind": {"type": "enum", "values": ["a", "b", "c"], "question": f"Kind {i}?"},
    }
    derived = {f"{m}_days": {"expr": f"days_between(as_of, {m}_due)"}}

    def outcome(title):
        return {"kind": "outcome", "status": "complete", "title": title, "steps": ["do_it"]}

    nodes = {
        f"{m}_start": {"kind": "decision", "title": f"Module {i}", "cites": [sentence], "branches": [
            {"when": f"{m}_flag", "goto": f"{m}_count_node"},
            {"when": f"not {m}_flag", "goto": f"{m}_when"}]},
        f"{m}_count_node": {"kind": "decision", "title": "How many?", "match": "first", "branches": [
            {"when": f"{m}_count > 10", "goto": f"{m}_big"},
            {"when": f"{m}_count >= 0", "goto": f"{m}_small"}], "otherwise": f"{m}_negative"},
        f"{m}_when": {"kind": "decision", "title": "When?", "branches": [
            {"when": f"{m}_days > 30", "goto": f"{m}_kind_node"},
            {"when": f"{m}_days <= 30 and {m}_days >= 0", "goto": f"{m}_soon"},
            {"when": f"{m}_days < 0", "goto": f"{m}_late"}]},
        f"{m}_kind_node": {"kind": "decision", "title": "Which kind?", "branches": [
            {"when": f"{m}_kind == 'a'", "goto": f"{m}_a"},
            {"when": f"{m}_kind in ['b', 'c']", "goto": f"{m}_bc"}]},
        **{f"{m}_{o}": outcome(o) for o in ("big", "small", "negative", "soon", "late", "a", "bc")},
    }
    return inputs, derived, nodes, sentence


def generate(n_nodes: int) -> tuple[dict, str]:
    """A clean policy of about ``n_nodes`` nodes, and its source text."""
    modules = max(1, n_nodes // (MODULE_NODES + 1))
    levels = 1
    while WIDTH ** levels < modules:
        levels += 1
    inputs: dict = {f"level_{k + 1}": {"type": "enum", "values": [f"v{j}" for j in range(WIDTH)],
                                       "question": f"Level {k + 1}?"} for k in range(levels)}
    derived: dict = {}
    nodes: dict = {}
    sentences = []
    for i in range(modules):
        ins, der, nds, sentence = _module(i)
        inputs.update(ins)
        derived.update(der)
        nodes.update(nds)
        sentences.append(sentence)

    def dispatch(level: int, first: int, count: int) -> str:
        """The node that leads to modules first .. first + count - 1."""
        if count == 1:
            return f"m{first}_start"
        per = -(-count // WIDTH)          # modules under each child
        children = [dispatch(level + 1, s, min(per, first + count - s)) for s in range(first, first + count, per)]
        nid = f"d{level}_{first}"
        var = f"level_{level}"
        nodes[nid] = {"kind": "decision", "title": f"Level {level}",
                      "branches": [{"when": f"{var} == 'v{j}'", "goto": c} for j, c in enumerate(children[:-1])],
                      "otherwise": children[-1]}
        return nid

    start = dispatch(1, 0, modules)
    used_levels = {n["branches"][0]["when"].split(" ")[0] for n in nodes.values()
                   if n["kind"] == "decision" and n["title"].startswith("Level") and n["branches"]}
    for k in list(inputs):
        if k.startswith("level_") and k not in used_levels:
            del inputs[k]
    doc = {"id": "synthetic", "version": "1.0.0", "title": f"Synthetic policy of {len(nodes)} nodes",
           "effective_from": "2026-01-01", "timezone": "UTC",
           "source": {"title": "Synthetic rules", "path": "source/rules.txt"},
           "inputs": inputs, "derived": derived,
           "actions": {"do": {"description": "Do it."}},
           "steps": {"do_it": {"action": "do", "text": "Do it."}},
           "start": start, "nodes": nodes}
    return doc, "Synthetic rules\n\n" + "\n".join(sentences) + "\n"


def write(n_nodes: int, folder: Path) -> tuple[Path, int]:
    import yaml

    doc, source = generate(n_nodes)
    target = folder / "synthetic" / "1.0.0.yaml"
    (target.parent / "source").mkdir(parents=True, exist_ok=True)
    (target.parent / "source" / "rules.txt").write_text(source, encoding="utf-8")
    target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    return target, len(doc["nodes"])


def time_check(target: Path) -> tuple[float, float, float, float, list]:
    """Wall and CPU seconds of the whole check, of it in the proof stages, and the findings."""
    from asanimza_policy import check, loader

    check.load_file = functools.partial(loader.load_file, max_bytes=200_000_000, max_nodes=20_000_000)
    spent = [0.0, 0.0]
    proofs = check.proof_findings

    def timed(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return proofs(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += time.process_time() - c

    check.proof_findings = timed
    try:
        t, c = time.perf_counter(), time.process_time()
        findings = check.check_paths([str(target)])
        return time.perf_counter() - t, time.process_time() - c, spent[0], spent[1], findings
    finally:
        check.proof_findings = proofs


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [500, 5_000, 50_000]
    # CPU seconds too: on a shared machine the wall clock also counts other processes
    print(f"{'nodes':>7} {'MB':>5} {'check s':>8} {'(cpu)':>7} {'proofs s':>9} {'(cpu)':>7} {'proofs µs/node':>15}"
          f"  findings")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            target, nodes = write(n, Path(tmp) / str(n))
            total, total_cpu, proofs, proofs_cpu, findings = time_check(target)
            mb = target.stat().st_size / 1e6
            print(f"{nodes:>7} {mb:>5.1f} {total:>8.2f} {total_cpu:>7.2f} {proofs:>9.2f} {proofs_cpu:>7.2f} "
                  f"{proofs_cpu / nodes * 1e6:>15.0f}  {len(findings)}", flush=True)
            for f in findings[:5]:
                print("   ", f.format()[:200])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
