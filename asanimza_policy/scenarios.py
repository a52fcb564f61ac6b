"""Scenario tests written as data: ``policies/<id>/tests/*.yaml``.

A scenario file::

    policy: asan-imza-renewal          # the policy id
    version: 1.0.0                     # optional; default: the version in effect on as_of
    scenarios:
      - name: a citizen of Azerbaijan at the office
        as_of: "2026-11-24"                # required, so the scenario does not change with the calendar
        context: {channel: office, subscriber_type: individual, ...}
        expect:
          status: complete             # exact
          outcome: office_individual_id_card
          missing: []                  # exact, in order
          documents: [id_card]         # exact, in order
          trace: [channel, ...]        # exact, in order
          steps:                       # same number of steps; each listed key must match
            - {action: visit_office}
          citations: [...]             # exactly these sentences, any order
          citations_include: [...]     # at least these
          assumptions: [...]           # exactly these assumption ids, any order
          caveats: [...]               # exactly these caveat ids, any order
          explanation: "..."           # exact (null: none)
          question: "..."              # the first question's text, exact (with needs_input)
          error: citizenship           # instead of a decision: InvalidContext naming this field
                                       # (``context`` when the context as a whole is wrong)

Every key of ``expect`` is optional, but a scenario must expect something.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidContext, PolicyError, PolicyNotFound
from .findings import Finding, Position, excerpt, kind_of
from .loader import Document, load_file

EXPECT_KEYS = ("status", "outcome", "missing", "documents", "trace", "steps", "citations",
               "citations_include", "assumptions", "caveats", "explanation", "question", "error")
SCENARIO_KEYS = ("name", "as_of", "context", "expect", "version")


@dataclass(frozen=True)
class Result:
    file: str
    name: str
    pos: Position
    problems: tuple[str, ...] = ()
    decision: Any = field(default=None, repr=False, compare=False)
    tested: str | None = None       # the policy file the scenario ran against, as shown

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self) -> str:
        head = f"{self.file}:{self.pos.line}:{self.pos.col}: {'PASS' if self.ok else 'FAIL'} {self.name}"
        return head + "".join(f"\n    {p}" for p in self.problems)


def _finding(doc: Document, path, message: str) -> Finding:
    pos = doc.pos(path)
    return Finding.at("SCENARIO", message, doc.path, pos)


def load_scenarios(path: str | Path, display: str | None = None) -> tuple[Document, list[Finding]]:
    """The parsed file and the problems with its shape (not with its expectations)."""
    doc = load_file(path, display)
    problems: list[Finding] = []
    data = doc.data
    if not isinstance(data, dict):
        return doc, [_finding(doc, (), "a scenario file is a mapping with policy and scenarios")]
    for k in data:
        if k not in ("policy", "version", "scenarios"):
            problems.append(_finding(doc, (k,), f"unknown key {k!r} (expected policy, version, scenarios)"))
    if not isinstance(data.get("policy"), str):
        problems.append(_finding(doc, ("policy",), "policy must name the policy id"))
    if data.get("version") is not None and not isinstance(data["version"], str):
        problems.append(_finding(doc, ("version",), f"version must be text such as \"1.0.0\"; got "
                                                    f"{kind_of(data['version'])}"))
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        problems.append(_finding(doc, ("scenarios",), "scenarios must be a non-empty list"))
        return doc, problems
    names = set()
    for i, sc in enumerate(scenarios):
        p = ("scenarios", i)
        if not isinstance(sc, dict):
            problems.append(_finding(doc, p, "a scenario is a mapping with name, context and expect"))
            continue
        for k in sc:
            if k not in SCENARIO_KEYS:
                problems.append(_finding(doc, p + (k,), f"unknown key {k!r} (expected {', '.join(SCENARIO_KEYS)})"))
        name = sc.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(_finding(doc, p + (("name",) if "name" in sc else ()), "a scenario needs a name (text)"))
        elif name in names:
            problems.append(_finding(doc, p + ("name",), f"two scenarios are named {excerpt(name)}"))
        else:
            names.add(name)
        if not isinstance(sc.get("as_of"), str):
            # without a date the scenario would be evaluated "today" and change with the calendar
            problems.append(_finding(doc, p, "a scenario needs as_of: \"YYYY-MM-DD\" (quoted)"))
        if sc.get("version") is not None and not isinstance(sc["version"], str):
            problems.append(_finding(doc, p + ("version",), f"version must be text such as \"1.0.0\"; got "
                                                            f"{kind_of(sc['version'])}"))
        if sc.get("context") is not None and not isinstance(sc["context"], dict):
            problems.append(_finding(doc, p + ("context",), f"context must be a mapping of fields; got "
                                                            f"{kind_of(sc['context'])}"))
        expect = sc.get("expect")
        if not isinstance(expect, dict) or not expect:
            problems.append(_finding(doc, p + ("expect",), "expect must say what the decision should be"))
            continue
        for k, v in expect.items():
            if k not in EXPECT_KEYS:
                problems.append(_finding(doc, p + ("expect", k),
                                         f"unknown expectation {excerpt(k)} (expected {', '.join(EXPECT_KEYS)})"))
                continue
            problems += [_finding(doc, p + ("expect", k) + sub, f"{k}: {message}")
                         for sub, message in _shape(k, v)]
    return doc, problems


# what each expectation holds: text, text or null, a list of text, a list of step mappings
_TEXT = ("status", "error", "question")
_TEXT_OR_NULL = ("outcome", "explanation")
_TEXT_LIST = ("missing", "documents", "trace", "citations", "citations_include", "assumptions", "caveats")


def _shape(key: str, value) -> list[tuple[tuple, str]]:
    """(sub-path, message) for each way ``value`` is not what ``expect.key`` holds."""
    if key in _TEXT or key in _TEXT_OR_NULL:
        if isinstance(value, str) or (value is None and key in _TEXT_OR_NULL):
            return []
        return [((), f"expected text; got {kind_of(value)}")]
    if key in _TEXT_LIST:
        if value is None and key in ("citations", "citations_include", "assumptions", "caveats"):
            return []
        if not isinstance(value, list):
            return [((), f"expected a list of text; got {kind_of(value)}")]
        return [((i,), f"expected text; got {kind_of(v)}") for i, v in enumerate(value) if not isinstance(v, str)]
    if key == "steps":
        if not isinstance(value, list):
            return [((), f"expected a list of steps; got {kind_of(value)}")]
        out: list[tuple[tuple[int | str, ...], str]] = []
        for i, step in enumerate(value):
            if not isinstance(step, dict):
                out.append(((i,), f"a step is a mapping of fields; got {kind_of(step)}"))
                continue
            out += [((i, f), f"a step field holds text, a number, true/false or null; got {kind_of(v)}")
                    for f, v in step.items() if isinstance(v, (dict, list))]
        return out
    return []


def _compare(expect: dict, actual: dict) -> list[str]:
    problems = []
    for key in ("status", "outcome", "missing", "documents", "trace", "explanation"):
        if key in expect and expect[key] != actual.get(key):
            problems.append(f"{key}: expected {expect[key]!r}, got {actual[key]!r}")
    if "steps" in expect:
        want, got = expect["steps"], actual["steps"]
        if not isinstance(want, list) or len(want) != len(got):
            problems.append(f"steps: expected {len(want) if isinstance(want, list) else want!r} steps, got "
                            f"{len(got)}: {[s['action'] for s in got]}")
        else:
            for i, (w, g) in enumerate(zip(want, got, strict=True), 1):
                if not isinstance(w, dict):
                    problems.append(f"steps[{i}]: expected a mapping of fields")
                    continue
                for k, v in w.items():
                    if k not in g:
                        problems.append(f"step {i}: has no field {k!r} (its fields: {', '.join(g)})")
                    elif g[k] != v:
                        problems.append(f"step {i} {k}: expected {v!r}, got {g[k]!r}")
    if "citations" in expect and sorted(expect["citations"] or []) != sorted(actual["citations"]):
        extra = [c for c in actual["citations"] if c not in (expect["citations"] or [])]
        lacking = [c for c in (expect["citations"] or []) if c not in actual["citations"]]
        problems.append(f"citations differ; not expected: {extra!r}; missing: {lacking!r}")
    for c in expect.get("citations_include") or []:
        if c not in actual["citations"]:
            problems.append(f"citation missing: {c!r}")
    for key in ("assumptions", "caveats"):
        if key in expect:
            got_ids = sorted(a["id"] for a in actual.get(key, ()))
            if sorted(expect[key] or []) != got_ids:
                problems.append(f"{key}: expected {sorted(expect[key] or [])!r}, got {got_ids!r}")
    if "question" in expect:
        got = actual["questions"][0]["text"] if actual.get("questions") else None
        if got != expect["question"]:
            problems.append(f"question: expected {expect['question']!r}, got {got!r}")
    return problems


def run_file(path: str | Path, display: str | None = None,
             listeners: tuple = ()) -> tuple[list[Result], list[Finding]]:
    """Run every scenario of a file; shape problems come back as findings.
    ``listeners`` hear every walk (coverage is one)."""
    from . import evaluate  # the public API, as an integrator calls it
    from .context import parse_date
    from .registry import draft_files, resolve, resolve_files

    try:
        doc, problems = load_scenarios(path, display)
    except PolicyError as e:
        return [], list(e.findings)
    if problems:
        return [], problems
    data = doc.data
    results = []
    # a scenario file in <id>/tests/ is about the policy files beside it (a draft), when there are any
    draft = draft_files(Path(path).parent.parent, data["policy"]) if Path(path).parent.name == "tests" else []
    for i, sc in enumerate(data["scenarios"]):
        p = ("scenarios", i)
        expect = sc["expect"]
        version = sc.get("version", data.get("version"))
        version = str(version) if version is not None else None
        pos = doc.pos(p)
        tested = None
        try:
            day = parse_date(sc.get("as_of"), "as_of")
            if draft:
                policy, day = resolve_files(draft, data["policy"], day, version)
            else:
                policy, day = resolve(data["policy"], day, version)
            tested = policy.path
            decision = evaluate(policy, sc.get("context", {}), as_of=day, listeners=listeners)
        except InvalidContext as e:
            want = expect.get("error")
            named = e.field or "context"
            probs: tuple[str, ...]
            if want is None:
                probs = (f"raised InvalidContext: {e}",)
            elif str(want) != named:
                probs = (f"error: expected InvalidContext naming {want!r}, got one naming {named!r}: {e}",)
            else:
                probs = ()
            results.append(Result(doc.path, sc["name"], pos, probs, tested=tested))
            continue
        except (PolicyNotFound, PolicyError) as e:
            results.append(Result(doc.path, sc["name"], pos, (f"{type(e).__name__}: {e}",)))
            continue
        actual = decision.to_dict()
        differ = _compare(expect, actual)
        if "error" in expect:
            differ.insert(0, f"expected InvalidContext containing {expect['error']!r}, got a decision "
                             f"({actual['status']})")
        results.append(Result(doc.path, sc["name"], pos, tuple(differ), decision, tested))
    return results, []
