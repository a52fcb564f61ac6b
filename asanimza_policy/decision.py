"""What evaluation returns: the contract's decision document.

A :class:`Decision` says, for one policy version, one context and one day,
what the person must do (:class:`PlannedStep` s in order), what to present,
which way through the policy's graph led there, and which sentences of the
policy's source and which of its named assumptions that rests on; or, when
the context lacks something the walk needs, which fields to ask for next
(:class:`Question` s).  ``to_dict()`` is the JSON document every front end
returns (Python, the command line, the HTTP API); its JSON Schema is
``schema/decision.schema.json``.

Every part is an immutable value: it compares, hashes, copies and pickles (so a
decision crosses to another process), and its Python shape follows its JSON
shape: ``decision.assumptions[0].id`` is ``doc["assumptions"][0]["id"]``,
``decision.steps[0].deadline`` is ``doc["steps"][0]["deadline"]`` and
``question.choices[0].label`` is ``doc["questions"][0]["choices"][0]["label"]``
(dates stay ``datetime.date`` in Python and are ISO strings in JSON).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, NamedTuple

COMPLETE, NEEDS_INPUT, NOT_COVERED = "complete", "needs_input", "not_covered"


class Fields(Mapping):
    """A read-only mapping of a step's extra fields, in the action's order.

    Unlike ``types.MappingProxyType`` it pickles, hashes and compares by value.
    """

    __slots__ = ("_d",)
    _d: dict[str, Any]

    def __init__(self, items: Mapping[str, Any] | Any = ()):
        object.__setattr__(self, "_d", dict(items))

    def __getitem__(self, key: str) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fields):
            return self._d == other._d
        return self._d == other if isinstance(other, Mapping) else NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._d.items()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("step fields are read-only")

    def __reduce__(self):
        return (Fields, (self._d,))

    def __repr__(self) -> str:
        return f"Fields({self._d!r})"


class Assumption(NamedTuple):
    """A named assumption the decision rests on; JSON ``{"id": ..., "text": ...}``."""
    id: str
    text: str


class Choice(NamedTuple):
    """One accepted answer to a question; JSON ``{"value": ..., "label": ...}``."""
    value: str
    label: str


@dataclass(frozen=True)
class PlannedStep:
    """One thing to do.

    ``action`` is one of the actions the policy declares; ``text`` says it in
    words for this person (placeholders filled in); ``fields`` holds every
    extra field the action declares, in the declared order, each present:
    dates as ``date`` (or ``None``: for a deadline, no time limit), other
    values as the policy computed them.  The extra fields are also attributes
    (``step.deadline``), as they are keys of the step in JSON.
    """
    action: str
    text: str
    fields: Fields        # the action's extra fields, all present, in order
    caveats: tuple[str, ...] = ()    # ids of the policy's caveats attached to this step

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails; never for the dataclass fields
        # themselves once set (guards unpickling, when ``fields`` is not set yet)
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(f"step {self.__dict__.get('action')!r} has no field {name!r}") from None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"action": self.action, "text": self.text}
        for k, v in self.fields._d.items():
            out[k] = v if v is None or type(v) is str else v.isoformat() if isinstance(v, date) else v
        return out


@dataclass(frozen=True)
class Question:
    """How to ask for one missing field (an extension of the contract).

    ``text`` is the policy's question; ``type`` the field's declared type
    (boolean, enum, date, integer, string); for an enum, ``choices`` are the
    allowed values in order, each a :class:`Choice` (value, label); ``None``
    for a field without a fixed list of values.
    """
    field: str
    text: str
    type: str
    choices: tuple[Choice, ...] | None = None

    @property
    def labels(self) -> dict[str, str]:
        """value -> label of the choices (empty without choices)."""
        return {c.value: c.label for c in self.choices or ()}

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"field": self.field, "text": self.text, "type": self.type}
        if self.choices is not None:
            out["choices"] = [{"value": v, "label": lab} for v, lab in self.choices]
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
    readings where its source is silent or ambiguous; ``reasons`` why the walk
    went the way it did: for each branch taken, in the order of ``trace``, the
    condition that held, in words, with the dates and numbers it read.
    ``explanation`` is the reached outcome's description with its placeholders
    filled in (``None`` when it has none: a ``not_covered`` answer says why
    there), and ``caveats`` the facts of other official sources that the plan
    rests on (the policy's :class:`~asanimza_policy.model.Caveat` s attached
    to the outcome or to a planned step; each step lists its own in
    ``PlannedStep.caveats``).  Frozen; equal inputs give an equal decision.
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
    assumptions: tuple[Assumption, ...]
    # extensions beyond the contract
    title: str | None = None                      # the outcome's title
    questions: tuple[Question, ...] = ()          # with needs_input, in the order of missing
    reasons: tuple[str, ...] = ()                 # what held at each branch taken, in words, in order
    explanation: str | None = None                # the outcome's description, filled in
    caveats: tuple[Any, ...] = ()                 # model.Caveat: facts of other sources the plan rests on
    policy_digest: str = ""                       # SHA-256 of the version's file and source text

    def __getattr__(self, name: str) -> Any:
        # reached only for a field not set yet: the steps a compiled walk left
        # to build on first use (see :func:`new_decision`)
        raw = self.__dict__.get("_raw")
        if raw is None or name != "steps":
            raise AttributeError(f"'Decision' object has no attribute {name!r}")
        value = steps_of(raw)
        object.__setattr__(self, name, value)
        return value

    def __getstate__(self) -> dict:
        # every field worked out, nothing of the walk's own: a decision crosses processes as it is
        return {name: getattr(self, name) for name in _FIELDS}

    def to_dict(self) -> dict:
        """The contract's JSON document (plain dicts, lists and strings)."""
        state = self.__dict__
        raw = state.get("_raw")
        if raw is not None and "steps" not in state:
            steps = [r[0](*r[2:]) for r in raw]     # each step's JSON, by the function written for it
        else:
            steps = [s.to_dict() for s in self.steps]
        # every field but the steps is in the instance's dictionary (set by the
        # constructor or by ``new_decision``): read from it, it is a hot path
        questions, caveats = state["questions"], state["caveats"]
        return {
            "policy": state["policy"],
            "version": state["version"],
            "as_of": state["as_of"].isoformat(),
            "status": state["status"],
            "outcome": state["outcome"],
            "missing": list(state["missing"]),
            "steps": steps,
            "documents": list(state["documents"]),
            "trace": list(state["trace"]),
            "citations": list(state["citations"]),
            "assumptions": [{"id": i, "text": t} for i, t in state["assumptions"]],
            "title": state["title"],
            "questions": [q.to_dict() for q in questions] if questions else [],
            "reasons": list(state["reasons"]),
            "explanation": state["explanation"],
            "caveats": [self._caveat(c) for c in caveats] if caveats else [],
            "policy_digest": state["policy_digest"],
        }

    def _caveat(self, caveat: Any) -> dict:
        out = caveat.to_dict()
        out["steps"] = [i for i, s in enumerate(self.steps, 1) if caveat.id in s.caveats]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The document as JSON text; ``indent=None`` gives one compact line, fast."""
        if indent is None:
            from .encode import decision_json
            return decision_json(self)
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


# -- fast constructors for the compiled walk ----------------------------------------
# A frozen dataclass sets each field through ``object.__setattr__``; a compiled
# policy builds thousands of decisions a second, so it fills the instance's
# ``__dict__`` in one go instead.  The result is the same object: it compares,
# hashes, copies and pickles as one built by the constructor (a test holds this).

_new = object.__new__
_set = object.__setattr__


def new_fields(items: dict[str, Any]) -> Fields:
    """``Fields(items)`` taking ownership of ``items`` (no copy)."""
    f = _new(Fields)
    _set(f, "_d", items)
    return f


def new_step(action: str, text: str, fields: Fields, caveats: tuple[str, ...]) -> PlannedStep:
    """``PlannedStep(action, text, fields, caveats)``."""
    s = _new(PlannedStep)
    _set(s, "__dict__", {"action": action, "text": text, "fields": fields, "caveats": caveats})
    return s


_FIELDS = tuple(f.name for f in fields(Decision))


class StepSpec(NamedTuple):
    """What a compiled policy knows of a step before its walk: the action, the
    names of its extra fields in order, and its caveats."""
    action: str
    fields: tuple[str, ...]
    caveats: tuple[str, ...]


def steps_of(raw: tuple[tuple, ...]) -> tuple[PlannedStep, ...]:
    """The planned steps of a compiled walk's step tuples (see :func:`new_decision`)."""
    return tuple(new_step(r[1].action, r[2], new_fields(dict(zip(r[1].fields, r[3:], strict=True))), r[1].caveats)
                 for r in raw)


def new_decision(policy: str, version: str, as_of: date, status: str, outcome: str | None,
                 missing: tuple[str, ...], documents: tuple[str, ...], trace: tuple[str, ...],
                 citations: tuple[str, ...], assumptions: tuple[Assumption, ...], title: str | None,
                 questions: tuple[Question, ...], reasons: tuple[str, ...], explanation: str | None,
                 caveats: tuple[Any, ...], policy_digest: str, raw: tuple[tuple, ...]) -> Decision:
    """``Decision(...)`` with every field given but the steps.

    A batch or a service mostly wants the JSON document, so a compiled walk
    keeps each planned step as one tuple ``(to_doc, spec, text, *fields)``:
    ``to_doc(text, *fields)`` is the step's JSON object (a function the compiler
    wrote for that step, dates already typed), ``spec`` its :class:`StepSpec`.
    ``to_dict`` writes the steps from them; ``Decision.steps`` builds the
    :class:`PlannedStep` s when first read; pickling builds them too and keeps
    nothing of the walk's own (``__getstate__``)."""
    d = _new(Decision)
    state = {
        "policy": policy, "version": version, "as_of": as_of, "status": status, "outcome": outcome,
        "missing": missing, "documents": documents, "trace": trace, "citations": citations,
        "assumptions": assumptions, "title": title, "questions": questions, "reasons": reasons,
        "explanation": explanation, "caveats": caveats, "policy_digest": policy_digest}
    if raw:
        state["_raw"] = raw
    else:
        state["steps"] = ()
    _set(d, "__dict__", state)
    return d
