"""Each policy version compiled once into Python.

:func:`python_source` writes the source of a module for one policy version:

- ``values(context)``: the context checked field by field (the common cases
  inline, date texts parsed once per process); anything unusual goes to
  ``context.validate``, which names what is wrong;
- ``decide(context, as_of)``, the general walk: what ``engine.run`` does without
  listeners, with its three-valued logic for fields not given.  The graph is
  straight-line code (one block per node, in topological order; a branch taken
  sets the number of the next block), each derived value one function computed
  on first read;
- ``fast(context, as_of)`` (``compile_fast``): the same walk for a context that
  gives every value it reads, in plain Python; it raises ``Bail`` for anything
  else, and ``run(context, as_of)``, the module's entry, then calls ``decide``;
- one ``step_doc_N`` per step: the step's JSON object from its text and fields.

Both walks record what the document reports (trace, citations, assumptions,
branches taken, caveats) as a list of event numbers; ``compile_runtime`` turns
each distinct sequence into a frame once, and builds the :class:`Decision`.

Safety: the policy's text reaches the source only as ``repr()`` of a string,
integer or boolean; every other value (dates, model objects, functions) is a
constant handed to the module by name, and every variable name is generated.
Nothing of a context ever reaches it.  ``compile()`` runs on that source only.

``walks.compiled`` gives the function of a policy version, built once per
process; a version using a construct the generator does not know keeps the
interpreter (``engine.run``), so an answer is never wrong, only slower.
``engine.run`` stays the reference: the tests compare both on every policy
found, on random policies (``tests/policygen.py``) and on generated contexts.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .codegen_expr import Emitter, Unsupported, emit_expr
from .compile_fast import Bail, FastWriter
from .compile_runtime import Event, blamed, date_value, finish, needs_input
from .context import _check, validate
from .decision import Decision, StepSpec
from .engine import _gap
from .expr import AS_OF, OutOfRange, Unknown, merge_unknown
from .expr_compile import _unknown_of
from .model import Branch, DecisionNode, OutcomeNode, Policy
from .template import fill_known, show
from .words import kinds_of

Decide = Callable[[Any, date], Decision]


RUNTIME = {
    "Unknown": Unknown, "merge_unknown": merge_unknown, "unknown_of": _unknown_of, "OutOfRange": OutOfRange,
    "validate": validate, "check": _check, "date": date, "show": show, "fill_known": fill_known,
    "finish": finish, "needs_input": needs_input,
    "blamed": blamed, "gap": _gap, "date_value": date_value, "Bail": Bail,
}


# -- the generator -------------------------------------------------------------------

class _Generator:
    def __init__(self, policy: Policy):
        self.policy = policy
        self.consts: dict[str, Any] = {"POLICY": policy, "FRAMES": {}, "DATES": {}}
        self.derived_fn = {name: f"derive_{i}" for i, name in enumerate(policy.derived)}
        self.unknowns: dict[str, str] = {}
        self.events: list[Event] = []
        self.kinds = kinds_of(policy)       # name -> kind of value, for showing it in a text
        self.step_fns: dict[int, tuple[str, str]] = {}    # id(step) -> its JSON builder, its spec
        self.step_lines: list[str] = []

    def const(self, value: Any, prefix: str = "K") -> str:
        return self.em.const(value, prefix)

    def event(self, **what: Any) -> int:
        """The number of an event of the walk (see ``compile_runtime``)."""
        e = Event(**what)
        self.events.append(e)
        return len(self.events) - 1

    def cites(self, cites: tuple[str, ...], assumes: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
        """The citations and assumptions one listener call records, in its order."""
        c = dict.fromkeys(cites)
        for a in assumes:
            c.update(dict.fromkeys(self.policy.assumptions[a].cites))
        return {"cites": tuple(c), "assumes": tuple(dict.fromkeys(assumes))}

    def emit_event(self, **what: Any) -> None:
        if any(what.values()):
            self.em.emit(f"ev.append({self.event(**what)})")

    def step_record(self, step, fields: dict[str, str], text: str) -> str:
        """The tuple a walk keeps of a planned step (see ``decision.new_decision``):
        its JSON builder, written here once per step, its spec, text and fields."""
        known = self.step_fns.get(id(step))
        if known is None:
            n = len(self.step_fns)
            action = self.policy.actions[step.action]
            args = [f"f{i}" for i in range(len(action.fields))]
            items = [f"'action': {step.action!r}", "'text': text"]
            for (fname, ftype), arg in zip(action.fields.items(), args, strict=True):
                value = f"None if {arg} is None else {arg}.isoformat()" if ftype == "date" else arg
                items.append(f"{fname!r}: {value}")
            self.step_lines += [f"def step_doc_{n}({', '.join(['text'] + args)}):   # step {step.id!r}",
                                f"    return {{{', '.join(items)}}}", ""]
            spec = StepSpec(step.action, tuple(action.fields), tuple(step.caveats))
            known = self.step_fns[id(step)] = (f"step_doc_{n}", self.const(spec, "STEP"))
        return f"({known[0]}, {known[1]}, {text}{''.join(', ' + fields[f] for f in fields)})"

    def step_values(self, em: Emitter, step, emit: Callable, read: Callable, after: Callable[[str], None],
                    shown: Callable[[str, str | None], str]) -> tuple[dict[str, str], str]:
        """Emit the values of a step's fields and of the names its text shows (``emit``
        an expression, ``read`` a name, then ``after`` each variable); return the
        fields' variables and the text as a Python expression (``shown`` a value of a kind)."""
        fields = {}
        for fname in self.policy.actions[step.action].fields:
            e = step.with_.get(fname)
            f = fields[fname] = em.var("f")
            if e is None:
                em.emit(f"{f} = None")
            else:
                emit(em, e.ast, f)
                after(f)
        pieces = []
        for kind, value in step.text.parts:
            if kind == "text":
                pieces.append(repr(value))
            elif value in fields:
                e = step.with_.get(value)
                typed = None if e is None else e.ast.type
                pieces.append(shown(fields[value], None if typed is None else typed.kind))
            else:
                t = em.var("x")
                read(em, value, t)
                after(t)
                pieces.append(shown(t, self.kinds.get(value)))
        return fields, " + ".join(pieces) if pieces else "''"

    def note_unknown(self, var: str) -> None:
        """Emit: when ``var`` is unknown, the walk notes the fields it lacks (``unk``)."""
        self.em.emit(f"if type({var}) is Unknown:")
        with self.em.block():
            self.em.emit(f"unk = merge_unknown(unk, {var})")

    def read_name(self, em: Emitter, name: str, target: str) -> None:
        if name == AS_OF:
            em.emit(f"{target} = vals[{name!r}]")
        elif name in self.policy.derived:
            em.emit(f"{target} = vals[{name!r}] if {name!r} in vals else {self.derived_fn[name]}(vals, ev)")
        else:
            unk = self.unknowns.get(name)
            if unk is None:
                unk = self.unknowns[name] = self.const(Unknown((name,)), "UNKNOWN")
            em.emit(f"{target} = vals.get({name!r}, {unk})")

    # -- module ----------------------------------------------------------------------

    def source(self) -> str:
        self.em = Emitter(self.consts, self.read_name)
        p = self.policy
        out = [f"# policy {p.id!r} version {p.version!r}, generated from the checked model", ""]
        for name, fn in self.derived_fn.items():
            out += self.derived(name, fn)
        out += self.lookup()
        out += self.validation()
        out += self.decide()
        out += FastWriter(self).source()
        out += self.step_lines
        self.consts["EVENTS"] = tuple(self.events)
        return "\n".join(out) + "\n"

    def derived(self, name: str, fn: str) -> list[str]:
        d = self.policy.derived[name]
        em = self.em = Emitter(self.consts, self.read_name)
        em.lines.append(f"def {fn}(vals, ev):   # derived {name!r}")
        if d.expression is not None:
            emit_expr(em, d.expression.ast, "v")
            what = self.cites(d.cites, d.assumes)
            if any(what.values()):
                em.emit("if type(v) is not Unknown:")
                with em.block():
                    self.emit_event(**what)
        else:
            what = self.cites(d.cites, d.assumes)
            table = {}
            assert d.table is not None and d.map_from is not None    # a table, then
            for key, entry in d.table.items():
                c = dict.fromkeys(what["cites"])
                c.update(dict.fromkeys(entry.cites))
                table[key] = (entry.value, self.event(cites=tuple(c), assumes=what["assumes"]))
            self.read_name(em, d.map_from, "key")
            em.emit("if type(key) is Unknown:")
            with em.block():
                em.emit("v = key")
            em.emit("else:")
            with em.block():
                em.emit(f"v, e = {self.const(table, 'TABLE')}[key]")
                em.emit("ev.append(e)")
        em.emit(f"vals[{name!r}] = v")
        em.emit("return v")
        return em.lines + [""]

    def lookup(self) -> list[str]:
        fns = self.const({n: None for n in self.derived_fn}, "DERIVED")
        lines = [
            "def read(name, vals, ev):",
            "    if name in vals:",
            "        return vals[name]",
            f"    if name in {fns}:",
            "        return globals()[DERIVED_FN[name]](vals, ev)",
            "    return Unknown((name,))",
            "",
        ]
        self.consts["DERIVED_FN"] = dict(self.derived_fn)
        return lines

    def validation(self) -> list[str]:
        """``values(context)``: the given fields, checked; the common case inline,
        anything else (an unknown field, a wrong value, a mapping that is not a
        ``dict``) by ``context.validate``, which names what is wrong."""
        em = self.em = Emitter(self.consts, self.read_name)
        em.lines.append("def values(context):")
        keys = self.const(frozenset(self.policy.inputs), "KEYS")
        em.emit("if type(context) is not dict:")
        em.emit("    return validate(POLICY, context)")
        em.emit("vals = {}")
        for name, inp in self.policy.inputs.items():
            em.emit(f"v = context.get({name!r})")
            em.emit("if v is not None:")
            with em.block():
                if inp.type == "date":
                    em.emit("if type(v) is str:")
                    em.emit("    d = DATES.get(v)")
                    em.emit("    if d is None:")
                    em.emit(f"        d = date_value(POLICY, DATES, {name!r}, v)")
                    em.emit("        if d is None:")
                    em.emit("            return validate(POLICY, context)")
                    em.emit(f"    vals[{name!r}] = d")
                    em.emit("elif type(v) is date:")
                else:
                    em.emit(f"if {self.valid(inp)}:")
                em.emit(f"    vals[{name!r}] = v")
                em.emit("else:")
                em.emit("    return validate(POLICY, context)")
        # every field given was one of these (or null): nothing else to check
        em.emit(f"if len(vals) == len(context) or context.keys() <= {keys}:")
        em.emit("    return vals")
        em.emit("return validate(POLICY, context)")
        return em.lines + [""]

    def valid(self, inp) -> str:
        """A test that ``v`` is a valid value of ``inp`` as given (False: let ``validate`` judge)."""
        if inp.type == "boolean":
            return "type(v) is bool"
        if inp.type == "enum":
            return f"type(v) is str and v in {self.const(frozenset(inp.values or ()), 'ENUM')}"
        if inp.type == "integer":
            test = "type(v) is int"
            if getattr(inp, "minimum", None) is not None:
                test += f" and v >= {int(inp.minimum)!r}"
            if getattr(inp, "maximum", None) is not None:
                test += f" and v <= {int(inp.maximum)!r}"
            return test
        if inp.type == "string":
            return "type(v) is str and v and v.isascii()"
        return "False"

    def decide(self) -> list[str]:
        p = self.policy
        em = self.em = Emitter(self.consts, self.read_name)
        em.lines.append("def decide(context, as_of):")
        em.emit("vals = values(context)")
        em.emit(f"vals[{AS_OF!r}] = as_of")
        em.emit("ev = []")
        order = self.order()
        number = {nid: i for i, nid in enumerate(order)}
        em.emit("try:")
        with em.block():
            em.emit(f"nxt = {number[p.start]}")
            for nid in order:
                node = p.nodes[nid]
                em.emit(f"if nxt == {number[nid]}:   # node {nid!r}")
                with em.block():
                    em.emit(f"ev.append({self.event(node=nid, **self.cites(node.cites, node.assumes))})")
                    if type(node) is DecisionNode:
                        self.decision(node, number)
                    elif type(node) is OutcomeNode:
                        self.outcome(node)
                    else:
                        raise Unsupported(f"node kind {node.kind!r}")
            em.emit("raise gap(POLICY, POLICY.nodes[POLICY.start], 'the walk did not reach an outcome')")
        em.emit("except OutOfRange as e:")
        with em.block():
            em.emit(f"raise blamed(POLICY, vals, e, {self.const(tuple(p.nodes[n] for n in order), 'ORDER')}[nxt]) "
                    "from None")
        return em.lines + [""]

    NEEDS_INPUT = "return needs_input(POLICY, EVENTS, FRAMES, as_of, vals, ev, unk, lambda name: read(name, vals, ev))"

    def order(self) -> list[str]:
        """The nodes reachable from the start, each after every node leading to it."""
        nodes, seen, post = self.policy.nodes, set(), []

        def visit(nid: str) -> None:
            seen.add(nid)
            if type(nodes[nid]) not in (DecisionNode, OutcomeNode):
                raise Unsupported(f"node kind {nodes[nid].kind!r}")
            for br in nodes[nid].exits:
                if br.goto not in seen:
                    visit(br.goto)
            post.append(nid)
        visit(self.policy.start)
        return post[::-1]

    def decision(self, node: DecisionNode, number: dict[str, int]) -> None:
        em = self.em
        em.emit("br = None; unk = None")
        for br in node.branches:
            w = em.var("w")
            if node.match == "first":
                em.emit("if br is None:")
                with em.block():
                    self.condition(br.when, w)
                    self.note_unknown(w)
                    em.emit(f"elif {w} is True and unk is None:")
                    with em.block():
                        em.emit(f"br = {br.index}")
            else:
                self.condition(br.when, w)
                em.emit(f"if {w} is True:")
                with em.block():
                    em.emit("if br is not None:")
                    with em.block():
                        msg = f"node {node.id!r}: branches {{br + 1}} and {br.index + 1} both match " \
                              "(declare match: first, or make them exclusive)"
                        em.emit(f"raise gap(POLICY, {self.const(node, 'NODE')}, {self.fstring(msg)})")
                    em.emit(f"br = {br.index}")
                em.emit(f"elif {w} is not False:")
                with em.block():
                    em.emit(f"unk = merge_unknown(unk, {w})")
        first = node.match == "first"
        em.emit("if unk is not None" + (":" if first else " and br is None:"))
        with em.block():
            em.emit(self.NEEDS_INPUT)
        for br in node.branches:
            em.emit(f"elif br == {br.index}:")
            with em.block():
                em.emit(f"ev.append({self.event(taken=(node, br))})")
                em.emit(f"nxt = {number[br.goto]}")
        em.emit("else:")
        with em.block():
            if node.otherwise is None:
                msg = f"node {node.id!r}: no branch matches and there is no otherwise"
                em.emit(f"raise gap(POLICY, {self.const(node, 'NODE')}, {self.const(msg, 'MESSAGE')})")
            else:
                em.emit(f"ev.append({self.event(taken=(node, node.otherwise))})")
                em.emit(f"nxt = {number[node.otherwise.goto]}")

    def condition(self, when, target: str) -> None:
        if when is None:          # a branch without a condition holds
            self.em.emit(f"{target} = True")
        else:
            emit_expr(self.em, when.ast, target)

    def fstring(self, text: str) -> str:
        """An f-string whose only placeholder is ``{br + 1}`` and whose other text is a literal."""
        head, tail = text.split("{br + 1}")
        return f"{head!r} + str(br + 1) + {tail!r}"

    def outcome(self, node: OutcomeNode) -> None:
        em = self.em
        em.emit("unk = None; planned = []; used = []")
        for step in node.steps:
            em.emit(f"# step {step.id!r}")
            if step.when is not None:
                w = em.var("w")
                emit_expr(em, step.when.ast, w)
                self.note_unknown(w)
                em.emit(f"if {w} is True:")
            else:
                em.emit("if True:")
            with em.block():
                fields, text = self.step_values(em, step, emit_expr, self.read_name, self.note_unknown,
                                                lambda var, kind: f"show({var})")
                em.emit("if unk is None:")
                with em.block():
                    em.emit(f"planned.append({self.step_record(step, fields, text)})")
                    used = self.event(caveats=tuple(step.caveats), **self.cites(step.cites, step.assumes))
                    em.emit(f"used.append({used})")
        documents = self.const(node.documents, "DOCUMENTS")
        if node.document_when:
            em.emit("kept = []")
            for doc, when in zip(node.documents, node.document_when, strict=True):
                w = em.var("w")
                self.condition(when, w)
                self.note_unknown(w)
                em.emit(f"elif {w}:")
                with em.block():
                    em.emit(f"kept.append({doc!r})")
            em.emit("documents = tuple(dict.fromkeys(kept))")
            documents = "documents"
        em.emit("if unk is not None:")
        with em.block():
            em.emit(self.NEEDS_INPUT)
        em.emit("ev.extend(used)")
        self.finish_outcome(node, "tuple(planned)", documents)

    def finish_outcome(self, node: OutcomeNode, planned: str, documents: str) -> None:
        """Emit an outcome's last lines, in both walks: its caveats, its explanation
        (the general walk's lookup reads what is known and leaves the rest, as the
        interpreter does) and the decision."""
        em = self.em
        if node.caveats:
            em.emit(f"ev.append({self.event(caveats=tuple(node.caveats))})")
        if node.explanation:
            em.emit(f"explanation = fill_known({self.const(node.explanation, 'TEMPLATE')}, "
                    "lambda name: read(name, vals, ev)) or None")
        else:
            em.emit("explanation = None")
        em.emit(f"return finish(POLICY, EVENTS, FRAMES, as_of, {node.status!r}, vals, ev, {node.id!r}, "
                f"{planned}, {documents}, {node.title!r}, explanation)")


def python_source(policy: Policy) -> tuple[str, dict[str, Any]]:
    """The module's source and the constants it reads; :class:`Unsupported`
    when the policy uses a construct the generator does not know."""
    g = _Generator(policy)
    return g.source(), g.consts


def readable_source(policy: Policy) -> str:
    """The source ``asanimza-policy compile`` prints: the module and, as comments,
    what its named constants hold."""
    try:
        source, consts = python_source(policy)
    except Unsupported as e:
        return (f"# policy {policy.id!r} version {policy.version!r} is not compiled: {e};\n"
                "# it is evaluated by the interpreter\n")
    lines = [source, "# constants (handed to the module by name, never written into its source):"]
    for name, value in consts.items():
        shown = _describe(value)
        lines.append(f"#   {name} = {shown[:200] + '...' if len(shown) > 200 else shown}")
    return "\n".join(lines) + "\n"


def _describe(value: Any) -> str:
    if isinstance(value, Policy):
        return f"the policy {value.id!r} {value.version!r}"
    if isinstance(value, (DecisionNode, OutcomeNode)):
        return f"the node {value.id!r}"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], DecisionNode) \
            and isinstance(value[1], Branch):
        return f"the node {value[0].id!r} and its branch {value[1].index + 1}"
    return repr(value)


def build(policy: Policy) -> Decide:
    """Compile ``policy`` into its ``decide(context, as_of)`` function."""
    source, consts = python_source(policy)
    code = compile(source, f"<policy {policy.id} {policy.version}>", "exec")
    namespace: dict[str, Any] = {"__builtins__": __builtins__, **RUNTIME, **consts}
    exec(code, namespace)    # our generated source only (see the module's docstring)
    return namespace["run"]


# which function evaluates a version (the interpreter first, this module's from the
# second evaluation) lives in walks.py, so a one-off evaluation never imports the generator
from .walks import compiled, for_one, ready  # noqa: E402,F401
