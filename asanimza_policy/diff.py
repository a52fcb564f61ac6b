"""What changes between two versions of a policy.

Three views, for a policy owner before publishing and an auditor after:

- **structure**: inputs, nodes, branches, steps, documents, citations,
  assumptions and caveats added, removed or changed.  Conditions compare by
  their parsed form, so a reformatted condition with the same meaning is no
  change;
- **decisions** (the semantic diff): both versions are walked over the input
  space (:mod:`asanimza_policy.explore`); every class of contexts whose
  decision changes (status, outcome, steps and their dates, documents) is
  listed with one example context and its ``--as-of``;
- **source**: the two source texts compared sentence by sentence; each changed
  sentence with the places of the old version that cite it, the first thing
  to review when the source page is edited.

``population_diff`` runs both versions over a file of real cases (CSV or JSON
Lines, typed as ``batch`` reads them) and counts the decisions that change.
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .explore import explore, project, signature
from .model import Policy


@dataclass
class Change:
    kind: str           # added | removed | changed
    what: str           # input | node | branch | step | document | citation | assumption | caveat | derived
    name: str
    detail: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "what": self.what, "name": self.name, "detail": self.detail}


@dataclass
class DecisionClass:
    """Contexts whose decision changes the same way; one example."""
    before: str
    after: str
    count: int
    example: dict
    as_of: date

    def to_dict(self) -> dict:
        return {"before": self.before, "after": self.after, "contexts": self.count,
                "example": {"context": _jsonable(self.example), "as_of": self.as_of.isoformat()}}


@dataclass
class SentenceChange:
    kind: str           # added | removed | changed
    before: str | None
    after: str | None
    cited_by: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "before": self.before, "after": self.after, "cited_by": list(self.cited_by)}


@dataclass
class Diff:
    policy: str
    a: str
    b: str
    structure: list[Change]
    decisions: list[DecisionClass]
    explored: int
    complete: bool                  # False when exploration stopped at its budget
    source: list[SentenceChange]
    as_of: date

    @property
    def changed(self) -> bool:
        return bool(self.structure or self.decisions or self.source)


# -- structure ---------------------------------------------------------------

def _ast(e) -> Any:
    return None if e is None else e.ast


def _step_key(step) -> tuple:
    return (step.action, step.text.source, tuple(sorted((k, _ast(v)) for k, v in step.with_.items())),
            _ast(step.when), step.cites, step.assumes, tuple(getattr(step, "caveats", ())))


def _node_parts(node) -> dict[str, Any]:
    parts: dict[str, Any] = {"kind": node.kind, "title": node.title, "cites": node.cites, "assumes": node.assumes}
    if node.kind == "decision":
        parts["match"] = node.match
        parts["branches"] = tuple((_ast(b.when), b.goto, b.label) for b in node.exits)
    else:
        parts["status"] = node.status
        parts["steps"] = tuple(_step_key(s) for s in node.steps)
        parts["documents"] = tuple(map(repr, node.documents))
        parts["description"] = getattr(node, "description", "")
    return parts


def _compare_maps(what: str, a: Mapping, b: Mapping, key) -> list[Change]:
    out = [Change("removed", what, n) for n in a if n not in b]
    out += [Change("added", what, n) for n in b if n not in a]
    for n in a:
        if n in b and key(a[n]) != key(b[n]):
            out.append(Change("changed", what, n))
    return out


def structural_diff(a: Policy, b: Policy) -> list[Change]:
    out = _compare_maps("input", a.inputs, b.inputs,
                        lambda i: (i.type, i.values, getattr(i, "optional", False), i.question))
    out += _compare_maps("derived", a.derived, b.derived,
                         lambda d: (_ast(d.expression), d.map_from,
                                    None if d.table is None else tuple(sorted(
                                        (k, v.value) for k, v in d.table.items()))))
    out += _compare_maps("document", a.documents, b.documents, lambda d: d)
    out += _compare_maps("action", a.actions, b.actions, lambda x: tuple(x.fields.items()))
    out += _compare_maps("assumption", a.assumptions, b.assumptions, lambda x: x.text)
    out += _compare_maps("caveat", getattr(a, "caveats", {}), getattr(b, "caveats", {}), lambda x: (x.text, x.url))
    if a.start != b.start:
        out.append(Change("changed", "start", b.start, f"was {a.start}"))
    for n in a.nodes:
        if n not in b.nodes:
            out.append(Change("removed", "node", n))
    for n in b.nodes:
        if n not in a.nodes:
            out.append(Change("added", "node", n))
            continue
        if n not in a.nodes:
            continue
        pa, pb = _node_parts(a.nodes[n]), _node_parts(b.nodes[n])
        differing = [k for k in pb if pa.get(k) != pb[k]]
        if differing:
            out.append(Change("changed", "node", n, ", ".join(differing)))
    cites_a, cites_b = set(_citations(a)), set(_citations(b))
    out += [Change("removed", "citation", c) for c in sorted(cites_a - cites_b)]
    out += [Change("added", "citation", c) for c in sorted(cites_b - cites_a)]
    return out


def _citations(policy: Policy) -> dict[str, list[str]]:
    """cited sentence -> the places citing it ("node x", "step y", ...)."""
    out: dict[str, list[str]] = {}

    def add(cites, place):
        for c in cites:
            out.setdefault(c, []).append(place)
    for node in policy.nodes.values():
        add(node.cites, f"node {node.id}")
        for step in getattr(node, "steps", ()):
            add(step.cites, f"step {step.id}")
    for step in policy.steps.values():
        add(step.cites, f"step {step.id}")
    for d in policy.derived.values():
        add(d.cites, f"derived {d.name}")
        for k, entry in (d.table or {}).items():
            add(entry.cites, f"derived {d.name}[{k}]")
    for a in policy.assumptions.values():
        add(a.cites, f"assumption {a.id}")
    return {c: list(dict.fromkeys(p)) for c, p in out.items()}


# -- decisions ---------------------------------------------------------------

def _describe(sig: tuple) -> str:
    status, outcome, steps, documents = sig
    if status == "error":
        return f"error: {outcome}"
    actions = ", ".join(a for a, _ in steps) or "no steps"
    docs = f"; documents {', '.join(documents)}" if documents else ""
    return f"{status} {outcome or ''} ({actions}{docs})".replace("  ", " ")


def _class_key(sa: tuple, sb: tuple) -> tuple[str, str]:
    before, after = _describe(sa), _describe(sb)
    if before == after:             # same shape: the dates moved
        before += " [dates differ]"
    return before, after


_semantic: dict[tuple, tuple[list[DecisionClass], int, bool]] = {}


def semantic_diff(a: Policy, b: Policy, as_of: date, budget: int = 200_000) -> tuple[list[DecisionClass], int, bool]:
    """The classes of contexts whose decision changes; computed once per process
    for a pair of version contents (the generated docs show it on both pages)."""
    key = (a.id, a.version, a.sha256, b.id, b.version, b.sha256, as_of, budget)
    if key not in _semantic:
        if len(_semantic) > 64:
            _semantic.clear()
        _semantic[key] = _semantic_diff(a, b, as_of, budget)
    classes, seen, complete = _semantic[key]
    return [DecisionClass(c.before, c.after, c.count, dict(c.example), c.as_of) for c in classes], seen, complete


def _semantic_diff(a: Policy, b: Policy, as_of: date, budget: int) -> tuple[list[DecisionClass], int, bool]:
    classes: dict[tuple[str, str], DecisionClass] = {}
    seen = 0
    result = explore((a, b), as_of, budget)
    for ctx, (da, db) in result.leaves:
        seen += 1
        sa, sb = signature(da, as_of), signature(db, as_of)
        if sa == sb:
            continue
        key = _class_key(sa, sb)
        cls = classes.get(key)
        if cls is None:
            classes[key] = DecisionClass(key[0], key[1], 1, ctx, as_of)
        else:
            cls.count += 1
    ordered = sorted(classes.values(), key=lambda c: (-c.count, c.before, c.after))
    return ordered, seen, result.complete


# -- source ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            out += [s for s in _SENTENCE_END.split(line) if s]
    return list(dict.fromkeys(out))


def source_diff(a: Policy, b: Policy, file_a: Path, file_b: Path) -> list[SentenceChange]:
    from .provenance import read_source
    try:
        old = sentences(read_source(file_a, a.source.path))
        new = sentences(read_source(file_b, b.source.path))
    except ValueError:
        return []
    new_set, old_set = set(new), set(old)
    removed = [s for s in old if s not in new_set]
    added = [s for s in new if s not in old_set]
    cites = _citations(a)

    def cited_by(sentence: str) -> tuple[str, ...]:
        places: list[str] = []
        for cite, where in cites.items():
            c = " ".join(cite.split())
            if c and (c in sentence or sentence in c):
                places += where
        return tuple(dict.fromkeys(places))
    out: list[SentenceChange] = []
    for s in removed:
        match = difflib.get_close_matches(s, added[:200], n=1, cutoff=0.6)
        if match:
            added.remove(match[0])
            out.append(SentenceChange("changed", s, match[0], cited_by(s)))
        else:
            out.append(SentenceChange("removed", s, None, cited_by(s)))
    out += [SentenceChange("added", None, s, ()) for s in added]
    return out


def diff_versions(a: Policy, b: Policy, file_a: Path, file_b: Path, as_of: date | None = None) -> Diff:
    day = as_of or max(a.effective_from, b.effective_from)
    decisions, explored, complete = semantic_diff(a, b, day)
    return Diff(a.id, a.version, b.version, structural_diff(a, b), decisions, explored, complete,
                source_diff(a, b, file_a, file_b), day)


# -- population --------------------------------------------------------------

@dataclass
class PopulationDiff:
    rows: int = 0
    changed: int = 0
    bad_rows: int = 0
    ignored: dict[str, list[str]] = field(default_factory=dict)    # version -> columns it does not declare
    classes: dict[tuple[str, str], list[int]] = field(default_factory=dict)   # -> [count, example rows...]
    as_of: date | None = None


def _records(path: str) -> tuple[str, tuple[str, ...], Iterator[tuple[int, Any]]]:
    from .batch import _csv_records, _json_records, format_of
    fmt = format_of(path, None, "--population")
    if fmt == "csv":
        import io
        fh = io.TextIOWrapper(open(path, "rb"), encoding="utf-8-sig", newline="")
        header, records = _csv_records(fh, path)
        return fmt, header, records
    return fmt, (), _json_records(open(path, "rb"))


def population_diff(a: Policy, b: Policy, path: str, as_of: date | None, max_examples: int = 5,
                    progress=None) -> PopulationDiff:
    """Both versions over every row of ``path``; a column one version does not
    declare is ignored for that version (and reported once)."""
    import os
    import sys

    from . import evaluate
    from .errors import InvalidContext
    from .rows import Job, Reader, RowError
    if not os.path.isfile(path):
        raise FileNotFoundError(2, "no such file", path)
    day = as_of or max(a.effective_from, b.effective_from)
    fmt, header, records = _records(path)
    readers = []
    out = PopulationDiff(as_of=day)
    for p in (a, b):
        job = Job(policy=p.id, as_of=day, version=p.version, input_format=fmt, output_format="jsonl",
                  header=header, id_column=None, ignore_unknown=True, full=False)
        readers.append(Reader(job, p))
        if header:
            out.ignored[p.version] = [c for c in header if c not in p.inputs]
    tty = progress if progress is not None else (sys.stderr if sys.stderr is not None and sys.stderr.isatty() else None)
    for row, record in records:
        out.rows += 1
        sigs = []
        for reader, p in zip(readers, (a, b), strict=False):
            _, ctx = reader.csv_row(record) if fmt == "csv" else reader.json_row(record)
            if isinstance(ctx, RowError):
                sigs.append(("error", str(ctx), (), ()))
                continue
            if fmt == "jsonl":
                extra = [k for k in ctx if k not in p.inputs]
                if extra and p.version not in out.ignored:
                    out.ignored[p.version] = extra
                ctx = {k: v for k, v in ctx.items() if k in p.inputs}
            try:
                sigs.append(signature(evaluate(p, ctx, as_of=day), day))
            except InvalidContext as e:
                sigs.append(("error", str(e), (), ()))
        if sigs[0] != sigs[1]:
            out.changed += 1
            entry = out.classes.setdefault(_class_key(*sigs), [0])
            entry[0] += 1
            if len(entry) <= max_examples:
                entry.append(row)
        if tty is not None and out.rows % 5000 == 0:
            tty.write(f"\r{out.rows:,} rows, {out.changed:,} changed")
            tty.flush()
    if tty is not None:
        tty.write("\r" + " " * 40 + "\r")
    return out


# -- output ------------------------------------------------------------------

def _jsonable(ctx: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in ctx.items()}


def format_text(d: Diff, pop: PopulationDiff | None = None) -> str:
    out = [f"{d.policy} {d.a} -> {d.b}"]
    out.append(f"structure: {len(d.structure)} change(s)")
    out += [f"  {c.kind} {c.what} {c.name}" + (f" ({c.detail})" if c.detail else "") for c in d.structure]
    note = "" if d.complete else " (stopped at its budget: not every context was tried)"
    out.append(f"decisions: {len(d.decisions)} class(es) of contexts decide differently, "
               f"among {d.explored:,} explored{note}")
    for c in d.decisions:
        out.append(f"  {c.count} context(s): {c.before}  ->  {c.after}")
        out.append(f"    e.g. --as-of {c.as_of.isoformat()} --context '{json.dumps(_jsonable(c.example))}'")
    out.append(f"source: {len(d.source)} sentence(s) changed")
    for s in d.source:
        text = s.after if s.kind == "added" else s.before
        out.append(f"  {s.kind}: {text}")
        if s.kind == "changed":
            out.append(f"    now: {s.after}")
        if s.cited_by:
            out.append(f"    cited by {', '.join(s.cited_by)}")
    if pop is not None:
        out.append(f"population: {pop.changed:,} of {pop.rows:,} rows decide differently (as of {pop.as_of})")
        for version, cols in pop.ignored.items():
            if cols:
                out.append(f"  columns {', '.join(cols)} are not fields of {version}: ignored for it")
        for (before, after), entry in sorted(pop.classes.items(), key=lambda kv: -kv[1][0]):
            out.append(f"  {entry[0]:,} rows: {before}  ->  {after}; e.g. rows {', '.join(map(str, entry[1:]))}")
    return "\n".join(out) + "\n"


def format_json(d: Diff, pop: PopulationDiff | None = None) -> str:
    doc: dict[str, Any] = {
        "policy": d.policy, "a": d.a, "b": d.b, "changed": d.changed, "as_of": d.as_of.isoformat(),
        "structure": [c.to_dict() for c in d.structure],
        "decisions": {"explored": d.explored, "complete": d.complete,
                      "classes": [c.to_dict() for c in d.decisions]},
        "source": [s.to_dict() for s in d.source],
    }
    if pop is not None:
        doc["population"] = {
            "rows": pop.rows, "changed": pop.changed, "as_of": pop.as_of.isoformat() if pop.as_of else None,
            "ignored_columns": pop.ignored,
            "classes": [{"before": k[0], "after": k[1], "rows": v[0], "examples": v[1:]}
                        for k, v in sorted(pop.classes.items(), key=lambda kv: -kv[1][0])]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


__all__ = ["diff_versions", "population_diff", "structural_diff", "semantic_diff", "source_diff", "project"]
