"""The fast walk of a compiled policy: the common case, in straight Python.

Most contexts a batch or a service sees give every field their walk reads.
For them, the three-valued logic of the general walk (``compile._Generator``)
is dead weight: every read asks "unknown?", every branch keeps track of the
unknowns met, every exclusive decision counts matches.  :class:`FastWriter`
writes a second function, ``fast(context, as_of)``, for that case only:

- a name is read from the checked values; a name without a value raises
  ``Bail`` (an optional input read by ``given()`` is the one exception);
- a decision takes the first branch that holds (``match: first``) or the only
  one (exclusive), its ``otherwise`` when none does; two matches, a gap, or a
  date leaving the calendar raise ``Bail``;
- derived values are computed on first read, record the same events, and are
  stored in the values as the general walk stores them;
- an outcome plans its steps and builds the decision with the same
  ``compile_runtime.finish`` as the general walk.

``Bail`` means "not my case": the module's ``run`` then answers with the
general walk (``decide``), which knows the rules for unknowns and errors.  So
the fast walk may decline any context but must never answer differently; a
test compares both with the interpreter on every scenario and on thousands of
generated contexts, and checks that complete contexts take the fast walk.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .codegen_expr import Emitter, Unsupported
from .codegen_known import Bail, KnownEmitter, emit_known
from .expr import AS_OF
from .model import DecisionNode, OutcomeNode

if TYPE_CHECKING:
    from .compile import _Generator

__all__ = ["Bail", "FastWriter"]


class FastWriter:
    """Writes ``fast``, its derived-value functions and ``run`` for one generator's policy."""

    def __init__(self, gen: _Generator):
        self.gen = gen
        self.policy = gen.policy
        self.derived_fn = {name: f"known_{i}" for i, name in enumerate(gen.policy.derived)}

    def emitter(self) -> Emitter:
        em = KnownEmitter(self.gen.consts, self.read_name, self.read_optional)
        self.gen.em = em
        return em

    def read_name(self, em: Emitter, name: str, target: str) -> None:
        if name == AS_OF:
            em.emit(f"{target} = as_of")
        elif name in self.policy.derived:
            em.emit(f"{target} = vals[{name!r}] if {name!r} in vals else {self.derived_fn[name]}(vals, ev)")
        else:
            em.emit(f"{target} = vals.get({name!r})")
            em.emit(f"if {target} is None:")
            em.emit("    raise Bail")

    @staticmethod
    def shown(var: str, kind: str | None) -> str:
        """``show(var)`` for a known value of type ``kind``, without the call where the type says how."""
        if kind == "string":
            return var
        if kind == "date":
            return f"{var}.isoformat()"
        if kind == "integer":
            return f"str({var})"
        if kind == "boolean":
            return f"('yes' if {var} else 'no')"
        return f"show({var})"

    def read_optional(self, em: Emitter, name: str, target: str) -> None:
        em.emit(f"{target} = vals.get({name!r})")

    # -- the module's parts ---------------------------------------------------------

    def source(self) -> list[str]:
        out: list[str] = []
        for name, fn in self.derived_fn.items():
            out += self.derived(name, fn)
        out += self.fast()
        out += [
            "def run(context, as_of):",
            "    try:",
            "        return fast(context, as_of)",
            "    except (Bail, OutOfRange):     # OutOfRange: from a general lookup (an explanation's)",
            "        return decide(context, as_of)",
            "",
        ]
        return out

    def derived(self, name: str, fn: str) -> list[str]:
        d, g = self.policy.derived[name], self.gen
        em = self.emitter()
        em.lines.append(f"def {fn}(vals, ev):   # derived {name!r}, known")
        em.emit(f"as_of = vals[{AS_OF!r}]")
        what = g.cites(d.cites, d.assumes)
        if d.expression is not None:
            emit_known(em, d.expression.ast, "v")
            if any(what.values()):
                em.emit(f"ev.append({g.event(**what)})")
        else:
            assert d.table is not None and d.map_from is not None    # a table, then
            table = {}
            for key, entry in d.table.items():
                c = dict.fromkeys(what["cites"])
                c.update(dict.fromkeys(entry.cites))
                table[key] = (entry.value, g.event(cites=tuple(c), assumes=what["assumes"]))
            self.read_name(em, d.map_from, "key")
            em.emit(f"v, e = {g.const(table, 'TABLE')}[key]")
            em.emit("ev.append(e)")
        em.emit(f"vals[{name!r}] = v")
        em.emit("return v")
        return em.lines + [""]

    def fast(self) -> list[str]:
        p, g = self.policy, self.gen
        em = self.emitter()
        em.lines.append("def fast(context, as_of):")
        em.emit("vals = values(context)")
        em.emit(f"vals[{AS_OF!r}] = as_of")
        em.emit("ev = []")
        order = g.order()
        number = {nid: i for i, nid in enumerate(order)}
        em.emit(f"nxt = {number[p.start]}")
        for nid in order:
            node = p.nodes[nid]
            em.emit(f"if nxt == {number[nid]}:   # node {nid!r}")
            with em.block():
                em.emit(f"ev.append({g.event(node=nid, **g.cites(node.cites, node.assumes))})")
                if type(node) is DecisionNode:
                    self.decision(em, node, number)
                elif type(node) is OutcomeNode:
                    self.outcome(em, node)
                else:
                    raise Unsupported(f"node kind {node.kind!r}")
        em.emit("raise Bail")
        return em.lines + [""]

    def decision(self, em: Emitter, node: DecisionNode, number: dict[str, int]) -> None:
        g = self.gen

        def take(br) -> None:
            em.emit(f"ev.append({g.event(taken=(node, br))})")
            em.emit(f"nxt = {number[br.goto]}")

        def otherwise() -> None:
            if node.otherwise is None:
                em.emit("raise Bail")       # a gap: the general walk reports it
            else:
                take(node.otherwise)

        if node.match == "first":
            opened = 0
            for br in node.branches:
                w = em.var("w")
                self.condition(em, br.when, w)
                em.emit(f"if {w}:")
                with em.block():
                    take(br)
                em.emit("else:")
                em.indent += 1
                opened += 1
            otherwise()
            em.indent -= opened
            return
        ws = []
        for br in node.branches:        # exclusive: every branch is evaluated, as the general walk does
            ws.append(em.var("w"))
            self.condition(em, br.when, ws[-1])
        em.emit(f"held = {' + '.join(ws)}")
        em.emit("if held > 1:")
        em.emit("    raise Bail")        # two branches hold: the general walk reports it
        for i, (br, w) in enumerate(zip(node.branches, ws, strict=True)):
            em.emit(f"{'if' if i == 0 else 'elif'} {w}:")
            with em.block():
                take(br)
        em.emit("else:")
        with em.block():
            otherwise()

    def condition(self, em: Emitter, when, target: str) -> None:
        if when is None:
            em.emit(f"{target} = True")
        else:
            emit_known(em, when.ast, target)

    def outcome(self, em: Emitter, node: OutcomeNode) -> None:
        g = self.gen
        # steps without a condition are all planned: their tuples and events are
        # written out as they are, without lists to collect them
        fixed = all(step.when is None for step in node.steps)
        records, uses = [], []
        if not fixed:
            em.emit("planned = []; used = []")
        for step in node.steps:
            em.emit(f"# step {step.id!r}")
            if fixed:
                em.emit("if True:")
            elif step.when is not None:
                w = em.var("w")
                emit_known(em, step.when.ast, w)
                em.emit(f"if {w}:")
            else:
                em.emit("if True:")
            with em.block():
                fields, text = g.step_values(em, step, emit_known, self.read_name, lambda var: None, self.shown)
                use = g.event(caveats=tuple(step.caveats), **g.cites(step.cites, step.assumes))
                if fixed:
                    records.append(em.var("s"))
                    uses.append(str(use))
                    em.emit(f"{records[-1]} = {g.step_record(step, fields, text)}")
                else:
                    em.emit(f"planned.append({g.step_record(step, fields, text)})")
                    em.emit(f"used.append({use})")
        documents = g.const(node.documents, "DOCUMENTS")
        if node.document_when:
            em.emit("kept = []")
            for doc, when in zip(node.documents, node.document_when, strict=True):
                w = em.var("w")
                self.condition(em, when, w)
                em.emit(f"if {w}:")
                em.emit(f"    kept.append({doc!r})")
            em.emit("documents = tuple(dict.fromkeys(kept))")
            documents = "documents"
        if not fixed:
            em.emit("ev.extend(used)")
            planned = "tuple(planned)"
        else:
            if uses:
                em.emit(f"ev.extend(({', '.join(uses)},))")
            planned = f"({', '.join(records)},)" if records else "()"
        g.finish_outcome(node, planned, documents)

