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
