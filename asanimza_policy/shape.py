"""Reading the shape of a YAML document, reporting what is wrong at its position.

:class:`ShapeReader` holds a document and the findings so far; each reader
returns the value, or ``None`` after reporting why it cannot be used.  The
policy builder (``build.py``) reads every section through these.
"""
from __future__ import annotations

import re
from datetime import date

from .dates import parse_iso_date
from .findings import ERROR, Finding, Position, did_you_mean, kind_of
from .loader import Document
from .model import POLICY_ID

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

_MISSING = object()     # a key that is absent (``None`` is a key with no value)


class ShapeReader:
    def __init__(self, doc: Document):
        self.doc = doc
        self.findings: list[Finding] = []

    # -- reporting -----------------------------------------------------------

    def err(self, code: str, message: str, path=(), *, key: bool = False, offset: int | None = None,
            severity: str = ERROR) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        if offset is not None:
            pos = Position(pos.line, pos.col + self.doc.text_offset(path) + offset)
        self.findings.append(Finding.at(code, message, self.doc.path, pos, severity))

    # -- shape readers: each returns None (and reports) when the value is unusable

    def mapping(self, value, path, what: str, allowed: tuple[str, ...] | None = None,
                required: tuple[str, ...] = ()) -> dict | None:
        if not isinstance(value, dict):
            self.err("SCHEMA_TYPE", f"{what} must be a mapping; got {kind_of(value)}", path)
            return None
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    self.err("SCHEMA_UNKNOWN_KEY", f"unknown key {k!r} in {what}{did_you_mean(k, allowed)}",
                             path + (k,), key=True)
        for k in required:
            if k not in value:
                self.err("SCHEMA_REQUIRED", f"{what} needs {k!r}", path)
        return value

    def text(self, value, path, what: str, *, optional: bool = False) -> str | None:
        if value is _MISSING or (optional and value is None):
            return None
        if not isinstance(value, str):
            self.err("SCHEMA_TYPE", f"{what} must be text; got {kind_of(value)}", path)
            return None
        if not value.strip():
            self.err("SCHEMA_EMPTY", f"{what} is empty", path)
            return None
        return value

    def ident(self, value, path, what: str, pattern=IDENT) -> str | None:
        s = self.text(value, path, what)
        if s is not None and not pattern.match(s):
            self.err("SCHEMA_NAME", f"{what} {s!r} must be lowercase letters, digits and "
                     f"{'-' if pattern is POLICY_ID else '_'}, starting with a letter", path)
            return None
        return s

    def enum(self, value, path, what: str, choices: tuple[str, ...]) -> str | None:
        s = self.text(value, path, what)
        if s is not None and s not in choices:
            self.err("SCHEMA_ENUM", f"{what} must be one of {', '.join(choices)}; got {s!r}"
                     f"{did_you_mean(s, choices)}", path)
            return None
        return s

    def day(self, value, path, what: str, optional: bool = False) -> date | None:
        s = self.text(value, path, what, optional=optional)
        if s is None:
            return None
        try:
            return parse_iso_date(s)
        except ValueError:
            self.err("SCHEMA_DATE", f"{what} must be a date YYYY-MM-DD; got {s!r}", path)
            return None

    def section(self, raw, key: str, noun: str, keys: tuple[str, ...] | None = None, required: tuple[str, ...] = ()):
        """(name, body, path) of each well-formed entry of the top-level mapping ``key``;
        with ``keys``, each body must be a mapping of those keys."""
        if raw is None or raw is _MISSING or self.mapping(raw, (key,), key) is None:
            return
        article = "an" if noun[0] in "aeiou" else "a"
        for name, body in raw.items():
            p = (key, name)
            if self.ident(name, p, f"{article} {noun} name") is None:
                continue
            if keys is not None and self.mapping(body, p, f"{noun} {name!r}", keys, required) is None:
                continue
            yield name, body, p

    def strings(self, value, path, what: str) -> tuple[str, ...]:
        if value is _MISSING or value is None:
            return ()
        if not isinstance(value, list):
            self.err("SCHEMA_TYPE", f"{what} must be a list; got {kind_of(value)}", path)
            return ()
        out = []
        for i, item in enumerate(value):
            s = self.text(item, path + (i,), f"{what} item")
            if s is not None:
                out.append(s)
        return tuple(out)
