"""The policy model: frozen dataclasses, built once from a loaded document.

``build_policy`` reads a :class:`~asanimza_policy.loader.Document` strictly:
every key it does not know, every value of the wrong shape, every reference to
a node, step, action, document or assumption that does not exist and every
expression that does not parse or type-check becomes a finding at the
position of the offending YAML node.  It never raises on bad data; it collects,
and raises :class:`~asanimza_policy.errors.PolicyError` once at the end.

The JSON Schema (``schema/policy.schema.json``) describes the same format for
editors and for ``check``; this builder is what the interpreter trusts, so a
policy that was never run through ``check`` still cannot be half-read.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Mapping

from . import expr as ex
from .errors import PolicyError
from .findings import ERROR, Finding, Position, did_you_mean, kind_of
from .loader import Document

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
POLICY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

INPUT_TYPES = ("boolean", "enum", "date", "integer", "string")
FIELD_TYPES = ("date", "string", "integer", "boolean")
STATUSES = ("complete", "not_covered")
MATCH_MODES = ("first", "unique")
MAX_STEPS_PER_OUTCOME = 100
# derived values read each other at evaluation by nested calls; with expressions
# at most ex.MAX_DEPTH deep this keeps a walk far below Python's recursion limit
MAX_DERIVED_DEPTH = 16


# -- the model ---------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    title: str
    url: str | None
    path: str                    # relative to the policy file
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Input:
    name: str
    type: str                    # boolean | enum | date | integer | string
    values: tuple[str, ...] | None
    question: str
    description: str
    labels: Mapping[str, str]    # enum value -> words for people
    pos: Position = field(default=Position(), compare=False)

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
        return self.expression.names if self.expression else (self.map_from,)


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


@dataclass(frozen=True)
class Branch:
    index: int
    when: ex.Expression | None               # None for otherwise
    goto: str
    label: str | None
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Decision:
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
class Outcome:
    id: str
    title: str
    description: str
    status: str                              # complete | not_covered
    steps: tuple[Step, ...]
    documents: tuple[str, ...]
    cites: tuple[str, ...]
    assumes: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    kind = "outcome"


Node = Decision | Outcome


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
    nodes: Mapping[str, Node]
    path: str
    sha256: str
    derived_order: tuple[str, ...] = ()

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


def parse_template(text: str) -> Template:
    parts: list[tuple[str, str]] = []
    i = 0
    buf = []
    while i < len(text):
        two = text[i:i + 2]
        if two in ("{{", "}}"):
            buf.append(two[0])
            i += 2
            continue
        if text[i] == "{":
            end = text.find("}", i)
            if end < 0:
                raise ex.ExprError("'{' without a closing '}' (write {{ for a brace)", i)
            name = text[i + 1:end].strip()
            if not IDENT.match(name) and name != ex.AS_OF:
                raise ex.ExprError(f"placeholder {{{name}}} must be a name", i)
            if buf:
                parts.append(("text", "".join(buf)))
                buf = []
            parts.append(("name", name))
            i = end + 1
            continue
        if text[i] == "}":
            raise ex.ExprError("'}' without an opening '{' (write }} for a brace)", i)
        buf.append(text[i])
        i += 1
    if buf:
        parts.append(("text", "".join(buf)))
    return Template(text, tuple(parts))


# -- the builder -------------------------------------------------------------

_MISSING = object()


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.findings: list[Finding] = []

    # reporting
    def err(self, code: str, message: str, path=(), *, key: bool = False, offset: int | None = None,
            severity: str = ERROR) -> None:
        pos = self.doc.key_pos(path) if key else self.doc.pos(path)
        if offset is not None:
            pos = Position(pos.line, pos.col + self.doc.text_offset(path) + offset)
        self.findings.append(Finding(code, message, self.doc.path, pos.line, pos.col, severity))

    # shape readers: each returns None (and reports) when the value is unusable
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
            if not DATE_RE.match(s):
                raise ValueError
            return date.fromisoformat(s)
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

    def parse_expression(self, value, path, what: str) -> tuple[str, ex.Node] | None:
        """The text and syntax tree of an expression, or None (reported)."""
        if isinstance(value, bool) or isinstance(value, int):
            value = str(value).lower()   # a YAML true / 3 is the same as the expression text
        s = self.text(value, path, what)
        if s is None:
            return None
        try:
            return s, ex.parse(s)
        except ex.ExprError as e:
            self._expr_error(e, path, what)
            return None

    def expression(self, value, path, env, what: str, want: ex.Type | None = None,
                   parsed: tuple[str, ex.Node] | None = None) -> ex.Expression | None:
        """Parsed (unless ``parsed`` is given), type-checked and compiled, or None (reported)."""
        parsed = parsed or self.parse_expression(value, path, what)
        if parsed is None:
            return None
        try:
            return ex.build(parsed[0], env, want, node=parsed[1])
        except ex.ExprError as e:
            self._expr_error(e, path, what)
            return None

    def _expr_error(self, e: ex.ExprError, path, what: str) -> None:
        if isinstance(e, ex.Unresolved):
            return      # the broken name is reported where it is declared
        style = self.doc.styles.get(tuple(path), "")
        self.err("EXPR", f"{what}: {e.message}", path, offset=None if style in ("|", ">") else e.offset)


TOP_KEYS = ("id", "version", "title", "description", "effective_from", "effective_until", "timezone",
            "source", "inputs", "derived", "actions", "documents", "assumptions", "steps", "start", "nodes")
TOP_REQUIRED = ("id", "version", "title", "effective_from", "timezone", "source", "inputs", "actions",
                "start", "nodes")


def build_policy(doc: Document) -> Policy:
    """The model of one policy document, or :class:`PolicyError` with every finding."""
    b = _Builder(doc)
    top = b.mapping(doc.data, (), "a policy file", TOP_KEYS, TOP_REQUIRED) if doc.data is not None else None
    if doc.data is None:
        b.err("SCHEMA_EMPTY", "the file is empty; a policy file is a mapping with id, version, nodes, ...")
    if top is None:
        raise PolicyError(b.findings)
    get = top.get

    pid = b.ident(get("id", _MISSING), ("id",), "id", POLICY_ID)
    version = b.text(get("version", _MISSING), ("version",), "version")
    if version is not None and not SEMVER.match(version):
        b.err("SCHEMA_VERSION", f"version must be a semantic version like 1.0.0; got {version!r}", ("version",))
    title = b.text(get("title", _MISSING), ("title",), "title")
    description = b.text(get("description"), ("description",), "description", optional=True) or ""
    eff_from = b.day(get("effective_from", _MISSING), ("effective_from",), "effective_from")
    eff_until = b.day(get("effective_until"), ("effective_until",), "effective_until", optional=True)
    if eff_from and eff_until and eff_until < eff_from:
        b.err("SCHEMA_DATES", f"effective_until {eff_until} is before effective_from {eff_from}",
              ("effective_until",))
    tz = b.text(get("timezone", _MISSING), ("timezone",), "timezone")
    if tz is not None and not _valid_timezone(tz):
        b.err("SCHEMA_TIMEZONE", f"unknown time zone {tz!r} (an IANA name such as Asia/Baku)", ("timezone",))
    source = _source(b, get("source", _MISSING))

    assumptions = _assumptions(b, get("assumptions"))
    inputs = _inputs(b, get("inputs", _MISSING))
    env: dict[str, ex.Type] = {n: i.expr_type for n, i in inputs.items()}
    env[ex.AS_OF] = ex.DATE
    derived, order = _derived(b, get("derived"), inputs, env, assumptions)
    actions = _actions(b, get("actions", _MISSING))
    documents = _documents(b, get("documents"))
    library = {}
    for sid, raw, p in b.section(get("steps"), "steps", "step"):
        step = _step(b, raw, p, sid, env, actions, assumptions)
        if step:
            library[sid] = step
    nodes = _nodes(b, get("nodes", _MISSING), env, actions, documents, assumptions, library)
    start = b.text(get("start", _MISSING), ("start",), "start")
    if start is not None and nodes is not None and start not in nodes:
        b.err("REF_NODE", f"start node {start!r} does not exist{did_you_mean(start, nodes)}", ("start",))
    if nodes and start in nodes:
        _check_acyclic(b, nodes, start)

    errors = [f for f in b.findings if f.severity == ERROR]
    if errors:
        raise PolicyError(b.findings)
    return Policy(
        id=pid, version=version, title=title, description=description,
        effective_from=eff_from, effective_until=eff_until, timezone=tz, source=source,
        inputs=MappingProxyType(inputs), derived=MappingProxyType(derived),
        actions=MappingProxyType(actions), documents=MappingProxyType(documents),
        assumptions=MappingProxyType(assumptions), steps=MappingProxyType(library), start=start,
        nodes=MappingProxyType(nodes), path=doc.path, sha256=_digest(doc), derived_order=order)


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


def _source(b: _Builder, raw) -> Source | None:
    p = ("source",)
    if raw is _MISSING or b.mapping(raw, p, "source", ("title", "url", "path"), ("title", "path")) is None:
        return None
    title = b.text(raw.get("title", _MISSING), p + ("title",), "source title")
    url = b.text(raw.get("url"), p + ("url",), "source url", optional=True)
    path = b.text(raw.get("path", _MISSING), p + ("path",), "source path")
    return Source(title, url, path, b.doc.pos(p))


def _cited(b: _Builder, raw: dict, path, assumptions) -> tuple[tuple[str, ...], tuple[str, ...]]:
    cites = b.strings(raw.get("cites"), path + ("cites",), "cites")
    assumes = b.strings(raw.get("assumes"), path + ("assumes",), "assumes")
    for i, a in enumerate(assumes):
        if a not in assumptions:
            b.err("REF_ASSUMPTION", f"assumption {a!r} is not declared under assumptions{did_you_mean(a, assumptions)}",
                  path + ("assumes", i))
    return cites, assumes


def _assumptions(b: _Builder, raw) -> dict[str, Assumption]:
    out: dict[str, Assumption] = {}
    for aid, body, p in b.section(raw, "assumptions", "assumption", ("text", "cites"), ("text",)):
        text = b.text(body.get("text", _MISSING), p + ("text",), "assumption text")
        cites = b.strings(body.get("cites"), p + ("cites",), "cites")
        if text:
            out[aid] = Assumption(aid, text, cites, b.doc.pos(p))
    return out


def _inputs(b: _Builder, raw) -> dict[str, Input]:
    out: dict[str, Input] = {}
    keys = ("type", "values", "labels", "question", "description")
    for name, body, p in b.section(raw, "inputs", "input", keys, ("type", "question")):
        if name in ex.RESERVED:
            b.err("SCHEMA_NAME", f"{name!r} is reserved in expressions; choose another input name", p, key=True)
            continue
        typ = b.enum(body.get("type", _MISSING), p + ("type",), "type", INPUT_TYPES)
        question = b.text(body.get("question", _MISSING), p + ("question",), "question")
        desc = b.text(body.get("description"), p + ("description",), "description", optional=True) or ""
        values = None
        if typ == "enum":
            values = b.strings(body.get("values", _MISSING), p + ("values",), "values")
            if not values:
                b.err("SCHEMA_REQUIRED", f"enum input {name!r} needs a non-empty list of values", p)
            elif len(set(values)) != len(values):
                b.err("SCHEMA_DUPLICATE", f"values of {name!r} repeat", p + ("values",))
        elif "values" in body:
            b.err("SCHEMA_UNKNOWN_KEY", f"only enum inputs have values ({name!r} is {typ})", p + ("values",),
                  key=True)
        labels: dict[str, str] = {}
        raw_labels = body.get("labels")
        if raw_labels is not None and b.mapping(raw_labels, p + ("labels",), "labels") is not None:
            for v, label in raw_labels.items():
                if values is None or v not in values:
                    b.err("REF_VALUE", f"label for {v!r}, which is not a value of {name!r}", p + ("labels", v),
                          key=True)
                elif b.text(label, p + ("labels", v), "label"):
                    labels[v] = label
        if typ and question:
            out[name] = Input(name, typ, values or None, question, desc, MappingProxyType(labels), b.doc.pos(p))
    return out


def _derived(b: _Builder, raw, inputs, env, assumptions) -> tuple[dict[str, Derived], tuple[str, ...]]:
    """Derived values, type-checked in dependency order; cycles are findings."""
    out: dict[str, Derived] = {}
    bodies: dict[str, dict] = {}
    keys = ("expr", "from", "map", "description", "cites", "assumes")
    for name, body, p in b.section(raw, "derived", "derived value", keys):
        if name in inputs or name in ex.RESERVED:
            b.err("SCHEMA_NAME", f"derived value {name!r} clashes with an input or a reserved name", p, key=True)
            continue
        if ("expr" in body) == ("from" in body or "map" in body) or ("from" in body) != ("map" in body):
            b.err("SCHEMA_REQUIRED", f"derived value {name!r} needs either expr, or from with map", p)
            continue
        bodies[name] = body

    # parse each expression once; the names it reads order the derived values
    # (and show loops) before type-checking
    parsed: dict[str, tuple[str, ex.Node] | None] = {}
    reads: dict[str, tuple[str, ...]] = {}
    for name, body in bodies.items():
        if "expr" in body:
            parsed[name] = b.parse_expression(body["expr"], ("derived", name, "expr"), f"derived {name}")
            reads[name] = ex.names_of(parsed[name][1]) if parsed[name] else ()
        else:
            reads[name] = (body["from"],) if isinstance(body["from"], str) else ()
    order: list[str] = []
    state: dict[str, int] = {}
    too_deep: list[str] = []     # reported once: every link of a long chain would repeat it

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            loop = trail[trail.index(n):] + [n]
            b.err("DERIVED_CYCLE", f"derived values depend on each other in a loop: {' -> '.join(loop)}",
                  ("derived", n), key=True)
            return
        if len(trail) >= MAX_DERIVED_DEPTH:
            state[n] = 2
            if too_deep:
                return
            too_deep.append(n)
            b.err("DERIVED_TOO_DEEP", f"derived values read each other more than {MAX_DERIVED_DEPTH} levels deep: "
                  f"{' -> '.join(trail[:3])} -> ... -> {n}", ("derived", trail[0]), key=True)
            return
        state[n] = 1
        for dep in reads[n]:
            if dep in bodies:
                visit(dep, trail + [n])
        state[n] = 2
        order.append(n)

    for n in bodies:
        visit(n, [])
        env[n] = ex.BROKEN      # until it builds: what reads it then adds no second finding

    for name in order:
        if name not in bodies:
            continue
        body, p = bodies[name], ("derived", name)
        desc = b.text(body.get("description"), p + ("description",), "description", optional=True) or ""
        cites, assumes = _cited(b, body, p, assumptions)
        if "expr" in body:
            if parsed[name] is None:
                continue
            e = b.expression(body["expr"], p + ("expr",), env, f"derived {name}", parsed=parsed[name])
            if e is None:
                continue
            d = Derived(name, desc, e.type, e, None, None, cites, assumes, b.doc.pos(p))
        else:
            d = _map_derived(b, name, body, p, inputs, desc, cites, assumes)
            if d is None:
                continue
        out[name] = d
        env[name] = d.type
    return out, tuple(n for n in order if n in out)


def _map_derived(b, name, body, p, inputs, desc, cites, assumes) -> Derived | None:
    src = b.text(body["from"], p + ("from",), "from")
    if src is None:
        return None
    inp = inputs.get(src)
    if inp is None or inp.type != "enum":
        b.err("REF_INPUT", f"from must name an enum input; {src!r} is not one{did_you_mean(src, inputs)}",
              p + ("from",))
        return None
    table = b.mapping(body["map"], p + ("map",), "map")
    if table is None:
        return None
    entries: dict[str, MapEntry] = {}
    kinds = set()
    for key, raw in table.items():
        kp = p + ("map", key)
        if key not in inp.values:
            b.err("REF_VALUE", f"{key!r} is not a value of {src}: {', '.join(inp.values)}", kp, key=True)
            continue
        entry_cites: tuple[str, ...] = ()
        if isinstance(raw, dict):
            if b.mapping(raw, kp, f"map entry {key!r}", ("value", "cites"), ("value",)) is None:
                continue
            entry_cites = b.strings(raw.get("cites"), kp + ("cites",), "cites")
            raw, kp = raw.get("value"), kp + ("value",)
        if type(raw) not in (str, int, bool):
            b.err("SCHEMA_TYPE", f"map values are text, numbers or true/false; got {kind_of(raw)}", kp)
            continue
        kinds.add(type(raw))
        entries[key] = MapEntry(raw, entry_cites)
    missing = [v for v in inp.values if v not in table]
    if missing:
        b.err("MAP_INCOMPLETE", f"map of {name!r} has no entry for {', '.join(missing)}", p + ("map",))
        return None
    if len(kinds) > 1:
        b.err("SCHEMA_TYPE", f"map values of {name!r} mix types", p + ("map",))
        return None
    t = {str: ex.STRING, int: ex.INTEGER, bool: ex.BOOLEAN}[kinds.pop()] if kinds else ex.STRING
    return Derived(name, desc, t, None, src, MappingProxyType(entries), cites, assumes, b.doc.pos(p))


def _actions(b: _Builder, raw) -> dict[str, Action]:
    out: dict[str, Action] = {}
    for name, body, p in b.section(raw, "actions", "action", ("description", "fields"), ("description",)):
        desc = b.text(body.get("description", _MISSING), p + ("description",), "description")
        fields: dict[str, str] = {}
        raw_fields = body.get("fields")
        if raw_fields is not None and b.mapping(raw_fields, p + ("fields",), "fields") is not None:
            for fname, ftype in raw_fields.items():
                fp = p + ("fields", fname)
                if fname in ("action", "text"):
                    b.err("SCHEMA_NAME", f"field {fname!r} is reserved for every step", fp, key=True)
                elif b.ident(fname, fp, "a field name") and b.enum(ftype, fp, "field type", FIELD_TYPES):
                    fields[fname] = ftype
        if desc:
            out[name] = Action(name, desc, MappingProxyType(fields), b.doc.pos(p))
    return out


def _documents(b: _Builder, raw) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, desc, p in b.section(raw, "documents", "document"):
        if b.text(desc, p, f"description of document {name!r}"):
            out[name] = desc
    return out


STEP_KEYS = ("action", "text", "with", "when", "cites", "assumes")


def _step(b: _Builder, raw, p, sid, env, actions, assumptions) -> Step | None:
    if b.mapping(raw, p, "a step", STEP_KEYS, ("action", "text")) is None:
        return None
    action = b.text(raw.get("action", _MISSING), p + ("action",), "action")
    if action is not None and action not in actions:
        b.err("REF_ACTION", f"action {action!r} is not declared under actions{did_you_mean(action, actions)}",
              p + ("action",))
        action = None
    text = b.text(raw.get("text", _MISSING), p + ("text",), "step text")
    when = None
    if "when" in raw:
        when = b.expression(raw["when"], p + ("when",), env, "when", ex.BOOLEAN)
    cites, assumes = _cited(b, raw, p, assumptions)
    withs: dict[str, ex.Expression] = {}
    raw_with = raw.get("with")
    if raw_with is not None and b.mapping(raw_with, p + ("with",), "with") is not None and action:
        declared = actions[action].fields
        for fname, value in raw_with.items():
            fp = p + ("with", fname)
            if fname not in declared:
                b.err("REF_FIELD", f"action {action!r} has no field {fname!r}; its fields are "
                      f"{', '.join(declared) or 'none'}", fp, key=True)
                continue
            e = b.expression(value, fp, env, f"field {fname}", ex.TYPES[declared[fname]])
            if e is not None:
                withs[fname] = e
    template = None
    if text is not None:
        try:
            template = parse_template(text)
        except ex.ExprError as e:
            b.err("TEMPLATE", f"step text: {e.message}", p + ("text",), offset=e.offset)
        else:
            own = set(actions[action].fields) if action else set()
            for name in template.names:
                if name not in env and name not in own:
                    b.err("TEMPLATE", f"step text names {{{name}}}, which is not an input, a derived value "
                          f"or a field of this step{did_you_mean(name, list(env) + list(own))}", p + ("text",))
    if action is None or template is None:
        return None
    return Step(sid, action, template, MappingProxyType(withs), when, cites, assumes, b.doc.pos(p))


NODE_KEYS = {
    "decision": ("kind", "title", "description", "match", "branches", "otherwise", "cites", "assumes"),
    "outcome": ("kind", "title", "description", "status", "steps", "documents", "cites", "assumes"),
}


def _nodes(b: _Builder, raw, env, actions, documents, assumptions, library) -> dict[str, Node] | None:
    if raw is _MISSING or b.mapping(raw, ("nodes",), "nodes") is None:
        return None
    out: dict[str, Node] = {}
    targets: list[tuple[tuple, str]] = []
    for nid, body, p in b.section(raw, "nodes", "node"):
        if not isinstance(body, dict):
            b.mapping(body, p, f"node {nid!r}")
            continue
        kind = b.enum(body.get("kind", _MISSING), p + ("kind",), "kind", tuple(NODE_KEYS))
        if kind is None:
            if "kind" not in body:
                b.err("SCHEMA_REQUIRED", f"node {nid!r} needs kind: decision or outcome", p)
            continue
        b.mapping(body, p, f"{kind} node {nid!r}", NODE_KEYS[kind],
                  ("kind", "title", "branches") if kind == "decision" else ("kind", "title", "status"))
        title = b.text(body.get("title", _MISSING), p + ("title",), "title") or nid
        desc = b.text(body.get("description"), p + ("description",), "description", optional=True) or ""
        cites, assumes = _cited(b, body, p, assumptions)
        if kind == "decision":
            node = _decision(b, body, p, nid, title, desc, cites, assumes, env, targets)
        else:
            node = _outcome(b, body, p, nid, title, desc, cites, assumes, env, actions, documents,
                            assumptions, library)
        if node is not None:
            out[nid] = node
    for path, target in targets:
        if target not in raw:
            b.err("REF_NODE", f"no node {target!r}{did_you_mean(target, raw)}", path)
    return out


def _decision(b, body, p, nid, title, desc, cites, assumes, env, targets) -> Decision | None:
    match = "unique"
    if "match" in body:
        match = b.enum(body["match"], p + ("match",), "match", MATCH_MODES) or "unique"
    branches: list[Branch] = []
    raw = body.get("branches", _MISSING)
    if raw is not _MISSING:
        if not isinstance(raw, list) or not raw:
            b.err("SCHEMA_TYPE", "branches must be a non-empty list", p + ("branches",))
            raw = []
        for i, br in enumerate(raw):
            bp = p + ("branches", i)
            if b.mapping(br, bp, "a branch", ("when", "goto", "label"), ("when", "goto")) is None:
                continue
            when = b.expression(br.get("when", _MISSING), bp + ("when",), env, "when", ex.BOOLEAN) \
                if "when" in br else None
            goto = b.text(br.get("goto", _MISSING), bp + ("goto",), "goto")
            label = b.text(br.get("label"), bp + ("label",), "label", optional=True)
            if goto is not None:
                targets.append((bp + ("goto",), goto))
            if when is not None and goto is not None:
                branches.append(Branch(i, when, goto, label, b.doc.pos(bp)))
    otherwise = None
    if body.get("otherwise") is not None:
        goto = b.text(body["otherwise"], p + ("otherwise",), "otherwise")
        if goto is not None:
            targets.append((p + ("otherwise",), goto))
            otherwise = Branch(len(branches), None, goto, "otherwise", b.doc.pos(p + ("otherwise",)))
    return Decision(nid, title, desc, match, tuple(branches), otherwise, cites, assumes, b.doc.pos(p))


def _outcome(b, body, p, nid, title, desc, cites, assumes, env, actions, documents, assumptions,
             library) -> Outcome | None:
    status = b.enum(body.get("status", _MISSING), p + ("status",), "status", STATUSES)
    steps: list[Step] = []
    raw_steps = body.get("steps")
    if raw_steps is not None:
        if not isinstance(raw_steps, list):
            b.err("SCHEMA_TYPE", f"steps must be a list; got {kind_of(raw_steps)}", p + ("steps",))
            raw_steps = []
        if len(raw_steps) > MAX_STEPS_PER_OUTCOME:
            b.err("SCHEMA_LIMIT", f"more than {MAX_STEPS_PER_OUTCOME} steps", p + ("steps",))
        for i, raw in enumerate(raw_steps[:MAX_STEPS_PER_OUTCOME]):
            sp = p + ("steps", i)
            if isinstance(raw, str):
                if raw in library:
                    steps.append(library[raw])
                else:
                    b.err("REF_STEP", f"no step {raw!r} under steps{did_you_mean(raw, library)}", sp)
                continue
            step = _step(b, raw, sp, f"{nid}#{i + 1}", env, actions, assumptions)
            if step:
                steps.append(step)
    docs = b.strings(body.get("documents"), p + ("documents",), "documents")
    for i, d in enumerate(docs):
        if d not in documents:
            b.err("REF_DOCUMENT", f"document {d!r} is not declared under documents{did_you_mean(d, documents)}",
                  p + ("documents", i))
    if status is None:
        return None
    return Outcome(nid, title, desc, status, tuple(steps), docs, cites, assumes, b.doc.pos(p))


def _check_acyclic(b: _Builder, nodes: Mapping[str, Node], start: str) -> None:
    """The walk must end: report any loop reachable from the start."""
    state: dict[str, int] = {}
    stack: list[tuple[str, int]] = [(start, 0)]
    trail: list[str] = []
    while stack:
        nid, i = stack.pop()
        node = nodes.get(nid)
        exits = node.exits if isinstance(node, Decision) else ()
        if i == 0:
            if state.get(nid) == 2:
                continue
            state[nid] = 1
            trail.append(nid)
        if i < len(exits):
            stack.append((nid, i + 1))
            nxt = exits[i].goto
            if state.get(nxt) == 1:
                loop = trail[trail.index(nxt):] + [nxt]
                b.err("GRAPH_CYCLE", f"the graph loops: {' -> '.join(loop)}", ("nodes", nid), key=True)
                return
            if nxt in nodes and state.get(nxt) != 2:
                stack.append((nxt, 0))
        else:
            state[nid] = 2
            trail.pop()
