"""What evaluation returns: the contract's decision document.

A :class:`Decision` says, for one policy version, one context and one day,
what the person must do (:class:`PlannedStep` s in order), what to present,
which way through the policy's graph led there, and which sentences of the
policy's source and which of its named assumptions that rests on; or, when
the context lacks something the walk needs, which fields to ask for next
(:class:`Question` s).  ``to_dict()`` is the JSON document every front end
returns (Python, the command line, the HTTP API); its JSON Schema is
``schema/decision.schema.json``.
"""
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
    """One thing to do.

    ``action`` is one of the actions the policy declares; ``text`` says it in
    words for this person (placeholders filled in); ``fields`` holds every
    extra field the action declares, in the declared order, each present:
    dates as ``date`` (or ``None``: for a deadline, no time limit), other
    values as the policy computed them.
    """
    action: str
    text: str
    fields: Mapping[str, Any]        # the action's extra fields, all present, in order

    def to_dict(self) -> dict:
        out = {"action": self.action, "text": self.text}
        out.update((k, _json_value(v)) for k, v in self.fields.items())
        return out


@dataclass(frozen=True)
class Question:
    """How to ask for one missing field (an extension of the contract).

    ``text`` is the policy's question; ``type`` the field's declared type
    (boolean, enum, date, integer, string); for an enum, ``choices`` are the
    allowed values in order and ``labels`` the words to show for them.
    """
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
    """The answer of a policy version for one context on one day.

    ``status`` is ``complete`` (an outcome with a plan was reached),
    ``needs_input`` (the walk stopped where the context lacks a field:
    ``missing`` lists the fields, ask the first, and ``questions`` says how) or
    ``not_covered`` (the policy says its source has no rule for this case).
    ``outcome`` is the outcome node reached (``None`` with ``needs_input``);
    ``steps`` and ``documents`` what to do and present; ``trace`` the node ids
    walked; ``citations`` the verbatim sentences of the source behind what was
    walked, each once; ``assumptions`` ``(id, text)`` of the policy's named
    readings where its source is silent or ambiguous.  Frozen; equal inputs
    give an equal decision.
    """
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
