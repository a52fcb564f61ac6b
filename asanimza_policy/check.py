"""``check``: every finding about policy files, stage by stage.

1. the YAML (syntax, duplicate keys, tags, limits)    -> loader
2. the JSON Schema (shape, names, vocabularies)         -> schema
3. the model (references, expression types, cycles)     -> model
4. the content: citations found word for word in the declared source, the
   file's place in the ``<id>/<version>.yaml`` layout

A stage that cannot run (no YAML) stops the file; otherwise every stage runs
and a model finding at a place the schema already reported is dropped, so an
author sees each problem once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from .build import build_policy
from .errors import PolicyError
from .findings import WARNING, Finding, ordered, plain
from .loader import Document, load_file
from .lock import lock_findings
from .model import SEMVER, Policy
from .provenance import read_source
from .registry import all_policy_files, display_path, expand_paths, layout_problems

_SPACE = re.compile(r"\s+")
_ENDS = (".", ":", "!", "?")
_BULLETS = ("\u2022", "-", "*", "\u00b7")


def normalize(text: str) -> str:
    """Whitespace runs as one space (a citation may wrap where the source does not)."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def policy_files(paths: Iterable[str], unreadable: list | None = None) -> list[tuple[Path, str]]:
    """The files named, and the ``<version>.yaml`` files under the folders named
    (not those in ``tests`` folders); folders that cannot be listed go to
    ``unreadable`` as (shown, reason)."""
    return expand_paths(paths, lambda f, parts: SEMVER.match(f.stem) and "tests" not in parts[1:-1], unreadable)


def check_file(path: Path, display: str | None = None) -> list[Finding]:
    """All findings for one file; ``OSError`` if it cannot be read."""
    return _check_one(path, display)[0]


def _check_one(path: Path, display: str | None = None, max_combinations: int | None = None) \
        -> tuple[list[Finding], Policy | None, Document | None]:
    """Findings, policy, document; ``OSError`` (``NotAFile`` for a folder, FIFO
    or device named like a version) for a path that cannot be opened."""
    display = display or display_path(path)
    try:
        doc = load_file(path, display)
    except PolicyError as e:
        return list(e.findings), None, None
    from .schema import schema_findings

    if doc.data is None:
        return [Finding("SCHEMA_EMPTY", "the file is empty; a policy file is a mapping with id, version, nodes, ...",
                        doc.path)], None, doc
    findings = schema_findings(doc)
    try:
        policy = build_policy(doc)
    except PolicyError as e:
        reported = {(f.line, f.col) for f in findings}
        findings += [f for f in e.findings if (f.line, f.col) not in reported]
        return ordered(findings), None, doc
    findings += citation_findings(doc, policy, path)
    findings += caveat_findings(doc, policy)
    findings += layout_findings(doc, policy, path)
    findings += proof_findings(doc, policy, path, max_combinations)
    findings += lock_findings(doc, policy, path)
    return ordered(findings), policy, doc


def proof_findings(doc: Document, policy: Policy, path: Path, max_combinations: int | None = None) -> list[Finding]:
    """Structure (networkx), source coverage, and the logic of every decision node."""
    from .analysis import DEFAULT_LIMIT
    from .coverage_source import source_findings
    from .graph_checks import structure_findings
    from .logic_checks import logic_findings

    found = structure_findings(policy, doc)
    try:
        found += source_findings(policy, doc, read_source(path, policy.source.path))
    except ValueError:
        pass                          # SOURCE_MISSING says why
    return found + logic_findings(policy, doc, max_combinations or DEFAULT_LIMIT)


def _cite_paths(data, path=()):
    """(path, text) of every item of every ``cites`` list in the document."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == "cites" and isinstance(v, list):
                for i, item in enumerate(v):
                    if isinstance(item, str):
                        yield path + (k, i), item
            else:
                yield from _cite_paths(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _cite_paths(v, path + (i,))



def citation_findings(doc: Document, policy: Policy, path: Path) -> list[Finding]:
    try:
        source = read_source(path, policy.source.path)
    except ValueError as e:
        pos = doc.pos(("source", "path"))
        return [Finding.at("SOURCE_MISSING", f"source text {plain(policy.source.path, 200)} {e}", doc.path, pos)]
    lines = [normalize(line) for line in source.splitlines()]
    whole = "\n".join(lines)
    index = _Lines(lines)
    out = []
    for cpath, cite in _cite_paths(doc.data):
        c = normalize(cite)
        pos = doc.pos(cpath)
        if not c or c not in whole:
            close = index.closest(c)
            hint = f"; closest source line: {close!r}" if close else ""
            out.append(Finding.at("CITATION_NOT_FOUND", f"not found word for word in {policy.source.path}{hint}",
                                  doc.path, pos))
            continue
        if not any(_whole_sentences(c, line) for line in lines if c in line):
            out.append(Finding.at("CITATION_FRAGMENT", "quotes part of a sentence; cite whole sentences",
                                  doc.path, pos, WARNING))
    return out


def caveat_findings(doc: Document, policy: Policy) -> list[Finding]:
    """A declared caveat that no step or outcome attaches reaches no reader."""
    used = {c for step in policy.steps.values() for c in step.caveats}
    for node in policy.nodes.values():
        used.update(getattr(node, "caveats", ()))
        used.update(c for step in getattr(node, "steps", ()) for c in step.caveats)
    return [Finding.at("CAVEAT_UNUSED", f"caveat {cid!r} is attached to no step or outcome, so no decision "
                       "returns it", doc.path, caveat.pos, WARNING)
            for cid, caveat in policy.caveats.items() if cid not in used]


def _whole_sentences(cite: str, line: str) -> bool:
    start = 0
    while (i := line.find(cite, start)) >= 0:
        before, after = line[:i].rstrip(), line[i + len(cite):]
        if (not before or before.endswith(_ENDS + _BULLETS)) and (not after.strip() or cite.endswith(_ENDS)):
            return True
        start = i + 1
    return False


class _Lines:
    """The source lines, indexed by word, to find the line closest to a
    citation that is not found.  A citation is compared (by difflib) with at
    most ``SHORTLIST`` lines: those sharing the most of its less common words,
    so a long source costs about one index lookup per word, not a comparison
    per line."""

    SHORTLIST = 20
    MAX_POSTINGS = 200      # a word on more lines than this does not tell them apart
    MAX_CITE = 2000         # longer citations get no hint

    def __init__(self, lines: list[str]):
        self.lines = lines
        self._index: dict[str, list[int]] | None = None
        self.compared = 0

    def closest(self, cite: str) -> str | None:
        import difflib

        if not cite or len(cite) > self.MAX_CITE:
            return None
        if self._index is None:
            self._index = {}
            for i, line in enumerate(self.lines):
                for w in set(line.lower().split()):
                    self._index.setdefault(w, []).append(i)
        hits: dict[int, int] = {}
        for w in set(cite.lower().split()):
            postings = self._index.get(w, ())
            if len(postings) <= self.MAX_POSTINGS:
                for i in postings:
                    hits[i] = hits.get(i, 0) + 1
        shortlist = [self.lines[i] for i in sorted(hits, key=lambda i: (-hits[i], i))[:self.SHORTLIST]]
        self.compared += len(shortlist)
        best = difflib.get_close_matches(cite, shortlist, n=1, cutoff=0.6)
        return best[0][:120] if best else None


def layout_findings(doc: Document, policy: Policy, path: Path) -> list[Finding]:
    """The registry's layout rule, at the position of the key that breaks it."""
    return [Finding.at("LAYOUT", message, doc.path, doc.pos((key,)))
            for key, message in layout_problems(policy, path)]


def version_findings(versions: list[tuple[Policy, Document]]) -> list[Finding]:
    """Versions of one policy share its time zone, and no two start on the same day: a
    later ``effective_from`` supersedes the earlier version from that day on
    (``effective_until`` only withdraws a version), so a shared first day would
    leave the choice to chance."""
    out: list[Finding] = []
    versions = sorted(versions, key=lambda pd: (pd[0].effective_from, pd[0].version_key))
    first = versions[0][0]
    for policy, doc in versions[1:]:
        if policy.timezone != first.timezone:
            pos = doc.pos(("timezone",))
            out.append(Finding.at("VERSION_TIMEZONE", f"time zone {policy.timezone} differs from {first.timezone} "
                                  f"of version {first.version}; all versions of a policy share one", doc.path, pos))
    for (a, _), (b, doc) in pairwise(versions):
        if a.effective_from == b.effective_from:
            pos = doc.pos(("effective_from",))
            out.append(Finding.at("VERSION_OVERLAP", f"version {b.version} takes effect on {b.effective_from}, the "
                                  f"same day as version {a.version}; a later version supersedes an earlier one "
                                  "from its own effective_from, so give each version its own first day",
                                  doc.path, pos))
    return out


def check_paths(paths: Iterable[str] = (), max_combinations: int | None = None) -> list[Finding]:
    """Findings for the named files and folders, or for every shipped policy; the logic
    stage walks at most ``max_combinations`` combinations of input values per file."""
    unreadable: list[tuple[str, str]] = []
    files = policy_files(paths, unreadable) if paths else [(f, display_path(f)) for f in all_policy_files()]
    findings: list[Finding] = [Finding("FILE", f"cannot be read ({reason}); the policies in it were not checked",
                                       shown) for shown, reason in unreadable]
    groups: dict[tuple, list[tuple[Policy, Document]]] = {}
    for f, shown in files:
        found, policy, doc = _check_one(f, shown, max_combinations)
        findings += found
        if policy is not None and doc is not None:
            groups.setdefault((f.resolve().parent, policy.id), []).append((policy, doc))
    for versions in groups.values():
        findings += version_findings(versions)
    return ordered(findings)
