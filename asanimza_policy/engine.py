"""The walk: (policy, context, as_of) -> Decision, and nothing else.

The walk reports what happens to listeners (``walk_started``, ``node_entered``,
``branch_taken``, ``value_derived``, ``step_planned``, ``input_missing``,
``outcome_reached``).  The decision's trace, citations and assumptions are
collected by one such listener, so coverage, tracing or diagram highlighting
are more listeners, never flags inside the walk.

Evaluation is pure: the caller's context is read, never changed; nothing is
read from disk; the only state is a per-call dict of values.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from .context import validate
from .dates import ORDINARY_YEARS
from .decision import COMPLETE, NEEDS_INPUT, Assumption, Choice, Decision, Fields, PlannedStep, Question
from .errors import InvalidContext, PolicyError
from .expr import AS_OF, OutOfRange, Unknown, _merge
from .findings import Finding
from .model import Branch, DecisionNode, Derived, GraphNode, MapEntry, OutcomeNode, Policy, Step
from .template import fill_known, show
from .words import reasons


class Listener:
    """Receives the events of a walk; override what you need."""

    def walk_started(self, policy: Policy, as_of: date) -> None: ...
    def node_entered(self, node) -> None: ...
    def branch_taken(self, node, branch) -> None: ...
    def value_derived(self, derived: Derived, entry: MapEntry | None) -> None: ...
    def step_planned(self, outcome: OutcomeNode, step: Step) -> None: ...
    def input_missing(self, node, names: tuple[str, ...]) -> None: ...
    def outcome_reached(self, node: OutcomeNode) -> None: ...


class _Recorder(Listener):
    """Collects what the decision document reports about the walk."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.trace: list[str] = []
        self.citations: dict[str, None] = {}
        self.assumptions: dict[str, None] = {}
        self.taken: list = []                 # (node, branch) of each branch taken
        self.values: dict = {}                # the walk's values, for the reasons' words
        self.caveats: dict[str, None] = {}

    def _cite(self, cites, assumes=()) -> None:
        for c in cites:
            self.citations.setdefault(c)
        for a in assumes:
            self.assumptions.setdefault(a)
            for c in self.policy.assumptions[a].cites:
                self.citations.setdefault(c)

    def branch_taken(self, node, branch) -> None:
        self.taken.append((node, branch))

    def node_entered(self, node) -> None:
        self.trace.append(node.id)
        self._cite(node.cites, node.assumes)

    def value_derived(self, derived, entry) -> None:
        self._cite(derived.cites, derived.assumes)
        if entry is not None:
            self._cite(entry.cites)

    def step_planned(self, outcome, step) -> None:
        self._cite(step.cites, step.assumes)
        for c in step.caveats:
            self.caveats.setdefault(c)

    def outcome_reached(self, node) -> None:
        for c in node.caveats:
            self.caveats.setdefault(c)


class _Scope:
    """The values one evaluation can read; derived values computed on demand."""

    __slots__ = ("values", "derived", "listeners")

    def __init__(self, values: dict, derived, listeners):
        self.values = values
        self.derived = derived
        self.listeners = listeners

    def lookup(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            pass
        d = self.derived.get(name)
        if d is None:
            v = Unknown((name,))
        elif d.expression is not None:
            v = d.expression.fn(self)
            if type(v) is not Unknown:
                for listener in self.listeners:
                    listener.value_derived(d, None)
        else:
            key = self.lookup(d.map_from)
            if type(key) is Unknown:
                v = key
            else:
                entry = d.table[key]
                v = entry.value
                for listener in self.listeners:
                    listener.value_derived(d, entry)
        self.values[name] = v
        return v


def _gap(policy: Policy, node, message: str) -> PolicyError:
    return PolicyError([Finding.at("NODE_GAP", message, policy.path, node.pos)])


def _holds(branch: Branch, scope: _Scope) -> Any:
    """True, False or the Unknown that blocks a branch's condition (only `otherwise` has none)."""
    return branch.when.fn(scope) if branch.when is not None else True


def _choose(policy: Policy, node: DecisionNode, scope: _Scope):
    """The branch to take, or the Unknown that blocks the choice."""
    if node.match == "first":
        for i, br in enumerate(node.branches):
            v = _holds(br, scope)
            if v is True:
                return br, None
            if v is not False:
                unknown = v
                for later in node.branches[i + 1:]:
                    w = _holds(later, scope)
                    if type(w) is Unknown:
                        unknown = _merge(unknown, w)
                return None, unknown
        return node.otherwise, None
    # unique: the branches exclude each other, so a true branch decides even when
    # others cannot be evaluated yet; two true branches are a defect of the policy.
    taken, unknown = None, None
    for br in node.branches:
        v = _holds(br, scope)
        if v is True:
            if taken is not None:
                raise _gap(policy, node, f"node {node.id!r}: branches {taken.index + 1} and {br.index + 1} "
                           "both match (declare match: first, or make them exclusive)")
            taken = br
        elif v is not False:
            unknown = _merge(unknown, v)
    if taken is not None:
        return taken, None
    if unknown is not None:
        return None, unknown
    return node.otherwise, None


def _plan(policy: Policy, node: OutcomeNode, scope: _Scope):
    planned: list[PlannedStep] = []
    used: list[Step] = []
    unknown = None
    for step in node.steps:
        if step.when is not None:
            v = step.when.fn(scope)
            if v is False:
                continue
            if v is not True:
                unknown = _merge(unknown, v)
                continue
        fields: dict[str, Any] = {}
        for fname in policy.actions[step.action].fields:
            e = step.with_.get(fname)
            val = e.fn(scope) if e is not None else None
            if type(val) is Unknown:
                unknown = _merge(unknown, val)
            fields[fname] = val
        pieces = []
        for kind, value in step.text.parts:
            if kind == "text":
                pieces.append(value)
                continue
            val = fields[value] if value in fields else scope.lookup(value)
            if type(val) is Unknown:
                unknown = _merge(unknown, val)
            pieces.append(show(val))
        if unknown is None:
            planned.append(PlannedStep(step.action, "".join(pieces), Fields(fields), step.caveats))
            used.append(step)
    return planned, used, unknown


def _blame(policy: Policy, values: dict, names: Iterable[str]) -> str | None:
    """The given date (input or as_of) that pushed arithmetic off the calendar,
    or None when every date it read is ordinary (a defect of the policy)."""
    behind = _inputs_behind(policy, names)
    extreme = [n for n in behind if isinstance(values.get(n), date) and values[n].year not in ORDINARY_YEARS]
    if not extreme:     # every date ordinary: a number the caller gave may be the offset that is not
        extreme = [n for n in behind if type(values.get(n)) is int and abs(values[n]) >= EXTREME_OFFSET]
    return extreme[0] if extreme else None


# An offset of this many (years, at most) takes an ordinary date (years 1000 to 9000)
# off the calendar; a caller's number this large is the caller's, not the policy's.
EXTREME_OFFSET = 1000


def _inputs_behind(policy: Policy, names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n in policy.inputs or n == AS_OF:
            out.append(n)
        elif n in policy.derived:
            out.extend(_inputs_behind(policy, policy.derived[n].names))
    return out


class _End:
    """What an outcome hands back to the walk: itself and the steps planned for the person."""

    __slots__ = ("node", "steps", "documents")

    def __init__(self, node: OutcomeNode, steps: tuple[PlannedStep, ...], documents: tuple[str, ...]):
        self.node = node
        self.steps = steps
        self.documents = documents


def _at_decision(policy: Policy, node: DecisionNode, scope: _Scope, ls) -> str | Unknown:
    """The id of the next node, or the Unknown that blocks the choice."""
    branch, unknown = _choose(policy, node, scope)
    if unknown is not None:
        return unknown
    if branch is None:
        raise _gap(policy, node, f"node {node.id!r}: no branch matches and there is no otherwise")
    for listener in ls:
        listener.branch_taken(node, branch)
    return branch.goto


def _at_outcome(policy: Policy, node: OutcomeNode, scope: _Scope, ls) -> _End | Unknown:
    """The planned steps, or the Unknown that blocks one of them."""
    planned, used, unknown = _plan(policy, node, scope)
    documents = node.documents
    if node.document_when:
        kept = []
        for doc, when in zip(node.documents, node.document_when, strict=True):
            v = True if when is None else when.fn(scope)
            if type(v) is Unknown:
                unknown = _merge(unknown, v)
            elif v:
                kept.append(doc)
        documents = tuple(dict.fromkeys(kept))
    if unknown is not None:
        return unknown
    for step in used:
        for listener in ls:
            listener.step_planned(node, step)
    for listener in ls:
        listener.outcome_reached(node)
    return _End(node, tuple(planned), documents)


# What the walk does at each kind of node: returns the next node's id, an
# Unknown (the decision needs input) or an _End (the decision is complete).
# A kind missing here is an error of the program, never taken for an outcome.
NODE_HANDLERS: dict[str, Callable[..., str | Unknown | _End]] = {
    "decision": _at_decision,
    "outcome": _at_outcome,
}


def run(policy: Policy, context: Any, as_of: date, listeners: Iterable[Listener] = ()) -> Decision:
    """Walk ``policy`` for ``context`` on ``as_of``."""
    values = validate(policy, context)
    values[AS_OF] = as_of
    recorder = _Recorder(policy)
    recorder.values = values
    ls = (recorder, *listeners)
    scope = _Scope(values, policy.derived, ls)
    nodes = policy.nodes
    node = nodes[policy.start]
    for listener in listeners:
        listener.walk_started(policy, as_of)
    try:
        for _ in range(len(nodes)):
            for listener in ls:
                listener.node_entered(node)
            handler = NODE_HANDLERS.get(node.kind)
            if handler is None:
                raise TypeError(f"the walk has no rule for node kind {node.kind!r} (node {node.id!r})")
            result = handler(policy, node, scope, ls)
            if isinstance(result, str):
                node = nodes[result]
            elif isinstance(result, Unknown):
                return _needs_input(policy, as_of, recorder, ls, node, result, scope)
            else:
                end = result.node
                explanation = fill_known(end.explanation, scope.lookup) if end.explanation else None
                return _decision(policy, as_of, recorder, end.status, outcome=end.id, missing=(), steps=result.steps,
                                 documents=result.documents, title=end.title, explanation=explanation or None)
    except OutOfRange as e:
        field = _blame(policy, values, e.names)
        if field is None:
            message = f"node {node.id!r}: {e}, whatever the context; the policy's date arithmetic cannot be evaluated"
            raise PolicyError([Finding.at("DATE_OVERFLOW", message, policy.path, node.pos)]) from None
        raise InvalidContext(f"{field}: {e}", field) from None
    raise _gap(policy, node, "the walk did not reach an outcome")  # pragma: no cover, no mutate - graphs are acyclic


def _decision(policy: Policy, as_of: date, recorder: _Recorder, status: str, **what) -> Decision:
    """The result of a walk, with what the recorder collected on the way."""
    return Decision(
        policy=policy.id, version=policy.version, policy_digest=policy.sha256, as_of=as_of, status=status,
        trace=tuple(recorder.trace), citations=tuple(recorder.citations),
        assumptions=tuple(Assumption(a, policy.assumptions[a].text) for a in recorder.assumptions),
        reasons=reasons(policy, recorder.taken, recorder.values),
        caveats=tuple(policy.caveats[c] for c in recorder.caveats), **what)


def _needs_input(policy, as_of, recorder, ls, node: GraphNode, unknown: Unknown, scope: _Scope) -> Decision:
    # the node's missing fields, in the order the policy declares its inputs: the
    # author decides which question comes first by ordering `inputs`.  An optional
    # input is never asked (the builder makes sure a walk never waits for one).
    rank = {name: i for i, name in enumerate(policy.inputs)}
    inputs = policy.inputs
    missing = tuple(sorted((n for n in unknown.names if n in inputs and not inputs[n].optional),
                           key=rank.__getitem__))
    for listener in ls:
        listener.input_missing(node, missing)
    questions = tuple(_question(inputs[n], scope) for n in missing)
    return _decision(policy, as_of, recorder, NEEDS_INPUT, outcome=None, missing=missing, steps=(), documents=(),
                     title=None, questions=questions)


def _question(inp, scope: _Scope) -> Question:
    """How to ask for one input, its question filled in with the values known so far."""
    choices = None if inp.values is None else tuple(Choice(v, inp.labels.get(v, v)) for v in inp.values)
    text = fill_known(inp.question_template, scope.lookup) if inp.question_template else inp.question
    return Question(inp.name, text, inp.type, choices)


__all__ = ["Listener", "run", "COMPLETE", "NEEDS_INPUT"]
