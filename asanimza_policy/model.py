"""The policy model: frozen dataclasses, built once from a loaded document.

:func:`asanimza_policy.build.build_policy` reads a document strictly and builds
these; the interpreter, ``check`` and every renderer read them, never raw YAML.
Every graph node has ``kind``, ``id``, ``title``, ``description``, ``cites``,
``assumes``, ``pos`` and ``exits`` (the branches leaving it; none for an outcome).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import expr as ex
from .findings import Position

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# -- the model ---------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    title: str
    url: str | None
    path: str                    # relative to the policy file
    pos: Position = field(default=Position(), compare=False)
    uncited: tuple[tuple[str, str], ...] = ()    # (sentence, reason): left uncited on purpose
    retrieved_on: date | None = None             # when the verbatim text was taken from its page
    sha256: str | None = None                    # of the text, line endings normalised (check verifies it)


@dataclass(frozen=True)
class Input:
    name: str
    type: str                    # boolean | enum | date | integer | string
    values: tuple[str, ...] | None
    question: str
    description: str
    labels: Mapping[str, str]    # enum value -> words for people
    pos: Position = field(default=Position(), compare=False)
    # never asked nor listed in missing; conditions test it with given(name)
    optional: bool = False
    # the question's {name} placeholders (derived values, inputs, as_of); see template.py
    question_template: Template | None = field(default=None, compare=False)
    minimum: int | None = None   # integer inputs: the least and greatest value a context may give
    maximum: int | None = None

    @property
    def expr_type(self) -> ex.Type:
        if self.type == "enum":
            return ex.Type("string", self.values)
        return ex.TYPES[self.type]


@dataclass(frozen=True)
class Assumption:
    id: str
    text: str
    cites: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Caveat:
    """A fact another official source adds, in the policy's own words."""
    id: str
    title: str                   # the other source's title
    url: str
    read_on: date                # the day it was read
    text: str                    # the fact, never copied text
    pos: Position = field(default=Position(), compare=False)

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url, "read_on": self.read_on.isoformat(),
                "text": self.text}


@dataclass(frozen=True)
class MapEntry:
    value: Any
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Derived:
    name: str
    description: str
    type: ex.Type
    expression: ex.Expression | None        # either an expression...
    map_from: str | None                     # ...or a table over an enum
    table: Mapping[str, MapEntry] | None
    cites: tuple[str, ...]
    assumes: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        if self.expression is not None:
            return self.expression.names
        return (self.map_from,) if self.map_from is not None else ()


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    fields: Mapping[str, str]                # field -> type, in output order
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Template:
    """A step text with ``{name}`` placeholders; ``{{`` and ``}}`` are braces."""
    source: str
    parts: tuple[tuple[str, str], ...]       # ("text", s) | ("name", n)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for k, v in self.parts if k == "name"))


@dataclass(frozen=True)
class Step:
    id: str                                  # library id, or "<outcome>#<n>" when inline
    action: str
    text: Template
    with_: Mapping[str, ex.Expression]
    when: ex.Expression | None
    cites: tuple[str, ...]
    assumes: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Branch:
    index: int
    when: ex.Expression | None               # None for otherwise
    goto: str
    label: str | None
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class DecisionNode:
    """Chooses one exit by its conditions (``match``: first true, or the one true)."""
    id: str
    title: str
    description: str
    match: str                               # first | unique
    branches: tuple[Branch, ...]
    otherwise: Branch | None
    cites: tuple[str, ...]
    assumes: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    kind = "decision"

    @property
    def exits(self) -> tuple[Branch, ...]:
        return self.branches + ((self.otherwise,) if self.otherwise else ())


@dataclass(frozen=True)
class OutcomeNode:
    """Where a walk ends: the steps and documents for the person."""
    id: str
    title: str
    description: str
    status: str                              # complete | not_covered
    steps: tuple[Step, ...]
    documents: tuple[str, ...]
    cites: tuple[str, ...]
    assumes: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    caveats: tuple[str, ...] = ()
    # the description's {name} placeholders, filled in as the decision's explanation
    explanation: Template | None = field(default=None, compare=False)
    # beside documents, each entry's condition (None: always); empty when no entry has one
    document_when: tuple[ex.Expression | None, ...] = ()
    kind = "outcome"

    @property
    def exits(self) -> tuple[Branch, ...]:
        return ()


GraphNode = DecisionNode | OutcomeNode


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    title: str
    description: str
    effective_from: date
    effective_until: date | None
    timezone: str
    source: Source
    inputs: Mapping[str, Input]
    derived: Mapping[str, Derived]
    actions: Mapping[str, Action]
    documents: Mapping[str, str]
    assumptions: Mapping[str, Assumption]
    steps: Mapping[str, Step]
    start: str
    nodes: Mapping[str, GraphNode]
    path: str
    sha256: str
    derived_order: tuple[str, ...] = ()
    caveats: Mapping[str, Caveat] = field(default_factory=dict)

    @property
    def version_key(self) -> tuple:
        return semver_key(self.version)

    def in_effect(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


def semver_key(version: str) -> tuple:
    m = SEMVER.match(version)
    if not m:
        return (-1, -1, -1, 0, version)
    major, minor, patch, pre = m.groups()
    # a release sorts after its pre-releases
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")
