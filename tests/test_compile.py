"""The compiled walk (compile.py) against the interpreter (engine.run), the reference.

For every policy found (shipped and test fixtures), every scenario and a few
thousand generated contexts (valid, missing fields, wrong values, extreme
dates, several days), both give the same decision or the same exception.
"""
from __future__ import annotations

import json
import random
import types
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy import codegen_expr, walks
from asanimza_policy import compile as compile_module
from asanimza_policy.compile import build, compiled, python_source
from asanimza_policy.context import parse_date
from asanimza_policy.engine import Listener, run
from asanimza_policy.expr import Compare, OutOfRange
from asanimza_policy.registry import load_policy, resolve_policy
from asanimza_policy.scenarios import load_scenarios

from .conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures"


def _policy_files() -> list[Path]:
    found = []
    for folder in (ROOT / "policies", FIXTURES):
        for f in sorted(folder.rglob("*.yaml")):
            if "source" in f.parts or f.parent.name == "tests":
                continue
            try:
                load_policy(f)
            except Exception:       # broken fixtures, scenario files: not policies
                continue
            found.append(f)
    return found


POLICY_FILES = _policy_files()
IDS = [str(f.relative_to(ROOT)) for f in POLICY_FILES]


def test_the_policies_are_found():
    names = {f.parent.name for f in POLICY_FILES}
    assert {"asan-imza-renewal", "library-card"} <= names


def outcome(fn, *args):
    """What a call gives: ("ok", document, decision) or ("error", type, message)."""
    try:
        d = fn(*args)
    except Exception as e:  # noqa: BLE001 - the exception itself is compared
        return ("error", type(e).__name__, str(e))
    return ("ok", d.to_dict(), d)


def assert_same(policy, context, as_of, decide=None):
    want = outcome(run, policy, context, as_of)
    got = outcome(decide or build(policy), context, as_of)
    assert got[:2] == want[:2], f"context {context!r} as of {as_of}"
    assert got == want


# -- generated contexts --------------------------------------------------------------

def _values(inp, rng: random.Random, day: date) -> list:
    """Good or (one time in seven) bad values for one input."""
    good, bad = _good_and_bad(inp, rng, day)
    return good if rng.random() < 0.85 else bad


def _good_and_bad(inp, rng: random.Random, day: date) -> tuple[list, list]:
    t = inp.type
    bad = [None, "", 3.5, [1], {"a": 1}, "\ud800x"]
    if t == "boolean":
        good = [True, False]
        bad += [1, 0, "true"]
    elif t == "enum":
        good = list(inp.values)
        bad += [inp.values[0].upper() + "x", 1, True]
    elif t == "integer":
        good = [0, 1, 15, 16, 17, 18, 65, -1, 10 ** 6, rng.randint(-50, 200)]
        bad += [True, "16", 16.0]
    elif t == "date":
        base = day if 2 <= day.year <= 9998 else date(2026, 11, 24)
        near = [base + timedelta(days=rng.randint(-400, 400)) for _ in range(6)]
        good = near + [d.isoformat() for d in near[:2]] + [day, date(1, 1, 1), date(9999, 12, 31)]
        bad += ["2026-02-30", "26-01-01", datetime(2026, 1, 1, 12), 20260101]
    else:
        good = ["x", "Anna Məmmədova", "a" * 50]
        bad += [1, True]
    return good, bad


def _context(policy, rng: random.Random, day: date):
    ctx = {}
    for name, inp in policy.inputs.items():
        r = rng.random()
        if r < 0.25:
            continue                 # not given
        ctx[name] = rng.choice(_values(inp, rng, day))
    r = rng.random()
    if r < 0.02:
        ctx["not_a_field"] = 1
    elif r < 0.03:
        ctx[7] = True
    elif r < 0.05:
        return types.MappingProxyType(ctx)
    elif r < 0.06:
        return rng.choice([None, [], "context"])
    return ctx


DAYS = [date(2026, 11, 24), date(2025, 1, 1), date(2027, 6, 30), date(1, 1, 1), date(9999, 12, 31)]


@pytest.mark.parametrize("path", POLICY_FILES, ids=IDS)
def test_generated_contexts_agree(path):
    policy = load_policy(path)
    rng = random.Random(f"{policy.id}/{policy.version}")
    decide = build(policy)
    for i in range(1500):
        day = DAYS[i % len(DAYS)] if i % 3 else policy.effective_from + timedelta(days=rng.randint(0, 900))
        assert_same(policy, _context(policy, rng, day), day, decide)


@pytest.mark.parametrize("path", POLICY_FILES, ids=IDS)
def test_policies_compile(path):
    """Every policy found compiles (none falls back to the interpreter)."""
    policy = load_policy(path)
    build(policy)
    assert compiled(policy).__name__ == "run"


@pytest.mark.parametrize("path", POLICY_FILES, ids=IDS)
def test_complete_contexts_take_the_fast_walk(path):
    """A context giving every field is answered by the fast walk itself (it
    declines only where the general walk raises), and the answer is the same."""
    policy = load_policy(path)
    module = build(policy).__globals__
    fast, bail = module["fast"], module["Bail"]
    rng = random.Random(f"fast/{policy.id}/{policy.version}")
    answered = 0
    for i in range(600):
        day = DAYS[i % len(DAYS)] if i % 3 else policy.effective_from + timedelta(days=rng.randint(0, 900))
        context = {name: rng.choice(_good_and_bad(inp, rng, day)[0]) for name, inp in policy.inputs.items()}
        want = outcome(run, policy, context, day)
        try:
            d = fast(context, day)
        except (bail, OutOfRange):      # run() hands both to the general walk
            assert want[0] == "error", f"the fast walk declined {context!r} as of {day}"
            continue
        except Exception as e:  # noqa: BLE001 - compared with the interpreter's
            got = ("error", type(e).__name__, str(e))
        else:
            got = ("ok", d.to_dict(), d)
        assert got == want
        answered += 1
    assert answered > 300


def _scenarios():
    for f in sorted(ROOT.glob("policies/*/tests/*.yaml")):
        doc, problems = load_scenarios(f)
        if problems:
            continue
        data = doc.data
        for sc in data["scenarios"]:
            yield f.name, data["policy"], sc, sc.get("version", data.get("version"))


@pytest.mark.parametrize("name,policy_id,scenario,version", list(_scenarios()))
def test_scenarios_agree(name, policy_id, scenario, version):
    as_of = scenario.get("as_of")
    policy, day = resolve_policy(policy_id, None if as_of is None else parse_date(as_of, "as_of"),
                                 None if version is None else str(version))
    assert_same(policy, scenario.get("context", {}), day)


def test_evaluate_uses_the_compiled_walk_and_listeners_the_interpreter():
    policy = load_policy(POLICY_FILES[0])
    calls = []

    class Count(Listener):
        def node_entered(self, node):
            calls.append(node.id)
    d = ap.evaluate(policy, {}, as_of=date(2026, 11, 24), listeners=[Count()])
    assert calls and tuple(calls) == d.trace
    ap.evaluate(policy, {}, as_of=date(2026, 11, 24))          # a first one without listeners: interpreted
    assert compile_module.for_one(policy) is compiled(policy)   # from the second evaluation on
    assert compiled(policy) is compiled(policy)            # built once per policy version
    assert compiled(policy).__name__ == "run"


def test_a_construct_the_compiler_does_not_know_keeps_the_interpreter(monkeypatch):
    path = ROOT / "tests" / "fixtures" / "policies" / "library-card" / "1.1.0.yaml"
    policy = load_policy(path)
    monkeypatch.delitem(codegen_expr.RULES, Compare)
    monkeypatch.setattr(walks, "_CACHE", {})
    with pytest.raises(codegen_expr.Unsupported):
        python_source(policy)
    fn = compiled(policy)
    assert fn.__name__ != "decide"
    ctx = {"has_fines": False, "card_expires_on": "2026-12-01", "age": 15}
    assert ap.evaluate(policy, ctx, as_of="2026-11-24") == run(policy, ctx, date(2026, 11, 24))
    assert list(ap.evaluate_many(policy, [ctx], as_of="2026-11-24")) == [run(policy, ctx, date(2026, 11, 24))]


def test_generated_source_holds_policy_text_only_as_literals(policy_copy):
    """An outcome title built to break out of a string stays a literal."""
    nasty = "x' + __import__('os').getcwd() + '\\n\"\"\"#"
    path, _ = policy_copy(("title: Extend at an office with your ID card", f"title: {json.dumps(nasty)}"))
    policy = load_policy(path)
    outcome = next(n for n in policy.nodes.values() if n.title == nasty)
    src, _ = python_source(policy)
    assert repr(nasty) in src
    assert "__import__" not in src.replace(repr(nasty), "")
    d = build(policy)({"channel": "office", "subscriber_type": "individual", "appears_in_person": True,
                       "citizenship": "azerbaijan"}, date(2026, 11, 24))
    assert d.outcome == outcome.id and d.title == nasty


def test_compile_command_prints_the_source():
    r = run_cli("compile", "asan-imza-renewal")
    assert r.returncode == 0, r.stderr
    assert "def decide(context, as_of):" in r.stdout
    compile(r.stdout, "<printed>", "exec")
    r = run_cli("compile", "asan-imza-renewal", "--version", "9.9.9")
    assert r.returncode != 0 and r.stderr.count("\n") == 1
