"""The expression AST: every node class shows its children, equality ignores layout,
type checking records each node's type, and every class has a type rule and a compiler."""
from __future__ import annotations

import dataclasses
import inspect
import typing
from datetime import date

import pytest

from asanimza_policy import expr as E
from asanimza_policy import expr_compile, expr_parse, expr_types

from .conftest import plain_stack

ENV = {"a": E.BOOLEAN, "b": E.BOOLEAN, "n": E.INTEGER, "m": E.INTEGER, "d": E.DATE,
       "channel": E.Type("string", ("office", "sms")), "as_of": E.DATE}

AST_CLASSES = [c for _, c in inspect.getmembers(expr_parse, inspect.isclass)
               if issubclass(c, E.Expr) and c is not E.Expr]


def test_the_ast_classes_are_the_documented_ones():
    assert {c.__name__ for c in AST_CLASSES} == {
        "Literal", "Name", "Not", "BoolOp", "Compare", "In", "Arith", "Neg", "Call"}
    assert not hasattr(E, "Node")


def _example(cls: type[E.Expr]) -> tuple[E.Expr, list[str]]:
    """An instance of ``cls`` whose every child is a distinct Name, and those names in field order."""
    hints = typing.get_type_hints(cls, {**vars(expr_parse), "Type": E.Type})
    names: list[str] = []

    def child() -> E.Name:
        names.append(f"v{len(names)}")
        return E.Name(0, names[-1])

    values: dict[str, typing.Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in ("offset", "type"):
            continue
        hint = hints[f.name]
        if hint is E.Expr:
            values[f.name] = child()
        elif hint == tuple[E.Expr, ...]:
            values[f.name] = (child(), child())
        elif "Expr" in str(hint):
            pytest.fail(f"{cls.__name__}.{f.name}: {hint} holds expressions in a shape this test does not know; "
                        "teach Expr.children() and this test about it")
        else:
            values[f.name] = {str: "x", bool: False, typing.Any: 1}[hint]
    return cls(0, **values), names


@pytest.mark.parametrize("cls", AST_CLASSES, ids=lambda c: c.__name__)
def test_walk_sees_every_child_of_every_node_class(cls):
    node, names = _example(cls)
    below = list(E.walk(node))[1:]
    assert [n.name for n in below] == names
    if names:
        assert E.names_of(node) == tuple(names)


@pytest.mark.parametrize("cls", AST_CLASSES, ids=lambda c: c.__name__)
def test_every_node_class_has_a_type_rule_and_a_compiler(cls):
    assert cls in expr_types.RULES
    assert cls in expr_compile.COMPILERS


def test_children_are_in_source_order():
    node = E.parse("add_days(d, n) in [d, max(d, as_of)]")
    assert [type(c).__name__ for c in node.children()] == ["Call", "Name", "Call"]
    assert E.names_of(node) == ("d", "n", "as_of")


# -- equality ------------------------------------------------------------------

def test_reformatted_condition_compares_equal():
    assert E.parse("a==1 and b") == E.parse("a == 1  and  b")
    assert hash(E.parse("a==1 and b")) == hash(E.parse("a == 1  and  b"))
    assert E.parse("(n+1)>m") == E.parse("n + 1 > m")
    assert E.parse("channel in ['sms','office']") == E.parse('channel in [ "sms", "office" ]')


@pytest.mark.parametrize("left, right", [
    ("a == 1", "a == true"),          # 1 == True in Python, not here
    ("n + 1", "n - 1"),
    ("n in [1, 2]", "n not in [1, 2]"),
    ("a and b", "a or b"),
    ("a and b", "b and a"),
    ("min(n, m)", "max(n, m)"),
    ("n == 1", "n == '1'"),
])
def test_different_conditions_differ(left, right):
    assert E.parse(left) != E.parse(right)


def test_type_checked_tree_equals_the_parsed_one():
    assert E.build("a == 1 and b", {**ENV, "a": E.INTEGER}).ast == E.parse("a==1 and b")


# -- types recorded on the tree ---------------------------------------------------

def test_every_node_of_a_built_expression_has_its_type():
    ast = E.build("add_days(d, n - 1) > as_of and channel == 'sms' or not a and -n in [m, 2]", ENV).ast
    nodes = list(E.walk(ast))
    assert len(nodes) == 20
    assert [n for n in nodes if n.type is None] == []
    kinds = {(type(n).__name__, getattr(n, "name", getattr(n, "func", None))): n.type.kind for n in nodes}
    assert kinds[("Call", "add_days")] == "date"
    assert kinds[("Arith", None)] == "integer"
    assert kinds[("Neg", None)] == "integer"
    channel = next(n for n in nodes if isinstance(n, E.Name) and n.name == "channel")
    assert channel.type.values == ("office", "sms")


def test_parse_leaves_types_empty():
    assert [n for n in E.walk(E.parse("a and n > 1")) if n.type is not None] == []


def test_date_arithmetic_result_types_come_from_the_operator_table():
    assert E.build("d - d", ENV).type == E.INTEGER
    assert E.build("d - 1", ENV).type == E.DATE
    assert E.build("1 + d", ENV).ast.type == E.DATE


# -- the function table ----------------------------------------------------------

def test_every_function_in_the_table_parses_and_nothing_else():
    for name in E.FUNCTIONS:
        assert isinstance(E.parse(f"{name}(1)"), E.Call)
        assert name in E.RESERVED
    with pytest.raises(E.ExprError, match="unknown function"):
        E.parse("today()")


def test_date_function_is_computed_once_when_compiling():
    class NoLookups:
        def lookup(self, name):
            raise AssertionError(name)

    assert E.build("date('2026-02-28')", ENV)(NoLookups()) == date(2026, 2, 28)


# -- parser depth is given back after each nested part ------------------------------

@pytest.mark.parametrize("part", [
    "(" * E.MAX_DEPTH + "a" + ")" * E.MAX_DEPTH,
    "not " * E.MAX_DEPTH + "a",
    "n in [" * E.MAX_DEPTH + "n" + "]" * E.MAX_DEPTH,
    "min(" * E.MAX_DEPTH + "n, n" + ")" * E.MAX_DEPTH + " > 0",
    "+".join(["n"] * (E.MAX_DEPTH + 1)) + " > 0",
    "-" * E.MAX_DEPTH + "n > 0",
])
@plain_stack
def test_depth_is_per_nested_part_not_per_expression(part):
    E.parse(part)
    E.parse(f"{part} and {part}")
    with pytest.raises(E.ExprError, match="nested deeper"):
        E.parse(f"({part})")
