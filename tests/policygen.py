"""Random but valid policies, for testing the compiled walk against the interpreter.

:func:`random_policy` writes one policy file's text (YAML) and the source text
it cites, from a seeded ``random.Random``: inputs of every type (some optional,
integers with bounds), derived values (expressions over inputs, ``as_of`` and
each other; tables over an enum input), actions with fields of every type,
documents, assumptions, caveats, shared and inline steps, and a graph of
decisions (``match: first`` or exclusive, with or without ``otherwise``) and
outcomes (``complete`` or ``not_covered``).  Expressions use the whole
language: nested ``and``/``or``/``not``, comparisons of every type, ``in``
with literal or computed choices, unary minus, integer and date arithmetic,
``min``/``max``, every date function, ``date()`` literals and ``given()``
guarding the reads of optional inputs.

Texts and names are sometimes hostile: quotes, backslashes, newlines, unicode,
braces, and Python keywords or the generated code's own variable names as ids,
so the generator's safety is tried too.  Most policies build; the few the
builder refuses are skipped by the caller.

:func:`random_contexts` gives contexts for a policy: complete, partial, with a
wrong value, with extreme dates, or not a context at all.
"""
from __future__ import annotations

import json
import random
import re
import types
from datetime import date, timedelta
from typing import Any

from asanimza_policy.expr import RESERVED

from .policyexpr import ExprWriter, Names

# ids a careless generator would turn into Python: keywords, builtins, and the
# variable and function names of the generated module itself
HOSTILE_IDS = ("class", "def", "return", "lambda", "import", "none", "vals", "ev", "nxt", "br", "unk",
               "planned", "used", "kept", "documents", "explanation", "context", "read", "run", "fast",
               "decide", "values", "bail", "policy", "show", "self", "exec", "eval", "globals", "t1", "w1",
               "f1", "x1", "u1", "v", "d", "e", "key", "unknown4", "step_doc_0", "derive_0", "known_0",
               "if", "else", "while", "yield", "await", "async", "pass", "raise", "try", "finally")
WORDS = ("permit", "fee", "card", "visit", "renewal", "window", "age", "office", "letter", "resident",
         "expiry", "deadline", "branch", "holder", "notice")

# texts that would break out of a string, a comment or a format if pasted into code
HOSTILE_TEXTS = (
    "it's \"quoted\"", "back\\slash \\n not a newline", "two\nlines", "unicode Məmmədova ✓ 😀",
    "''' and \"\"\" quotes", "# not a comment", "%s %(x)s {0} {!r}", "tab\there",
    "x' + __import__('os').getcwd() + '", "\\x00 \\u1234 \\", "ends with a backslash \\",
    "}} {{ braces", "\r carriage return", "a\u2028line separator", "a NUL\x00 (inside)",
)
PLAIN_TEXTS = ("Apply at the desk", "Bring the form", "Wait for the letter", "Pay the fee",
               "Come back later", "Nothing to do")


def yaml_text(value: Any) -> str:
    """``value`` (dicts, lists, text, numbers, booleans) as block YAML; every
    text double-quoted (JSON escapes are YAML escapes)."""
    return "\n".join(_block(value, 0)) + "\n"


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict) and not v:
        return "{}"
    if isinstance(v, list) and not v:
        return "[]"
    return _quoted(v)


def _quoted(text: str) -> str:
    # JSON's escapes are YAML's; YAML also reads these three as line breaks, so they are escaped too
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029").replace("\x85", "\\u0085")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[a-z_][a-z0-9_]*", k) else _quoted(k)


def _block(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{_key(k)}:")
                lines += _block(v, indent + 1)
            else:
                lines.append(f"{pad}{_key(k)}: {_scalar(v)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = _block(item, indent + 1)
                inner[0] = pad + "- " + inner[0].lstrip()
                lines += inner
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines




# -- policies -----------------------------------------------------------------------

class PolicyWriter:
    """One random policy: :meth:`write` gives (policy file text, source text)."""

    def __init__(self, rng: random.Random, hostile: float = 0.15, scale: int = 1):
        self.rng = rng
        self.hostile = hostile
        self.scale = scale          # more of everything: inputs, derived values, nodes, deeper expressions
        self.used: set[str] = set()

    def ident(self, taken: set[str] | None = None, *, as_name: bool = False) -> str:
        rng, taken = self.rng, self.used if taken is None else taken
        while True:
            if rng.random() < self.hostile:
                name = rng.choice(HOSTILE_IDS)
            else:
                name = f"{rng.choice(WORDS)}_{rng.randint(1, 99)}"
            if name in taken or (as_name and name in RESERVED):
                continue
            taken.add(name)
            return name

    def text(self) -> str:
        return self.rng.choice(HOSTILE_TEXTS) if self.rng.random() < self.hostile else self.rng.choice(PLAIN_TEXTS)

    def cites(self) -> list[str]:
        rng = self.rng
        return rng.sample(self.sentences, rng.randint(1, 2)) if rng.random() < 0.5 else []

    def cited(self, body: dict, caveats: bool = False) -> dict:
        rng = self.rng
        c = self.cites()
        if c:
            body["cites"] = c
        if self.assumptions and rng.random() < 0.3:
            body["assumes"] = rng.sample(self.assumptions, rng.randint(1, len(self.assumptions)))
        if caveats and self.caveats and rng.random() < 0.3:
            body["caveats"] = rng.sample(self.caveats, rng.randint(1, len(self.caveats)))
        return body

    def template(self, names: list[str], max_names: int = 3) -> str:
        """A text with placeholders (some inside parentheses), braces escaped."""
        rng = self.rng
        pieces = [self.text().replace("{", "{{").replace("}", "}}")]
        for _ in range(rng.randint(0, max_names) if names else 0):
            name = rng.choice(names)
            if rng.random() < 0.4:
                pieces.append(f" (from {{{name}}}, {rng.choice(['or', 'to'])} {{{rng.choice(names)}}})")
            else:
                pieces.append(f" {{{name}}}")
            pieces.append(rng.choice([".", " then", ", and", ""]))
        return "".join(pieces)

    def write(self) -> tuple[str, str]:
        rng = self.rng
        self.sentences = [f"Rule {i + 1}: {self.text().replace(chr(10), ' ').replace(chr(13), ' ')}."
                          for i in range(rng.randint(3, 8))]
        source = "\n".join(self.sentences) + "\n"
        doc: dict[str, Any] = {
            "id": "random-policy", "version": "1.0.0", "title": self.text(),
            "effective_from": "2020-01-01", "timezone": "Europe/Lisbon",
            "source": {"title": self.text(), "path": "source/rules.txt"},
        }
        self.assumptions: list[str] = []
        assumptions = {}
        for _ in range(rng.randint(0, 2)):
            aid = self.ident()
            self.assumptions.append(aid)
            assumptions[aid] = {"text": self.text(), **({"cites": self.cites()} if rng.random() < 0.5 else {})}
        self.caveats: list[str] = []
        caveats = {}
        for _ in range(rng.randint(0, 2)):
            cid = self.ident()
            self.caveats.append(cid)
            caveats[cid] = {"title": self.text(), "url": "https://example.org/x?a='1'&b=\"2\"",
                            "read_on": "2026-11-25", "text": self.text()}

        # inputs
        names_taken: set[str] = set()
        inputs: dict[str, dict] = {}
        kinds: dict[str, str] = {}
        enums: dict[str, tuple[str, ...]] = {}
        optional: dict[str, str] = {}
        self.int_bounds: dict[str, tuple[int | None, int | None]] = {}
        for _ in range(rng.randint(0 if rng.random() < 0.05 else 2, 6 * self.scale)):
            name = self.ident(names_taken, as_name=True)
            t = rng.choice(["boolean", "enum", "date", "date", "integer", "integer", "string"])
            body: dict[str, Any] = {"type": t}
            if t == "enum":
                values = []
                for _ in range(rng.randint(1, 4)):
                    v = rng.choice(HOSTILE_TEXTS + HOSTILE_IDS) if rng.random() < self.hostile \
                        else f"{rng.choice(WORDS)}{rng.randint(1, 9)}"
                    if v not in values:
                        values.append(v)
                body["values"] = values
                enums[name] = tuple(values)
                if rng.random() < 0.3:
                    body["labels"] = {values[0]: self.text()}
            if t == "integer" and rng.random() < 0.4:
                low = rng.choice([None, 0, -10, 1])
                high = rng.choice([None, 12, 100, 150])
                if low is not None:
                    body["minimum"] = low
                if high is not None:
                    body["maximum"] = high
                self.int_bounds[name] = (low, high)
            body["question"] = "?"       # filled in once the derived values are known
            if rng.random() < 0.2:
                body["optional"] = True
            inputs[name] = body
            kind = "string" if t == "enum" else t
            (optional if body.get("optional") else kinds)[name] = kind
        doc["inputs"] = inputs
        self.inputs, self.enums = inputs, enums
        self.texts = [t for t in HOSTILE_TEXTS if "\n" not in t and "\\" not in t and "\r" not in t
                      and "\u2028" not in t] + [v for vs in enums.values() for v in vs] + ["x"]
        self.texts = [t for t in self.texts if re.fullmatch(r"[^\n\\]*", t)]
        ew = self.exprs = ExprWriter(rng, optional, self.texts)
        ew.inputs = frozenset(inputs)
        readable = Names({**kinds, **optional, "as_of": "date"}, enums, {n: frozenset((n,)) for n in optional})

        # derived values: each reads inputs, as_of and the ones before it
        derived: dict[str, dict] = {}
        for _ in range(rng.randint(0, 5 * self.scale)):
            name = self.ident(names_taken, as_name=True)
            enum_inputs = list(enums)
            needs: frozenset[str] = frozenset()
            if enum_inputs and rng.random() < 0.25:
                src = rng.choice(enum_inputs)
                needs = frozenset((src,)) & frozenset(optional)
                vtype = rng.choice([str, int, bool])
                table: dict[str, Any] = {}
                for v in enums[src]:
                    value: Any = (rng.choice(self.texts) if vtype is str else
                                  rng.randint(-3, 40) if vtype is int else rng.random() < 0.5)
                    table[v] = {"value": value, "cites": self.cites() or [self.sentences[0]]} \
                        if rng.random() < 0.3 else value
                derived[name] = self.cited({"from": src, "map": table})
                kind = {str: "string", int: "integer", bool: "boolean"}[vtype]
            else:
                kind = rng.choice(["boolean", "integer", "date", "date"])
                # now and then one reads optional inputs without a guard: then every read of it needs one
                ew.reads = set()
                where = readable.at(optional if rng.random() < 0.3 else ())
                derived[name] = self.cited({"expr": ew.of(kind, rng.randint(0, 2 + self.scale), where)})
                needs = frozenset(ew.reads)
            readable = readable.plus({name: kind}, needs)
        if derived:
            doc["derived"] = derived
        self.readable = readable
        # questions may name derived values and inputs, known or not
        for body in inputs.values():
            body["question"] = self.template(list(readable.every)) \
                if rng.random() < 0.4 else self.template([])

        # actions, documents, shared steps
        actions = {}
        for _ in range(rng.randint(1, 3)):
            aid = self.ident()
            fields = {}
            taken_f: set[str] = {"action", "text"}
            for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
                fields[self.ident(taken_f)] = rng.choice(["date", "string", "integer", "boolean"])
            actions[aid] = {"description": self.text(), **({"fields": fields} if fields else {})}
        self.actions = actions
        documents = {self.ident(): self.text() for _ in range(rng.randint(0, 3))}
        self.documents = list(documents)
        doc["actions"] = actions
        if documents:
            doc["documents"] = documents
        if assumptions:
            doc["assumptions"] = assumptions
        if caveats:
            doc["caveats"] = caveats
        library = {self.ident(): self.step(self.readable) for _ in range(rng.randint(0, 2))}
        self.library = list(library)
        if library:
            doc["steps"] = library

        # the graph: decisions lead only to later nodes (acyclic), outcomes end
        n_dec, n_out = rng.randint(0, 5 * self.scale), rng.randint(1, 5 * self.scale)
        dec_ids = [self.ident() for _ in range(n_dec)]
        out_ids = [self.ident() for _ in range(n_out)]
        order = dec_ids + out_ids
        nodes: dict[str, dict] = {}
        # the optional inputs given on each way into a node: the node may read what all of them give
        self.incoming: dict[str, list[frozenset[str]]] = {}
        for i, nid in enumerate(dec_ids):
            nodes[nid] = self.decision(order[i + 1:], self.guards(nid, order[0]))
        for nid in out_ids:
            nodes[nid] = self.outcome(self.guards(nid, order[0]))
        doc["start"] = order[0]
        doc["nodes"] = nodes
        return yaml_text(doc), source

    def guards(self, nid: str, start: str) -> frozenset[str]:
        ways = self.incoming.get(nid)
        return frozenset() if nid == start or not ways else frozenset.intersection(*ways)

    def goto(self, later: list[str], given: frozenset[str]) -> str:
        """A later node, reached with the optional inputs ``given`` (a guarded
        way prefers a node nothing leads to yet, so that the guard holds there)."""
        fresh = [n for n in later if n not in self.incoming]
        target = self.rng.choice(fresh if given and fresh and self.rng.random() < 0.7 else later)
        self.incoming.setdefault(target, []).append(given)
        return target

    def decision(self, later: list[str], guard: frozenset[str]) -> dict:
        rng, ew = self.rng, self.exprs
        body: dict[str, Any] = {"kind": "decision", "title": self.text()}
        if rng.random() < 0.3:
            body["description"] = self.text()
        self.cited(body)
        first = rng.random() < 0.5
        if first:
            body["match"] = "first"
        elif rng.random() < 0.2:
            body["match"] = "unique"
        branches = []
        names = self.readable.at(guard)
        depth = rng.randint(0, 2 + self.scale)
        if first and ew.optional and rng.random() < 0.3:
            # an earlier branch `not given(x)` not taken guards the later ones
            name = rng.choice(sorted(ew.optional))
            branches.append({"when": f"not given({name})", "goto": self.goto(later, guard)})
            guard |= {name}
            names = names.at(guard)
        n = rng.randint(1, 3)
        if not first and rng.random() < 0.5:        # exclusive by construction
            c = ew.boolean(depth, names)
            branches += [{"when": c, "goto": self.goto(later, guard)},
                         {"when": f"not ({c})", "goto": self.goto(later, guard)}]
        else:
            for _ in range(n):
                if ew.optional and rng.random() < 0.25:
                    # a branch `given(x) and ...` guards the node it leads to
                    name = rng.choice(sorted(ew.optional))
                    inner = ew.boolean(depth, names.at(guard | {name}))
                    branches.append({"when": f"given({name}) and {ew.wrap(inner)}",
                                     "goto": self.goto(later, guard | {name})})
                else:
                    branches.append({"when": ew.boolean(depth, names), "goto": self.goto(later, guard)})
        for br in branches:
            if rng.random() < 0.2:
                br["label"] = self.text()
        body["branches"] = branches
        if rng.random() < 0.6:
            body["otherwise"] = self.goto(later, guard)
        return body

    def step(self, names: Names) -> dict:
        rng, ew = self.rng, self.exprs
        aid = rng.choice(list(self.actions))
        fields = self.actions[aid].get("fields", {})
        body: dict[str, Any] = {"action": aid}
        if rng.random() < 0.4:
            if ew.optional and rng.random() < 0.4:
                name = rng.choice(sorted(ew.optional))
                names = names.at(names.allowed | {name})
                body["when"] = f"given({name})" if rng.random() < 0.5 else \
                    f"given({name}) and {ew.wrap(ew.boolean(rng.randint(0, 2), names))}"
            else:
                body["when"] = ew.boolean(rng.randint(0, 2), names)
        with_ = {}
        for fname, ftype in fields.items():
            if rng.random() < 0.8:
                with_[fname] = ew.of(ftype, rng.randint(0, 2), names)
        if with_:
            body["with"] = with_
        body["text"] = self.template(list(names.kinds) + list(fields))
        return self.cited(body, caveats=True)

    def outcome(self, guard: frozenset[str]) -> dict:
        rng, ew = self.rng, self.exprs
        names = self.readable.at(guard)
        body: dict[str, Any] = {"kind": "outcome", "status": rng.choice(["complete", "complete", "not_covered"]),
                                "title": self.text()}
        if rng.random() < 0.5:
            body["description"] = self.template(list(self.readable.every))
        self.cited(body, caveats=True)
        steps: list[Any] = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            steps.append(rng.choice(self.library) if self.library and rng.random() < 0.3 else self.step(names))
        if steps:
            body["steps"] = steps
        docs: list[Any] = []
        for _ in range(rng.randint(0, 3) if self.documents else 0):
            d = rng.choice(self.documents)
            docs.append({"document": d, "when": ew.boolean(rng.randint(0, 2), names)}
                        if rng.random() < 0.4 else d)
        if docs:
            body["documents"] = docs
        return body


def random_policy(rng: random.Random, hostile: float = 0.15, scale: int = 1) -> tuple[str, str, PolicyWriter]:
    """(policy file text, source text, the writer: what it wrote, for contexts)."""
    w = PolicyWriter(rng, hostile, scale)
    text, source = w.write()
    return text, source, w


# -- contexts -----------------------------------------------------------------------

EXTREME_DATES = (date(1, 1, 1), date(1, 1, 31), date(9999, 12, 31), date(9999, 12, 1), date(999, 6, 30),
                 date(9001, 1, 1))


def good_values(policy, writer: PolicyWriter, name: str, rng: random.Random, day: date) -> list:
    inp = policy.inputs[name]
    t = inp.type
    if t == "boolean":
        return [True, False]
    if t == "enum":
        return list(inp.values)
    if t == "integer":
        near = [n + d for n in writer.exprs.ints for d in (-1, 0, 1)] or [0]
        vals = [rng.choice(near), rng.choice(near), rng.randint(-50, 200), 0, 1, 10 ** 12, -(10 ** 12)]
        low, high = inp.minimum, inp.maximum
        vals = [v for v in vals if (low is None or v >= low) and (high is None or v <= high)]
        return vals + [v for v in (low, high) if v is not None] or [0]
    if t == "date":
        near = [d + timedelta(days=k) for d in writer.exprs.dates for k in (-1, 0, 1)
                if date(1, 1, 2) <= d <= date(9999, 12, 30)]
        base = day if 2 <= day.year <= 9998 else date(2026, 6, 15)
        vals = [base + timedelta(days=rng.randint(-400, 400)) for _ in range(3)]
        vals += [rng.choice(near)] if near else []
        vals += [date(rng.choice([2024, 2025, 2028]), rng.choice([1, 2, 3, 12]), 1) - timedelta(days=1)]
        out: list = vals + [vals[0].isoformat()]
        if rng.random() < 0.1:
            out.append(rng.choice(EXTREME_DATES))
        return out
    return ["x", "Anna Məmmədova", rng.choice(writer.texts)]


class Text(str):
    """A caller's own kind of text (a ``str`` subclass that shows itself otherwise)."""

    def __str__(self) -> str:
        return "shown otherwise"

    def __format__(self, spec: str) -> str:
        return "formatted otherwise"

    def __repr__(self) -> str:
        return f"Text({str.__repr__(self)})"


class Day(date):
    """A caller's own kind of date."""

    def __str__(self) -> str:
        return "a day"

    def isoformat(self) -> str:
        return "shown otherwise"


def exotic(value: Any) -> Any:
    """``value`` as a subclass of its type, where one is possible."""
    if type(value) is str:
        return Text(value)
    if type(value) is date:
        return Day(value.year, value.month, value.day)
    return value


BAD = (None, "", 3.5, [1], {"a": 1}, "\ud800x", True, 1, "2026-02-30", "yes")


def random_contexts(policy, writer: PolicyWriter, rng: random.Random, day: date, n: int):
    """``n`` (context, complete?) pairs: about a third complete (every input,
    valid), the rest partial, some with a wrong value or not a context."""
    names = list(policy.inputs)
    for i in range(n):
        complete = i % 3 == 0
        ctx: dict[Any, Any] = {}
        for name in names:
            if complete or rng.random() < 0.6:
                ctx[name] = rng.choice(good_values(policy, writer, name, rng, day))
                if rng.random() < 0.03:
                    ctx[name] = exotic(ctx[name])
        if not complete:
            r = rng.random()
            if r < 0.1 and names:
                ctx[rng.choice(names)] = rng.choice(BAD)
            elif r < 0.12:
                ctx["not_a_field"] = 1
            elif r < 0.14:
                yield types.MappingProxyType(ctx), False
                continue
            elif r < 0.15:
                yield rng.choice([None, [], "context"]), False
                continue
        yield ctx, complete
