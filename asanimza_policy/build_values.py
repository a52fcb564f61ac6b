"""The builder's base: names, citations, templates, expressions and derived values.

:class:`ValueReader` holds what every section of a policy file is read against
(the names declared so far and their types, the assumptions and caveats) and
reads the ``derived`` section: each value after those it reads, loops and
over-deep chains reported.  :class:`~asanimza_policy.build.PolicyBuilder`
builds the rest of the policy on it.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from . import expr as ex
from .findings import choice_list, did_you_mean, kind_of
from .loader import Document
from .model import Action, Assumption, Caveat, Derived, Input, MapEntry, Step, Template
from .shape import ShapeReader
from .template import parse_template

# derived values read each other at evaluation by nested calls; with expressions
# at most ex.MAX_DEPTH deep this keeps a walk far below Python's recursion limit
MAX_DERIVED_DEPTH = 16
# ...and the expressions' own levels count too: at most this many in all down a
# chain of derived values (each level costs the interpreter one or two frames)
MAX_DERIVED_NESTING = 160


def _depth(node: ex.Expr) -> int:
    """Levels of an expression's tree (iterative: the tree's depth is bounded anyway)."""
    deepest, todo = 0, [(node, 1)]
    while todo:
        n, d = todo.pop()
        deepest = max(deepest, d)
        todo += [(c, d + 1) for c in n.children()]
    return deepest


class ValueReader(ShapeReader):
    """The part of a build every section uses: the document, the findings so far,
    the names declared (with their types), citations and assumptions, templates,
    expressions, and the derived values (ordered, with loops and depth bounded)."""

    def __init__(self, doc: Document):
        super().__init__(doc)
        self.env: dict[str, ex.Type] = {}
        self.inputs: dict[str, Input] = {}
        self.broken_inputs: set[str] = set()       # declared, but their definition has a finding
        self.assumptions: dict[str, Assumption] = {}
        self.caveats: dict[str, Caveat] = {}
        self.actions: dict[str, Action] = {}
        self.documents: dict[str, str] = {}
        self.library: dict[str, Step] = {}
        self.targets: list[tuple[tuple, str]] = []     # (path of a goto, node it names)

    def cited(self, raw: dict, path) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(cites, assumes) of an entry; each assumption must be declared."""
        cites = self.strings(raw.get("cites"), path + ("cites",), "cites")
        assumes = self.strings(raw.get("assumes"), path + ("assumes",), "assumes")
        for i, a in enumerate(assumes):
            if a not in self.assumptions:
                self.err("REF_ASSUMPTION", f"assumption {a!r} is not declared under assumptions"
                         f"{did_you_mean(a, self.assumptions)}", path + ("assumes", i))
        return cites, assumes

    def caveat_refs(self, raw: dict, path) -> tuple[str, ...]:
        """The caveats an entry attaches; each must be declared."""
        refs = self.strings(raw.get("caveats"), path + ("caveats",), "caveats")
        for i, c in enumerate(refs):
            if c not in self.caveats:
                self.err("REF_CAVEAT", f"caveat {c!r} is not declared under caveats{did_you_mean(c, self.caveats)}",
                         path + ("caveats", i))
        return refs

    def names_template(self, text: str, path, what: str) -> Template | None:
        """A question's or a description's text, whose placeholders must name
        inputs, derived values or as_of; None (reported) otherwise."""
        try:
            template = parse_template(text)
        except ex.ExprError as e:
            self.err("TEMPLATE", f"{what}: {e.message}", path, offset=e.offset)
            return None
        for name in template.names:
            if name not in self.env:
                self.err("TEMPLATE", f"{what} names {{{name}}}, which is not an input or a derived value"
                         f"{did_you_mean(name, self.env)}", path)
        return template

    # -- expressions ---------------------------------------------------------

    def parse_expression(self, value, path, what: str) -> tuple[str, ex.Expr] | None:
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

    def expression(self, value, path, what: str, want: ex.Type | None = None,
                   parsed: tuple[str, ex.Expr] | None = None) -> ex.Expression | None:
        """Parsed (unless ``parsed`` is given), type-checked against the names
        declared so far, and compiled; or None (reported)."""
        parsed = parsed or self.parse_expression(value, path, what)
        if parsed is None:
            return None
        try:
            return ex.build(parsed[0], self.env, want, node=parsed[1])
        except ex.ExprError as e:
            self._expr_error(e, path, what)
            return None

    def _expr_error(self, e: ex.ExprError, path, what: str) -> None:
        if isinstance(e, ex.Unresolved):
            return      # the broken name is reported where it is declared
        style = self.doc.styles.get(tuple(path), "")
        self.err("EXPR", f"{what}: {e.message}", path, offset=None if style in ("|", ">") else e.offset)

    # -- derived values ------------------------------------------------------

    def _derived(self, raw) -> tuple[dict[str, Derived], tuple[str, ...]]:
        """Derived values, type-checked in dependency order; cycles are findings."""
        out: dict[str, Derived] = {}
        bodies: dict[str, dict] = {}
        keys = ("expr", "from", "map", "description", "cites", "assumes")
        for name, body, p in self.section(raw, "derived", "derived value", keys):
            if name in self.inputs or name in ex.RESERVED:
                self.err("SCHEMA_NAME", f"derived value {name!r} clashes with an input or a reserved name", p,
                         key=True)
                continue
            if ("expr" in body) == ("from" in body or "map" in body) or ("from" in body) != ("map" in body):
                self.err("SCHEMA_REQUIRED", f"derived value {name!r} needs either expr, or from with map", p)
                continue
            bodies[name] = body

        # parse each expression once; the names it reads order the derived values
        # (and show loops) before type-checking
        parsed: dict[str, tuple[str, ex.Expr] | None] = {}
        reads: dict[str, tuple[str, ...]] = {}
        weight: dict[str, int] = {}
        for name, body in bodies.items():
            if "expr" in body:
                parsed[name] = read = self.parse_expression(body["expr"], ("derived", name, "expr"), f"derived {name}")
                reads[name] = ex.names_of(read[1]) if read else ()
                weight[name] = 1 + (_depth(read[1]) if read else 0)
            else:
                reads[name] = (body["from"],) if isinstance(body["from"], str) else ()
        order = self._derived_order(bodies, reads, weight)

        for name in order:
            body, p = bodies[name], ("derived", name)
            desc = self.text(body.get("description"), p + ("description",), "description", optional=True) or ""
            cites, assumes = self.cited(body, p)
            d: Derived | None
            if "expr" in body:
                if parsed[name] is None:
                    continue
                e = self.expression(body["expr"], p + ("expr",), f"derived {name}", parsed=parsed[name])
                d = None if e is None else Derived(name, desc, e.type, e, None, None, cites, assumes,
                                                   self.doc.pos(p))
            else:
                d = self._map_derived(name, body, p, desc, cites, assumes)
            if d is None:
                continue
            out[name] = d
            self.env[name] = d.type
        return out, tuple(n for n in order if n in out)

    def _derived_order(self, bodies: Mapping[str, Any], reads: Mapping[str, tuple[str, ...]],
                       weight: Mapping[str, int]) -> list[str]:
        """The derived values, each after those it reads; loops, chains deeper than
        MAX_DERIVED_DEPTH and chains whose expressions nest more than
        MAX_DERIVED_NESTING levels in all (``weight``: 1 + each one's own depth) are findings."""
        order: list[str] = []
        state: dict[str, int] = {}
        depth: dict[str, int] = {}   # the longest chain of derived values from here down, this one included
        below: dict[str, str] = {}   # the derived value it reads that starts that chain
        too_deep: list[str] = []     # reported once: every link of a long chain would repeat it
        nested: dict[str, int] = {}  # expression levels from here down, through the derived values read

        def report(top: str, chain: list[str]) -> None:
            too_deep.append(top)
            self.err("DERIVED_TOO_DEEP", f"derived values read each other more than {MAX_DERIVED_DEPTH} "
                     f"levels deep: {' -> '.join(chain[:3])} -> ... -> {chain[-1]}", ("derived", top), key=True)

        def visit(n: str, trail: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                loop = trail[trail.index(n):] + [n]
                self.err("DERIVED_CYCLE", f"derived values depend on each other in a loop: {' -> '.join(loop)}",
                         ("derived", n), key=True)
                return
            if len(trail) >= MAX_DERIVED_DEPTH:    # the walk down stops here, so a long chain cannot overflow it
                state[n] = 2
                if not too_deep:
                    report(trail[0], trail + [n])
                return
            state[n] = 1
            for dep in reads[n]:
                if dep in bodies:
                    visit(dep, trail + [n])
            state[n] = 2
            deps = [d for d in reads[n] if d in depth]
            if deps:
                below[n] = max(deps, key=depth.__getitem__)
            depth[n] = 1 + (depth[below[n]] if n in below else 0)
            nested[n] = weight.get(n, 1) + max((nested[d] for d in reads[n] if d in nested), default=0)
            if depth[n] > MAX_DERIVED_DEPTH and not too_deep:   # a chain built bottom-up, as authors write it
                chain = [n]
                while chain[-1] in below:
                    chain.append(below[chain[-1]])
                report(n, chain)
            elif nested[n] > MAX_DERIVED_NESTING and not too_deep:
                # each level of an expression costs the walk Python frames too: a few derived
                # values of deeply nested expressions reach the interpreter's recursion limit
                too_deep.append(n)
                self.err("DERIVED_TOO_DEEP", f"derived value {n!r} nests {nested[n]} levels of expressions through "
                         f"the derived values it reads (at most {MAX_DERIVED_NESTING}); compute it in fewer, "
                         "flatter steps", ("derived", n), key=True)
            order.append(n)

        for n in bodies:
            visit(n, [])
            self.env[n] = ex.BROKEN      # until it builds: what reads it then adds no second finding
        return order

    def _map_derived(self, name, body, p, desc, cites, assumes) -> Derived | None:
        src = self.text(body["from"], p + ("from",), "from")
        if src is None:
            return None
        inp = self.inputs.get(src)
        if src in self.broken_inputs:
            return None     # reported where the input is declared
        if inp is None or inp.type != "enum":
            enums = [n for n, i in self.inputs.items() if i.type == "enum"]
            self.err("REF_INPUT", f"from must name an enum input; {src!r} is not one"
                     f"{did_you_mean(src, enums)}", p + ("from",))
            return None
        if inp.values is None:          # an enum without values: reported where it is declared
            return None
        values = inp.values
        table = self.mapping(body["map"], p + ("map",), "map")
        if table is None:
            return None
        entries: dict[str, MapEntry] = {}
        kinds = set()
        for key, raw in table.items():
            kp = p + ("map", key)
            if key not in values:
                self.err("REF_VALUE", f"{key!r} is not a value of {src}: {choice_list(values)}", kp, key=True)
                continue
            entry_cites: tuple[str, ...] = ()
            if isinstance(raw, dict):
                if self.mapping(raw, kp, f"map entry {key!r}", ("value", "cites"), ("value",)) is None:
                    continue
                entry_cites = self.strings(raw.get("cites"), kp + ("cites",), "cites")
                raw, kp = raw.get("value"), kp + ("value",)
            if type(raw) not in (str, int, bool):
                self.err("SCHEMA_TYPE", f"map values are text, numbers or true/false; got {kind_of(raw)}", kp)
                continue
            kinds.add(type(raw))
            entries[key] = MapEntry(raw, entry_cites)
        missing = [v for v in values if v not in table]
        if missing:
            self.err("MAP_INCOMPLETE", f"map of {name!r} has no entry for {', '.join(missing)}", p + ("map",))
            return None
        if len(kinds) > 1:
            self.err("SCHEMA_TYPE", f"map values of {name!r} mix types", p + ("map",))
            return None
        t = {str: ex.STRING, int: ex.INTEGER, bool: ex.BOOLEAN}[kinds.pop()] if kinds else ex.STRING
        return Derived(name, desc, t, None, src, MappingProxyType(entries), cites, assumes, self.doc.pos(p))
