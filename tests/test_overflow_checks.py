"""`check` reports date arithmetic that leaves the calendar whatever the context (EXPR_DATE_OVERFLOW),
at the arithmetic, in every place an expression is written; and never arithmetic that leaves it
only for some dates (a caller's extreme date stays the caller's InvalidContext at run time)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_file
from asanimza_policy.errors import InvalidContext, PolicyError
from asanimza_policy.loader import load_file
from asanimza_policy.overflow_checks import overflow_findings

from .policies import all_policy_files, policy_param_ids

BROKEN = Path(__file__).parent / "fixtures" / "broken"
BASE = (BROKEN / "base.yaml").read_text(encoding="utf-8")
ADULT = {"has_fines": False, "card_expires_on": "2026-03-10", "age": 30, "branch": "east"}
MINOR = {**ADULT, "age": 10}

WHEN = "      - when: age < 16\n"
WITH = "          not_before: card_expires_on - 14\n"
DERIVED = "    expr: days_between(as_of, card_expires_on)\n"
DOCUMENTS = "    documents: [card, guardian_note]\n"


def policy(tmp_path, *replacements: tuple[str, str]) -> Path:
    text = BASE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    shutil.copytree(BROKEN / "source", tmp_path / "source", dirs_exist_ok=True)
    f = tmp_path / "policy.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def reported(path: Path) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.message) for f in check_file(path) if f.code == "EXPR_DATE_OVERFLOW"]


def at(path: Path, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in the file."""
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i, line.index(needle) + 1
    raise AssertionError(needle)


# (what is replaced, by what, the arithmetic reported, words of the message)
CERTAIN = {
    "constant-plus-a-day": (WHEN, "      - when: date('9999-12-31') + 1 > as_of\n", "date('9999-12-31') + 1",
                            "when: date arithmetic leaves the calendar (years 1 to 9999) whatever the context: "
                            "9999-12-31 + 1 is outside it, and no input changes that"),
    "add-days-to-as-of": (WHEN, "      - when: add_days(as_of, 999999999) > card_expires_on\n",
                          "add_days(as_of, 999999999)", "1000-01-01 plus 999999999 days is outside it, and so are "
                          "9000-12-31 plus 999999999 days and every value between"),
    "add-years-to-an-input": (WHEN, "      - when: add_years(card_expires_on, 20000) > as_of\n",
                              "add_years(card_expires_on, 20000)", "plus 20000 years is outside it"),
    "years-past-every-ordinary-date": (WHEN, "      - when: add_years(card_expires_on, 9000) > as_of\n",
                                       "add_years(card_expires_on, 9000)", "1000-01-01 plus 9000 years"),
    "minus-days": (WHEN, "      - when: as_of - 999999999 < card_expires_on\n", "as_of - 999999999",
                   "1000-01-01 - 999999999 is outside it"),
    "days-plus-a-date": (WHEN, "      - when: 999999999 + as_of > card_expires_on\n", "999999999 + as_of",
                         "999999999 + 1000-01-01 is outside it"),
    "negative-offset": (WHEN, "      - when: add_months(as_of, -120000) < card_expires_on\n",
                        "add_months(as_of, -120000)", "plus -120000 months"),
    "an-offset-computed-from-constants": (
        WHEN, "      - when: add_days(as_of, 999999999 - -999999999) > card_expires_on\n",
        "add_days(as_of, 999999999 - -999999999)", "plus 1999999998 days"),
    "past-any-date-an-input-offset-gives": (
        WHEN, "      - when: add_days(add_days(as_of, age), 999999999) > card_expires_on\n",
        "add_days(add_days(as_of, age), 999999999)", "0001-01-01 plus 999999999 days is outside it"),
    "a-derived-value": (DERIVED, "    expr: days_between(add_days(as_of, -999999999), card_expires_on)\n",
                        "add_days(as_of, -999999999)", "derived days_left: date arithmetic leaves the calendar"),
    "a-step-field": (WITH, "          not_before: add_years(card_expires_on, 10000)\n",
                     "add_years(card_expires_on, 10000)", "field not_before: date arithmetic leaves the calendar"),
    "a-step-when": (WITH, WITH + "        when: add_days(as_of, 999999999) > card_expires_on\n",
                    "add_days(as_of, 999999999) >", "step when: date arithmetic leaves the calendar"),
    "a-document-when": (DOCUMENTS, "    documents: [card, {document: guardian_note, when: "
                        "\"date('0001-01-01') - 1 < as_of\"}]\n", "date('0001-01-01') - 1",
                        "document when: date arithmetic leaves the calendar (years 1 to 9999) whatever the context: "
                        "0001-01-01 - 1 is outside it"),
    "a-quoted-condition": (WHEN, "      - when: 'age < 16 and max(as_of, date(''9999-12-31'')) + 1 > as_of'\n",
                           "max(as_of", "9999-12-31 + 1 is outside it, and no input changes that"),
}


@pytest.mark.parametrize("name", list(CERTAIN))
def test_arithmetic_leaving_the_calendar_whatever_the_context_is_reported_at_it(tmp_path, name):
    old, new, culprit, says = CERTAIN[name]
    path = policy(tmp_path, (old, new))
    [(line, col, message)] = reported(path)
    assert (line, col) == at(path, culprit)
    assert says in message
    assert message.endswith("every evaluation that reaches it fails with DATE_OVERFLOW, the policy's defect, "
                            "not the caller's")
    # it is an error: check fails on it, even without --strict
    assert [f.severity for f in check_file(path) if f.code == "EXPR_DATE_OVERFLOW"] == ["error"]


def test_what_check_reports_is_what_an_evaluation_meets(tmp_path):
    # the step field is computed for every minor: the interpreter refuses it as the policy's defect
    path = policy(tmp_path, (WITH, "          not_before: add_years(card_expires_on, 10000)\n"))
    [_] = reported(path)
    loaded = ap.load(path)                 # not a load error: check reports it, the walk meets it
    assert ap.evaluate(loaded, ADULT, as_of="2026-03-01").outcome == "adult"
    with pytest.raises(PolicyError) as e:
        ap.evaluate(loaded, MINOR, as_of="2026-03-01")
    assert [f.code for f in e.value.findings] == ["DATE_OVERFLOW"]


def test_a_derived_value_is_reported_once_not_where_it_is_read(tmp_path):
    path = policy(tmp_path, (DERIVED, "    expr: days_between(as_of, add_days(card_expires_on, 999999999))\n"))
    [(line, col, _)] = reported(path)
    assert (line, col) == at(path, "add_days(card_expires_on")


def test_a_constant_derived_value_is_followed_where_it_is_read(tmp_path):
    path = policy(tmp_path, ("derived:\n", "derived:\n  last_day:\n    expr: date('9999-12-31')\n"),
                  (WHEN, "      - when: last_day + 1 > as_of\n"))
    [(line, col, message)] = reported(path)
    assert (line, col) == at(path, "last_day + 1")
    assert "9999-12-31 + 1 is outside it" in message


def test_a_block_scalar_is_reported_at_its_start(tmp_path):
    path = policy(tmp_path, (WHEN, "      - when: >\n          age < 16 and add_days(as_of, 999999999) > as_of\n"))
    line, col = at(path, "when: >")
    assert [(f_line, f_col) for f_line, f_col, _ in reported(path)] == [(line, col + 6)]


def test_the_fixture_that_fails_every_evaluation_is_caught_by_check():
    # date_overflow.yaml: every context in the renewal window meets DATE_OVERFLOW at run time
    found = {f.code: f for f in check_file(BROKEN / "date_overflow.yaml")}
    assert set(found) == {"EXPR_DATE_OVERFLOW", "LOGIC_SHADOWED"}
    f = found["EXPR_DATE_OVERFLOW"]
    assert (f.line, f.col, f.severity) == (71, 15, "error")
    # the branch the overflow keeps from being taken is not blamed on the branch before it
    shadowed = found["LOGIC_SHADOWED"].message
    assert "date arithmetic leaves the calendar for a context that reaches it (at run time: DATE_OVERFLOW)" in shadowed
    assert "an earlier branch holds" not in shadowed


# arithmetic that some context can compute: never reported
ORDINARY = {
    "days": (WHEN, "      - when: add_days(as_of, 30) > card_expires_on\n"),
    "years": (WITH, "          not_before: add_years(card_expires_on, 3)\n"),
    "past-9999-only-from-an-extreme-date": (WHEN, "      - when: add_years(card_expires_on, 900) > as_of\n"),
    "before-year-1-only-from-an-extreme-date": (WHEN, "      - when: add_years(card_expires_on, -999) < as_of\n"),
    "some-ordinary-dates-only": (WHEN, "      - when: add_years(card_expires_on, 8500) > as_of\n"),
    "an-offset-read-from-an-input": (WHEN, "      - when: add_days(as_of, age) > card_expires_on\n"),
    "the-last-day-itself": (WHEN, "      - when: date('9999-12-30') + 1 > as_of\n"),
    "the-whole-calendar": (WHEN, "      - when: days_between(date('0001-01-01'), date('9999-12-31')) > age\n"),
}


@pytest.mark.parametrize("name", list(ORDINARY))
def test_arithmetic_some_context_computes_is_not_reported(tmp_path, name):
    assert reported(policy(tmp_path, ORDINARY[name])) == []


def test_an_extreme_date_stays_the_callers_fault(tmp_path):
    path = policy(tmp_path, (WHEN, "      - when: add_years(card_expires_on, 900) > as_of\n"))
    assert reported(path) == []
    with pytest.raises(InvalidContext) as e:
        ap.evaluate(ap.load(path), {**ADULT, "card_expires_on": "9200-01-01"}, as_of="9199-12-25")
    assert e.value.field == "card_expires_on"


@pytest.mark.parametrize("path", all_policy_files(), ids=policy_param_ids)
def test_no_policy_leaves_the_calendar(path):
    doc = load_file(path)
    assert overflow_findings(ap.load(path), doc) == []
