"""Random well-typed expressions, for the random policies of ``policygen``.

:class:`ExprWriter` writes expressions over the names :class:`Names` says are
readable where they go: nested ``and``/``or``/``not``, comparisons of every
type, ``in`` with literal or computed choices, unary minus, integer and date
arithmetic, ``min``/``max``, every date function, ``date()`` literals, and
``given()`` guarding the reads of optional inputs.
"""
from __future__ import annotations

import random
import re
from datetime import date, timedelta

# -- expressions --------------------------------------------------------------------

class Names:
    """What an expression may read where it is: name -> kind (boolean, integer,
    date, string), with the values of enum names (a literal compared with one
    must be one of them).

    ``needs`` says which optional inputs reading a name reads (an optional input
    itself, a derived value reading one); such a name is readable only where
    those are ``allowed`` (given on every way there) or ``guarded`` (by a
    ``given()`` earlier in the same expression)."""

    def __init__(self, every: dict[str, str], enums: dict[str, tuple[str, ...]],
                 needs: dict[str, frozenset[str]] | None = None,
                 allowed: frozenset[str] = frozenset(), guarded: frozenset[str] = frozenset()):
        self.every, self.enums, self.needs = every, enums, needs or {}
        self.allowed, self.guarded = allowed, guarded
        self.kinds = {n: k for n, k in every.items() if self.needs.get(n, frozenset()) <= allowed | guarded}

    def plus(self, kinds: dict[str, str], needs: frozenset[str] = frozenset()) -> Names:
        more = {n: needs for n in kinds} if needs else {}
        return Names({**self.every, **kinds}, self.enums, {**self.needs, **more}, self.allowed, self.guarded)

    def at(self, allowed) -> Names:
        """These names where the optional inputs ``allowed`` are given."""
        return Names(self.every, self.enums, self.needs, frozenset(allowed), self.guarded)

    def guard(self, name: str) -> Names:
        """Inside ``given(name) and ...``."""
        return Names(self.every, self.enums, self.needs, self.allowed, self.guarded | {name})

    def of(self, kind: str) -> list[str]:
        return [n for n, k in self.kinds.items() if k == kind]


def date_literal(rng: random.Random) -> date:
    r = rng.random()
    if r < 0.05:
        return rng.choice([date(1, 1, 1), date(9999, 12, 31), date(1, 2, 28), date(9999, 1, 31)])
    if r < 0.3:       # month ends: the end-of-month rule of add_months
        y = rng.choice([2024, 2025, 2026, 2027, 2028])
        m = rng.randint(1, 12)
        return date(y, m, 28) + timedelta(days=rng.choice([0, 1, 2, 3])) if m == 2 else \
            (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1))
    return date(2026, 1, 1) + timedelta(days=rng.randint(-800, 800))


class ExprWriter:
    """Writes random well-typed expressions as text."""

    def __init__(self, rng: random.Random, optional: dict[str, str], texts: list[str]):
        self.rng = rng
        self.optional = optional          # optional input -> kind: read only behind given()
        self.texts = texts                # string literals the policy may use
        self.ints: set[int] = set()       # integer literals written (for contexts near them)
        self.reads: set[str] = set()      # optional inputs read, less what given() guards inside
        self.dates: set[date] = set()     # date literals written

    def int_literal(self) -> str:
        r = self.rng.random()
        n = self.rng.choice([999999999, 3000000, 12000]) if r < 0.04 else \
            self.rng.randint(-5, 40) if r < 0.9 else self.rng.choice([0, 1, 12, 14, 29, 30, 31, 365, 366])
        self.ints.add(n)
        return str(n)

    def date_literal(self) -> str:
        d = date_literal(self.rng)
        self.dates.add(d)
        return f"date('{d.isoformat()}')"

    def string_literal(self, values: tuple[str, ...] | None) -> str:
        # the language's literals have no escapes: a value with both quotes, a backslash or a
        # line break cannot be written (it stays a value a context may give)
        writable = [t for t in values or self.texts if re.fullmatch(r"[^\n\r\\]*", t)
                    and not ("'" in t and '"' in t)] or ["x"]
        text = self.rng.choice(writable)
        return f'"{text}"' if "'" in text else f"'{text}'"

    def wrap(self, text: str) -> str:
        return text if re.fullmatch(r"[A-Za-z0-9_']+|'[^']*'|\"[^\"]*\"|date\('[0-9-]+'\)|-?\d+", text) \
            else f"({text})"

    def of(self, kind: str, depth: int, names: Names) -> str:
        return {"boolean": self.boolean, "integer": self.integer, "date": self.date,
                "string": self.string}[kind](depth, names)

    def pick(self, names: Names, have: list[str]) -> str:
        name = self.rng.choice(have)
        self.reads |= names.needs.get(name, frozenset()) - names.guarded
        return name

    def leaf(self, kind: str, names: Names) -> str:
        have = names.of(kind)
        if have and self.rng.random() < 0.8:
            return self.pick(names, have)
        if kind == "boolean":
            return self.rng.choice(["true", "false"])
        if kind == "integer":
            return self.int_literal()
        if kind == "date":
            return self.date_literal()
        return self.string_literal(None)

    def string(self, depth: int, names: Names, values: tuple[str, ...] | None = None) -> str:
        """A name of a text, or a literal (one of ``values`` when it is compared with an enum)."""
        have = names.of("string")
        if have and self.rng.random() < 0.8:
            return self.pick(names, have)
        return self.string_literal(values)

    def integer(self, depth: int, names: Names) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.3:
            return self.leaf("integer", names)
        w = self.wrap
        r = rng.randrange(9)
        if r == 0:
            return f"-{w(self.integer(depth - 1, names))}"
        if r == 1:
            return f"{w(self.integer(depth - 1, names))} {rng.choice('+-')} {w(self.integer(depth - 1, names))}"
        if r == 2:
            return f"{w(self.date(depth - 1, names))} - {w(self.date(depth - 1, names))}"
        if r in (3, 4, 5):
            fn = rng.choice(["days_between", "months_between", "years_between"])
            return f"{fn}({self.date(depth - 1, names)}, {self.date(depth - 1, names)})"
        args = [self.integer(depth - 1, names) for _ in range(rng.choice([2, 2, 3]))]
        return f"{rng.choice(['min', 'max'])}({', '.join(args)})"

    def date(self, depth: int, names: Names) -> str:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.3:
            return self.leaf("date", names) if rng.random() < 0.85 else self.date_literal()
        w = self.wrap
        r = rng.randrange(8)
        if r == 0:
            return f"{w(self.date(depth - 1, names))} {rng.choice('+-')} {w(self.integer(depth - 1, names))}"
        if r == 1:
            return f"{w(self.integer(depth - 1, names))} + {w(self.date(depth - 1, names))}"
        if r in (2, 3, 4, 5):
            fn = rng.choice(["add_days", "add_months", "add_years", "add_months"])
            return f"{fn}({self.date(depth - 1, names)}, {self.integer(depth - 1, names)})"
        args = [self.date(depth - 1, names) for _ in range(rng.choice([2, 2, 3]))]
        return f"{rng.choice(['min', 'max'])}({', '.join(args)})"

    def compare(self, depth: int, names: Names) -> str:
        rng = self.rng
        kind = rng.choice(["integer", "integer", "date", "date", "string", "boolean"])
        if kind == "string":
            item = self.string(depth, names)
            values = names.enums.get(item)
            right = self.string_literal(values) if rng.random() < 0.7 else self.string(depth, names, values)
            if right in names.enums and item not in names.kinds:    # a literal against an enum: one of its values
                item = self.string_literal(names.enums[right])
            return f"{item} {rng.choice(['==', '!='])} {right}"
        if kind == "boolean":
            return f"{self.wrap(self.boolean(depth - 1, names))} {rng.choice(['==', '!='])} " \
                   f"{self.wrap(self.boolean(depth - 1, names))}"
        op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
        left = self.of(kind, depth, names)
        right = self.of(kind, depth - 1, names) if rng.random() < 0.5 else \
            (self.int_literal() if kind == "integer" else self.date_literal())
        return f"{self.wrap(left)} {op} {self.wrap(right)}"

    def membership(self, depth: int, names: Names) -> str:
        rng = self.rng
        kind = rng.choice(["string", "string", "integer", "date"])
        item = self.of(kind, depth - 1, names)
        values = names.enums.get(item)
        choices = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.6:
                choices.append(self.string_literal(values) if kind == "string" else
                               self.int_literal() if kind == "integer" else self.date_literal())
            elif kind == "string":
                choices.append(self.string(depth - 1, names, values))
            else:
                choices.append(self.of(kind, depth - 1, names))
        return f"{self.wrap(item)} {rng.choice(['in', 'in', 'not in'])} [{', '.join(choices)}]"

    def boolean(self, depth: int, names: Names) -> str:
        rng = self.rng
        if depth <= 0:
            r = rng.random()
            if r < 0.5:
                return self.leaf("boolean", names)
            kind = rng.choice(["integer", "date", "string"])
            left = self.leaf(kind, names)
            if kind == "string":
                return f"{left} {rng.choice(['==', '!='])} {self.string_literal(names.enums.get(left))}"
            right = self.int_literal() if kind == "integer" else self.date_literal()
            return f"{left} {rng.choice(['<', '<=', '>', '>=', '==', '!='])} {right}"
        r = rng.randrange(12)
        if r == 0:
            return self.leaf("boolean", names)
        if r == 1:
            return f"not {self.wrap(self.boolean(depth - 1, names))}"
        if r in (2, 3):
            op = rng.choice(["and", "or"])
            parts = [self.wrap(self.boolean(depth - 1, names)) for _ in range(rng.choice([2, 2, 3]))]
            return f" {op} ".join(parts)
        if r in (4, 5, 6):
            return self.compare(depth, names)
        if r == 7:
            return self.membership(depth, names)
        if r == 8:
            given = [n for n in names.kinds if n in self.inputs] + sorted(self.optional)
            if given:
                return f"given({rng.choice(given)})"
        if self.optional:                      # an optional input, read behind its guard
            name = rng.choice(sorted(self.optional))
            inner = self.boolean(depth - 1, names.guard(name))
            if rng.random() < 0.6:
                return f"given({name}) and {self.wrap(inner)}"
            return f"not given({name}) or {self.wrap(inner)}"
        return self.compare(depth, names)

    inputs: frozenset[str] = frozenset()
