"""Findings: problems found in a policy file, as data with a position.

Finders (loader, schema, model builder, checks) collect findings; one printer
turns them into ``path:line:col: CODE message`` lines or JSON.  Lines and
columns are 1-based, as editors show them.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .codes import CODES

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str
    line: int = 1
    col: int = 1
    severity: str = ERROR

    def __post_init__(self):
        if self.code not in CODES:      # one table of codes: codes.py, which docs/checks.md is made from
            raise ValueError(f"finding code {self.code!r} is not listed in asanimza_policy/codes.py")

    @classmethod
    def at(cls, code: str, message: str, path: str, pos: Position, severity: str = ERROR) -> Finding:
        """A finding at ``pos`` (a :class:`Position`) of the file shown as ``path``."""
        return cls(code, message, path, pos.line, pos.col, severity)

    @property
    def sort_key(self):
        return (self.path, self.line, self.col, self.code, self.message)

    def format(self) -> str:
        tag = "" if self.severity == ERROR else f" ({self.severity})"
        return f"{self.path}:{self.line}:{self.col}: {self.code}{tag} {self.message}"


# Suggestions and echoed values are bounded, so that a file with thousands of
# bad references, or a caller sending a megabyte key, costs work in proportion
# to its size and prints lines a person can read.
MAX_WORD = 64          # longer words get no suggestion
SMALL_SET = 64         # up to this many choices are all compared
SHORTLIST = 16         # from a larger set, at most this many (found by an index) are compared
MAX_POSTINGS = 64      # a trigram shared by more choices than this does not tell them apart
MAX_CHOICES_SHOWN = 12


class Suggester:
    """"Did you mean" over one set of choices, with bounded work per word.

    Up to ``SMALL_SET`` choices are compared directly; a larger set is indexed
    once by trigram and each word is compared with at most ``SHORTLIST``
    choices that share its least common trigrams.  ``compared`` counts the
    choices compared so far (tests bound the work with it, not with a clock).
    """

    def __init__(self, choices):
        self.choices = list(dict.fromkeys(str(c) for c in choices))
        self.compared = 0
        self._index: dict[str, list[int]] | None = None

    @staticmethod
    def _grams(word: str) -> set[str]:
        w = f"  {word.lower()} "
        return {w[i:i + 3] for i in range(len(w) - 2)}

    def _shortlist(self, word: str) -> list[str]:
        if len(self.choices) <= SMALL_SET:
            return self.choices
        if self._index is None:
            self._index = {}
            for i, c in enumerate(self.choices):
                if len(c) <= MAX_WORD:
                    for g in self._grams(c):
                        self._index.setdefault(g, []).append(i)
        hits: dict[int, int] = {}
        for g in self._grams(word):
            postings = self._index.get(g, ())
            if len(postings) <= MAX_POSTINGS:
                for i in postings:
                    hits[i] = hits.get(i, 0) + 1
        best = sorted(hits, key=lambda i: (-hits[i], i))[:SHORTLIST]
        return [self.choices[i] for i in best]

    def closest(self, word) -> str | None:
        import difflib

        if isinstance(word, int) and not isinstance(word, bool) and word.bit_length() > 64:
            return None
        word = word if isinstance(word, str) else str(word)
        if not word or len(word) > MAX_WORD:
            return None
        # a ratio of 0.6 needs the shorter string to be at least 3/7 of the longer
        shortlist = [c for c in self._shortlist(word) if 7 * min(len(c), len(word)) >= 3 * max(len(c), len(word))]
        self.compared += len(shortlist)
        close = difflib.get_close_matches(word, shortlist, n=1)
        return close[0] if close else None

    def hint(self, word) -> str:
        """`` (did you mean 'x'?)`` for the closest choice, or ``""``."""
        close = self.closest(word)
        return f" (did you mean {excerpt(close)}?)" if close is not None else ""


_suggesters: dict[int, tuple[Collection[str], int, Suggester]] = {}


def did_you_mean(word, choices: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``.

    The index of a large set of choices is kept while the same object (of
    the same length) is asked again, so N questions over N choices cost about
    N, not N squared; callers that ask often may hold a :class:`Suggester`.
    """
    if len(choices) <= SMALL_SET:
        return Suggester(choices).hint(word)
    cached = _suggesters.pop(id(choices), None)
    if cached is None or cached[0] is not choices or cached[1] != len(choices):
        cached = (choices, len(choices), Suggester(choices))
    _suggesters[id(choices)] = cached          # most recently used last
    while len(_suggesters) > 32:
        del _suggesters[next(iter(_suggesters))]
    return cached[2].hint(word)


def choice_list(values, limit: int = MAX_CHOICES_SHOWN) -> str:
    """``a, b, c`` for a few choices; the first ``limit`` and a count for many."""
    values_all = list(values)
    values = [str(v) if len(str(v)) <= 40 else str(v)[:37] + "..." for v in values_all[:limit + 1]]
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f", ... ({len(values_all):,} in all)"


def plain(text: str, limit: int = 60) -> str:
    """``text`` as it is when it is short and printable; its :func:`excerpt` otherwise."""
    return text if len(text) <= limit and text.isprintable() else excerpt(text, limit)


def excerpt(value, limit: int = 60) -> str:
    """A value as a message may show it: escaped (no control characters or
    terminal escapes reach the screen), at most about ``limit`` characters,
    and computed without ``repr`` of anything large or deep (a huge integer
    or a deeply nested list is described, not printed)."""
    t = type(value)
    if value is None or t is bool:
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 3 * limit:
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return int.__repr__(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, (str, bytes)):
        # the base class's slice: a subclass's own __getitem__ or __repr__ is not called
        text = repr(str(str.__getitem__(value, slice(0, limit))) if isinstance(value, str)
                    else bytes(bytes.__getitem__(value, slice(0, limit))))
        return text if len(value) <= limit and len(text) <= limit else text[:limit - 3] + "..."
    from datetime import date

    if isinstance(value, date):
        return f"{t.__name__[:20]} {date.isoformat(value) if t is date else type(value).isoformat(value)}"
    kinds: tuple[tuple[Any, str], ...] = ((dict, "a mapping"), (list, "a list"), (tuple, "a list"),
                                          (set, "a set"), (frozenset, "a set"))
    for kind, what in kinds:
        if isinstance(value, kind):
            try:
                n = kind.__len__(value)
            except Exception:   # pragma: no cover - a builtin's length does not fail
                return what
            return f"{what} of {n:,} item{'' if n == 1 else 's'}"
    name = t.__name__ if isinstance(t.__name__, str) else "object"
    return f"a value of type {repr(name[:40])[1:-1]}"


def kind_of(value) -> str:
    """What a YAML/JSON value is, in an author's words."""
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted by place, each finding once."""
    seen, out = set(), []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.path, f.line, f.col, f.code, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def format_text(findings: Iterable[Finding]) -> str:
    return "".join(f.format() + "\n" for f in findings)


def format_json(findings: Iterable[Finding], ascii: bool = False) -> str:
    return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=ascii) + "\n"
