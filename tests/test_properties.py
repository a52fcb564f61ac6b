"""Properties that hold for every policy found, checked on many drawn cases.

The budget is fixed (``derandomize``: the same cases on every run, no example
database), so CI time stays bounded and a failure reproduces.

* a valid context drawn from a policy's declared inputs always decides, within
  the policy's vocabularies, with citations found word for word in its source,
  and the same way twice;
* a junk value for any input is always ``InvalidContext`` naming that input;
* random mutations of each policy file give a clean load or findings with
  positions, never a traceback; and a file ``check`` accepts never crashes
  evaluation.
"""
from __future__ import annotations

import math
import os
import random
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asanimza_policy as ap
from asanimza_policy import registry
from asanimza_policy.check import check_file, normalize, read_source
from asanimza_policy.decision import COMPLETE, NEEDS_INPUT, NOT_COVERED
from asanimza_policy.errors import PolicyError
from asanimza_policy.findings import ERROR, Finding

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "policies"


def policy_files() -> list[Path]:
    """Every shipped policy version and every fixture policy."""
    shipped = [Path(f) for f in registry.all_policy_files()]
    return sorted(set(shipped) | set(FIXTURES.glob("*/*.yaml")))


FILES = policy_files()
POLICIES = {str(f.relative_to(ROOT)): ap.load(f) for f in FILES}
# PROPERTY_EXAMPLES=5000 for a longer hunt; CI keeps the small fixed budget
BUDGET = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")), deadline=None, derandomize=True,
                  database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

DATES = st.dates(date(1950, 1, 1), date(2100, 12, 31))


def value_of(inp) -> st.SearchStrategy:
    if inp.type == "enum":
        return st.sampled_from(inp.values)
    if inp.type == "boolean":
        return st.booleans()
    if inp.type == "integer":
        return st.integers(-10 ** 6, 10 ** 6)
    if inp.type == "date":
        return DATES | DATES.map(date.isoformat)
    return st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


def contexts(policy) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={name: value_of(inp) | st.none() for name, inp in policy.inputs.items()})


def source_text(policy) -> str:
    return "\n".join(normalize(line) for line in read_source(Path(policy.path), policy.source.path).splitlines())


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_valid_contexts_always_decide_within_the_vocabularies(name):
    policy = POLICIES[name]
    source = source_text(policy)
    questions = {n for n, inp in policy.inputs.items()}

    @BUDGET
    @given(context=contexts(policy), as_of=DATES)
    def prop(context, as_of):
        d = ap.evaluate(policy, context, as_of=as_of)
        assert d.status in (COMPLETE, NEEDS_INPUT, NOT_COVERED)
        if d.status == NEEDS_INPUT:
            assert d.outcome is None and d.missing and set(d.missing) <= questions
            assert not set(d.missing) & {k for k, v in context.items() if v is not None}
        else:
            assert d.outcome in policy.nodes and policy.nodes[d.outcome].kind == "outcome" and not d.missing
        assert set(d.documents) <= set(policy.documents)
        assert {s.action for s in d.steps} <= set(policy.actions)
        assert list(d.trace) and d.trace[0] == policy.start and set(d.trace) <= set(policy.nodes)
        for c in d.citations:
            assert normalize(c) in source, c
        assert {a.id for a in d.assumptions} <= set(policy.assumptions)
        assert ap.evaluate(policy, dict(context), as_of=as_of).to_dict() == d.to_dict()

    prop()


def deep(n: int):
    x: list = []
    for _ in range(n):
        x = [x]
    return x


# values no input of any type accepts
ALWAYS_JUNK = st.one_of(
    st.just(deep(3000)), st.just({"a": deep(50)}), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.floats(allow_nan=True),
    st.just(float("nan")), st.just(b"bytes"), st.just(object()),
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)), st.just(""),
)


def junk_for(inp) -> st.SearchStrategy:
    huge = st.integers(10 ** 4400, 10 ** 4400 + 5) | st.just(-(10 ** 5000))
    text = st.text(max_size=30) | st.text(st.characters(whitelist_categories=("Cc", "Cs", "Cf")), min_size=1)
    if inp.type == "enum":
        return ALWAYS_JUNK | huge | st.booleans() | text.filter(lambda s: s not in inp.values)
    if inp.type == "boolean":
        return ALWAYS_JUNK | huge | st.integers(0, 1) | text
    if inp.type == "integer":
        return ALWAYS_JUNK | st.booleans() | text
    if inp.type == "date":
        return (ALWAYS_JUNK | huge | st.booleans() | text.filter(lambda s: not _is_date(s))
                | st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "2026-1-1", "2026-11-24T00:00"]))
    return ALWAYS_JUNK | huge | st.booleans() | st.text(st.characters(whitelist_categories=("Cs",)), min_size=1)


def _is_date(s: str) -> bool:
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return len(s) == 10


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_junk_values_are_invalid_context_naming_the_field(name):
    policy = POLICIES[name]
    inputs = sorted(policy.inputs)

    @BUDGET
    @given(data=st.data())
    def prop(data):
        field = data.draw(st.sampled_from(inputs))
        value = data.draw(junk_for(policy.inputs[field]))
        if isinstance(value, float) and math.isnan(value) is False and policy.inputs[field].type == "integer":
            pass
        with pytest.raises(ap.InvalidContext) as e:
            ap.evaluate(policy, {field: value}, as_of=date(2026, 6, 1))
        assert e.value.field == field
        message = str(e.value)
        assert message.startswith(f"{field}: ") and len(message) < 600 and message.isprintable()

    prop()


# -- mutations of each policy file ---------------------------------------------------------------

TOKENS = ["", "null", "[]", "{}", "0", "-1", "999999999999", "x", "true", "'2026-02-30'", "'9999-12-31'",
          "add_days(as_of, 999999999)", "date('9999-12-31') + 1 > as_of", "[a, b]", "{kind: outcome}",
          "&a [1]", "*a", "!!str 5", "'{nope}'", "no_such_node", "-", "|\n  text"]


def mutate(text: str, rng: random.Random, count: int) -> str:
    lines = text.splitlines()
    words = sorted({w for line in lines for w in line.replace(":", " ").split() if w.isidentifier()})
    for _ in range(count):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3 and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {rng.choice(TOKENS + words)}"
        elif op == 4:
            a, b = rng.choice(words), rng.choice(words)
            lines[i] = lines[i].replace(a, b)
        else:
            lines[i] = " " * rng.choice([0, 1, 2, 4]) + lines[i].lstrip()
    return "\n".join(lines) + "\n"


def evaluate_some(policy, rng: random.Random) -> None:
    """A file check accepts never crashes evaluation: a decision, or a
    PolicyError (a gap only a walk can meet), or an InvalidContext naming an
    input when a drawn date pushes arithmetic off the calendar."""
    for _ in range(8):
        context = {}
        for name, inp in policy.inputs.items():
            if rng.random() < 0.7:
                context[name] = (rng.choice(inp.values) if inp.type == "enum" and inp.values else
                                 rng.choice([True, False]) if inp.type == "boolean" else
                                 rng.randint(-100, 100) if inp.type == "integer" else
                                 date(rng.randint(1950, 2100), rng.randint(1, 12), rng.randint(1, 28))
                                 if inp.type == "date" else "text")
        try:
            ap.evaluate(policy, context, as_of=date(rng.randint(1990, 2060), 6, 1))
        except PolicyError as e:
            assert all(isinstance(f, Finding) and f.line >= 1 for f in e.findings)
        except ap.InvalidContext as e:
            assert e.field in policy.inputs or e.field == "as_of", str(e)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_random_mutations_give_findings_with_positions_never_a_traceback(path, tmp_path):
    folder = tmp_path / path.parent.name
    shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns("tests"))
    target = folder / path.name
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n") + 1
    clean = 0

    @BUDGET
    @given(seed=st.integers(0, 2 ** 32), count=st.integers(1, 4))
    def prop(seed, count):
        nonlocal clean
        rng = random.Random(seed)
        target.write_text(mutate(text, rng, count), encoding="utf-8")
        registry.clear_cache()
        findings = check_file(target)
        for f in findings:
            assert isinstance(f, Finding) and 1 <= f.line <= lines + count + 1 and f.col >= 1, f
        accepted = not [f for f in findings if f.severity == ERROR]
        try:
            policy = ap.load(target)
        except PolicyError as e:
            assert not accepted, f"check accepts what load refuses: {e}"
            assert e.findings and all(f.line >= 1 for f in e.findings)
            return
        clean += accepted
        evaluate_some(policy, rng)      # content findings (citations, layout) leave a policy that loads

    prop()
    registry.clear_cache()
