"""The decision object: a value that pickles, copies, compares and crosses processes,
whose Python shape follows its JSON shape.  Over every policy found."""
from __future__ import annotations

import copy
import json
import multiprocessing
import pickle
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy import registry
from asanimza_policy.decision import Assumption, Choice, Fields

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
AS_OF = date(2026, 11, 24)


def every_policy():
    """Every version of every policy: the shipped ones and the test fixtures."""
    out = []
    for root in (ROOT / "policies", FIXTURES):
        for f in sorted(root.glob("*/*.yaml")):
            out.append(registry.load_policy(f))
    return out


def sample_contexts(policy, n: int, seed: int = 1):
    """Contexts drawn from the declared inputs; some fields left out."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        ctx = {}
        for name, inp in policy.inputs.items():
            if rng.random() < 0.15:
                continue
            if inp.type == "boolean":
                ctx[name] = rng.random() < 0.5
            elif inp.type == "enum":
                ctx[name] = rng.choice(inp.values)
            elif inp.type == "date":
                ctx[name] = AS_OF + timedelta(days=rng.randint(-60, 60))
            elif inp.type == "integer":
                ctx[name] = rng.randint(0, 90)
            else:
                ctx[name] = "x"
        out.append(ctx)
    return out


def decisions_of(policy, n=60):
    as_of = max(AS_OF, policy.effective_from)
    return [ap.evaluate(policy, c, as_of=as_of) for c in [{}] + sample_contexts(policy, n)]


POLICIES = every_policy()
IDS = [f"{p.id}-{p.version}" for p in POLICIES]


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_every_decision_pickles_copies_and_compares(policy):
    ds = decisions_of(policy)
    assert {d.status for d in ds} >= {"needs_input", "complete"}
    for d in ds:
        for clone in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d), copy.copy(d)):
            assert clone == d and hash(clone) == hash(d)
            assert clone.to_dict() == d.to_dict()
    # decisions that differ compare unequal
    assert len({d for d in ds}) > 1


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_python_shape_follows_the_json_shape(policy):
    for d in decisions_of(policy):
        doc = d.to_dict()
        assert [dict(a._asdict()) for a in d.assumptions] == doc["assumptions"]
        for a, j in zip(d.assumptions, doc["assumptions"], strict=True):
            assert (a.id, a.text) == (j["id"], j["text"])
        for s, j in zip(d.steps, doc["steps"], strict=True):
            assert s.action == j["action"] and s.text == j["text"]
            for name in s.fields:
                v = getattr(s, name)
                assert (v.isoformat() if isinstance(v, date) else v) == j[name]
            assert set(j) == {"action", "text", *s.fields}
        for q, j in zip(d.questions, doc["questions"], strict=True):
            if q.choices is None:
                assert "choices" not in j
            else:
                assert [{"value": c.value, "label": c.label} for c in q.choices] == j["choices"]


def test_step_fields_are_read_only_and_unknown_ones_are_attribute_errors():
    d = ap.evaluate("asan-imza-renewal", {
        "channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
        "service_type": "business", "current_service_type": "business", "balance_covers_tariff": True},
        as_of=AS_OF)
    sms = next(s for s in d.steps if s.action == "send_sms")
    assert sms.sms_text == "biznes" and sms.deadline is None and sms.not_before == date(2026, 12, 2)
    with pytest.raises(TypeError):
        sms.fields["sms_text"] = "ferdi"
    with pytest.raises(AttributeError):
        sms.fields.extra = 1
    with pytest.raises(AttributeError, match="no field 'nope'"):
        _ = sms.nope
    assert not hasattr(sms, "__setstate__")


def test_parts_are_plain_values():
    assert pickle.loads(pickle.dumps(Fields({"a": date(2026, 1, 1)}))) == {"a": date(2026, 1, 1)}
    assert Assumption("a", "b") == ("a", "b") and Choice("v", "l").label == "l"
    q = ap.evaluate("asan-imza-renewal", {}, as_of=AS_OF).questions[0]
    assert q.labels == {c.value: c.label for c in q.choices}
    assert json.loads(json.dumps(q.to_dict()))["choices"][0] == {"value": q.choices[0].value,
                                                                  "label": q.choices[0].label}


def _decide_in_worker(args):
    policy_id, context = args
    return ap.evaluate(policy_id, context, as_of=AS_OF)


def test_a_decision_crosses_to_a_worker_process_and_back():
    contexts = sample_contexts(registry.resolve("asan-imza-renewal", AS_OF)[0], 40, seed=7)
    here = [ap.evaluate("asan-imza-renewal", c, as_of=AS_OF) for c in contexts]
    ctx = multiprocessing.get_context("spawn")      # nothing shared: the decision itself is sent
    with ctx.Pool(1) as pool:
        there = pool.map(_decide_in_worker, [("asan-imza-renewal", c) for c in contexts])
        echoed = pool.map(copy.copy, here)           # and sent from here, to there and back
    assert there == here and echoed == here
    assert any(d.status == "complete" and d.steps for d in there)


# -- evaluate_many(errors=...) -------------------------------------------------

GOOD = {"channel": "office", "subscriber_type": "individual", "appears_in_person": True, "citizenship": "azerbaijan"}


def test_evaluate_many_raises_at_the_bad_context_by_default():
    it = ap.evaluate_many("asan-imza-renewal", [GOOD, {"channel": "fax"}, GOOD], as_of=AS_OF)
    assert next(it).status == "complete"
    with pytest.raises(ap.InvalidContext, match=r"contexts\[1\]: channel") as e:
        next(it)
    assert (e.value.index, e.value.field) == (1, "channel")


def test_evaluate_many_errors_return_yields_the_error_in_its_place_and_goes_on():
    out = list(ap.evaluate_many("asan-imza-renewal", [GOOD, {"channel": "fax"}, None, {"nope": 1}, GOOD],
                                as_of=AS_OF, errors="return"))
    assert [type(x).__name__ for x in out] == ["Decision", "InvalidContext", "InvalidContext", "InvalidContext",
                                               "Decision"]
    assert [(x.index, x.field) for x in out[1:4]] == [(1, "channel"), (2, None), (3, "nope")]
    assert str(out[1]).startswith("contexts[1]: channel")
    assert out[0] == out[4]
    back = pickle.loads(pickle.dumps(out[1]))
    assert (type(back), back.index, back.field, str(back)) == (ap.InvalidContext, 1, "channel", str(out[1]))


def test_evaluate_many_refuses_an_unknown_errors_mode_at_the_call():
    with pytest.raises(ValueError, match="errors must be"):
        ap.evaluate_many("asan-imza-renewal", [], errors="ignore")


@pytest.mark.parametrize("policy", POLICIES, ids=IDS)
def test_compact_json_is_exactly_the_document(policy):
    for d in decisions_of(policy) * 2:          # the second round comes from the fragment cache
        assert d.to_json(indent=None) == json.dumps(d.to_dict(), ensure_ascii=False, separators=(",", ":"))
        assert json.loads(d.to_json(indent=None)) == d.to_dict() == json.loads(d.to_json())


def test_a_compiled_decision_builds_its_steps_on_first_use_and_crosses_processes_whole():
    context = {"channel": "sms", "certificate_expires_on": "2026-12-10", "service_type": "citizen",
               "current_service_type": "citizen", "online_renewal_submitted": False,
               "balance_covers_tariff": False, "wrong_type_activated": False}
    policy, _ = registry.resolve("asan-imza-renewal", AS_OF)
    interpreted = ap.evaluate(policy, context, as_of=AS_OF)      # a policy's first evaluation: the interpreter
    d = ap.evaluate(policy, context, as_of=AS_OF)                # then the compiled walk
    assert "steps" not in vars(d)                                # kept as tuples until read
    doc = d.to_dict()                                            # written from those tuples
    assert doc == interpreted.to_dict() and "steps" not in vars(d)
    state = vars(pickle.loads(pickle.dumps(d)))
    assert "_raw" not in state and len(state["steps"]) == len(doc["steps"]) >= 2
    assert d.steps == interpreted.steps and d == interpreted and hash(d) == hash(interpreted)
    assert d.to_dict() == doc and repr(d) == repr(interpreted)
