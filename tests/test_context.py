"""Context validation through the public API, with the seed policy (contract, "Context")."""
from __future__ import annotations

import copy
import types
from datetime import date, datetime

import pytest
import yaml

import asanimza_policy as ap
from asanimza_policy import InvalidContext, PolicyNotFound

POLICY = "asan-imza-renewal"
AS_OF = date(2026, 11, 24)

OFFICE_CITIZEN = {"channel": "office", "subscriber_type": "individual", "citizenship": "azerbaijan",
                  "appears_in_person": True}
SMS_PLAN = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
            "service_type": "business", "current_service_type": "citizen", "balance_covers_tariff": True}


def evaluate(context, **kw):
    kw.setdefault("as_of", AS_OF)
    return ap.evaluate(POLICY, context, **kw)


def invalid(context, **kw) -> InvalidContext:
    with pytest.raises(InvalidContext) as excinfo:
        evaluate(context, **kw)
    return excinfo.value


def test_valid_context_reaches_an_outcome():
    d = evaluate(OFFICE_CITIZEN)
    assert (d.status, d.outcome) == ("complete", "office_individual_id_card")


def test_invalid_context_is_a_value_error():
    assert issubclass(InvalidContext, ValueError)
    with pytest.raises(ValueError):
        evaluate({"channel": "fax"})


# -- unknown keys ------------------------------------------------------------

def test_unknown_key_names_the_field_and_suggests_close_name():
    e = invalid({"chanel": "sms"})
    assert e.field == "chanel"
    assert str(e).startswith("chanel")
    assert "'channel'" in str(e)


def test_unknown_key_among_valid_ones_is_refused():
    e = invalid({**OFFICE_CITIZEN, "citizenshp": "azerbaijan"})
    assert e.field == "citizenshp"
    assert "'citizenship'" in str(e)


def test_unknown_key_without_close_name_lists_the_fields():
    e = invalid({"foo": 1})
    assert e.field == "foo"
    assert str(e).startswith("foo")
    assert "did you mean" not in str(e)
    assert "channel" in str(e) and "wrong_type_activated" in str(e)


def test_unknown_key_with_none_value_is_still_refused():
    assert invalid({"chanel": None}).field == "chanel"


def test_non_text_key_is_refused():
    with pytest.raises(InvalidContext):
        evaluate({1: "sms"})


# -- wrong types -------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("appears_in_person", "yes"),
    ("appears_in_person", "true"),
    ("appears_in_person", 1),
    ("appears_in_person", 0),
    ("online_renewal_submitted", "false"),
    ("balance_covers_tariff", 1.0),
    ("channel", True),
    ("channel", 1),
    ("channel", ["sms"]),
    ("service_type", {"v": "citizen"}),
    ("certificate_expires_on", 20261201),
    ("certificate_expires_on", True),
    ("certificate_expires_on", 1.5),
])
def test_wrong_type_names_the_field(field, value):
    e = invalid({"channel": "sms", field: value} if field != "channel" else {field: value})
    assert e.field == field
    assert str(e).startswith(f"{field}:")


def test_boolean_error_says_what_is_expected():
    assert "true or false" in str(invalid({"appears_in_person": "yes"}))


def test_enum_wrong_type_lists_the_allowed_values():
    assert "office, sms" in str(invalid({"channel": True}))


# -- enums -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["fax", "SMS", "sms ", "Office", "ｓｍｓ"])
def test_value_outside_enum_names_allowed_values(value):
    e = invalid({"channel": value})
    assert e.field == "channel"
    assert str(e).startswith("channel:")
    assert "office, sms" in str(e)


def test_value_outside_enum_suggests_close_value():
    assert "'business'" in str(invalid({"channel": "sms", "service_type": "busines"}))


def test_enum_values_of_every_enum_field_are_checked():
    e = invalid({"channel": "office", "subscriber_type": "company"})
    assert e.field == "subscriber_type"
    assert "individual, legal_entity" in str(e)


# -- empty strings -----------------------------------------------------------

@pytest.mark.parametrize("field", ["channel", "service_type", "certificate_expires_on"])
def test_empty_string_is_refused(field):
    e = invalid({field: ""})
    assert e.field == field
    assert str(e).startswith(f"{field}:")
    assert "empty" in str(e)


def test_empty_string_for_boolean_is_refused():
    assert invalid({"appears_in_person": ""}).field == "appears_in_person"


# -- dates -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31"])
def test_impossible_date_is_refused(value):
    e = invalid({"channel": "sms", "certificate_expires_on": value})
    assert e.field == "certificate_expires_on"
    assert str(e).startswith("certificate_expires_on:")
    assert value in str(e)


@pytest.mark.parametrize("value", [
    "2026/12/01", "20261201", "2026-W48-2", "2026-335", "01.12.2026", "2026-12-1", "2026-12-01T00:00",
    "2026-12-01 ", " 2026-12-01", "+2026-12-01", "２０２６-１２-０１", "December 1, 2026",
])
def test_non_iso_date_string_is_refused(value):
    e = invalid({"channel": "sms", "certificate_expires_on": value})
    assert e.field == "certificate_expires_on"


def test_trailing_newline_in_date_is_refused():
    assert invalid({"certificate_expires_on": "2026-12-01\n"}).field == "certificate_expires_on"


def test_datetime_is_not_a_date():
    e = invalid({"channel": "sms", "certificate_expires_on": datetime(2026, 12, 1)})
    assert e.field == "certificate_expires_on"
    assert "datetime" in str(e)


def test_date_object_is_accepted_like_its_iso_string():
    as_date = evaluate({**SMS_PLAN, "certificate_expires_on": date(2026, 12, 1)})
    as_text = evaluate(SMS_PLAN)
    assert as_date.status == "complete"
    assert as_date.to_dict() == as_text.to_dict()


def test_unquoted_yaml_date_is_accepted():
    context = yaml.safe_load("channel: sms\ncertificate_expires_on: 2026-12-01\n")
    assert isinstance(context["certificate_expires_on"], date)
    assert evaluate(context).to_dict() == evaluate({"channel": "sms",
                                                    "certificate_expires_on": "2026-12-01"}).to_dict()


def test_leap_day_is_accepted():
    assert evaluate({"channel": "sms", "certificate_expires_on": "2028-02-29"}).status == "needs_input"


def test_date_far_in_the_future_leaving_the_calendar_names_the_field():
    e = invalid({**SMS_PLAN, "certificate_expires_on": "9999-12-31"})
    assert e.field == "certificate_expires_on"
    assert str(e).startswith("certificate_expires_on:")


# -- None and absent ---------------------------------------------------------

def test_none_equals_absent():
    with_none = evaluate({"channel": "office", "subscriber_type": None})
    without = evaluate({"channel": "office"})
    assert with_none.to_dict() == without.to_dict()
    assert with_none.missing == ("subscriber_type",)


def test_none_for_every_field_equals_empty_context():
    fields = ["channel", "subscriber_type", "citizenship", "appears_in_person", "legal_entity_status",
              "certificate_expires_on", "online_renewal_submitted", "service_type", "current_service_type",
              "balance_covers_tariff", "wrong_type_activated"]
    assert evaluate(dict.fromkeys(fields)).to_dict() == evaluate({}).to_dict()


def test_empty_context_needs_the_first_field():
    d = evaluate({})
    assert (d.status, d.missing) == ("needs_input", ("channel",))


# -- not a mapping -----------------------------------------------------------

@pytest.mark.parametrize("context", [None, [], [("channel", "sms")], "channel=sms", "", 42, {"channel"}])
def test_context_that_is_not_a_mapping_is_refused(context):
    e = invalid(context)
    assert isinstance(e, ValueError)
    assert "context" in str(e)


def test_any_mapping_is_accepted():
    d = evaluate(types.MappingProxyType(dict(OFFICE_CITIZEN)))
    assert d.outcome == "office_individual_id_card"


# -- fields the route does not read ------------------------------------------

def test_declared_field_not_read_by_the_route_is_ignored():
    extra = {**OFFICE_CITIZEN, "certificate_expires_on": "2026-12-01", "service_type": "business",
             "wrong_type_activated": True, "legal_entity_status": "new", "balance_covers_tariff": False}
    assert evaluate(extra).to_dict() == evaluate(OFFICE_CITIZEN).to_dict()


def test_unread_declared_field_is_still_type_checked():
    e = invalid({**OFFICE_CITIZEN, "service_type": "bizness"})
    assert e.field == "service_type"


def test_evaluate_does_not_mutate_the_context():
    context = {**SMS_PLAN, "certificate_expires_on": date(2026, 12, 1), "wrong_type_activated": None}
    before = copy.deepcopy(context)
    evaluate(context)
    assert context == before
    assert list(context) == list(before)


def test_needs_input_does_not_mutate_the_context():
    context = {"channel": "sms"}
    evaluate(context)
    assert context == {"channel": "sms"}


# -- as_of -------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ["tomorrow", "2026-13-01", "2026/11/24", "", 20261124,
                                   datetime(2026, 11, 24, 12, 0)])
def test_bad_as_of_names_as_of(as_of):
    e = invalid({"channel": "office"}, as_of=as_of)
    assert e.field == "as_of"
    assert str(e).startswith("as_of")


def test_as_of_as_iso_string_is_accepted():
    assert evaluate(SMS_PLAN, as_of="2026-11-24").to_dict() == evaluate(SMS_PLAN).to_dict()


# -- evaluate_many -----------------------------------------------------------

def test_evaluate_many_yields_one_decision_per_context_in_order():
    decisions = list(ap.evaluate_many(POLICY, [{"channel": "office"}, OFFICE_CITIZEN, {}], as_of=AS_OF))
    assert [d.status for d in decisions] == ["needs_input", "complete", "needs_input"]
    assert decisions[0].missing == ("subscriber_type",)


def test_evaluate_many_unknown_policy_raises_at_the_call():
    consumed = []

    def contexts():
        consumed.append(True)
        yield {}

    with pytest.raises(PolicyNotFound):
        ap.evaluate_many("no-such-policy", contexts(), as_of=AS_OF)
    assert consumed == []


def test_evaluate_many_unknown_version_raises_at_the_call():
    with pytest.raises(PolicyNotFound):
        ap.evaluate_many(POLICY, iter([]), as_of=AS_OF, version="9.9.9")


def test_evaluate_many_bad_as_of_raises_at_the_call():
    with pytest.raises(InvalidContext):
        ap.evaluate_many(POLICY, iter([]), as_of="soon")


def test_evaluate_many_bad_context_raises_only_when_reached():
    it = ap.evaluate_many(POLICY, [{"channel": "office"}, {"channel": "fax"}, {"channel": "sms"}], as_of=AS_OF)
    first = next(it)
    assert first.missing == ("subscriber_type",)
    with pytest.raises(InvalidContext) as excinfo:
        next(it)
    assert "contexts[1]" in str(excinfo.value)
    assert "channel" in str(excinfo.value)
    assert excinfo.value.field == "channel"


def test_evaluate_many_bad_first_context_does_not_raise_at_the_call():
    it = ap.evaluate_many(POLICY, [None], as_of=AS_OF)
    with pytest.raises(InvalidContext) as excinfo:
        next(it)
    assert "contexts[0]" in str(excinfo.value)


def test_evaluate_many_collects_decisions_before_the_bad_one():
    got = []
    with pytest.raises(InvalidContext) as excinfo:
        for d in ap.evaluate_many(POLICY, [OFFICE_CITIZEN, {}, {"chanel": "sms"}], as_of=AS_OF):
            got.append(d.status)
    assert got == ["complete", "needs_input"]
    assert "contexts[2]" in str(excinfo.value)
    assert excinfo.value.field == "chanel"


def test_date_overflow_caused_by_as_of_names_as_of():
    context = {**SMS_PLAN, "certificate_expires_on": "2026-01-01", "online_renewal_submitted": True,
               "wrong_type_activated": False}
    e = invalid(context, as_of=date(9999, 12, 31))
    assert str(e).startswith("as_of")


OFFSET = """\
id: offset
version: 1.0.0
title: A day offset the caller gives
effective_from: "2026-01-01"
timezone: UTC
source: {title: S, path: s.txt}
inputs:
  days: {type: integer, question: How many days?}
actions: {go: {description: Go.}}
start: when
nodes:
  when:
    kind: decision
    title: When?
    branches:
      - when: add_days(as_of, days) > as_of
        goto: later
    otherwise: soon
  later: {kind: outcome, title: Later, status: complete}
  soon: {kind: outcome, title: Soon, status: complete}
"""


def test_date_overflow_caused_by_a_callers_number_names_that_number(tmp_path):
    f = tmp_path / "offset.yaml"
    f.write_text(OFFSET, encoding="utf-8")
    (tmp_path / "s.txt").write_text("S.", encoding="utf-8")
    policy = ap.load(f)
    for _ in range(2):                      # the interpreter, then the compiled walk
        with pytest.raises(InvalidContext) as e:
            ap.evaluate(policy, {"days": 10 ** 12}, as_of=AS_OF)
        assert e.value.field == "days" and "outside the calendar" in str(e.value)
        assert ap.evaluate(policy, {"days": 999}, as_of=AS_OF).outcome == "later"


# -- what the caller is told, word for word, for every type of input ---------------------------

EVERY_TYPE = """\
id: every-type
version: 1.0.0
title: One input of each type
effective_from: "2026-01-01"
timezone: UTC
source: {title: S, path: s.txt}
inputs:
  ok: {type: boolean, question: OK?}
  born: {type: date, question: Born?}
  count: {type: integer, question: How many?}
  name: {type: string, question: Name?}
  colour: {type: enum, values: [red, green], question: Colour?}
actions: {go: {description: Go.}}
start: end
nodes:
  end: {kind: outcome, title: End, status: complete}
"""


@pytest.fixture(scope="module")
def every_type(tmp_path_factory):
    f = tmp_path_factory.mktemp("every-type") / "every-type.yaml"
    f.write_text(EVERY_TYPE, encoding="utf-8")
    return ap.load(f)


@pytest.mark.parametrize("context, field, message", [
    ({"ok": "yes"}, "ok", "ok: expected true or false; got 'yes'"),
    ({"ok": 1}, "ok", "ok: expected true or false; got 1"),
    ({"born": 20260101}, "born", "born: expected a date YYYY-MM-DD; got 20260101"),
    ({"born": "1.1.2026"}, "born", "born: expected a date YYYY-MM-DD; got '1.1.2026'"),
    ({"born": ""}, "born", "born: empty string; expected a date YYYY-MM-DD"),
    ({"born": "2026-02-30"}, "born", "born: '2026-02-30' is not a real date"),
    ({"born": "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661"}, "born",
     "born: expected a date YYYY-MM-DD; got '\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661'"),
    ({"born": "2026-01-01\n"}, "born", "born: expected a date YYYY-MM-DD; got '2026-01-01\\n'"),
    ({"born": datetime(2026, 1, 1, 9)}, "born", "born: expected a date YYYY-MM-DD; got a datetime 2026-01-01T09:00:00"),
    ({"count": 1.5}, "count", "count: expected a whole number; got 1.5"),
    ({"count": True}, "count", "count: expected a whole number; got True"),
    ({"count": "7"}, "count", "count: expected a whole number; got '7'"),
    ({"name": 5}, "name", "name: expected text; got 5"),
    ({"name": ""}, "name", "name: empty string"),
    ({"colour": 5}, "colour", "colour: expected one of red, green; got 5"),
    ({"colour": ""}, "colour", "colour: empty string; expected one of red, green"),
    ({"colour": "gren"}, "colour", "colour: expected one of red, green; got 'gren' (did you mean 'green'?)"),
    ({"colour": "blue"}, "colour", "colour: expected one of red, green; got 'blue'"),
    ({"colr": "red"}, "colr", "colr: not a field of policy every-type (did you mean 'colour'?); its fields are "
                              "ok, born, count, name, colour"),
    ({5: "red"}, None, "context keys must be field names (text); got 5"),
    (None, None, "context must be a mapping of field names to values; got nothing"),
    (["ok"], None, "context must be a mapping of field names to values; got list"),
    # a long value is shown up to 60 characters, then cut
    ({"count": "x" * 58}, "count", "count: expected a whole number; got '" + "x" * 58 + "'"),
    ({"count": "x" * 59}, "count", "count: expected a whole number; got '" + "x" * 56 + "..."),
], ids=repr)
def test_the_caller_is_told_what_was_wrong_word_for_word(every_type, context, field, message):
    with pytest.raises(InvalidContext) as e:
        ap.evaluate(every_type, context, as_of="2026-06-01")
    assert (str(e.value), e.value.field) == (message, field)


def test_a_value_of_each_type_is_accepted_as_given(every_type):
    d = ap.evaluate(every_type, {"ok": False, "born": "2000-02-29", "count": 0, "name": "Ada", "colour": "red"},
                    as_of="2026-06-01")
    assert (d.status, d.outcome) == ("complete", "end")
