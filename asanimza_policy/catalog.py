"""What integrators read about policies before they call: versions, inputs, and
the context's contract as a JSON Schema.

Plain data built from the model (never from raw YAML), shared by the Python
API, the command line (``context-schema``) and the HTTP API.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import PolicyError, PolicyNotFound
from .model import Input, OutcomeNode, Policy
from .registry import policy_ids, today
from .registry import versions as _policies
from .template import plain

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


@dataclass(frozen=True)
class VersionInfo:
    """One version of a policy: when it is in effect, and what its content hashes to."""
    policy: str
    version: str
    title: str
    effective_from: date
    effective_until: date | None      # None: until a later version supersedes it
    digest: str                       # SHA-256 of the version's content

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "title": self.title, "effective_from": self.effective_from.isoformat(),
                "effective_until": self.effective_until.isoformat() if self.effective_until else None,
                "digest": self.digest}


def versions(policy_id: str) -> list[VersionInfo]:
    """Every version of the policy ``policy_id``, oldest first.

    Raises :class:`~asanimza_policy.PolicyNotFound` for an unknown id.
    """
    return [VersionInfo(p.id, p.version, p.title, p.effective_from, p.effective_until, p.sha256)
            for p in _policies(policy_id)]


def in_effect(policy_id: str, day: date | None = None) -> str | None:
    """The version in effect on ``day`` (default: today in the policy's time zone), or None."""
    all_versions = _policies(policy_id)
    day = day or today(all_versions[-1])
    live = [p for p in all_versions if p.in_effect(day)]
    return max(live, key=lambda p: (p.effective_from, p.version_key)).version if live else None


def summaries() -> list[dict[str, Any]]:
    """``[{"id", "title", "versions", "in_effect", "history"}]`` for every policy found.

    A policy whose files cannot be used is listed with no versions and an
    ``error`` (its first finding), so one broken file does not hide the others.
    """
    out: list[dict[str, Any]] = []
    for pid in policy_ids():
        try:
            infos = versions(pid)
        except PolicyNotFound:       # pragma: no cover - removed between the listing and the read
            continue
        except PolicyError as e:
            out.append({"id": pid, "title": pid, "versions": [], "in_effect": None, "history": [],
                        "error": e.findings[0].format() if e.findings else str(e)})
            continue
        current = in_effect(pid)
        title = next((v.title for v in infos if v.version == current), infos[-1].title)
        out.append({"id": pid, "title": title, "versions": [v.version for v in infos], "in_effect": current,
                    "history": [v.to_dict() for v in infos]})
    return out


def _choices(inp: Input) -> list[dict[str, str]] | None:
    if inp.type != "enum":
        return None
    return [{"value": v, "label": inp.labels.get(v, v)} for v in inp.values or ()]


def describe(policy: Policy) -> dict[str, Any]:
    """One version for a reader or a form: its inputs (in the order they are
    asked) with types, choices and questions; its documents and actions."""
    return {
        "id": policy.id,
        "version": policy.version,
        "title": policy.title,
        "description": policy.description,
        "effective_from": policy.effective_from.isoformat(),
        "effective_until": policy.effective_until.isoformat() if policy.effective_until else None,
        "timezone": policy.timezone,
        "digest": policy.sha256,
        "source": {"title": policy.source.title, "url": policy.source.url},
        "inputs": [{"field": i.name, "type": i.type, "question": _question(i), "description": i.description,
                    "choices": _choices(i), "optional": i.optional} for i in policy.inputs.values()],
        "documents": [{"id": k, "text": v} for k, v in policy.documents.items()],
        "actions": [{"id": a.name, "description": a.description, "fields": dict(a.fields)}
                    for a in policy.actions.values()],
        "outcomes": [{"id": n.id, "title": n.title, "description": plain(n.explanation) if n.explanation else "",
                      "status": n.status}
                     for n in policy.nodes.values() if isinstance(n, OutcomeNode)],
    }


def _question(inp: Input) -> str:
    """The question as it reads before anything is known (its placeholders left out)."""
    return plain(inp.question_template) if inp.question_template else inp.question


def _input_schema(inp: Input) -> dict[str, Any]:
    out: dict[str, Any] = {"title": _question(inp) or inp.name}
    if inp.description:
        out["description"] = inp.description
    if inp.type == "boolean":
        out["type"] = ["boolean", "null"]
    elif inp.type == "integer":
        out["type"] = ["integer", "null"]
        if inp.minimum is not None:
            out["minimum"] = inp.minimum
        if inp.maximum is not None:
            out["maximum"] = inp.maximum
    elif inp.type == "date":
        out.update(type=["string", "null"], format="date", pattern=DATE_PATTERN)
    elif inp.type == "enum":
        out["anyOf"] = [{"const": v, "title": inp.labels.get(v, v)} for v in inp.values or ()] \
            + [{"type": "null"}]
    else:
        out.update(type=["string", "null"], minLength=1)
    return out


def context_schema(policy: Policy) -> dict[str, Any]:
    """The context this version accepts, as a JSON Schema (2020-12).

    Every field is optional and ``null`` means absent; a key the policy does not
    declare is refused.  Dates also need to be real days (the pattern cannot
    say that 2026-02-30 does not exist), which evaluation checks.
    """
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"urn:asanimza-policy:{policy.id}:{policy.version}:context",
        "title": f"Context for {policy.title} ({policy.id} {policy.version})",
        "description": "What the caller knows. Every field is optional; a field the walk needs and the "
                       "context lacks makes the decision needs_input.",
        "type": "object",
        "properties": {name: _input_schema(inp) for name, inp in policy.inputs.items()},
        "additionalProperties": False,
    }
