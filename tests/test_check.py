"""`check`: each kind of mistake an author makes, reported where it is."""
from __future__ import annotations

import json

import pytest

from asanimza_policy.check import check_file, check_paths
from asanimza_policy.cli import main

from .conftest import POLICY_FILE, line_of, plain_stack


def codes(findings):
    return [f.code for f in findings]


def test_shipped_policies_are_clean_even_strict():
    assert check_paths() == []


def test_unchanged_copy_is_clean(policy_copy):
    path, _ = policy_copy()
    assert check_file(path) == []


def test_duplicate_key_reported_at_second_key(policy_copy):
    path, line = policy_copy(("    title: Office or SMS?\n", "    title: Office or SMS?\n    title: again\n"))
    [f] = check_file(path)
    assert (f.code, f.line, f.col) == ("YAML_DUPLICATE_KEY", line + 1, 5)
    assert f"first at line {line}" in f.message


def test_yaml_syntax_error_has_position(policy_copy):
    path, line = policy_copy(("    values: [office, sms]\n", "    values: [office, sms\n"))
    [f] = check_file(path)
    assert f.code == "YAML_SYNTAX"
    assert f.line in (line, line + 1)


def test_missing_node_reference(policy_copy):
    path, line = policy_copy(("        goto: office_subscriber_type\n", "        goto: office_subscriber_typo\n"))
    [f] = check_file(path)
    assert (f.code, f.line, f.col) == ("REF_NODE", line, 15)
    assert "office_subscriber_typo" in f.message and "did you mean 'office_subscriber_type'" in f.message


def test_missing_start_node(policy_copy):
    path, line = policy_copy(("start: channel\n", "start: chanel\n"))
    [f] = check_file(path)
    assert (f.code, f.line, f.col) == ("REF_NODE", line, 8)


def test_expression_type_error_points_into_the_expression(policy_copy):
    # `channel == 'fax'`: 'fax' is not one of channel's values; the column is the literal's
    path, line = policy_copy(("      - when: channel == 'office'\n", "      - when: channel == 'fax'\n"))
    [f] = check_file(path)
    assert f.code == "EXPR"
    assert (f.line, f.col) == (line, len("      - when: channel == ") + 1)
    assert "'fax' is not one of channel's values: office, sms" in f.message


def test_expression_unknown_name_suggests(policy_copy):
    path, line = policy_copy(("      - when: appears_in_person\n", "      - when: appears_in_persn\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("EXPR", line)
    assert "did you mean 'appears_in_person'" in f.message


def test_expression_syntax_error(policy_copy):
    path, line = policy_copy(("      - when: channel == 'sms'\n", "      - when: channel = 'sms'\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("EXPR", line)
    assert "compare with ==" in f.message


def test_condition_must_be_boolean(policy_copy):
    path, line = policy_copy(("      - when: not appears_in_person\n", "      - when: certificate_expires_on\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("EXPR", line)
    assert "expected a boolean expression, got a date" in f.message


def test_unknown_key_reported_once_at_the_key(policy_copy):
    path, line = policy_copy(("    kind: outcome\n    status: not_covered\n",
                              "    kind: outcome\n    statuz: not_covered\n"))
    found = check_file(path)
    assert [(f.line, f.col, f.code) for f in found] == [
        (line, 5, "SCHEMA_REQUIRED"), (line + 1, 5, "SCHEMA_UNKNOWN_KEY")]
    assert "needs 'status'" in found[0].message
    assert "unknown key 'statuz'" in found[1].message and "did you mean 'status'" in found[1].message
    # the schema and the model both see it; the author is told once per place
    assert len({(f.line, f.col) for f in found}) == len(found)


def test_unknown_action_and_document(policy_copy):
    path, _ = policy_copy(("      - action: contact_office\n", "      - action: call_office\n"),
                          ("    documents: [id_card]\n", "    documents: [id_cart]\n"))
    found = check_file(path)
    assert {"REF_ACTION", "REF_DOCUMENT"} <= set(codes(found))
    doc = next(f for f in found if f.code == "REF_DOCUMENT")
    assert "did you mean 'id_card'" in doc.message


def test_unknown_assumption(policy_copy):
    path, line = policy_copy(("    assumes: [wrong_type_fix_documents_unstated]\n",
                              "    assumes: [wrong_type_fix_docs]\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("REF_ASSUMPTION", line)


def test_step_template_names_unknown_value(policy_copy):
    path, _ = policy_copy(("Nothing to do yet; the online application window opens on {until}.",
                           "Nothing to do yet; the window opens on {untill}."))
    [f] = check_file(path)
    assert f.code == "TEMPLATE" and "{untill}" in f.message


def test_citation_not_in_source(policy_copy):
    path, line = policy_copy(("      - \"Note: The trustee should also present the relevant power of attorney",
                              "      - \"Note: The trustee must also present the relevant power of attorney"))
    uncited, f = check_file(path)     # in the order of their lines: source.path comes first
    assert (f.code, f.line, f.col) == ("CITATION_NOT_FOUND", line, 9)
    assert "closest source line" in f.message
    # and the sentence it meant is now cited nowhere
    assert uncited.code == "SOURCE_UNCITED" and "'Note: The trustee should also present" in uncited.message


def test_citation_fragment_is_a_warning(policy_copy):
    path, _ = policy_copy(('    cites: ["Individual:"]\n', '    cites: ["Azercell Exclusive offices with his"]\n'))
    [f] = check_file(path)
    assert (f.code, f.severity) == ("CITATION_FRAGMENT", "warning")


def test_graph_cycle(policy_copy):
    path, _ = policy_copy(("        goto: office_individual_citizenship\n", "        goto: office_subscriber_type\n"))
    found = check_file(path)
    assert "GRAPH_CYCLE" in codes(found)
    assert "office_subscriber_type -> office_individual_presence -> office_subscriber_type" in \
        next(f.message for f in found if f.code == "GRAPH_CYCLE")


def test_derived_cycle(policy_copy):
    path, _ = policy_copy(("    expr: add_days(certificate_expires_on, 1)\n", "    expr: add_days(extended_by, 1)\n"))
    found = check_file(path)
    assert "DERIVED_CYCLE" in codes(found)


def test_enum_map_must_cover_every_value(policy_copy):
    path, _ = policy_copy(("      governmental:\n        value: dovlet\n",
                           "      governmentall:\n        value: dovlet\n"))
    found = check_file(path)
    assert {"REF_VALUE", "MAP_INCOMPLETE"} <= set(codes(found))


def test_layout_mismatch(policy_copy):
    path, line = policy_copy(("version: 1.0.0\n", "version: 1.0.1\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("LAYOUT", line)


def test_source_file_missing(policy_copy):
    path, line = policy_copy(("  path: source/azercell-asan-imza-extension.txt\n", "  path: source/missing.txt\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("SOURCE_MISSING", line)


def test_every_problem_at_once(policy_copy):
    path, _ = policy_copy(("        goto: office_subscriber_type\n", "        goto: nowhere\n"),
                          ("      - when: channel == 'sms'\n", "      - when: chanel == 'sms'\n"),
                          ("    documents: [id_card]\n", "    documents: [passport]\n"))
    assert set(codes(check_file(path))) == {"REF_NODE", "EXPR", "REF_DOCUMENT"}


def test_empty_file_and_wrong_top_level(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    assert codes(check_file(empty)) == ["SCHEMA_EMPTY"]
    [f] = check_file(scalar)
    assert f.code == "FILE_NOT_POLICY" and "holds text, not a policy" in f.message


# -- the command ---------------------------------------------------------------

def test_cli_check_clean_exit_0(capsys):
    assert main(["check", "--strict"]) == 0
    assert capsys.readouterr().out == ""


def test_cli_check_findings_exit_1_with_positions(policy_copy, capsys):
    path, line = policy_copy(("        goto: office_subscriber_type\n", "        goto: nowhere\n"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{path}:{line}:15: REF_NODE no node 'nowhere'"]


def test_cli_check_folder_finds_version_files(policy_copy, capsys):
    path, _ = policy_copy(("        goto: office_subscriber_type\n", "        goto: nowhere\n"))
    assert main(["check", str(path.parent.parent)]) == 1
    assert "REF_NODE" in capsys.readouterr().out


def test_cli_check_json(policy_copy, capsys):
    path, line = policy_copy(("    title: Office or SMS?\n", "    title: Office or SMS?\n    title: x\n"))
    assert main(["check", "--format", "json", str(path)]) == 1
    [f] = json.loads(capsys.readouterr().out)
    assert f == {"code": "YAML_DUPLICATE_KEY", "message": f"duplicate key 'title' (first at line {line})",
                 "path": str(path), "line": line + 1, "col": 5, "severity": "error"}


def test_cli_check_warnings_pass_unless_strict(policy_copy, capsys):
    path, _ = policy_copy(('    cites: ["Individual:"]\n', '    cites: ["Azercell Exclusive offices with his"]\n'))
    assert main(["check", str(path)]) == 0
    assert "CITATION_FRAGMENT (warning)" in capsys.readouterr().out
    assert main(["check", "--strict", str(path)]) == 1


@pytest.mark.parametrize("arg", ["does/not/exist.yaml", "nowhere"])
def test_cli_check_missing_path_exit_2(arg, capsys):
    assert main(["check", arg]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and arg in err


def test_policy_file_names_its_schema():
    first = POLICY_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/policy.schema.json"
    assert (POLICY_FILE.parent / "../../schema/policy.schema.json").resolve().is_file()
    assert line_of(POLICY_FILE, "id: asan-imza-renewal") > 1


def test_sections_of_the_wrong_shape_are_reported(tmp_path):
    f = tmp_path / "shape.yaml"
    f.write_text("id: x\nversion: 1.0.0\ntitle: T\neffective_from: '2026-01-01'\ntimezone: UTC\n"
                 "source: {title: S, path: s.txt}\ninputs: [a, b]\nactions: {}\nstart: a\nnodes: [a]\n")
    from asanimza_policy.build import build_policy
    from asanimza_policy.errors import PolicyError
    from asanimza_policy.loader import load_file
    with pytest.raises(PolicyError) as e:
        build_policy(load_file(f))
    messages = [x.format() for x in e.value.findings]
    assert any(":7:9: SCHEMA_TYPE inputs must be a mapping; got a list" in m for m in messages), messages
    assert any(":10:8: SCHEMA_TYPE nodes must be a mapping; got a list" in m for m in messages), messages


def _two_versions(policy_copy, second: str) -> list:
    path, _ = policy_copy()
    text = path.read_text(encoding="utf-8").replace("version: 1.0.0\n", "version: 1.1.0\n", 1)
    for old, new in (line.split(" => ") for line in second.splitlines() if line):
        assert old in text
        text = text.replace(old, new, 1)
    (path.parent / "1.1.0.yaml").write_text(text, encoding="utf-8")
    return check_paths([str(path.parent)])


def test_versions_taking_effect_on_the_same_day_are_an_error(policy_copy):
    found = _two_versions(policy_copy, "title: Extend => title: Extending")
    [f] = found
    assert f.code == "VERSION_OVERLAP" and f.path.endswith("1.1.0.yaml")
    assert "version 1.1.0 takes effect on 2026-01-01, the same day as version 1.0.0" in f.message


def test_a_later_version_supersedes_an_open_ended_one(policy_copy):
    assert _two_versions(policy_copy, 'effective_from: "2026-01-01" => effective_from: "2026-06-01"') == []


def test_versions_one_after_the_other_are_clean(policy_copy):
    path, _ = policy_copy(('effective_from: "2026-01-01"\n',
                           'effective_from: "2026-01-01"\neffective_until: "2026-05-31"\n'))
    text = path.read_text(encoding="utf-8").replace("version: 1.0.0\n", "version: 1.1.0\n", 1)
    text = text.replace('effective_from: "2026-01-01"\neffective_until: "2026-05-31"\n',
                        'effective_from: "2026-06-01"\n')
    (path.parent / "1.1.0.yaml").write_text(text, encoding="utf-8")
    assert check_paths([str(path.parent)]) == []


def test_versions_must_share_a_time_zone(policy_copy):
    found = _two_versions(policy_copy, 'timezone: Asia/Baku => timezone: Europe/Paris\n'
                                       'effective_from: "2026-01-01" => effective_from: "2026-06-01"')
    assert "VERSION_TIMEZONE" in codes(found)


def _chained_policy(tmp_path, links: int, top_down: bool = True):
    order = reversed(range(1, links)) if top_down else range(1, links)
    derived = "".join(f"  d{i}:\n    expr: d{i - 1} + 1\n" for i in order)
    f = tmp_path / "chain.yaml"
    f.write_text("id: chain\nversion: 1.0.0\ntitle: T\neffective_from: '2026-01-01'\ntimezone: UTC\n"
                 "source: {title: S, path: s.txt}\ninputs:\n  a: {type: integer, question: A?}\n"
                 f"derived:\n  d0:\n    expr: a\n{derived}actions: {{go: {{description: Go.}}}}\nstart: n\n"
                 f"nodes:\n  n:\n    kind: decision\n    title: N\n    branches:\n"
                 f"      - {{when: d{links - 1} > 0, goto: o}}\n    otherwise: o\n"
                 "  o: {kind: outcome, title: T, status: complete}\n")
    return f


@pytest.mark.parametrize("top_down", [True, False], ids=["top-down", "bottom-up"])
@pytest.mark.parametrize("links", [17, 3000])
def test_a_long_chain_of_derived_values_is_refused_once_not_a_crash(tmp_path, links, top_down):
    # was RecursionError at load (3000, top-down), and accepted then RecursionError at evaluation (bottom-up)
    from asanimza_policy.build import build_policy
    from asanimza_policy.errors import PolicyError
    from asanimza_policy.loader import load_file
    with pytest.raises(PolicyError) as e:
        build_policy(load_file(_chained_policy(tmp_path, links, top_down)))
    assert codes(e.value.findings) == ["DERIVED_TOO_DEEP"]


@pytest.mark.parametrize("top_down", [True, False], ids=["top-down", "bottom-up"])
def test_a_chain_at_the_limit_evaluates(tmp_path, top_down):
    import asanimza_policy as ap
    from asanimza_policy.build_values import MAX_DERIVED_DEPTH
    policy = ap.load(_chained_policy(tmp_path, MAX_DERIVED_DEPTH, top_down))
    d = ap.evaluate(policy, {"a": 1}, as_of="2026-02-01")
    assert d.outcome == "o"


def test_a_broken_derived_value_is_reported_once_not_where_it_is_read(policy_copy):
    # online_window_opens is read by a branch and a step; only its own definition is reported
    path, line = policy_copy(("    expr: add_days(certificate_expires_on, -29)\n",
                              "    expr: add_days(certificate_expires_on, -29\n"))
    [f] = check_file(path)
    assert (f.code, f.line) == ("EXPR", line)


def _nested_chain(tmp_path, links: int, nesting: int):
    """`links` derived values, each `add_days(...(previous, 1)..., 1)` nested `nesting` deep."""
    def nested(prev: str) -> str:
        return "add_days(" * nesting + prev + ", 1)" * nesting
    derived = "".join(f"  d{i}:\n    expr: '{nested(f'd{i - 1}')}'\n" for i in range(1, links))
    f = tmp_path / "nested.yaml"
    f.write_text("id: nested\nversion: 1.0.0\ntitle: T\neffective_from: '2026-01-01'\ntimezone: UTC\n"
                 "source: {title: S, path: s.txt}\ninputs:\n  a: {type: date, question: A?}\n"
                 f"derived:\n  d0:\n    expr: a\n{derived}actions: {{go: {{description: Go.}}}}\nstart: n\n"
                 f"nodes:\n  n:\n    kind: decision\n    title: N\n    branches:\n"
                 f"      - {{when: d{links - 1} > as_of, goto: o}}\n    otherwise: o\n"
                 "  o: {kind: outcome, title: T, status: complete}\n")
    return f


@plain_stack
def test_a_chain_of_deeply_nested_expressions_is_refused_not_a_recursion_error(tmp_path):
    # issue 19: 13 derived values of add_days nested 38 deep passed check, then every evaluation
    # died with RecursionError: the expressions' own levels count toward the chain's depth
    from asanimza_policy.build import build_policy
    from asanimza_policy.errors import PolicyError
    from asanimza_policy.loader import load_file
    with pytest.raises(PolicyError) as e:
        build_policy(load_file(_nested_chain(tmp_path, 14, 38)))
    [f] = e.value.findings
    assert f.code == "DERIVED_TOO_DEEP" and "levels of expressions" in f.message


@plain_stack
def test_a_nested_chain_within_the_bound_evaluates(tmp_path):
    import sys

    import asanimza_policy as ap
    from asanimza_policy.build_values import MAX_DERIVED_NESTING
    links = (MAX_DERIVED_NESTING - 2) // 40    # each link weighs 1 + its depth (38 add_days + the name: 39)
    policy = ap.load(_nested_chain(tmp_path, links + 1, 38))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)                 # well below the default: the bound leaves room to spare
    try:
        d = ap.evaluate(policy, {"a": "2026-01-01"}, as_of="2026-02-01")
    finally:
        sys.setrecursionlimit(limit)
    assert d.outcome == "o"
