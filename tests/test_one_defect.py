"""The format is declared once: for a file broken in one way, `check` and `load()` report the
same findings (code, place and message), and the shape defects get one finding each, with
the builder's code: the schema (for editors) and the builder (which the interpreter trusts)
agree. Where only one of them knew a rule, the other learnt it (a source url, an unknown key in
an anyOf entry)."""
from __future__ import annotations

import shutil

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_file
from asanimza_policy.errors import PolicyError

from .conftest import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "broken"
BASE = (BROKEN / "base.yaml").read_text(encoding="utf-8")

# name: (text of base.yaml, its replacement, the one code both report)
ONE_DEFECT = {
    "status-maybe": ("    status: complete\n", "    status: maybe\n", "SCHEMA_ENUM"),
    "kind-typo": ("    kind: outcome\n", "    kind: outcom\n", "SCHEMA_ENUM"),
    "match-any": ("    match: first\n", "    match: any\n", "SCHEMA_ENUM"),
    "unknown-top-key": ("title: Renew a library card\n", "title: Renew a library card\ntitel: x\n",
                        "SCHEMA_UNKNOWN_KEY"),
    "optional-not-boolean": ("    type: boolean\n", "    type: boolean\n    optional: yes please\n", "SCHEMA_TYPE"),
    "minimum-on-a-date": ("    type: date\n", "    type: date\n    minimum: 3\n", "SCHEMA_UNKNOWN_KEY"),
    "minimum-not-a-number": ("    type: integer\n", "    type: integer\n    minimum: ten\n", "SCHEMA_TYPE"),
    "branch-unknown-key": ("        goto: pay_first\n", "        goto: pay_first\n        note: x\n",
                           "SCHEMA_UNKNOWN_KEY"),
    "document-entry-without-when": ("    documents: [card]\n", "    documents: [{document: card}]\n",
                                    "SCHEMA_REQUIRED"),
    "document-entry-unknown-key": ("    documents: [card]\n",
                                   "    documents: [{document: card, when: has_fines, x: 1}]\n", "SCHEMA_UNKNOWN_KEY"),
    "values-on-a-boolean": ("    type: boolean\n", "    type: boolean\n    values: [a]\n", "SCHEMA_UNKNOWN_KEY"),
    "empty-title": ("title: Renew a library card\n", "title: ''\n", "SCHEMA_EMPTY"),
    "start-a-number": ("start: fines\n", "start: 12\n", "SCHEMA_TYPE"),
    "goto-a-number": ("        goto: pay_first\n", "        goto: 5\n", "SCHEMA_TYPE"),
    "description-a-number": ("title: Renew a library card\n", "title: Renew a library card\ndescription: 12\n",
                             "SCHEMA_TYPE"),
    "source-url-not-web": ("  path: source/rules.txt\n", "  path: source/rules.txt\n  url: ftp://x\n", "SCHEMA"),
}
SHAPE_FIXTURES = sorted(p.name for p in BROKEN.glob("schema_*.yaml"))
OTHER_STAGES = ("LOGIC", "SOURCE", "CITATION", "LAYOUT", "VERSION", "LOCK")


def _both(path):
    checked = [(f.code, f.line, f.col, f.message) for f in check_file(path)
               if f.severity == "error" and not f.code.startswith(OTHER_STAGES)]
    try:
        ap.load(path)
        loaded = []
    except PolicyError as e:
        loaded = [(f.code, f.line, f.col, f.message) for f in e.findings]
    return checked, loaded


@pytest.mark.parametrize("name", list(ONE_DEFECT))
def test_check_and_load_report_one_defect_the_same_way(tmp_path, name):
    old, new, code = ONE_DEFECT[name]
    assert BASE.count(old) >= 1
    shutil.copytree(BROKEN / "source", tmp_path / "source")
    f = tmp_path / f"{name}.yaml"
    f.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    checked, loaded = _both(f)
    assert checked == loaded
    assert [c for c, *_ in loaded] == [code], loaded


@pytest.mark.parametrize("name", SHAPE_FIXTURES)
def test_every_shape_fixture_reads_the_same_from_check_and_load(name):
    checked, loaded = _both(BROKEN / name)
    assert checked == loaded and len(loaded) == 1, (checked, loaded)


def test_the_base_policy_is_clean_both_ways():
    assert _both(BROKEN / "base.yaml") == ([], [])
