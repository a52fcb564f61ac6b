"""``check``: every finding about policy files, in one run.

The work is a list of stages.  Each reads what the earlier ones left on the
:class:`Subject` (the loaded document, the built model) and returns findings;
a stage runs when what it needs is there, so a later stage skips only what an
earlier error made meaningless.  A file that is not YAML stops after the
loader; a model that could not be built skips the stages that need it; every
stage that reads the document still runs (a ``REF_NODE`` does not hide a bad
citation, a schema typo does not hide the rest).  A stage marked
``once_per_place`` drops its findings at a place an earlier stage reported (the
schema and the model builder see many of the same problems), so an author is
told once.

:data:`FILE_STAGES` run on each file, :data:`POLICY_STAGES` on the versions of
one policy (the built files of one folder that declare one id).  Another
analysis plugs in by appending to either list.  Then the baselines of
superseded versions (:mod:`asanimza_policy.baseline`) leave out the warnings
they record, and ``strict`` turns the remaining warnings into errors.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from . import baseline
from .build import TOP_KEYS, build_policy
from .errors import PolicyError
from .findings import ERROR, WARNING, Finding, excerpt, kind_of, ordered, plain
from .loader import Document, NotAFile, load_file
from .lock import lock_findings, source_hash_findings
from .model import SEMVER, Policy, semver_key
from .overflow_checks import overflow_findings
from .provenance import read_source
from .registry import all_policy_files, display_path, expand_paths, layout_problems

_SPACE = re.compile(r"\s+")
_ENDS = (".", ":", "!", "?")
_BULLETS = ("\u2022", "-", "*", "\u00b7")


def normalize(text: str) -> str:
    """Whitespace runs as one space (a citation may wrap where the source does not)."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def is_version_file(name: str) -> bool:
    return name.endswith(".yaml") and bool(SEMVER.match(name[:-5]))


@dataclass
class Subject:
    """One file as the stages see it; each stage may add to it."""

    path: Path
    shown: str
    named: bool = True                  # named on the command line (not met while walking)
    doc: Document | None = None
    policy: Policy | None = None
    findings: list[Finding] = field(default_factory=list)
    max_combinations: int | None = None   # for the logic analysis; None: its default


class Built(NamedTuple):
    """A file that built: the stages over the versions of one policy read these."""

    doc: Document
    policy: Policy


@dataclass(frozen=True)
class FileStage:
    """Reads the file itself; runs on every file."""

    name: str
    run: Callable[[Subject], Iterable[Finding]]
    once_per_place: bool = False

    def apply(self, s: Subject) -> Iterable[Finding]:
        return self.run(s)


@dataclass(frozen=True)
class DocStage:
    """Reads the loaded document; skipped when the file did not load."""

    name: str
    run: Callable[[Subject, Document], Iterable[Finding]]
    once_per_place: bool = False

    def apply(self, s: Subject) -> Iterable[Finding]:
        return () if s.doc is None else self.run(s, s.doc)


@dataclass(frozen=True)
class PolicyStage:
    """Reads the built policy (and its document); skipped when it did not build."""

    name: str
    run: Callable[[Subject, Document, Policy], Iterable[Finding]]
    once_per_place: bool = False

    def apply(self, s: Subject) -> Iterable[Finding]:
        return () if s.doc is None or s.policy is None else self.run(s, s.doc, s.policy)


Stage = FileStage | DocStage | PolicyStage


def _load_stage(s: Subject) -> Iterable[Finding]:
    """``OSError`` for a file named on the command line that cannot be opened
    (the command exits 2); a finding for one met while walking."""
    try:
        s.doc = load_file(s.path, s.shown)
    except PolicyError as e:
        return list(e.findings)
    except OSError as e:
        if s.named:
            raise
        what = e.strerror if isinstance(e, NotAFile) else f"cannot be read: {e.strerror or e}"
        return [Finding("FILE", f"{what}; a policy is a YAML file", s.shown)]
    problem = _not_a_policy(s.doc.data)
    if problem:
        s.doc = None
        return [Finding("FILE_NOT_POLICY", problem, s.shown)]
    return []


def _not_a_policy(data) -> str | None:
    if data is None:
        return None                     # an empty file: the schema stage says what a policy holds
    if not isinstance(data, dict):
        return f"holds {kind_of(data)}, not a policy (a mapping with id, version, nodes, ...)"
    if "scenarios" in data and "nodes" not in data:
        return "a scenario file, not a policy; run it with `asanimza-policy test`"
    if not set(data) & set(TOP_KEYS):
        return "has none of a policy's keys (id, version, title, nodes, ...); not a policy file"
    return None


def _schema_stage(s: Subject, doc: Document) -> Iterable[Finding]:
    from .schema import schema_findings

    if doc.data is None:
        return [Finding("SCHEMA_EMPTY", "the file is empty; a policy file is a mapping with id, version, nodes, ...",
                        doc.path)]
    return schema_findings(doc)


def _model_stage(s: Subject, doc: Document) -> Iterable[Finding]:
    if doc.data is None:
        return []
    try:
        s.policy = build_policy(doc)
    except PolicyError as e:
        return list(e.findings)
    return []


FILE_STAGES: list[Stage] = [
    FileStage("yaml", _load_stage),
    # the builder first: what it reports is what load() reports, so one defect reads the same in
    # both; the schema adds only what the builder does not see at that place
    DocStage("model", _model_stage),
    DocStage("schema", _schema_stage, once_per_place=True),
    DocStage("citations", lambda s, doc: citation_findings(doc, s.path)),
    DocStage("layout", lambda s, doc: layout_findings(doc, s.path)),
    PolicyStage("caveats", lambda s, doc, policy: caveat_findings(doc, policy)),
    PolicyStage("date arithmetic", lambda s, doc, policy: overflow_findings(policy, doc)),
    PolicyStage("proofs", lambda s, doc, policy: proof_findings(doc, policy, s.path, s.max_combinations)),
    PolicyStage("lock", lambda s, doc, policy: lock_findings(doc, policy, s.path)),
    PolicyStage("source hash", lambda s, doc, policy: source_hash_findings(doc, policy, s.path)),
]


def check_subject(s: Subject) -> list[Finding]:
    for stage in FILE_STAGES:
        found = list(stage.apply(s))
        if stage.once_per_place:
            places = {(f.line, f.col) for f in s.findings}
            found = [f for f in found if (f.line, f.col) not in places]
        s.findings += found
    s.findings = ordered(s.findings)
    return s.findings


def check_file(path: Path, display: str | None = None) -> list[Finding]:
    """All findings for one file; ``OSError`` (``NotAFile`` for a folder, FIFO
    or device) if it cannot be opened."""
    return check_subject(Subject(Path(path), display or display_path(path)))


def _text_at(data, *keys) -> str | None:
    for k in keys:
        data = data.get(k) if isinstance(data, dict) else None
    return data if isinstance(data, str) else None


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



def citation_findings(doc: Document, path: Path) -> list[Finding]:
    """Each citation found word for word in the declared source text; read from
    the document, so a model error elsewhere does not hide a bad citation."""
    source_name = _text_at(doc.data, "source", "path")
    if not source_name:
        return []                       # the schema and the model say what is wrong with source
    try:
        source = read_source(path, source_name)
    except ValueError as e:
        pos = doc.pos(("source", "path"))
        return [Finding.at("SOURCE_MISSING", f"source text {plain(source_name, 200)} {e}", doc.path, pos)]
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
            out.append(Finding.at("CITATION_NOT_FOUND", f"not found word for word in {plain(source_name, 200)}{hint}",
                                  doc.path, pos))
            continue
        if not any(_whole_sentences(c, line) for line in lines if c in line):
            out.append(Finding.at("CITATION_FRAGMENT", f"quotes part of a sentence ({excerpt(c)}); cite whole "
                                  "sentences",
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


def layout_findings(doc: Document, path: Path) -> list[Finding]:
    """The registry's layout rule, at the position of the key that breaks it."""
    pid, version = _text_at(doc.data, "id"), _text_at(doc.data, "version")
    if pid is None or version is None:
        return []
    return [Finding.at("LAYOUT", message, doc.path, doc.pos((key,)))
            for key, message in layout_problems(pid, version, path)]


def version_findings(versions: list[Built]) -> list[Finding]:
    """Versions of one policy share its time zone, and no two start on the same day: a
    later ``effective_from`` supersedes the earlier version from that day on
    (``effective_until`` only withdraws a version), so a shared first day would
    leave the choice to chance."""
    out: list[Finding] = []
    first = versions[0].policy
    for doc, policy in versions[1:]:
        if policy.timezone != first.timezone:
            pos = doc.pos(("timezone",))
            out.append(Finding.at("VERSION_TIMEZONE", f"time zone {policy.timezone} differs from {first.timezone} "
                                  f"of version {first.version}; all versions of a policy share one", doc.path, pos))
    for sa, sb in zip(versions, versions[1:]):
        a, b, doc = sa.policy, sb.policy, sb.doc
        if a.effective_from == b.effective_from:
            pos = doc.pos(("effective_from",))
            out.append(Finding.at("VERSION_OVERLAP", f"version {b.version} takes effect on {b.effective_from}, the "
                                  f"same day as version {a.version}; a later version supersedes an earlier one "
                                  "from its own effective_from, so give each version its own first day",
                                  doc.path, pos))
    return out


# Stages over the built versions of one policy, oldest first.
POLICY_STAGES: list[Callable[[list[Built]], Iterable[Finding]]] = [version_findings]


# -- the files named, and what a walk meets ------------------------------------

def _keeper(top: Path) -> Callable[[Path, tuple], bool]:
    """Version files below ``top``, not in a ``tests`` or hidden folder below it."""
    def keep(f: Path, _parts: tuple) -> bool:
        below = f.relative_to(top).parts[:-1]
        return is_version_file(f.name) and not any(p == "tests" or p.startswith(".") for p in below)
    return keep


def _targets(paths: list[str]) -> tuple[list[Subject], list[Finding]]:
    """``OSError`` for a path named that does not exist or cannot be opened."""
    subjects: list[Subject] = []
    findings: list[Finding] = []
    for raw in paths:
        unreadable: list[tuple[str, str]] = []
        found = expand_paths([raw], _keeper(Path(raw)), unreadable)
        findings += [Finding("FILE", f"cannot be read ({reason}); the policies in it were not checked", shown)
                     for shown, reason in unreadable]
        if not Path(raw).is_dir():
            subjects += [Subject(f, shown, True) for f, shown in found]
            continue
        subjects += [Subject(f, shown, False) for f, shown in found]
        if not found and not unreadable:
            findings.append(Finding("FOLDER_NO_POLICY", "no policy file (<id>/<version>.yaml, such as 1.0.0.yaml) "
                                    "in this folder or below it", str(raw)))
        findings += _ignored_beside(found)
    return subjects, findings


def _ignored_beside(found: list[tuple[Path, str]]) -> list[Finding]:
    """YAML files beside version files that the registry would never load."""
    out = []
    for folder, shown in {f.parent: str(Path(s).parent) for f, s in found}.items():
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        versions = [n for n in names if is_version_file(n)]
        for n in names:
            if n.endswith((".yaml", ".yml")) and not n.startswith(".") and n not in versions:
                out.append(Finding("FILE_IGNORED", f"{plain(n, 80)} is not named <version>.yaml (such as "
                                   f"{versions[-1]}), so the registry never loads it and check skips it",
                                   os.path.join(shown, n), severity=WARNING))
    return out


# -- the run -------------------------------------------------------------------

@dataclass
class Report:
    findings: list[Finding]
    files: int = 0
    baselined: int = 0                  # warnings of superseded versions a baseline covered
    baselines_written: list[tuple[str, int]] = field(default_factory=list)


def run(paths: Iterable[str] = (), *, strict: bool = False, write_baseline: bool = False,
        max_combinations: int | None = None) -> Report:
    """Check the named files and folders (none: every shipped policy); the
    logic stage walks at most ``max_combinations`` combinations per file.

    ``OSError`` for a path named that cannot be opened.  The warnings of
    superseded versions that their folder's baseline records are left out
    (recorded first, with ``write_baseline``); with ``strict``, the warnings
    left are errors."""
    paths = list(paths)
    if paths:
        subjects, findings = _targets(paths)
    else:
        subjects, findings = [Subject(f, display_path(f), False) for f in all_policy_files()], []
    groups: dict[tuple, list[Built]] = {}
    for s in subjects:
        s.max_combinations = max_combinations
        findings += check_subject(s)
        if s.doc is not None and s.policy is not None:
            groups.setdefault((s.path.resolve().parent, s.policy.id), []).append(Built(s.doc, s.policy))
    for versions in groups.values():
        versions.sort(key=lambda v: (v.policy.effective_from, v.policy.version_key))
        for stage in POLICY_STAGES:
            findings += stage(versions)
    report = Report([], files=len(subjects))
    findings = _apply_baselines(ordered(findings), subjects, report, write_baseline)
    if strict:
        findings = [replace(f, severity=ERROR) if f.severity == WARNING else f for f in findings]
    report.findings = ordered(findings)
    return report


def check_paths(paths: Iterable[str] = (), max_combinations: int | None = None) -> list[Finding]:
    """Findings for the named files and folders, or for every shipped policy."""
    return run(paths, max_combinations=max_combinations).findings


def _superseded(folder: Path, checked: list[Subject]) -> set[str]:
    """The checked files of a folder that a higher version beside them
    supersedes (every version file of the folder counts, checked or not)."""
    try:
        names = [n for n in os.listdir(folder) if is_version_file(n)]
    except OSError:
        return set()
    if not names:
        return set()
    newest = max(semver_key(n[:-5]) for n in names)
    return {s.shown for s in checked if is_version_file(s.path.name) and semver_key(s.path.name[:-5]) < newest}


def _apply_baselines(findings: list[Finding], subjects: list[Subject], report: Report,
                     write: bool) -> list[Finding]:
    folders: dict[Path, tuple[str, list[Subject]]] = {}
    for s in subjects:
        folders.setdefault(s.path.resolve().parent, (str(Path(s.shown).parent), []))[1].append(s)
    for folder, (shown, checked) in folders.items():
        superseded = _superseded(folder, checked)
        if write and (superseded or (folder / baseline.NAME).exists()):
            recorded = baseline.write(folder, [f for f in findings if f.path in superseded],
                                      {s.path.name for s in checked})
            report.baselines_written.append((os.path.join(shown, baseline.NAME), recorded))
        entries, problems = baseline.read(folder, shown)
        findings, covered = baseline.apply(findings, entries, superseded)
        findings += problems
        report.baselined += covered
    return findings
