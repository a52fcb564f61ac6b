"""Source coverage: which rule-bearing sentences of the source the policy cites.

A rule-bearing sentence ends with a full stop; headings, questions, lines of
navigation and link text do not, so they are not counted.  A sentence is
covered when a citation of a node, a step, a derived value (or one of its
table entries) or an assumption contains it, or when the policy lists it under
``source.uncited`` with the reason it is left out.  The uncited rest are
warnings at their line in the source text, and the share covered is the
source coverage.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .findings import WARNING, Finding, Position
from .loader import Document
from .model import Policy

_SPACE = re.compile(r"\s+")
# a sentence ends at a full stop followed by space and what starts a sentence;
# "1. To extend" (a list number) and "e-taxes.gov.az" (no space) do not end one
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"“'(A-Z0-9])")
_LIST_NUMBER = re.compile(r"^(?:\d+|[a-z])[.)]$")
_BULLETS = "\u2022-*\u00b7 \t"


def normalize(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


@dataclass(frozen=True)
class Sentence:
    text: str
    line: int          # 1-based, in the source text
    col: int


@dataclass(frozen=True)
class Coverage:
    sentences: tuple[Sentence, ...]     # the rule-bearing ones
    uncited: tuple[Sentence, ...]       # neither cited nor listed as left out
    excused: tuple[Sentence, ...]       # listed under source.uncited

    @property
    def percent(self) -> float:
        if not self.sentences:
            return 100.0
        return 100.0 * (len(self.sentences) - len(self.uncited)) / len(self.sentences)


def sentences(text: str) -> list[Sentence]:
    """The rule-bearing sentences of a source text, with where each starts."""
    out: list[Sentence] = []
    for i, raw in enumerate(text.splitlines(), 1):
        body = raw.lstrip(_BULLETS)
        start = len(raw) - len(body)
        pieces = _SPLIT.split(body)
        merged: list[str] = []
        for piece in pieces:
            if merged and _LIST_NUMBER.match(merged[-1]):
                merged[-1] += " " + piece
            else:
                merged.append(piece)
        offset = start
        for piece in merged:
            col = raw.find(piece.split(" ")[0], offset)
            offset = max(offset, col)
            s = normalize(piece)
            if s.endswith(".") and len(s) > 2 and not _LIST_NUMBER.match(s):
                out.append(Sentence(s, i, (col if col >= 0 else start) + 1))
    return out


def all_citations(policy: Policy) -> list[str]:
    out: list[str] = []
    for node in policy.nodes.values():
        out += node.cites
        for step in getattr(node, "steps", ()):
            out += step.cites
    for step in policy.steps.values():
        out += step.cites
    for d in policy.derived.values():
        out += d.cites
        for entry in (d.table or {}).values():
            out += entry.cites
    for a in policy.assumptions.values():
        out += a.cites
    return [normalize(c) for c in out]


def _cited(sentence: str, citations: list[str]) -> bool:
    bare = sentence.split(" ", 1)[1] if " " in sentence and _LIST_NUMBER.match(sentence.split(" ", 1)[0]) else None
    # a citation of part of it counts too: CITATION_FRAGMENT already asks for the whole sentence
    return any(sentence in c or c in sentence or (bare is not None and bare in c) for c in citations if c)


def coverage(policy: Policy, source_text: str) -> Coverage:
    found = sentences(source_text)
    citations = all_citations(policy)
    left_out = {normalize(t) for t, _ in policy.source.uncited}
    uncited: list = []
    excused: list = []
    for s in found:
        if _cited(s.text, citations):
            continue
        (excused if s.text in left_out else uncited).append(s)
    return Coverage(tuple(found), tuple(uncited), tuple(excused))


def source_findings(policy: Policy, doc: Document, text: str) -> list[Finding]:
    """Uncited sentences of the source ``text`` (warnings naming their line), and
    ``uncited`` entries that are not sentences of the source."""
    # reported at the policy's source key (the fix is in the policy), naming the line of the source text
    shown = policy.source.path
    at = doc.pos(("source", "path"))
    cov = coverage(policy, text)
    out = []
    n, covered = len(cov.sentences), len(cov.sentences) - len(cov.uncited)
    for s in cov.uncited:
        short = s.text if len(s.text) <= 90 else s.text[:87] + "..."
        out.append(Finding.at("SOURCE_UNCITED", f"{shown}:{s.line}:{s.col}: {short!r} is cited by no node, step, "
                              f"derived value or assumption (source coverage {cov.percent:.0f}%: {covered} of "
                              f"{n} sentences); cite it, or list it under source.uncited with the reason",
                              policy.path, at, WARNING))
    known = {s.text for s in cov.sentences}
    for i, (t, _) in enumerate(policy.source.uncited):
        if normalize(t) not in known:
            pos: Position = doc.pos(("source", "uncited", i, "text"))
            out.append(Finding.at("CITATION_NOT_FOUND", f"uncited sentence is not a sentence of "
                                  f"{policy.source.path} word for word", policy.path, pos))
    return out
