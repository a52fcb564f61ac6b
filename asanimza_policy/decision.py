"""What evaluation returns: the contract's decision document."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

COMPLETE, NEEDS_INPUT, NOT_COVERED = "complete", "needs_input", "not_covered"


def _json_value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


@dataclass(frozen=True)
class PlannedStep:
    action: str
    text: str
    fields: Mapping[str, Any]        # the action's extra fields, all present, in order

    def to_dict(self) -> dict:
        out = {"action": self.action, "text": self.text}
        out.update((k, _json_value(v)) for k, v in self.fields.items())
        return out


@dataclass(frozen=True)
class Question:
    """An extension of the contract: how to ask for a missing field."""
    field: str
    text: str
    type: str
    choices: tuple[str, ...] | None
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {"field": self.field, "text": self.text, "type": self.type}
        if self.choices is not None:
            out["choices"] = [{"value": c, "label": self.labels.get(c, c)} for c in self.choices]
        return out


@dataclass(frozen=True)
class Decision:
    policy: str
    version: str
    as_of: date
    status: str
    outcome: str | None
    missing: tuple[str, ...]
    steps: tuple[PlannedStep, ...]
    documents: tuple[str, ...]
    trace: tuple[str, ...]
    citations: tuple[str, ...]
    assumptions: tuple[tuple[str, str], ...]      # (id, text)
    # extensions beyond the contract
    title: str | None = None                      # the outcome's title
    questions: tuple[Question, ...] = ()          # with needs_input, in the order of missing

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "outcome": self.outcome,
            "missing": list(self.missing),
            "steps": [s.to_dict() for s in self.steps],
            "documents": list(self.documents),
            "trace": list(self.trace),
            "citations": list(self.citations),
            "assumptions": [{"id": i, "text": t} for i, t in self.assumptions],
            "title": self.title,
            "questions": [q.to_dict() for q in self.questions],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
