"""Findings: problems found in a policy file, as data with a position.

Finders (loader, schema, model builder, checks) collect findings; one printer
turns them into ``path:line:col: CODE message`` lines or JSON.  Lines and
columns are 1-based, as editors show them.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Iterable

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
    def at(cls, code: str, message: str, path: str, pos: Position, severity: str = ERROR) -> "Finding":
        """A finding at ``pos`` (a :class:`Position`) of the file shown as ``path``."""
        return cls(code, message, path, pos.line, pos.col, severity)

    @property
    def sort_key(self):
        return (self.path, self.line, self.col, self.code, self.message)

    def format(self) -> str:
        tag = "" if self.severity == ERROR else f" ({self.severity})"
        return f"{self.path}:{self.line}:{self.col}: {self.code}{tag} {self.message}"


def did_you_mean(word, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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


def format_json(findings: Iterable[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
