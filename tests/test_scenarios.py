"""Every scenario file of every policy (shipped and fixture), one pytest test per scenario."""
from __future__ import annotations

import pytest

from asanimza_policy.coverage import Coverage
from asanimza_policy.scenarios import run_file

from .conftest import ROOT
from .policies import all_policy_files, all_scenario_files

FILES = all_scenario_files()


def _cases():
    for f in FILES:
        results, problems = run_file(f)
        assert not problems, [p.format() for p in problems]
        for r in results:
            yield pytest.param(r, id=f"{f.parent.parent.name}/{f.stem}:{r.name}")


@pytest.mark.parametrize("result", list(_cases()))
def test_scenario(result):
    assert result.ok, result.format()


def test_every_policy_has_scenarios_beside_it():
    folders = {f.parent for f in all_policy_files()}
    assert {"asan-imza-renewal", "library-card"} <= {d.name for d in folders}
    assert folders == {f.parent.parent for f in FILES}


def test_scenarios_walk_every_node_and_edge_of_every_version():
    cov = Coverage()
    for f in FILES:
        run_file(f, listeners=(cov,))
    reports = {(r.policy, r.version): r for r in cov.reports()}
    tested = {(f.parent.name, f.stem) for f in all_policy_files()}
    assert set(reports) == tested
    for report in reports.values():
        assert (report.node_percent, report.edge_percent) == (100.0, 100.0), report.format()


def test_coverage_names_what_was_never_walked(tmp_path):
    f = tmp_path / "one.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: office citizen\n    as_of: '2026-11-24'\n"
                 "    context: {channel: office, subscriber_type: individual, appears_in_person: true,"
                 " citizenship: azerbaijan}\n    expect: {outcome: office_individual_id_card}\n")
    cov = Coverage()
    results, _ = run_file(f, listeners=(cov,))
    assert results[0].ok
    [report] = cov.reports()
    assert report.nodes_walked == {"channel", "office_subscriber_type", "office_individual_presence",
                                   "office_individual_citizenship", "office_individual_id_card"}
    assert f"nodes 5/{len(report.nodes)}" in report.format()
    assert "edge never taken: channel -> sms_expiry" in report.format()


def test_a_wrong_expectation_fails_with_a_readable_difference(tmp_path):
    f = tmp_path / "wrong.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: wrong date\n    as_of: '2026-11-24'\n"
                 "    context: {channel: sms, certificate_expires_on: '2026-12-01', online_renewal_submitted: true,"
                 " service_type: citizen, current_service_type: citizen, balance_covers_tariff: true}\n"
                 "    expect:\n      steps:\n        - {action: send_sms, not_before: '2026-12-01'}\n"
                 "        - {action: wait}\n")
    [r], _ = run_file(f)
    assert not r.ok
    assert r.problems == ("step 1 not_before: expected '2026-12-01', got '2026-12-02'",)


def test_error_expectation_matches_the_field_exactly(tmp_path):
    f = tmp_path / "err.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: unknown field\n    as_of: '2026-11-24'\n"
                 "    context: {chanel: office}\n    expect: {error: channel}\n")
    [r], _ = run_file(f)
    assert not r.ok and "naming 'chanel'" in r.problems[0]


def test_a_scenario_without_a_date_is_refused(tmp_path):
    f = tmp_path / "nodate.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: today\n    context: {}\n"
                 "    expect: {status: needs_input}\n")
    results, problems = run_file(f)
    assert results == [] and [p.format() for p in problems] == [
        f"{f}:3:5: SCENARIO a scenario needs as_of: \"YYYY-MM-DD\" (quoted)"]


# -- each expectation is compared: a wrong one fails with what differs ----------------------------

LIBRARY = ROOT / "tests" / "fixtures" / "policies"
RIGHT = {
    "status": "complete", "outcome": "minor", "missing": [], "documents": ["card", "guardian_note"],
    "trace": ["fines", "window", "minor"], "steps": [{"action": "go", "not_before": "2026-02-24"}],
    "citations": ["Cards can be renewed in the last 14 days.", "Minors need a note from a parent."],
    "citations_include": ["Cards can be renewed in the last 14 days."], "assumptions": ["desk_hours"],
}


def run_one(tmp_path, monkeypatch, expect: dict, context=None):
    import json

    from asanimza_policy import registry

    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(LIBRARY))
    registry.clear_cache()
    context = context or {"has_fines": False, "card_expires_on": "2026-03-10", "age": 12}
    f = tmp_path / "one.yaml"
    f.write_text("policy: library-card\nscenarios:\n  - name: a minor\n    as_of: '2026-03-01'\n"
                 f"    context: {json.dumps(context)}\n    expect: {json.dumps(expect)}\n", encoding="utf-8")
    try:
        results, problems = run_file(f)
    finally:
        registry.clear_cache()
    assert problems == []
    [result] = results
    return list(result.problems)


def test_every_expectation_met_passes(tmp_path, monkeypatch):
    assert run_one(tmp_path, monkeypatch, RIGHT) == []


@pytest.mark.parametrize("key, wrong, says", [
    ("status", "needs_input", "status: expected 'needs_input', got 'complete'"),
    ("outcome", "adult", "outcome: expected 'adult', got 'minor'"),
    ("missing", ["age"], "missing: expected ['age'], got []"),
    ("documents", ["card"], "documents: expected ['card'], got ['card', 'guardian_note']"),
    ("trace", ["fines", "minor"], "trace: expected ['fines', 'minor'], got ['fines', 'window', 'minor']"),
    ("steps", [], "steps: expected 0 steps, got 1: ['go']"),
    ("steps", [{"action": "pay"}], "step 1 action: expected 'pay', got 'go'"),
    ("steps", [{"not_before": "2026-02-25"}], "step 1 not_before: expected '2026-02-25', got '2026-02-24'"),
    ("steps", [{"deadline": "2026-02-25"}], "step 1: has no field 'deadline' (its fields: action, text, not_before)"),
    ("citations", [], "citations differ; not expected: ['Cards can be renewed in the last 14 days.', "
                      "'Minors need a note from a parent.']; missing: []"),
    ("citations", ["Minors need a note from a parent.",
                   "A reader who owes fines pays them before the card is renewed."],
     "citations differ; not expected: ['Cards can be renewed in the last 14 days.']; "
     "missing: ['A reader who owes fines pays them before the card is renewed.']"),
    ("citations_include", ["A reader who owes fines pays them before the card is renewed."],
     "citation missing: 'A reader who owes fines pays them before the card is renewed.'"),
    ("assumptions", [], "assumptions: expected [], got ['desk_hours']"),
    ("error", "age", "expected InvalidContext containing 'age', got a decision (complete)"),
])
def test_a_wrong_expectation_fails_saying_what_differs(tmp_path, monkeypatch, key, wrong, says):
    assert run_one(tmp_path, monkeypatch, {**RIGHT, key: wrong}) == [says]


@pytest.mark.parametrize("expect, says", [
    ({"error": "age"}, []),
    ({"error": "context"}, ["error: expected InvalidContext naming 'context', got one naming 'age': "
                            "age: expected a whole number; got 'twelve'"]),
    ({"outcome": "minor"}, ["raised InvalidContext: age: expected a whole number; got 'twelve'"]),
])
def test_an_expected_error_names_the_field(tmp_path, monkeypatch, expect, says):
    assert run_one(tmp_path, monkeypatch, expect, context={"age": "twelve"}) == says
