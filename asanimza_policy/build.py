"""Building the model: a loaded document -> a frozen :class:`~asanimza_policy.model.Policy`.

``build_policy`` reads a :class:`~asanimza_policy.loader.Document` strictly:
every key it does not know, every value of the wrong shape, every reference to
a node, step, action, document or assumption that does not exist and every
expression that does not parse or type-check becomes a finding at the
position of the offending YAML node.  It never raises on bad data; it collects,
and raises :class:`~asanimza_policy.errors.PolicyError` once at the end.

The JSON Schema (``schema/policy.schema.json``) describes the same format for
editors and for ``check``; this builder is what the interpreter trusts, so a
policy that was never run through ``check`` still cannot be half-read.

Node kinds are read through one table, :data:`NODE_KINDS` (the keys a kind
allows and requires, and the method that builds it); see docs/extending.md.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from . import expr as ex
from .build_entries import input_range, outcome_documents, web_address
from .build_values import ValueReader
from .errors import PolicyError
from .findings import ERROR, did_you_mean, kind_of
from .loader import Document
from .model import (
    POLICY_ID,
    SEMVER,
    Action,
    Assumption,
    Branch,
    Caveat,
    DecisionNode,
    GraphNode,
    Input,
    OutcomeNode,
    Policy,
    Source,
    Step,
)
from .shape import _MISSING
from .template import parse_template

INPUT_TYPES = ("boolean", "enum", "date", "integer", "string")
FIELD_TYPES = ("date", "string", "integer", "boolean")
STATUSES = ("complete", "not_covered")
MATCH_MODES = ("first", "unique")
MAX_STEPS_PER_OUTCOME = 100

TOP_KEYS = ("id", "version", "title", "description", "effective_from", "effective_until", "timezone",
            "source", "inputs", "derived", "actions", "documents", "assumptions", "caveats", "steps", "start",
            "nodes")
TOP_REQUIRED = ("id", "version", "title", "effective_from", "timezone", "source", "inputs", "actions",
                "start", "nodes")
STEP_KEYS = ("action", "text", "with", "when", "cites", "assumes", "caveats")
NODE_COMMON = ("kind", "title", "description", "cites", "assumes")
# a step's JSON keys and its attributes in Python (decision.PlannedStep): an action's
# extra field cannot take one of these names, or ``step.<name>`` would be ambiguous
RESERVED_STEP_FIELDS = ("action", "text", "fields", "caveats", "to_dict")


@dataclass(frozen=True)
class NodeKind:
    """How the builder reads one kind of node: the keys it allows beyond the
    common ones, the keys it requires, and the builder method that makes it
    (``method(builder, nid, body, path, common) -> node | None``, where
    ``common`` holds title, description, cites and assumes)."""
    keys: tuple[str, ...]
    required: tuple[str, ...]
    build: Callable[..., GraphNode | None]


class PolicyBuilder(ValueReader):
    """The state of one build: the document, the findings so far and what the
    sections read earlier declare (names and types, actions, documents, ...);
    expressions and derived values are read by :class:`ValueReader`."""

    def _caveats(self, raw) -> dict[str, Caveat]:
        out: dict[str, Caveat] = {}
        keys = ("title", "url", "read_on", "text")
        for cid, body, p in self.section(raw, "caveats", "caveat", keys, keys):
            title = self.text(body.get("title", _MISSING), p + ("title",), "caveat title")
            url = web_address(self, self.text(body.get("url", _MISSING), p + ("url",), "caveat url"), p + ("url",))
            read_on = self.day(body.get("read_on", _MISSING), p + ("read_on",), "read_on")
            text = self.text(body.get("text", _MISSING), p + ("text",), "caveat text")
            if title and url and read_on and text:
                out[cid] = Caveat(cid, title, url, read_on, text, self.doc.pos(p))
        return out

    def _input_questions(self) -> None:
        """Each input's question as a template, once the derived values are known."""
        for name, inp in list(self.inputs.items()):
            template = self.names_template(inp.question, ("inputs", name, "question"), "question")
            if template is not None:
                self.inputs[name] = replace(inp, question_template=template)

    # -- the document --------------------------------------------------------

    def build(self) -> Policy:
        doc = self.doc
        top = self.mapping(doc.data, (), "a policy file", TOP_KEYS, TOP_REQUIRED) if doc.data is not None else None
        if doc.data is None:
            self.err("SCHEMA_EMPTY", "the file is empty; a policy file is a mapping with id, version, nodes, ...")
        if top is None:
            raise PolicyError(self.findings)
        get = top.get

        pid = self.ident(get("id", _MISSING), ("id",), "id", POLICY_ID)
        version = self.text(get("version", _MISSING), ("version",), "version")
        if version is not None and not SEMVER.match(version):
            self.err("SCHEMA_VERSION", f"version must be a semantic version like 1.0.0; got {version!r}",
                     ("version",))
        title = self.text(get("title", _MISSING), ("title",), "title")
        description = self.text(get("description"), ("description",), "description", optional=True) or ""
        eff_from = self.day(get("effective_from", _MISSING), ("effective_from",), "effective_from")
        eff_until = self.day(get("effective_until"), ("effective_until",), "effective_until", optional=True)
        if eff_from and eff_until and eff_until < eff_from:
            self.err("SCHEMA_DATES", f"effective_until {eff_until} is before effective_from {eff_from}",
                     ("effective_until",))
        tz = self.text(get("timezone", _MISSING), ("timezone",), "timezone")
        if tz is not None and not _valid_timezone(tz):
            self.err("SCHEMA_TIMEZONE", f"unknown time zone {tz!r} (an IANA name such as Asia/Baku)",
                     ("timezone",))
        source = self._source(get("source", _MISSING))

        self.assumptions = self._assumptions(get("assumptions"))
        self.caveats = self._caveats(get("caveats"))
        self.inputs = self._inputs(get("inputs", _MISSING))
        self.env = {n: i.expr_type for n, i in self.inputs.items()}
        self.env.update((n, ex.BROKEN) for n in self.broken_inputs)
        self.env[ex.AS_OF] = ex.DATE
        derived, order = self._derived(get("derived"))
        self._input_questions()
        self.actions = self._actions(get("actions", _MISSING))
        self.documents = self._documents(get("documents"))
        for sid, raw, p in self.section(get("steps"), "steps", "step"):
            step = self._step(raw, p, sid)
            if step:
                self.library[sid] = step
        nodes = self._nodes(get("nodes", _MISSING))
        start = self.text(get("start", _MISSING), ("start",), "start")
        if start is not None and nodes is not None and start not in nodes:
            self.err("REF_NODE", f"start node {start!r} does not exist{did_you_mean(start, nodes)}", ("start",))
        if nodes and start in nodes:
            self._check_acyclic(nodes, start)
            if not any(f.severity == ERROR for f in self.findings):
                self._check_optional_reads(derived, nodes, start)

        if any(f.severity == ERROR for f in self.findings):
            raise PolicyError(self.findings)
        # no error: every required part was read (each one missing is an error above)
        assert pid and version and title and eff_from and tz and source and start and nodes is not None
        return Policy(
            id=pid, version=version, title=title, description=description,
            effective_from=eff_from, effective_until=eff_until, timezone=tz, source=source,
            inputs=MappingProxyType(self.inputs), derived=MappingProxyType(derived),
            actions=MappingProxyType(self.actions), documents=MappingProxyType(self.documents),
            assumptions=MappingProxyType(self.assumptions), caveats=MappingProxyType(self.caveats),
            steps=MappingProxyType(self.library), start=start,
            nodes=MappingProxyType(nodes), path=doc.path, sha256=_digest(doc), derived_order=order)

    def _source(self, raw) -> Source | None:
        p = ("source",)
        if raw is _MISSING or self.mapping(raw, p, "source", ("title", "url", "path", "uncited", "retrieved_on",
                                                              "sha256"),
                                           ("title", "path")) is None:
            return None
        title = self.text(raw.get("title", _MISSING), p + ("title",), "source title")
        url = web_address(self, self.text(raw.get("url"), p + ("url",), "source url", optional=True), p + ("url",))
        path = self.text(raw.get("path", _MISSING), p + ("path",), "source path")
        uncited: list[tuple[str, str]] = []
        items = raw.get("uncited") or []
        if not isinstance(items, list):
            self.err("SCHEMA_TYPE", f"uncited must be a list; got {kind_of(items)}", p + ("uncited",))
            items = []
        for i, item in enumerate(items):        # sentences the policy leaves uncited on purpose, with why
            ip = p + ("uncited", i)
            if self.mapping(item, ip, "an uncited sentence", ("text", "reason"), ("text", "reason")) is not None:
                text = self.text(item.get("text", _MISSING), ip + ("text",), "uncited text")
                reason = self.text(item.get("reason", _MISSING), ip + ("reason",), "reason")
                if text and reason:
                    uncited.append((text, reason))
        retrieved_on = self.day(raw.get("retrieved_on"), p + ("retrieved_on",), "retrieved_on", optional=True)
        sha256 = self.text(raw.get("sha256"), p + ("sha256",), "source sha256", optional=True)
        if sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", sha256):
            self.err("SCHEMA_HASH", "source sha256 must be 64 lowercase hex digits (the SHA-256 of the source text "
                     "with line endings normalised)", p + ("sha256",))
            sha256 = None
        if title is None or path is None:
            return None
        return Source(title, url, path, self.doc.pos(p), tuple(uncited), retrieved_on, sha256)

    def _assumptions(self, raw) -> dict[str, Assumption]:
        out: dict[str, Assumption] = {}
        for aid, body, p in self.section(raw, "assumptions", "assumption", ("text", "cites"), ("text",)):
            text = self.text(body.get("text", _MISSING), p + ("text",), "assumption text")
            cites = self.strings(body.get("cites"), p + ("cites",), "cites")
            if text:
                out[aid] = Assumption(aid, text, cites, self.doc.pos(p))
        return out

    def _inputs(self, raw) -> dict[str, Input]:
        out: dict[str, Input] = {}
        keys = ("type", "values", "labels", "question", "description", "optional", "minimum", "maximum")
        for name, body, p in self.section(raw, "inputs", "input", keys, ("type", "question")):
            found_before = len(self.findings)
            if name in ex.RESERVED:
                self.err("SCHEMA_NAME", f"{name!r} is reserved in expressions; choose another input name", p,
                         key=True)
                continue
            typ = self.enum(body.get("type", _MISSING), p + ("type",), "type", INPUT_TYPES)
            question = self.text(body.get("question", _MISSING), p + ("question",), "question")
            desc = self.text(body.get("description"), p + ("description",), "description", optional=True) or ""
            values = None
            if typ == "enum":
                values = self.strings(body.get("values", _MISSING), p + ("values",), "values")
                if not values:
                    self.err("SCHEMA_REQUIRED", f"enum input {name!r} needs a non-empty list of values", p)
                elif len(set(values)) != len(values):
                    self.err("SCHEMA_DUPLICATE", f"values of {name!r} repeat", p + ("values",))
            elif "values" in body:
                self.err("SCHEMA_UNKNOWN_KEY", f"only enum inputs have values ({name!r} is {typ})",
                         p + ("values",), key=True)
            labels: dict[str, str] = {}
            raw_labels = body.get("labels")
            if raw_labels is not None and self.mapping(raw_labels, p + ("labels",), "labels") is not None:
                for v, label in raw_labels.items():
                    if values is None or v not in values:
                        self.err("REF_VALUE", f"label for {v!r}, which is not a value of {name!r}",
                                 p + ("labels", v), key=True)
                    elif self.text(label, p + ("labels", v), "label"):
                        labels[v] = label
            optional = False
            if "optional" in body:
                optional = body["optional"]
                if type(optional) is not bool:
                    self.err("SCHEMA_TYPE", f"optional must be true or false; got {kind_of(optional)}",
                             p + ("optional",))
                    optional = False
            low, high = input_range(self, body, p, typ)
            if len(self.findings) > found_before:
                # reported here; later stages see the name as broken (no second finding) and
                # never read the half-built input (an enum without values, ...)
                self.broken_inputs.add(name)
            elif typ and question:
                out[name] = Input(name, typ, values or None, question, desc, MappingProxyType(labels),
                                  self.doc.pos(p), optional, minimum=low, maximum=high)
        return out

    def _actions(self, raw) -> dict[str, Action]:
        out: dict[str, Action] = {}
        for name, body, p in self.section(raw, "actions", "action", ("description", "fields"), ("description",)):
            desc = self.text(body.get("description", _MISSING), p + ("description",), "description")
            fields: dict[str, str] = {}
            raw_fields = body.get("fields")
            if raw_fields is not None and self.mapping(raw_fields, p + ("fields",), "fields") is not None:
                for fname, ftype in raw_fields.items():
                    fp = p + ("fields", fname)
                    if fname in RESERVED_STEP_FIELDS:
                        what = "is reserved for every step" if fname in ("action", "text") else \
                            "is reserved: a step's own attribute in Python (step." + fname + ")"
                        self.err("SCHEMA_NAME", f"field {fname!r} {what}", fp, key=True)
                    elif self.ident(fname, fp, "a field name") and self.enum(ftype, fp, "field type", FIELD_TYPES):
                        fields[fname] = ftype
            if desc:
                out[name] = Action(name, desc, MappingProxyType(fields), self.doc.pos(p))
        return out

    def _documents(self, raw) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, desc, p in self.section(raw, "documents", "document"):
            if self.text(desc, p, f"description of document {name!r}"):
                out[name] = desc
        return out

    def _step(self, raw, p, sid) -> Step | None:
        if self.mapping(raw, p, "a step", STEP_KEYS, ("action", "text")) is None:
            return None
        actions = self.actions
        action = self.text(raw.get("action", _MISSING), p + ("action",), "action")
        if action is not None and action not in actions:
            self.err("REF_ACTION", f"action {action!r} is not declared under actions"
                     f"{did_you_mean(action, actions)}", p + ("action",))
            action = None
        text = self.text(raw.get("text", _MISSING), p + ("text",), "step text")
        when = None
        if "when" in raw:
            when = self.expression(raw["when"], p + ("when",), "when", ex.BOOLEAN)
        cites, assumes = self.cited(raw, p)
        caveats = self.caveat_refs(raw, p)
        withs: dict[str, ex.Expression] = {}
        raw_with = raw.get("with")
        if raw_with is not None and self.mapping(raw_with, p + ("with",), "with") is not None and action:
            declared = actions[action].fields
            for fname, value in raw_with.items():
                fp = p + ("with", fname)
                if fname not in declared:
                    self.err("REF_FIELD", f"action {action!r} has no field {fname!r}; its fields are "
                             f"{', '.join(declared) or 'none'}", fp, key=True)
                    continue
                e = self.expression(value, fp, f"field {fname}", ex.TYPES[declared[fname]])
                if e is not None:
                    withs[fname] = e
        template = None
        if text is not None:
            try:
                template = parse_template(text)
            except ex.ExprError as e:
                self.err("TEMPLATE", f"step text: {e.message}", p + ("text",), offset=e.offset)
            else:
                own = set(actions[action].fields) if action else set()
                for name in template.names:
                    if name not in self.env and name not in own:
                        self.err("TEMPLATE", f"step text names {{{name}}}, which is not an input, a derived value "
                                 f"or a field of this step{did_you_mean(name, self.env) or did_you_mean(name, own)}",
                                 p + ("text",))
        if action is None or template is None:
            return None
        return Step(sid, action, template, MappingProxyType(withs), when, cites, assumes, self.doc.pos(p), caveats)

    # -- the graph -----------------------------------------------------------

    def _nodes(self, raw) -> dict[str, GraphNode] | None:
        if raw is _MISSING or self.mapping(raw, ("nodes",), "nodes") is None:
            return None
        out: dict[str, GraphNode] = {}
        for nid, body, p in self.section(raw, "nodes", "node"):
            if not isinstance(body, dict):
                self.mapping(body, p, f"node {nid!r}")
                continue
            kind = self.enum(body.get("kind", _MISSING), p + ("kind",), "kind", tuple(NODE_KINDS))
            if kind is None:
                if "kind" not in body:
                    self.err("SCHEMA_REQUIRED", f"node {nid!r} needs kind: {' or '.join(NODE_KINDS)}", p)
                continue
            spec = NODE_KINDS[kind]
            self.mapping(body, p, f"{kind} node {nid!r}", NODE_COMMON[:3] + spec.keys + NODE_COMMON[3:],
                         ("kind", "title") + spec.required)
            common = {
                "title": self.text(body.get("title", _MISSING), p + ("title",), "title") or nid,
                "description": self.text(body.get("description"), p + ("description",), "description",
                                         optional=True) or "",
            }
            common["cites"], common["assumes"] = self.cited(body, p)
            node = spec.build(self, nid, body, p, common)
            if node is not None:
                out[nid] = node
        for path, target in self.targets:
            if target not in raw:
                self.err("REF_NODE", f"no node {target!r}{did_you_mean(target, raw)}", path)
        return out

    def _decision(self, nid, body, p, common) -> DecisionNode | None:
        match = "unique"
        if "match" in body:
            match = self.enum(body["match"], p + ("match",), "match", MATCH_MODES) or "unique"
        branches: list[Branch] = []
        raw = body.get("branches", _MISSING)
        if raw is not _MISSING:
            if not isinstance(raw, list) or not raw:
                self.err("SCHEMA_TYPE", "branches must be a non-empty list", p + ("branches",))
                raw = []
            for i, br in enumerate(raw):
                bp = p + ("branches", i)
                if self.mapping(br, bp, "a branch", ("when", "goto", "label"), ("when", "goto")) is None:
                    continue
                when = self.expression(br.get("when", _MISSING), bp + ("when",), "when", ex.BOOLEAN) \
                    if "when" in br else None
                goto = self.text(br.get("goto", _MISSING), bp + ("goto",), "goto")
                label = self.text(br.get("label"), bp + ("label",), "label", optional=True)
                if goto is not None:
                    self.targets.append((bp + ("goto",), goto))
                if when is not None and goto is not None:
                    branches.append(Branch(i, when, goto, label, self.doc.pos(bp)))
        otherwise = None
        if body.get("otherwise") is not None:
            goto = self.text(body["otherwise"], p + ("otherwise",), "otherwise")
            if goto is not None:
                self.targets.append((p + ("otherwise",), goto))
                otherwise = Branch(len(branches), None, goto, "otherwise", self.doc.pos(p + ("otherwise",)))
        return DecisionNode(nid, common["title"], common["description"], match, tuple(branches), otherwise,
                            common["cites"], common["assumes"], self.doc.pos(p))

    def _outcome(self, nid, body, p, common) -> OutcomeNode | None:
        status = self.enum(body.get("status", _MISSING), p + ("status",), "status", STATUSES)
        steps: list[Step] = []
        raw_steps = body.get("steps")
        if raw_steps is not None:
            if not isinstance(raw_steps, list):
                self.err("SCHEMA_TYPE", f"steps must be a list; got {kind_of(raw_steps)}", p + ("steps",))
                raw_steps = []
            if len(raw_steps) > MAX_STEPS_PER_OUTCOME:
                self.err("SCHEMA_LIMIT", f"more than {MAX_STEPS_PER_OUTCOME} steps", p + ("steps",))
            for i, raw in enumerate(raw_steps[:MAX_STEPS_PER_OUTCOME]):
                sp = p + ("steps", i)
                if isinstance(raw, str):
                    if raw in self.library:
                        steps.append(self.library[raw])
                    else:
                        self.err("REF_STEP", f"no step {raw!r} under steps{did_you_mean(raw, self.library)}", sp)
                    continue
                step = self._step(raw, sp, f"{nid}#{i + 1}")
                if step:
                    steps.append(step)
        docs, document_when = outcome_documents(self, body.get("documents"), p + ("documents",))
        caveats = self.caveat_refs(body, p)
        explanation = self.names_template(common["description"], p + ("description",), "description") \
            if common["description"] else None
        if status is None:
            return None
        return OutcomeNode(nid, common["title"], common["description"], status, tuple(steps), docs,
                           common["cites"], common["assumes"], self.doc.pos(p), caveats, explanation, document_when)

    def _check_optional_reads(self, derived, nodes, start) -> None:
        """An optional input is never asked: each read needs given() on the way (guards.py)."""
        from .guards import unguarded
        for path, name, problem in unguarded(self.inputs, derived, nodes, start, self.actions):
            if problem == "given":
                self.err("GIVEN_NOT_INPUT", f"given({name}): {name!r} is not an input; given() tests whether the "
                         "caller gave an input (a derived value is computed, never given)", path)
            else:
                self.err("OPTIONAL_UNGUARDED", f"reads the optional input {name!r} where given({name}) is not "
                         f"known to hold; test given({name}) first, in this condition or on a branch on the way",
                         path)

    def _check_acyclic(self, nodes: Mapping[str, GraphNode], start: str) -> None:
        """The walk must end: report a loop reachable from the start."""
        from graphlib import CycleError, TopologicalSorter

        reached: dict[str, list[str]] = {}      # node -> the nodes its exits lead to, in walking order
        todo = [start]
        while todo:
            nid = todo.pop()
            if nid in reached or nid not in nodes:
                continue
            reached[nid] = [b.goto for b in nodes[nid].exits if b.goto in nodes]
            todo.extend(reversed(reached[nid]))
        try:
            # a node's exits stand in for its predecessors: the order is not used, only the loop
            TopologicalSorter(reached).prepare()
        except CycleError as e:
            loop = list(reversed(e.args[1][1:]))     # graphlib lists it against the walk's direction
            first = min(range(len(loop)), key=lambda i: list(reached).index(loop[i]))
            loop = loop[first:] + loop[:first]
            # reported at the goto that closes the loop: the edit that breaks it
            closing = next(b for b in nodes[loop[-1]].exits if b.goto == loop[0])
            at = ("otherwise",) if closing.when is None else ("branches", closing.index, "goto")
            self.err("GRAPH_CYCLE", f"the graph loops: {' -> '.join(loop + loop[:1])}", ("nodes", loop[-1]) + at)


# The kinds of node: what each allows and requires besides kind, title,
# description, cites and assumes, and the method that builds it.  A new kind is
# a row here and a class in model.py (with .kind and .exits); see docs/extending.md.
NODE_KINDS: dict[str, NodeKind] = {
    "decision": NodeKind(("match", "branches", "otherwise"), ("branches",), PolicyBuilder._decision),
    "outcome": NodeKind(("status", "steps", "documents", "caveats"), ("status",), PolicyBuilder._outcome),
}


def build_policy(doc: Document) -> Policy:
    """The model of one policy document, or :class:`PolicyError` with every finding."""
    return PolicyBuilder(doc).build()


def _digest(doc: Document) -> str:
    import json
    return hashlib.sha256(json.dumps(doc.data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _valid_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo
    try:
        ZoneInfo(name)
        return True
    except Exception:
        return False
