"""The expression language: parse, typecheck, compile, three-valued evaluation."""
from __future__ import annotations

from datetime import date

import pytest

from asanimza_policy import expr as E
from asanimza_policy.expr import ExprError, Unknown

from .conftest import plain_stack

CHANNEL = E.Type("string", ("office", "sms"))

ENV = {
    "a": E.BOOLEAN, "b": E.BOOLEAN, "c": E.BOOLEAN,
    "x": E.BOOLEAN, "y": E.BOOLEAN, "z": E.BOOLEAN,
    "n": E.INTEGER, "m": E.INTEGER, "i": E.INTEGER, "j": E.INTEGER,
    "d": E.DATE, "e": E.DATE, "u": E.DATE,
    "s": E.STRING,
    "channel": CHANNEL,
    "certificate_expires_on": E.DATE,
    "as_of": E.DATE,
}

VALUES = {
    "a": True, "b": False, "c": True,
    "n": 2, "m": 3,
    "d": date(2026, 2, 28), "e": date(2026, 3, 2),
    "s": "text", "channel": "sms",
    "certificate_expires_on": date(2026, 12, 1), "as_of": date(2026, 11, 24),
}


class Scope:
    """Values for some names; every other name is unknown."""

    def __init__(self, **values):
        self.values = values

    def lookup(self, name):
        if name in self.values:
            return self.values[name]
        return Unknown((name,))


def run(text, **values):
    return E.build(text, ENV)(Scope(**{**VALUES, **values}))


def error(text, env=ENV) -> ExprError:
    with pytest.raises(ExprError) as excinfo:
        E.build(text, env)
    return excinfo.value


def parse_error(text) -> ExprError:
    with pytest.raises(ExprError) as excinfo:
        E.parse(text)
    return excinfo.value


def is_unknown(v, *names):
    return type(v) is Unknown and v.names == names


# -- precedence --------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("not a and b", False),            # (not a) and b
    ("not b and a", True),
    ("a or b and b", True),            # a or (b and b)
    ("b and a or a", True),            # (b and a) or a
    ("not a or a", True),              # (not a) or a
    ("not (a or a)", False),
    ("n + 1 > m", False),              # (n + 1) > m: 3 > 3
    ("n + 2 > m", True),
    ("1 + 2 == 3", True),
    ("n - 1 - 1 == 0", True),          # left-associative: (2 - 1) - 1
    ("m - n + 1 == 2", True),
    ("n == 2 and m == 3", True),
    ("n == 1 or m == 3 and b", False),
    ("-n + 5 == 3", True),
    ("n - -1 == 3", True),
])
def test_precedence(text, value):
    assert run(text) is value


def test_not_binds_looser_than_comparison():
    assert run("not n == 3") is True
    assert run("not n in [2]") is False


# -- in / not in -------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("n in [1, 2]", True),
    ("n in [1, 3]", False),
    ("n not in [1, 2]", False),
    ("n not in [1, 3]", True),
    ("n in [m, 2]", True),
    ("n in [m, m + 1]", False),
    ("n in [m - 1]", True),
    ("channel in ['office', 'sms']", True),
    ("channel not in ['office']", True),
    ("d in [date('2026-02-28')]", True),
    ("n in [1, 2,]", True),
])
def test_in_and_not_in(text, value):
    assert run(text) is value


def test_in_list_item_of_wrong_type_reports_its_offset():
    err = error("n in [1, a]")
    assert err.offset == 9


def test_in_needs_a_list():
    assert parse_error("n in 2").offset == 5


def test_in_empty_list_is_rejected():
    parse_error("n in []")


# -- dates -------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("d + 1", date(2026, 3, 1)),
    ("1 + d", date(2026, 3, 1)),
    ("d - 1", date(2026, 2, 27)),
    ("d + 0", date(2026, 2, 28)),
    ("e - d", 2),
    ("d - e", -2),
    ("add_days(d, 1)", date(2026, 3, 1)),
    ("add_days(d, -29)", date(2026, 1, 30)),
    ("days_between(d, e)", 2),
    ("days_between(e, d)", -2),
    ("min(d, e)", date(2026, 2, 28)),
    ("max(d, e)", date(2026, 3, 2)),
    ("max(n, 7, m)", 7),
    ("min(n, m)", 2),
    ("date('2026-02-28')", date(2026, 2, 28)),
    ("date('2024-02-29') + 1", date(2024, 3, 1)),
    ("date('2026-12-31') - date('2026-01-01')", 364),
    ("d + n - 1", date(2026, 3, 1)),
])
def test_date_arithmetic(text, value):
    result = run(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("text, kind", [
    ("d + 1", "date"), ("1 + d", "date"), ("d - 1", "date"), ("d - e", "integer"),
    ("add_days(d, 1)", "date"), ("days_between(d, e)", "integer"), ("min(d, e)", "date"),
    ("max(n, m)", "integer"), ("date('2026-01-01')", "date"), ("d < e", "boolean"),
])
def test_result_types(text, kind):
    assert E.build(text, ENV).type.kind == kind


def test_dates_compare():
    assert run("d < e") is True
    assert run("d >= e") is False
    assert run("d == date('2026-02-28')") is True


@pytest.mark.parametrize("text", [
    "date('2026-02-30')",      # no such day
    "date('2026-13-01')",
    "date('2026-2-3')",        # not YYYY-MM-DD
    "date('20260228')",
    "date('2026-W09-6')",
    "date('')",
])
def test_bad_date_literal_is_rejected(text):
    err = error(text)
    assert "YYYY-MM-DD" in err.message
    assert err.offset == 5       # the string literal


@pytest.mark.parametrize("text", ["date(s)", "date(1)", "date()", "date('2026-01-01', '2026-01-02')"])
def test_date_takes_one_string_literal(text):
    error(text)


@pytest.mark.parametrize("text", ["d + e", "n - d", "d + a", "-d", "d < n", "d == 1", "d + channel"])
def test_bad_date_arithmetic_is_rejected(text):
    error(text)


@pytest.mark.parametrize("text, offset", [
    ("days_between(d, 1)", 16),
    ("add_days(d, a)", 12),
    ("add_days(1, 1)", 9),
    ("min(d, n)", 7),
    ("max(a, b)", 4),
])
def test_function_argument_type_error_offset(text, offset):
    assert error(text).offset == offset


@pytest.mark.parametrize("text", ["min(n)", "max()", "add_days(d)", "days_between(d)", "add_days(d, 1, 2)"])
def test_function_arity_is_checked(text):
    assert "argument" in error(text).message


def test_date_arithmetic_past_the_calendar_raises_out_of_range():
    with pytest.raises(E.OutOfRange) as excinfo:
        run("u + 1", u=date(9999, 12, 31))
    assert excinfo.value.names == ("u",)


@pytest.mark.parametrize("text, u", [
    ("add_days(u, 1)", date(9999, 12, 31)),
    ("1 + u", date(9999, 12, 31)),
    ("u - 1", date(1, 1, 1)),
    ("add_days(u, -1)", date(1, 1, 1)),
    ("u + 999999999", date(2026, 1, 1)),
    ("add_days(u, n + 999999999)", date(2026, 1, 1)),  # more days than a timedelta holds
])
def test_out_of_range(text, u):
    with pytest.raises(E.OutOfRange) as excinfo:
        run(text, u=u)
    assert "u" in excinfo.value.names


def test_out_of_range_is_not_raised_at_the_edge():
    assert run("u + 1", u=date(9999, 12, 30)) == date(9999, 12, 31)
    assert run("u - 1", u=date(1, 1, 2)) == date(1, 1, 1)


# -- type errors with offsets -------------------------------------------------

@pytest.mark.parametrize("text, offset", [
    ("a and n", 6),
    ("n or a", 0),
    ("not n", 4),
    ("n == a", 5),
    ("a == 1", 5),
    ("s == 1", 5),
    ("channel == n", 11),
    ("(n + 1) and a", 1),
])
def test_type_error_reports_offset_of_culprit(text, offset):
    assert error(text).offset == offset


def test_ordering_strings_is_rejected():
    assert "<" in error("s < s").message


def test_ordering_booleans_is_rejected():
    error("a > b")


def test_expected_type_is_checked():
    with pytest.raises(ExprError) as excinfo:
        E.build("n + 1", ENV, want=E.BOOLEAN)
    assert "boolean" in excinfo.value.message
    assert E.build("n > 1", ENV, want=E.BOOLEAN).type == E.BOOLEAN


# -- names -------------------------------------------------------------------

def test_unknown_name_suggests_a_close_one():
    err = error("chanel == 'sms'")
    assert err.offset == 0
    assert "'chanel'" in err.message
    assert "did you mean 'channel'" in err.message


def test_unknown_name_offset_points_at_it():
    err = error("a and certificate_expires_in > d")
    assert err.offset == 6
    assert "certificate_expires_on" in err.message


@pytest.mark.parametrize("text, offset", [("channel == sms", 11), ("sms != channel", 0),
                                          ("channel in ['office', sms]", 22), ("a and channel not in [office]", 22)])
def test_an_enum_value_without_quotes_says_to_quote_it(text, offset):
    err = error(text)
    assert err.offset == offset
    word = text[offset:].split("]")[0].split()[0]
    assert f"unknown name {word!r}: did you mean {word!r} in quotes? (one of channel's values)" in err.message


def test_a_bare_word_that_is_no_value_is_just_unknown():
    assert "in quotes" not in error("channel == fax").message
    assert "in quotes" not in error("s == sms").message          # a plain string has no values to match


def test_unknown_name_without_close_match_has_no_suggestion():
    err = error("zzzzzz")
    assert "did you mean" not in err.message


def test_names_in_order_of_first_appearance():
    ex = E.build("m > n and d < e and n == m or channel == 'sms' and a", ENV)
    assert ex.names == ("m", "n", "d", "e", "channel", "a")


def test_names_include_names_inside_calls_and_lists():
    ex = E.build("add_days(d, i) in [e, max(u, d)]", ENV)
    assert ex.names == ("d", "i", "e", "u")


def test_names_of_a_constant_expression_are_empty():
    assert E.build("1 + 2 == 3", ENV).names == ()


def test_literals():
    ex = E.build("n in [1, 2] and channel == 'sms' or b == true", ENV)
    assert ex.literals == (1, 2, "sms", True)


def test_negative_literal_is_folded():
    assert E.build("n == -5", ENV).literals == (-5,)


def test_date_literal_is_the_string():
    assert E.build("d < date('2026-01-01')", ENV).literals == ("2026-01-01",)


def test_expression_keeps_its_source():
    assert E.build("a and b", ENV).source == "a and b"


# -- enum literals -----------------------------------------------------------

def test_enum_literal_outside_values_lists_allowed_values():
    err = error("channel == 'fax'")
    assert err.offset == 11
    assert "'fax'" in err.message
    assert "office, sms" in err.message


def test_enum_literal_on_the_left_is_checked():
    err = error("'fax' == channel")
    assert err.offset == 0
    assert "office, sms" in err.message


def test_enum_literal_suggests_close_value():
    assert "did you mean 'office'" in error("channel != 'ofice'").message


def test_enum_literal_in_list_is_checked():
    err = error("channel in ['office', 'fax']")
    assert err.offset == 22
    assert "office, sms" in err.message


def test_enum_literal_in_not_in_list_is_checked():
    error("channel not in ['Office']")


def test_enum_values_are_accepted():
    assert run("channel == 'sms'") is True
    assert run("channel != 'office'") is True


def test_plain_string_accepts_any_literal():
    assert run("s == 'fax'") is False


# -- rejected syntax ---------------------------------------------------------

def test_chained_comparison_is_rejected():
    err = parse_error("1 < n < 3")
    assert err.offset == 6
    assert "chain" in err.message


@pytest.mark.parametrize("text", ["n == m == 2", "n < m <= 3", "d == e != d"])
def test_all_chained_comparisons_are_rejected(text):
    assert "chain" in parse_error(text).message


def test_single_equals_is_rejected_with_a_hint():
    err = parse_error("n = 1")
    assert err.offset == 2
    assert "==" in err.message


@pytest.mark.parametrize("text, offset", [
    ("n * 2", 2),
    ("n ** 2", 2),
    ("n / 2", 2),
    ("n % 2", 2),
])
def test_other_arithmetic_is_rejected(text, offset):
    err = parse_error(text)
    assert err.offset == offset
    assert "+" in err.message and "-" in err.message


def test_attribute_access_is_rejected():
    err = parse_error("d.year")
    assert err.offset == 1
    assert "attribute" in err.message


def test_import_then_attribute_is_rejected():
    parse_error("__import__('os').system('ls')")


@pytest.mark.parametrize("text", ["__import__('os')", "eval('1')",
                                  "open('/etc/passwd')", "foo(1)", "len(s)"])
def test_unknown_functions_are_rejected_at_parse_time(text):
    err = parse_error(text)
    assert "unknown function" in err.message
    assert err.offset == 0


@pytest.mark.parametrize("text", ["a && b", "a || b", "!a"])
def test_c_style_logic_is_rejected_with_a_hint(text):
    assert "and, or, not" in parse_error(text).message


@pytest.mark.parametrize("text", [
    "", "   ", "n +", "(n", "n)", "'abc", "a and", "in [1]", "n in [1", "lambda: 1", "n if a else m", "[1, 2]",
    "n not 1", "a b",
])
def test_malformed_expressions_are_rejected(text):
    parse_error(text)


def test_non_text_expression_is_rejected():
    with pytest.raises(ExprError):
        E.parse(1)


def test_error_offset_at_the_end():
    assert parse_error("n +").offset == 3


# -- limits ------------------------------------------------------------------

def test_expression_at_max_length_is_accepted():
    text = " " * (E.MAX_LENGTH - 1) + "n"
    assert E.build(text, ENV).names == ("n",)


def test_expression_over_max_length_is_rejected():
    err = parse_error(" " * E.MAX_LENGTH + "n")
    assert f"{E.MAX_LENGTH:,}" in err.message


@plain_stack
def test_nesting_at_max_depth_is_accepted():
    depth = E.MAX_DEPTH
    assert run("(" * depth + "n" + ")" * depth) == 2


@pytest.mark.parametrize("text", [
    "(" * (E.MAX_DEPTH + 1) + "n" + ")" * (E.MAX_DEPTH + 1),
    "not " * (E.MAX_DEPTH + 1) + "a",
    "-" * (E.MAX_DEPTH + 1) + "1",
    "min(n, " * (E.MAX_DEPTH + 1) + "n" + ")" * (E.MAX_DEPTH + 1),
])
@plain_stack
def test_nesting_over_max_depth_is_rejected(text):
    assert "nested" in parse_error(text).message


def test_integer_literal_at_max_digits_is_accepted():
    assert run("9" * E.MAX_INT_DIGITS) == int("9" * E.MAX_INT_DIGITS)


def test_long_integer_literal_is_rejected():
    err = parse_error("n + " + "1" * (E.MAX_INT_DIGITS + 1))
    assert err.offset == 4
    assert "digits" in err.message


def test_huge_integer_literal_is_rejected_quickly():
    parse_error("9" * (E.MAX_LENGTH - 10))


def test_long_sum_within_length_limit_does_not_overflow_the_stack():
    text = "+".join(["n"] * 999)        # 1,997 characters
    assert len(text) <= E.MAX_LENGTH
    with pytest.raises(ExprError, match="nested deeper than"):
        E.build(text, ENV)


def test_a_sum_of_thirty_terms_is_fine():
    e = E.build("+".join(["n"] * 30), ENV)
    assert e.type == E.INTEGER


def test_nested_in_lists_are_limited_by_max_depth():
    text = "a in[" * 300 + "a" + "]" * 300   # 1,801 characters
    assert len(text) <= E.MAX_LENGTH
    with pytest.raises(ExprError):
        E.parse(text)


# -- three-valued logic ------------------------------------------------------

def kleene(text, **values):
    return E.build(text, ENV)(Scope(**values))


def test_false_and_unknown_is_false():
    assert kleene("false and x") is False
    assert kleene("x and false") is False
    assert kleene("b and x", b=False) is False
    assert kleene("x and b", b=False) is False


def test_true_or_unknown_is_true():
    assert kleene("true or x") is True
    assert kleene("x or true") is True
    assert kleene("x or a", a=True) is True


def test_true_and_unknown_is_unknown_carrying_the_name():
    assert is_unknown(kleene("true and x"), "x")
    assert is_unknown(kleene("a and x", a=True), "x")


def test_false_or_unknown_is_unknown():
    assert is_unknown(kleene("false or x"), "x")


def test_not_unknown_is_unknown():
    assert is_unknown(kleene("not x"), "x")


def test_unknown_names_merged_in_order_without_duplicates():
    assert is_unknown(kleene("y and x and y and z and x"), "y", "x", "z")
    assert is_unknown(kleene("y or x or y"), "y", "x")
    assert is_unknown(kleene("(x or y) and (y or z)"), "x", "y", "z")


def test_known_operand_does_not_appear_in_unknown():
    assert is_unknown(kleene("x and a and y", a=True), "x", "y")


@pytest.mark.parametrize("text, names", [
    ("i == 1", ("i",)),
    ("1 == i", ("i",)),
    ("n == i", ("i",)),
    ("i < j", ("i", "j")),
    ("j > i", ("j", "i")),
    ("i != i", ("i",)),
    ("i in [1, 2]", ("i",)),
    ("i not in [1, 2]", ("i",)),
    ("n in [i, j]", ("i", "j")),
    ("i + j > 1", ("i", "j")),
    ("-i == 1", ("i",)),
    ("add_days(u, i) < u", ("u", "i")),
    ("days_between(u, d) > 0", ("u",)),
    ("min(i, n, j) == 1", ("i", "j")),
    ("u - 1 < d", ("u",)),
])
def test_comparisons_with_unknown_stay_unknown(text, names):
    assert is_unknown(kleene(text, n=2, d=date(2026, 1, 1)), *names)


def test_unknown_arithmetic_is_unknown():
    assert is_unknown(kleene("add_days(u, 1)"), "u")
    assert is_unknown(kleene("i + 1"), "i")


def test_unknown_inside_a_decided_branch_is_ignored():
    assert kleene("(i == 1 or true) and a", a=True) is True
    assert is_unknown(kleene("(i == 1 or true) and y"), "y")


def test_unknown_is_not_looked_up_after_or_is_decided():
    seen = []

    class Recording(Scope):
        def lookup(self, name):
            seen.append(name)
            return super().lookup(name)

    assert E.build("a or x", ENV)(Recording(a=True)) is True
    assert seen == ["a"]
