"""Optional inputs with given(), texts that name derived values, explanation, caveats.

One small policy (a parcel pick-up, nothing to do with the shipped policy) written
here, with one change at a time for what must be refused.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_paths
from asanimza_policy.errors import PolicyError
from asanimza_policy.textfmt import render

POLICY = """\
id: parcel
version: 1.0.0
title: Pick up a parcel
effective_from: "2026-01-01"
timezone: UTC
source: {title: Rules, path: rules.txt}
inputs:
  arrived_on:
    type: date
    question: On which day did the parcel arrive?
  picked_up_on:
    type: date
    optional: true
    question: On which day did you pick it up (it waits until {last_day})?
  has_id:
    type: boolean
    question: Do you have an ID card (the desk opens on {first_day})?
derived:
  last_day:
    expr: arrived_on + 14
  first_day:
    expr: arrived_on + 1
  late:
    expr: picked_up_on > last_day
actions:
  go: {description: Go to the desk., fields: {not_before: date}}
  wait: {description: Wait., fields: {until: date}}
caveats:
  queue:
    title: The desk's own page
    url: https://desk.invalid/hours
    read_on: "2026-01-10"
    text: The queue is long on Mondays, so come another day if you can.
  lost:
    title: The desk's own page
    url: https://desk.invalid/lost
    read_on: "2026-01-10"
    text: A parcel kept longer is sent back.
start: picked
nodes:
  picked:
    kind: decision
    title: Picked up already?
    branches:
      - when: given(picked_up_on)
        goto: lateness
      - when: not given(picked_up_on)
        goto: id
  lateness:
    kind: decision
    title: Late?
    branches:
      - when: late
        goto: too_late
      - when: not late
        goto: done
  id:
    kind: decision
    title: ID?
    branches:
      - when: has_id
        goto: go
      - when: not has_id
        goto: no_id
  go:
    kind: outcome
    status: complete
    title: Go
    caveats: [lost]
    steps:
      - action: go
        text: Go to the desk from {not_before}.
        with: {not_before: first_day}
        caveats: [queue]
      - action: wait
        text: Nothing more until {until}.
        with: {until: last_day}
  done:
    kind: outcome
    status: complete
    title: Done
    description: You picked it up on {picked_up_on}, in time (the last day was {last_day}).
  too_late:
    kind: outcome
    status: not_covered
    title: Too late
    description: The rules do not say what happens after {last_day}.
  no_id:
    kind: outcome
    status: not_covered
    title: No ID
"""


@pytest.fixture
def parcel(tmp_path):
    def make(*changes: tuple[str, str]) -> Path:
        text = POLICY
        for old, new in changes:
            assert old in text, old
            text = text.replace(old, new, 1)
        (tmp_path / "rules.txt").write_text("Rules\n", encoding="utf-8")   # a heading: no rule to cite
        f = tmp_path / "parcel.yaml"
        f.write_text(text, encoding="utf-8")
        return f
    return make


def codes(path: Path) -> list[tuple[str, int]]:
    with pytest.raises(PolicyError) as e:
        ap.load(path)
    return [(f.code, f.line) for f in e.value.findings]


def test_an_optional_input_is_never_asked_and_given_tests_it(parcel):
    p = ap.load(parcel())
    d = ap.evaluate(p, {}, as_of="2026-03-01")
    assert d.missing == ("has_id",) and d.trace == ("picked", "id")
    d = ap.evaluate(p, {"has_id": True}, as_of="2026-03-01")
    assert d.missing == ("arrived_on",)
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "picked_up_on": "2026-03-05"}, as_of="2026-03-06")
    assert (d.status, d.outcome) == ("complete", "done")


def test_questions_name_derived_values_and_leave_them_out_when_unknown(parcel):
    p = ap.load(parcel())
    d = ap.evaluate(p, {"arrived_on": "2026-03-01"}, as_of="2026-03-01")
    assert d.questions[0].text == "Do you have an ID card (the desk opens on 2026-03-02)?"
    assert d.to_dict()["questions"][0]["text"] == "Do you have an ID card (the desk opens on 2026-03-02)?"
    # before the arrival day is known, the part that names it is left out
    from asanimza_policy.template import plain
    assert plain(p.inputs["has_id"].question_template) == "Do you have an ID card?"
    assert plain(p.inputs["picked_up_on"].question_template) == "On which day did you pick it up?"


def test_the_explanation_is_the_outcomes_description_filled_in(parcel):
    p = ap.load(parcel())
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "picked_up_on": "2026-03-20"}, as_of="2026-03-21")
    assert d.outcome == "too_late"
    assert d.explanation == "The rules do not say what happens after 2026-03-15."
    assert d.to_dict()["explanation"] == d.explanation
    assert json.loads(d.to_json(indent=None))["explanation"] == d.explanation
    assert "The rules do not say what happens after 2026-03-15." in render(d, p)
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "picked_up_on": "2026-03-05"}, as_of="2026-03-06")
    assert d.explanation == "You picked it up on 2026-03-05, in time (the last day was 2026-03-15)."
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": False}, as_of="2026-03-06")
    assert (d.outcome, d.explanation, d.to_dict()["explanation"]) == ("no_id", None, None)
    d = ap.evaluate(p, {}, as_of="2026-03-06")
    assert d.explanation is None


def test_caveats_come_back_where_they_are_attached_and_show_beside_the_step(parcel):
    p = ap.load(parcel())
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": True}, as_of="2026-03-01")
    assert [c.id for c in d.caveats] == ["queue", "lost"]
    doc = d.to_dict()
    assert doc["caveats"][0] == {"id": "queue", "title": "The desk's own page", "url": "https://desk.invalid/hours",
                                 "read_on": "2026-01-10", "text": "The queue is long on Mondays, so come another "
                                 "day if you can.", "steps": [1]}
    assert doc["caveats"][1]["steps"] == []
    assert json.loads(d.to_json(indent=None)) == doc
    text = render(d, p)
    step1, step2 = text.index("  1. Go to the desk"), text.index("  2. Nothing more")
    assert step1 < text.index("! Caveat: The queue is long on Mondays") < step2
    assert text.index("! Caveat: A parcel kept longer") > step2
    assert "https://desk.invalid/hours (read on 2026-01-10)" in text
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": False}, as_of="2026-03-01")
    assert d.caveats == () and d.to_dict()["caveats"] == []


def test_a_first_day_already_past_reads_as_now_in_text_and_stays_a_date_in_json(parcel):
    p = ap.load(parcel())
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": True}, as_of="2026-03-05")
    assert d.to_dict()["steps"][0]["not_before"] == "2026-03-02"
    assert "not before: now (possible since 2026-03-02)" in render(d, p)
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": True}, as_of="2026-03-01")
    assert "not before: 2026-03-02" in render(d, p)


@pytest.mark.parametrize("old, new, at", [
    # a condition on the way that is not given(): the read (through the derived value late) is not guarded
    ("      - when: given(picked_up_on)\n        goto: lateness", "      - when: has_id\n        goto: lateness",
     "      - when: late\n"),
    # through a derived value, in a branch reached without the guard
    ("      - when: has_id\n        goto: go", "      - when: has_id and not late\n        goto: go",
     "      - when: has_id and not late"),
    # in a step's field
    ("        with: {not_before: first_day}", "        with: {not_before: picked_up_on}",
     "        with: {not_before: picked_up_on}"),
])
def test_reading_an_optional_input_without_a_guard_is_a_finding_at_its_place(parcel, old, new, at):
    path = parcel((old, new))
    text = path.read_text(encoding="utf-8")
    found = codes(path)
    assert {c for c, _ in found} == {"OPTIONAL_UNGUARDED"}, found
    assert found[0][1] == text[:text.index(at)].count("\n") + 1


@pytest.mark.parametrize("old, new", [
    ("      - when: has_id\n        goto: go",
     "      - when: given(picked_up_on) and picked_up_on > arrived_on\n        goto: go"),
    ("      - when: has_id\n        goto: go", "      - when: not given(picked_up_on) or late\n        goto: go"),
    ("        with: {not_before: first_day}\n",
     "        with: {not_before: picked_up_on}\n        when: given(picked_up_on)\n"),
])
def test_a_guard_in_the_same_condition_or_the_steps_when_is_enough(parcel, old, new):
    ap.load(parcel((old, new)))


def test_a_step_field_named_like_an_optional_input_is_not_a_read_of_it(parcel):
    """A placeholder names the step's own field before any input (found by the random
    policies of test_compile_random.py: the builder took it for an unguarded read)."""
    p = ap.load(parcel(("  wait: {description: Wait., fields: {until: date}}",
                        "  wait: {description: Wait., fields: {picked_up_on: date}}"),
                       ("        text: Nothing more until {until}.\n        with: {until: last_day}",
                        "        text: Nothing more until {picked_up_on}.\n        with: {picked_up_on: last_day}")))
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": True}, as_of="2026-03-01")
    assert d.steps[1].text == "Nothing more until 2026-03-15."


def test_match_first_guards_the_later_branches_after_not_given(parcel):
    p = ap.load(parcel(("    title: Picked up already?\n    branches:\n      - when: given(picked_up_on)\n"
                        "        goto: lateness\n"
                        "      - when: not given(picked_up_on)\n        goto: id",
                        "    title: Picked up already?\n    match: first\n    branches:\n"
                        "      - when: not given(picked_up_on)\n        goto: id\n"
                        "      - when: late\n        goto: too_late\n    otherwise: done")))
    d = ap.evaluate(p, {"arrived_on": "2026-03-01", "picked_up_on": "2026-03-20"}, as_of="2026-03-21")
    assert d.outcome == "too_late"


def test_given_names_inputs_only(parcel):
    assert [c for c, _ in codes(parcel(("      - when: has_id\n", "      - when: given(late) and has_id\n")))] \
        == ["GIVEN_NOT_INPUT"]


def test_given_on_an_asked_input_reads_it_only_when_the_caller_gave_it(parcel):
    p = ap.load(parcel(("    title: ID?\n    branches:\n      - when: has_id\n        goto: go\n"
                        "      - when: not has_id\n        goto: no_id",
                        "    title: ID?\n    match: first\n    branches:\n"
                        "      - when: given(has_id) and not has_id\n        goto: no_id\n    otherwise: go")))
    assert ap.evaluate(p, {"arrived_on": "2026-03-01"}, as_of="2026-03-01").outcome == "go"
    assert ap.evaluate(p, {"arrived_on": "2026-03-01", "has_id": False}, as_of="2026-03-01").outcome == "no_id"


def test_an_unused_caveat_and_an_undeclared_one_are_reported(parcel):
    path = parcel(("    caveats: [lost]\n", ""))
    assert [f.code for f in check_paths([str(path)])] == ["CAVEAT_UNUSED"]
    assert [c for c, _ in codes(parcel(("caveats: [queue]", "caveats: [queu]")))] == ["REF_CAVEAT"]


def test_the_schema_knows_the_additions(parcel):
    path = parcel()
    assert [f for f in check_paths([str(path)]) if f.code.startswith("SCHEMA")] == []
