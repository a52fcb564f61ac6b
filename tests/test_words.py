"""Conditions and date rules in words a person reads, for any policy's names."""
from __future__ import annotations

from datetime import date

import pytest

from asanimza_policy import expr as ex
from asanimza_policy.words import describe, describe_value

KINDS = {"channel": "string", "expires_on": "date", "age": "integer", "paid": "boolean", "as_of": "date",
         "starts_on": "date"}


@pytest.mark.parametrize("text,words", [
    ("channel == 'sms'", "channel is sms"),
    ("channel != 'sms'", "channel is not sms"),
    ("as_of > add_days(expires_on, 1)", "as of is after 1 day after expires on"),
    ("as_of <= expires_on", "as of is on or before expires on"),
    ("age < 16", "age is less than 16"),
    ("age >= 16", "age is at least 16"),
    ("paid", "paid is yes"),
    ("not paid", "paid is no"),
    ("channel in ['a', 'b']", "channel is one of a, b"),
    ("channel not in ['a', 'b']", "channel is none of a, b"),
    ("paid and (age > 3 or channel == 'x')", "paid is yes and (age is more than 3 or channel is x)"),
    ("days_between(as_of, expires_on) > 14", "the days from as of to expires on is more than 14"),
    ("expires_on - 14 < as_of", "14 days before expires on is before as of"),
    ("max(as_of, starts_on) == as_of", "the later of as of and starts on is as of"),
    ("as_of >= date('2026-01-01')", "as of is on or after 2026-01-01"),
    ("given(age) and age > 3", "age is known and age is more than 3"),
    ("not given(age)", "age is not known"),
])
def test_condition_in_words(text, words):
    assert describe(ex.parse(text), KINDS) == words


@pytest.mark.parametrize("text,words", [
    ("not (paid and age > 3)", "paid is no or age is at most 3"),
    ("not (paid or channel == 'x')", "paid is no and channel is not x"),
    ("not not paid", "paid is yes"),
])
def test_negation_is_pushed_into_the_words(text, words):
    assert describe(ex.parse(text), KINDS) == words


def test_negate_flips_a_date_comparison():
    assert describe(ex.parse("as_of < expires_on"), KINDS, negate=True) == "as of is on or after expires on"


def test_values_follow_the_dates_and_numbers_they_read():
    values = {"as_of": date(2026, 12, 10), "expires_on": date(2026, 12, 1), "age": 30}.get
    assert describe(ex.parse("as_of > expires_on and age > 18"), KINDS, values) == \
        "as of (2026-12-10) is after expires on (2026-12-01) and age (30) is more than 18"


@pytest.mark.parametrize("text,words", [
    ("add_days(expires_on, -29)", "29 days before expires on"),
    ("add_days(expires_on, 0)", "expires on"),
    ("expires_on + 1", "1 day after expires on"),
    ("min(expires_on, starts_on)", "the earlier of expires on and starts on"),
    ("age - 2", "age minus 2"),
])
def test_value_rules_in_words(text, words):
    assert describe_value(ex.parse(text), KINDS) == words


# -- reasons in every decision ----------------------------------------------------

def test_a_decision_says_why_in_words_with_the_values_read():
    import asanimza_policy as ap

    d = ap.evaluate("asan-imza-renewal", {"channel": "sms", "certificate_expires_on": "2026-12-01",
                                          "wrong_type_activated": False, "online_renewal_submitted": False},
                    as_of=date(2026, 12, 10), version="1.0.0")
    assert d.reasons == ("channel is sms",
                         "as of (2026-12-10) is after certificate expires on (2026-12-01)",
                         "wrong type activated is no",
                         "online renewal submitted is no")
    assert len(d.reasons) == len(d.trace) - 1
    assert d.to_dict()["reasons"] == list(d.reasons)


def test_a_walk_that_stops_for_input_says_why_it_got_there():
    import asanimza_policy as ap

    d = ap.evaluate("asan-imza-renewal", {"channel": "office"}, as_of=date(2026, 11, 24))
    assert d.status == "needs_input" and d.reasons == ("channel is office",)
    assert ap.evaluate("asan-imza-renewal", {}, as_of=date(2026, 11, 24)).reasons == ()


def test_first_match_reasons_include_what_did_not_hold_before(tmp_path):
    import asanimza_policy as ap

    from .test_render import FIXTURES

    policy = ap.load(FIXTURES / "library-card" / "1.1.0.yaml")
    d = ap.evaluate(policy, {"has_fines": False, "card_expires_on": "2026-12-31", "age": 40},
                    as_of=date(2026, 12, 20))
    assert d.outcome == "adult"
    assert d.reasons == ("has fines is no", "days left (11) is at most 14; age (40) is at least 16")


def test_reasons_in_the_text_format(tmp_path, capsys):
    from asanimza_policy.cli import main

    ctx = tmp_path / "c.yaml"
    ctx.write_text("channel: office\nsubscriber_type: individual\nappears_in_person: false\n", encoding="utf-8")
    assert main(["evaluate", "asan-imza-renewal", "--as-of", "2026-11-24", "--format", "text", "--context",
                 str(ctx)]) == 0
    out = capsys.readouterr().out
    assert "Why\n  - channel: channel is office\n  - office_subscriber_type: subscriber type is individual\n" \
           "  - office_individual_presence: appears in person is no\n" in out
