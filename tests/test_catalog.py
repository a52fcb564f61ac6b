"""The integrator's Python surface: versions, load, descriptions, the decision schema, ics."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest

import asanimza_policy as ap
from asanimza_policy import registry
from asanimza_policy.decision import NEEDS_INPUT
from asanimza_policy.engine import run
from asanimza_policy.ics import to_ics
from asanimza_policy.scenarios import run_file

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
DECISION_SCHEMA = json.loads((ROOT / "schema" / "decision.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def every_policy(monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(FIXTURES))
    registry.clear_cache()
    yield [p for pid in registry.policy_ids() for p in registry.versions(pid)]
    registry.clear_cache()


def _sample_values(inp, as_of: date) -> list:
    if inp.type == "boolean":
        return [True, False]
    if inp.type == "enum":
        return list(inp.values)
    if inp.type == "date":
        return [date.fromordinal(as_of.toordinal() + d) for d in (-40, 5, 60)]
    if inp.type == "integer":
        return [10, 40]
    return ["some text"]


def explore(policy, as_of: date, limit: int = 400) -> list:
    """Decisions reached by answering every question every way (bounded)."""
    out, todo = [], [{}]
    while todo and len(out) < limit:
        ctx = todo.pop()
        d = run(policy, ctx, as_of)
        out.append(d)
        if d.status == NEEDS_INPUT:
            field = d.missing[0]
            todo += [{**ctx, field: v} for v in _sample_values(policy.inputs[field], as_of)]
    return out


def test_decisions_of_every_policy_match_the_decision_schema(every_policy):
    validator = jsonschema.Draft202012Validator(DECISION_SCHEMA)
    validator.check_schema(DECISION_SCHEMA)
    statuses = set()
    for policy in every_policy:
        for d in explore(policy, max(policy.effective_from, date(2026, 11, 24)) if policy.effective_until is None
                         else policy.effective_from):
            errors = list(validator.iter_errors(d.to_dict()))
            assert not errors, (policy.id, d.to_dict(), errors[0].message)
            statuses.add(d.status)
    for path in sorted(ROOT.glob("policies/*/tests/*.yaml")):
        results, problems = run_file(path)
        assert not problems
        for r in results:
            if r.decision is not None:
                assert not list(validator.iter_errors(r.decision.to_dict())), r.name
    assert statuses == {"complete", "needs_input", "not_covered"}


def test_the_decision_schema_rejects_what_the_contract_forbids():
    validator = jsonschema.Draft202012Validator(DECISION_SCHEMA)
    good = ap.evaluate("asan-imza-renewal", {"channel": "office"}, as_of=date(2026, 11, 24)).to_dict()
    assert validator.is_valid(good)
    for broken in ({**good, "status": "done"}, {k: v for k, v in good.items() if k != "trace"},
                   {**good, "as_of": "24.11.2026"}, {**good, "surprise": 1}):
        assert not validator.is_valid(broken)


def test_versions_gives_version_information_not_models(every_policy):
    infos = ap.versions("library-card")
    assert [(v.version, v.effective_from, v.effective_until) for v in infos] == [
        ("1.0.0", date(2026, 1, 1), date(2026, 6, 30)), ("1.1.0", date(2026, 7, 1), None)]
    assert all(len(v.digest) == 64 for v in infos)
    assert not isinstance(infos[0], ap.Policy)
    with pytest.raises(ap.PolicyNotFound):
        ap.versions("no-such-policy")


def test_load_with_a_policy_id_says_it_wants_a_path():
    with pytest.raises(FileNotFoundError, match="'asan-imza-renewal' is a policy id, not a file"):
        ap.load("asan-imza-renewal")
    assert ap.load(ROOT / "policies" / "asan-imza-renewal" / "1.0.0.yaml").id == "asan-imza-renewal"


def test_version_flag():
    r = subprocess.run([sys.executable, "-m", "asanimza_policy", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == f"asanimza-policy {ap.__version__}"


def test_the_package_says_it_is_typed():
    assert (ROOT / "asanimza_policy" / "py.typed").is_file()


def test_calendar_has_one_event_per_dated_step_field():
    d = ap.evaluate("asan-imza-renewal", {"channel": "sms", "certificate_expires_on": "2026-10-31",
                                          "wrong_type_activated": False, "online_renewal_submitted": False,
                                          "service_type": "citizen", "current_service_type": "citizen",
                                          "balance_covers_tariff": True}, as_of=date(2026, 11, 24))
    text = to_ics(d, registry.versions("asan-imza-renewal")[0])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1          # only the SMS step carries a date (not_before)
    assert "DTSTART;VALUE=DATE:20261101" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "keyword ferdi to 8500" in unfolded and "\\, " in unfolded    # commas escaped


def test_calendar_of_a_plan_without_dates_is_empty_but_valid():
    d = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": "legal_entity",
                                          "legal_entity_status": "existing"}, as_of=date(2026, 11, 24))
    text = to_ics(d, registry.versions("asan-imza-renewal")[0])
    assert "BEGIN:VEVENT" not in text and "END:VCALENDAR" in text


def test_the_context_schema_accepts_and_refuses_what_evaluation_does(every_policy):
    """For every input of every policy, the schema and evaluate agree on good and bad values
    (except what a schema cannot say: an impossible date such as 2026-02-30)."""
    from asanimza_policy.catalog import context_schema

    for policy in every_policy:
        validator = jsonschema.Draft202012Validator(context_schema(policy))
        for name, inp in policy.inputs.items():
            good = [v.isoformat() if isinstance(v, date) else v for v in _sample_values(inp, date(2026, 11, 24))]
            bad = ["", 3.5, [], {"a": 1}] + (["yes", 1] if inp.type == "boolean" else []) \
                + (["not-a-choice"] if inp.type == "enum" else []) + (["1 Dec 2026"] if inp.type == "date" else []) \
                + (["12", True] if inp.type == "integer" else []) + ([7] if inp.type in ("string", "enum") else [])
            for value in good + [None]:
                assert validator.is_valid({name: value}), (policy.id, name, value)
                run(policy, {name: value}, policy.effective_from)
            for value in bad:
                assert not validator.is_valid({name: value}), (policy.id, name, value)
                with pytest.raises(ap.InvalidContext):
                    run(policy, {name: value}, policy.effective_from)
        assert not validator.is_valid({"no_such_field": 1})
