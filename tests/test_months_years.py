"""Months and years in expressions (the end-of-month rule), documents with a `when`, and
integer inputs with minimum / maximum: docs/policy-format.md, tested at their edges."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_file
from asanimza_policy.expr_types import add_months, months_between, years_between

from .conftest import ROOT, run_cli

LICENCE = ROOT / "tests" / "fixtures" / "format" / "driving-licence"
D = date.fromisoformat


@pytest.mark.parametrize("day, n, expected", [
    ("2027-01-31", 1, "2027-02-28"),     # the end-of-month rule
    ("2028-01-31", 1, "2028-02-29"),     # a leap year
    ("2026-03-31", -1, "2026-02-28"),
    ("2026-01-15", 1, "2026-02-15"),
    ("2026-12-31", 1, "2027-01-31"),
    ("2026-01-31", -1, "2025-12-31"),
    ("2026-05-31", 0, "2026-05-31"),
    ("2026-08-31", -6, "2026-02-28"),
    ("2028-02-29", 12, "2029-02-28"),    # 29 February + 1 year
    ("2028-02-29", 48, "2032-02-29"),
])
def test_add_months_keeps_the_day_or_takes_the_last_of_the_month(day, n, expected):
    assert add_months(D(day), n) == D(expected)


@pytest.mark.parametrize("a, b, months", [
    ("2026-01-31", "2026-02-27", 0),
    ("2026-01-31", "2026-02-28", 1),
    ("2026-01-15", "2026-02-14", 0),
    ("2026-01-15", "2026-02-15", 1),
    ("2026-03-31", "2026-02-28", -1),
    ("2026-03-15", "2026-02-16", 0),
    ("2026-05-01", "2026-05-01", 0),
    ("2000-02-29", "2001-02-28", 12),
])
def test_months_between_counts_whole_months_by_the_same_rule(a, b, months):
    assert months_between(D(a), D(b)) == months
    if D(a) <= D(b):
        assert add_months(D(a), months) <= D(b) < add_months(D(a), months + 1)


@pytest.mark.parametrize("birth, on, age", [
    ("1956-02-29", "2026-02-28", 70),
    ("1956-02-29", "2026-02-27", 69),
    ("1956-03-01", "2026-02-28", 69),
    ("1956-03-01", "2026-03-01", 70),
    ("2000-06-10", "2000-06-10", 0),
    ("2026-06-10", "2000-06-10", -26),
])
def test_years_between_is_an_age(birth, on, age):
    assert years_between(D(birth), D(on)) == age


def test_the_functions_in_a_policy_read_in_words_and_decide():
    policy = ap.load(LICENCE / "1.0.0.yaml")
    d = ap.evaluate(policy, {"expires_on": "2026-08-31", "points": 0, "birth_date": "1956-02-29",
                             "foreign": False}, as_of="2026-02-28")
    assert (d.outcome, d.documents) == ("renew", ("licence", "eye_test"))
    assert d.to_dict()["steps"][0]["not_before"] == "2026-02-28"
    from asanimza_policy.words import Words

    w = Words(policy)
    assert w.term(policy.derived["window_opens"].expression.ast) == "6 months before expires on"
    assert w.term(policy.derived["age"].expression.ast) == "the whole years from birth date to as of"


def test_a_month_off_the_calendar_is_refused_naming_the_field():
    policy = ap.load(LICENCE / "1.0.0.yaml")
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate(policy, {"expires_on": "0001-03-01", "points": 0}, as_of="2026-01-01")
    assert e.value.field == "expires_on" and "outside the calendar" in str(e.value)


def test_a_wrong_argument_is_a_finding_at_its_place(tmp_path):
    folder = tmp_path / "driving-licence"
    shutil.copytree(LICENCE, folder)
    f = folder / "1.0.0.yaml"
    f.write_text(f.read_text().replace("add_months(expires_on, -6)", "add_months(expires_on, foreign)"))
    [finding] = check_file(f)
    assert finding.code == "EXPR" and "add_months() second argument" in finding.message, finding.format()


# -- documents with a when ---------------------------------------------------------------------

def test_documents_follow_their_conditions():
    policy = ap.load(LICENCE / "1.0.0.yaml")
    base = {"expires_on": "2026-08-31", "points": 0}
    young = ap.evaluate(policy, {**base, "birth_date": "1990-01-01", "foreign": False}, as_of="2026-03-01")
    both = ap.evaluate(policy, {**base, "birth_date": "1950-01-01", "foreign": True}, as_of="2026-03-01")
    assert young.documents == ("licence",)
    assert both.documents == ("licence", "eye_test", "residence_permit")
    asks = ap.evaluate(policy, base, as_of="2026-03-01")
    assert (asks.status, asks.missing) == ("needs_input", ("birth_date", "foreign"))


@pytest.mark.parametrize("entry, code", [
    ("{document: eye_tset, when: foreign}", "REF_DOCUMENT"),
    ("{document: eye_test, when: points}", "EXPR"),
    ("{document: eye_test}", "SCHEMA"),
    ("{document: eye_test, when: foreign, note: x}", "SCHEMA"),
])
def test_a_wrong_document_entry_is_one_finding(tmp_path, entry, code):
    folder = tmp_path / "driving-licence"
    shutil.copytree(LICENCE, folder)
    f = folder / "1.0.0.yaml"
    f.write_text(f.read_text().replace("{document: residence_permit, when: foreign}", entry))
    findings = [x for x in check_file(f) if x.severity == "error"]
    assert [x.code.split("_")[0] if code == "SCHEMA" else x.code for x in findings] == [code], \
        [x.format() for x in findings]
    assert findings[0].line == f.read_text().splitlines().index(next(
        ln for ln in f.read_text().splitlines() if entry in ln)) + 1


# -- integer ranges ------------------------------------------------------------------------------

@pytest.mark.parametrize("points, ok", [(-1, False), (0, True), (12, True), (13, False)])
def test_an_integer_outside_its_range_is_invalid_context_naming_it(points, ok):
    policy = ap.load(LICENCE / "1.0.0.yaml")
    if ok:
        assert ap.evaluate(policy, {"points": points}, as_of="2026-03-01").status != "complete"
        return
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate(policy, {"points": points}, as_of="2026-03-01")
    assert e.value.field == "points"
    assert str(e.value) == f"points: expected a whole number from 0 to 12; got {points}"


def test_the_range_is_on_the_model_and_in_the_context_schema():
    policy = ap.load(LICENCE / "1.0.0.yaml")
    assert (policy.inputs["points"].minimum, policy.inputs["points"].maximum) == (0, 12)
    assert policy.inputs["birth_date"].minimum is None
    r = run_cli("context-schema", str(LICENCE / "1.0.0.yaml"))
    if r.returncode == 0:
        points = json.loads(r.stdout)["properties"]["points"]
        assert (points["minimum"], points["maximum"]) == (0, 12)


@pytest.mark.parametrize("old, new, code", [
    ("    minimum: 0\n    maximum: 12\n", "    minimum: 12\n    maximum: 0\n", "SCHEMA_RANGE"),
    ("    minimum: 0\n", "    minimum: zero\n", "SCHEMA"),
    ("    question: When were you born?\n", "    question: When were you born?\n    minimum: 0\n", "SCHEMA"),
])
def test_a_wrong_range_is_one_finding(tmp_path, old, new, code):
    folder = tmp_path / "driving-licence"
    shutil.copytree(LICENCE, folder)
    f = folder / "1.0.0.yaml"
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new, 1))
    findings = [x for x in check_file(f) if x.severity == "error"]
    assert len(findings) == 1, [x.format() for x in findings]
    assert findings[0].code.startswith(code), findings[0].format()


def test_checks_analysis_tries_integers_only_inside_their_range(tmp_path):
    folder = tmp_path / "driving-licence"
    shutil.copytree(LICENCE, folder)
    f = folder / "1.0.0.yaml"
    text = f.read_text().replace("    otherwise: too_early\n",
                                 "      - when: as_of < window_opens or points == 12\n        goto: too_early\n")
    f.write_text(text)
    assert [x.format() for x in check_file(f) if x.severity == "error"] == []
    f.write_text(text.replace("    maximum: 12\n", ""))          # now 13 points in the window is a gap
    gaps = [x for x in check_file(f) if x.code == "LOGIC_GAP"]
    assert gaps and "points" in gaps[0].message, [x.format() for x in check_file(f)]
