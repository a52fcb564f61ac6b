"""The YAML loader: plain data with positions, or findings that say where and why."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest

from asanimza_policy import loader
from asanimza_policy.errors import PolicyError
from asanimza_policy.findings import Finding, Position
from asanimza_policy.registry import load_policy

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
REPO = Path(__file__).resolve().parent.parent


def finding_of(text, **kw) -> Finding:
    """The one finding that loading ``text`` raises."""
    with pytest.raises(PolicyError) as excinfo:
        loader.load_text(text, **kw)
    findings = excinfo.value.findings
    assert len(findings) == 1, findings
    return findings[0]


def where(f: Finding) -> tuple:
    return f.code, f.line, f.col


# -- every broken fixture, each broken in exactly one way ----------------------

# file name -> (code, line, col) of the finding it must produce
BROKEN = {
    "duplicate_key_top_level.yaml": ("YAML_DUPLICATE_KEY", 4, 1),
    "duplicate_key_nested.yaml": ("YAML_DUPLICATE_KEY", 5, 5),
    "duplicate_key_in_list_item.yaml": ("YAML_DUPLICATE_KEY", 6, 5),
    "duplicate_key_flow_mapping.yaml": ("YAML_DUPLICATE_KEY", 3, 27),
    "syntax_colon_in_plain_value.yaml": ("YAML_SYNTAX", 2, 14),
    "tab_indentation.yaml": ("YAML_SYNTAX", 3, 1),
    "tag_python_object.yaml": ("YAML_TAG", 2, 10),
    "tag_custom.yaml": ("YAML_TAG", 2, 9),
    "merge_key.yaml": ("YAML_MERGE", 5, 5),
    "alias_bomb_billion_laughs.yaml": ("YAML_TOO_LARGE", 6, 12),
    "too_deep_nesting.yaml": ("YAML_TOO_DEEP", 1, 71),
    "multiple_documents.yaml": ("YAML_MULTIPLE_DOCUMENTS", 2, 1),
    "not_utf8_latin1.yaml": ("YAML_ENCODING", 2, 11),
    "non_string_key.yaml": ("YAML_KEY", 2, 3),
    "unknown_alias.yaml": ("YAML_ALIAS", 2, 7),
    "integer_too_long.yaml": ("YAML_NUMBER", 2, 8),
    "indentation_key_less_indented.yaml": ("YAML_SYNTAX", 5, 4),
    "indentation_key_more_indented.yaml": ("YAML_SYNTAX", 4, 9),
}


@pytest.mark.parametrize("name,here,above", [("indentation_key_less_indented.yaml", (5, 3), (4, 4)),
                                             ("indentation_key_more_indented.yaml", (4, 4), (3, 2))])
def test_indentation_slip_says_indentation_is_the_likely_cause(name, here, above):
    f = finding_of((FIXTURES / name).read_text())
    assert f"the indentation is the likely cause: line {here[0]} is indented {here[1]} spaces, " \
           f"line {above[0]} above it {above[1]}" in f.message


def test_colon_in_a_value_is_not_blamed_on_indentation():
    f = finding_of((FIXTURES / "syntax_colon_in_plain_value.yaml").read_text())
    assert f.code == "YAML_SYNTAX" and "indentation" not in f.message


def test_every_fixture_file_has_an_expected_finding():
    assert sorted(p.name for p in FIXTURES.glob("*.yaml")) == sorted(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_reports_code_and_position(name):
    path = FIXTURES / name
    with pytest.raises(PolicyError) as excinfo:
        loader.load_file(path)
    (f,) = excinfo.value.findings
    assert where(f) == BROKEN[name]
    assert f.path == str(path)


def test_load_file_reports_the_path_as_given():
    with pytest.raises(PolicyError) as excinfo:
        loader.load_file(FIXTURES / "merge_key.yaml", display="policies/demo/1.0.0.yaml")
    assert excinfo.value.findings[0].path == "policies/demo/1.0.0.yaml"
    assert str(excinfo.value).startswith("policies/demo/1.0.0.yaml:5:5: YAML_MERGE ")


def test_load_file_reports_a_relative_path_unchanged(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text("a: 1\na: 2\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as excinfo:
        loader.load_file("sub/p.yaml")
    assert excinfo.value.findings[0].path == "sub/p.yaml"


def test_load_file_of_a_valid_file_returns_document_with_path(tmp_path):
    p = tmp_path / "ok.yaml"
    p.write_text("id: demo\n")
    doc = loader.load_file(p)
    assert doc.data == {"id": "demo"}
    assert doc.path == str(p)


def test_load_file_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        loader.load_file(tmp_path / "nope.yaml")


# -- duplicate keys ----------------------------------------------------------

def test_duplicate_key_reports_second_key_position():
    f = finding_of((FIXTURES / "duplicate_key_top_level.yaml").read_text())
    assert where(f) == ("YAML_DUPLICATE_KEY", 4, 1)
    assert "'title'" in f.message
    assert "line 2" in f.message


def test_duplicate_key_nested_mentions_first_line():
    f = finding_of((FIXTURES / "duplicate_key_nested.yaml").read_text())
    assert where(f) == ("YAML_DUPLICATE_KEY", 5, 5)
    assert "'type'" in f.message and "line 3" in f.message


def test_duplicate_key_inside_list_item_mentions_first_line():
    f = finding_of((FIXTURES / "duplicate_key_in_list_item.yaml").read_text())
    assert where(f) == ("YAML_DUPLICATE_KEY", 6, 5)
    assert "'action'" in f.message and "line 4" in f.message


def test_duplicate_key_whose_first_value_is_a_block_mentions_first_line():
    f = finding_of("a: 1\nnodes:\n  x: 1\n  y: 2\nnodes: {}\n")
    assert where(f) == ("YAML_DUPLICATE_KEY", 5, 1)
    assert "line 2" in f.message


def test_same_key_in_sibling_list_items_is_not_a_duplicate():
    doc = loader.load_text("- action: a\n- action: b\n")
    assert doc.data == [{"action": "a"}, {"action": "b"}]


def test_same_key_at_different_levels_is_not_a_duplicate():
    doc = loader.load_text("id: x\nsub:\n  id: y\n")
    assert doc.data == {"id": "x", "sub": {"id": "y"}}


# -- syntax ------------------------------------------------------------------

def test_syntax_error_reports_position():
    f = finding_of("a: 1\nb: c: d\n")
    assert where(f) == ("YAML_SYNTAX", 2, 5)


def test_unclosed_flow_sequence_is_a_syntax_error():
    f = finding_of("a: [1, 2\nb: 3\n")
    assert f.code == "YAML_SYNTAX"
    assert f.line == 2


def test_tab_indentation_says_to_use_spaces():
    f = finding_of("a:\n  b: 1\n\tc: 2\n")
    assert where(f) == ("YAML_SYNTAX", 3, 1)
    assert "tab" in f.message and "spaces" in f.message


def test_tab_inside_a_value_is_allowed():
    assert loader.load_text("a: x\ty\n").data == {"a": "x\ty"}


def test_finding_format_is_path_line_col_code_message():
    with pytest.raises(PolicyError) as excinfo:
        loader.load_text("a: 1\na: 2\n", "p.yaml")
    assert str(excinfo.value) == "p.yaml:2:1: YAML_DUPLICATE_KEY duplicate key 'a' (first at line 1)"


# -- tags, merge keys --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "a: !!python/object:os.system x\n",
    "a: !!python/object/apply:os.system [ls]\n",
    "a: !!python/name:os.system\n",
    "a: !!binary aGk=\n",
    "a: !!timestamp 2026-01-01\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1]\n",
    "a: !custom x\n",
    "a: !custom {x: 1}\n",
])
def test_non_core_tags_are_refused(text):
    f = finding_of(text)
    assert where(f) == ("YAML_TAG", 1, 4)


def test_python_tag_does_not_run_code(tmp_path):
    marker = tmp_path / "ran"
    text = f'a: !!python/object/apply:os.system ["touch {marker}"]\n'
    with pytest.raises(PolicyError):
        loader.load_text(text)
    assert not marker.exists()


@pytest.mark.parametrize("text, value", [
    ("a: !!str 1\n", "1"),
    ("a: !!int '12'\n", 12),
    ("a: !!bool true\n", True),
    ("a: !!null ''\n", None),
])
def test_core_tags_are_accepted(text, value):
    assert loader.load_text(text).data == {"a": value}


@pytest.mark.parametrize("text", ["a: !!bool yes\n", "a: !!bool maybe\n"])
def test_bool_tag_on_non_boolean_text_is_refused(text):
    with pytest.raises(PolicyError):
        loader.load_text(text)


def test_null_tag_on_text_is_refused():
    with pytest.raises(PolicyError):
        loader.load_text("a: !!null abc\n")


def test_merge_key_is_refused():
    f = finding_of("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n")
    assert where(f) == ("YAML_MERGE", 3, 3)


def test_merge_key_in_flow_mapping_is_refused():
    assert finding_of("base: &b {x: 1}\nd: {<<: *b}\n").code == "YAML_MERGE"


# -- size and depth limits ---------------------------------------------------

def test_alias_bomb_is_refused_quickly_without_memory_blowup():
    text = (FIXTURES / "alias_bomb_billion_laughs.yaml").read_text()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        f = finding_of(text)
    finally:
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert f.code == "YAML_TOO_LARGE"
    assert "alias" in f.message
    assert elapsed < 2.0
    assert peak < 20_000_000


def test_alias_expansion_counts_against_node_limit():
    text = "a: &x [1, 2, 3, 4, 5]\nb: [*x, *x, *x]\n"
    assert loader.load_text(text).data["b"] == [[1, 2, 3, 4, 5]] * 3
    f = finding_of(text, max_nodes=15)
    assert where(f) == ("YAML_TOO_LARGE", 2, 5)


def test_node_limit_without_aliases():
    f = finding_of("[" + ", ".join(["1"] * 50) + "]", max_nodes=20)
    assert f.code == "YAML_TOO_LARGE"


def test_small_aliases_load_and_share_data():
    doc = loader.load_text("a: &x {k: [1, 2]}\nb: *x\nc: &s hi\nd: *s\n")
    assert doc.data == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}, "c": "hi", "d": "hi"}
    assert doc.pos(("b",)) == Position(2, 4)


def test_recursive_alias_is_refused():
    assert finding_of("a: &x [1, *x]\n").code == "YAML_ALIAS"


DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_nesting_is_refused():
    f = finding_of(DEEP)
    # libyaml >= 0.2.5 scans ahead in flow context and stops at its own limit (1000)
    assert where(f) in {("YAML_TOO_DEEP", 1, loader.MAX_DEPTH + 1), ("YAML_TOO_DEEP", 1, 1001)}


def test_deep_nesting_does_not_crash_the_interpreter():
    code = textwrap.dedent("""
        from asanimza_policy import loader
        from asanimza_policy.errors import PolicyError
        for text in ("[" * 100_000 + "]" * 100_000, "{a: " * 100_000 + "}" * 100_000,
                     "".join("  " * i + "k:\\n" for i in range(1_000))):
            try:
                loader.load_text(text)
            except PolicyError as e:
                print(e.findings[0].code)
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["YAML_TOO_DEEP"] * 3


def test_nesting_at_the_limit_is_accepted():
    depth = loader.MAX_DEPTH
    doc = loader.load_text("[" * depth + "]" * depth)
    assert doc.data is not None
    assert finding_of("[" * (depth + 1) + "]" * (depth + 1)).code == "YAML_TOO_DEEP"


def test_max_depth_argument_is_honoured():
    assert finding_of("a: {b: {c: 1}}", max_depth=2).code == "YAML_TOO_DEEP"
    assert loader.load_text("a: {b: {c: 1}}", max_depth=3).data == {"a": {"b": {"c": 1}}}


def test_oversize_text_is_refused():
    f = finding_of("a: 1\n" * 10, max_bytes=10)
    assert f.code == "YAML_TOO_LARGE"
    assert "10" in f.message


def test_oversize_bytes_are_refused():
    assert finding_of(b"a: 1\n" * 10, max_bytes=10).code == "YAML_TOO_LARGE"


def test_input_exactly_at_byte_limit_is_accepted():
    assert loader.load_text(b"a: 1", max_bytes=4).data == {"a": 1}


def test_oversize_file_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("a: 1\n" * 100)
    with pytest.raises(PolicyError) as excinfo:
        loader.load_file(p, max_bytes=50)
    assert excinfo.value.findings[0].code == "YAML_TOO_LARGE"


def test_oversize_file_message_does_not_misstate_size(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("a: 1\n" * 100)  # 500 bytes
    with pytest.raises(PolicyError) as excinfo:
        loader.load_file(p, max_bytes=50)
    message = excinfo.value.findings[0].message
    # only the first 51 bytes are read: the message states the limit, never a size it did not measure (51)
    assert message == "more than 50 bytes; the limit is 50"


# -- documents and encodings -------------------------------------------------

def test_multiple_documents_are_refused():
    f = finding_of("a: 1\n---\nb: 2\n")
    assert where(f) == ("YAML_MULTIPLE_DOCUMENTS", 2, 1)


def test_multiple_documents_after_end_marker_are_refused():
    assert where(finding_of("a: 1\n...\n---\nb: 1\n")) == ("YAML_MULTIPLE_DOCUMENTS", 3, 1)


@pytest.mark.parametrize("text", ["---\na: 1\n", "a: 1\n...\n", "---\na: 1\n...\n"])
def test_one_document_with_markers_is_accepted(text):
    assert loader.load_text(text).data == {"a": 1}


def test_non_utf8_bytes_report_position():
    f = finding_of(b"id: demo\ntitle: caf\xe9 au lait\n")
    assert where(f) == ("YAML_ENCODING", 2, 11)
    assert "0xe9" in f.message


def test_non_utf8_column_counts_characters():
    # 'ə' is 2 bytes in UTF-8; the bad byte is the 7th character (but 9th byte) of line 2
    f = finding_of("id: x\nb: 'əə".encode() + b"\xff'\n")
    assert where(f) == ("YAML_ENCODING", 2, 7)


def test_utf8_bom_is_accepted():
    doc = loader.load_text(b"\xef\xbb\xbfid: demo\n")
    assert doc.data == {"id": "demo"}
    assert doc.key_pos(("id",)) == Position(1, 1)


def test_utf8_bom_in_text_is_accepted():
    assert loader.load_text("\ufeffid: demo\n").data == {"id": "demo"}


def test_non_ascii_utf8_is_accepted():
    assert loader.load_text("ad: Əli\n".encode()).data == {"ad": "Əli"}


@pytest.mark.parametrize("text", ["", b"", "# only a comment\n", "\n\n"])
def test_empty_file_gives_none(text):
    assert loader.load_text(text).data is None


def test_control_character_is_a_syntax_error():
    assert finding_of("a: \x07\n").code == "YAML_SYNTAX"


def test_control_character_reports_its_line():
    f = finding_of("a: 1\nb: 2\nc: \x07\n")
    assert (f.line, f.col) == (3, 4)


# -- scalars -----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("Yes", "Yes"),
    ("true", True), ("false", False), ("True", True), ("FALSE", False),
    ("2026-01-01", "2026-01-01"),
    ("1.0.0", "1.0.0"),
    ("010", 10), ("-5", -5), ("+7", 7), ("0", 0),
    ("1.5", 1.5),
    ("~", None), ("null", None), ("", None),
    ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"),
    ("'true'", "true"), ('"010"', "010"), ("'2026-01-01'", "2026-01-01"),
])
def test_scalar_values(text, value):
    data = loader.load_text(f"v: {text}\n").data
    assert data == {"v": value}
    assert type(data["v"]) is type(value)


def test_integer_too_long_is_refused():
    assert finding_of("v: 1234567890123456789\n").code == "YAML_NUMBER"
    assert loader.load_text("v: 123456789012345678\n").data == {"v": 123456789012345678}


@pytest.mark.parametrize("text", ["1: a\n", "true: a\n", "~: a\n", "1.5: a\n", "? [a]\n: b\n", "? {a: 1}\n: b\n",
                                  "{[a]: 1}\n"])
def test_non_string_keys_are_refused(text):
    f = finding_of(text)
    assert f.code == "YAML_KEY"
    assert f.line == 1


def test_non_string_key_nested_reports_position():
    assert where(finding_of("a:\n  b: 1\n  2: x\n")) == ("YAML_KEY", 3, 3)


def test_quoted_number_key_is_text():
    assert loader.load_text("'1': a\n").data == {"1": "a"}


def test_alias_of_a_list_as_key_is_refused():
    assert finding_of("a: &x [1]\n? *x\n: b\n").code == "YAML_KEY"


# -- positions ---------------------------------------------------------------

POSITIONS = """\
id: demo
inputs:
  channel:
    type: enum
    values: [office, sms]
steps:
  - action: visit_office
    text: "Go."
  - plain
"""


@pytest.fixture
def doc():
    return loader.load_text(POSITIONS, "demo.yaml")


def test_position_of_nested_value(doc):
    assert doc.pos(("inputs", "channel", "type")) == Position(4, 11)
    assert doc.pos(("inputs", "channel", "values")) == Position(5, 13)


def test_position_of_flow_list_item(doc):
    assert doc.pos(("inputs", "channel", "values", 0)) == Position(5, 14)
    assert doc.pos(("inputs", "channel", "values", 1)) == Position(5, 22)


def test_position_of_block_list_items(doc):
    assert doc.pos(("steps", 0)) == Position(7, 5)
    assert doc.pos(("steps", 1)) == Position(9, 5)
    assert doc.pos(("steps", 0, "text")) == Position(8, 11)


def test_key_position_of_nested_keys(doc):
    assert doc.key_pos(("inputs",)) == Position(2, 1)
    assert doc.key_pos(("inputs", "channel")) == Position(3, 3)
    assert doc.key_pos(("inputs", "channel", "values")) == Position(5, 5)
    assert doc.key_pos(("steps", 0, "text")) == Position(8, 5)


def test_key_position_of_list_item_falls_back_to_value(doc):
    assert doc.key_pos(("steps", 1)) == Position(9, 5)


def test_position_of_unknown_path_falls_back_to_nearest_ancestor(doc):
    # the value of inputs.channel is the block mapping that starts at line 4
    assert doc.pos(("inputs", "channel", "nope")) == Position(4, 5)
    assert doc.pos(("inputs", "channel", "nope", 3)) == Position(4, 5)
    assert doc.pos(("nope",)) == Position(1, 1)


def test_position_accepts_list_path(doc):
    assert doc.pos(["inputs", "channel", "type"]) == Position(4, 11)


def test_styles_and_text_offset(doc):
    assert doc.styles[("steps", 0, "text")] == '"'
    assert doc.text_offset(("steps", 0, "text")) == 1
    assert doc.styles[("inputs", "channel", "type")] == ""
    assert doc.text_offset(("inputs", "channel", "type")) == 0


def test_document_keeps_path_and_data(doc):
    assert doc.path == "demo.yaml"
    assert doc.data["steps"] == [{"action": "visit_office", "text": "Go."}, "plain"]


def test_findings_are_one_based():
    f = finding_of("a: 1\na: 2\n")
    assert (f.line, f.col) == (2, 1)


@pytest.mark.parametrize("name", ["fields", "caveats", "to_dict"])
def test_a_step_field_cannot_take_a_name_a_step_has_in_python(tmp_path, name):
    text = (ROOT / "tests" / "fixtures" / "broken" / "schema_name.yaml").read_text(encoding="utf-8")
    text = text.replace("fields: {not_before: date, text: string}", f"fields: {{not_before: date, {name}: string}}")
    (tmp_path / "source").mkdir()
    for f in (ROOT / "tests" / "fixtures" / "broken" / "source").iterdir():
        (tmp_path / "source" / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as e:
        load_policy(path)
    assert f"SCHEMA_NAME field {name!r} is reserved: a step's own attribute in Python (step.{name})" in str(e.value)
    import json
    schema = json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))
    action_fields = schema["$defs"]["action"]["properties"]["fields"]["propertyNames"]["not"]["enum"]
    assert name in action_fields               # editors see it too
