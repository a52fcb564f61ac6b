"""`check` proves properties of each graph: what it finds comes with a counterexample that
really fails, what it passes really does not fail, and it never hangs."""
from __future__ import annotations

import importlib.util
import json
import re
import shlex
import time
from datetime import date
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy.analysis import enumerate_classes
from asanimza_policy.check import check_paths
from asanimza_policy.coverage_source import coverage, sentences
from asanimza_policy.errors import PolicyError
from asanimza_policy.registry import all_policy_files

from .conftest import ROOT

BROKEN = Path(__file__).parent / "fixtures" / "broken"
BASE = (BROKEN / "base.yaml").read_text(encoding="utf-8")
TRY = re.compile(r"try: echo '(?P<ctx>.*)' \| asanimza-policy evaluate (?P<path>\S+) --as-of (?P<as_of>\S+) "
                 r"--context -$")


def variant(tmp_path, *replacements, extra: str = "", name: str = "1.0.0.yaml") -> Path:
    """base.yaml with each (old, new) replaced once, in a folder with its source."""
    text = BASE
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    target = tmp_path / "library-card" / name
    (target.parent / "source").mkdir(parents=True, exist_ok=True)
    (target.parent / "source" / "rules.txt").write_text((BROKEN / "source" / "rules.txt").read_text())
    target.write_text(text + extra, encoding="utf-8")
    return target


def codes(path, **kw) -> list[str]:
    return [f.code for f in check_paths([str(path)], **kw)]


def replay(finding) -> PolicyError:
    """Run the counterexample of a finding through the interpreter; the error it raises."""
    m = TRY.search(finding.message)
    assert m, finding.message
    policy = ap.load(m["path"])
    with pytest.raises(PolicyError) as e:
        ap.evaluate(policy, json.loads(m["ctx"]), as_of=date.fromisoformat(m["as_of"]))
    return e.value


WINDOW = """    branches:
      - when: days_left > 14
        goto: too_early
      - when: age < 16
        goto: minor
    otherwise: adult
"""


def test_a_one_day_date_gap_is_found_with_a_context_that_fails(tmp_path):
    p = variant(tmp_path, ("    match: first\n    cites: [\"Cards", "    cites: [\"Cards"),
                (WINDOW, WINDOW.replace("age < 16", "days_left < 14").replace("    otherwise: adult\n", "")))
    [f] = [f for f in check_paths([str(p)]) if f.code == "LOGIC_GAP"]
    assert "node 'window'" in f.message and f.line == BASE.splitlines().index("  window:") + 1
    assert [x.code for x in replay(f).findings] == ["NODE_GAP"]
    ctx = json.loads(TRY.search(f.message)["ctx"])
    as_of = date.fromisoformat(TRY.search(f.message)["as_of"])
    assert (date.fromisoformat(ctx["card_expires_on"]) - as_of).days == 14      # the one day left out


def test_a_closed_date_range_is_no_gap(tmp_path):
    p = variant(tmp_path, ("    match: first\n    cites: [\"Cards", "    cites: [\"Cards"),
                (WINDOW, WINDOW.replace("age < 16", "days_left <= 14").replace("    otherwise: adult\n", "")))
    assert "LOGIC_GAP" not in codes(p)


def test_an_enum_gap(tmp_path):
    p = variant(tmp_path, ("      - when: not has_fines\n        goto: window\n",
                           "      - when: not has_fines and branch == 'central'\n        goto: window\n"))
    [f] = [f for f in check_paths([str(p)]) if f.code == "LOGIC_GAP"]
    assert '"branch": "east"' in f.message and '"has_fines": false' in f.message
    replay(f)


def test_an_overlap_exposed_only_by_a_field_the_route_does_not_otherwise_read(tmp_path):
    p = variant(tmp_path, ("      - when: not has_fines\n", "      - when: not has_fines or branch == 'east'\n"))
    [f] = check_paths([str(p)])
    assert f.code == "LOGIC_OVERLAP" and "branches 1 and 2 both hold" in f.message
    assert f.line == BASE.splitlines().index("      - when: not has_fines") + 1      # at the second branch
    assert "both match" in replay(f).findings[0].message


def test_match_first_is_no_overlap(tmp_path):
    p = variant(tmp_path, ("      - when: not has_fines\n", "      - when: not has_fines or branch == 'east'\n"),
                ("    title: Fines?\n", "    title: Fines?\n    match: first\n"))
    assert codes(p) == []


def test_a_shadowed_branch_and_the_node_it_leaves_unreached(tmp_path):
    p = variant(tmp_path, ("      - when: age < 16\n", "      - when: days_left > 20 and age < 16\n"))
    [f] = check_paths([str(p)])
    assert f.code == "LOGIC_SHADOWED"
    assert "branch 2 (goto minor) is never taken" in f.message and "no context reaches 'minor'" in f.message


def test_an_unreached_node_and_outcome(tmp_path):
    p = variant(tmp_path, ("      - when: has_fines\n        goto: pay_first\n",
                           "      - when: has_fines\n        goto: adult\n"))
    assert codes(p) == ["OUTCOME_UNREACHABLE"]


@pytest.mark.parametrize("code,old,new", [
    ("INPUT_UNUSED", "    question: Which branch?\n", "    question: Which branch?\n  pet:\n    type: boolean\n"
     "    question: A pet?\n"),
    ("DOCUMENT_UNUSED", "  guardian_note: A note from a parent.\n", "  guardian_note: A note.\n  photo: A photo.\n"),
    ("ACTION_UNUSED", "    description: Pay what you owe.\n",
     "    description: Pay.\n  call:\n    description: Call.\n"),
    ("ASSUMPTION_UNUSED", "    assumes: [desk_hours]\n", ""),
    ("STEP_UNUSED", "      - bring_card\n", "      - action: go\n        text: Go.\n"),
    ("DERIVED_UNUSED", "    text: Bring your card to the desk on the {desk}.\n", "    text: Bring your card.\n"),
])
def test_each_kind_of_unused_declaration_is_a_warning(tmp_path, code, old, new):
    found = check_paths([str(variant(tmp_path, (old, new)))])
    assert [(f.code, f.severity) for f in found] == [(code, "warning")]


def test_the_analysis_never_hangs(tmp_path):
    """Twenty integers summed at one node: about 6^20 combinations; the limit stops it at once."""
    counts = "".join(f"  n{i}:\n    type: integer\n    question: Count {i}?\n" for i in range(20))
    total = " + ".join(f"n{i}" for i in range(20))
    p = variant(tmp_path, ("inputs:\n", "inputs:\n" + counts),
                ("      - when: has_fines\n", f"      - when: has_fines or {total} > 5\n"),
                ("      - when: not has_fines\n", f"      - when: not has_fines and {total} <= 5\n"))
    t = time.perf_counter()
    found = check_paths([str(p)], max_combinations=2_000)
    assert time.perf_counter() - t < 10
    assert [f.code for f in found] == ["LOGIC_LIMIT"] and "stopped after 2,000 combinations" in found[0].message
    assert (found[0].line, found[0].severity) == (p.read_text().splitlines().index("  fines:") + 1, "warning")


OPTIONAL = """  note_days:
    type: integer
    optional: true
    question: How many days does the note cover?
"""


def test_optional_input_given_and_not_given(tmp_path):
    gap = variant(tmp_path, ("inputs:\n", "inputs:\n" + OPTIONAL),
                  ("      - when: age < 16\n        goto: minor\n",
                   "      - when: age < 16 and given(note_days) and note_days > 3\n        goto: minor\n"
                   "      - when: age < 16 and not given(note_days)\n        goto: minor\n"),
                  ("    otherwise: adult\n", "      - when: age >= 16\n        goto: adult\n"))
    [f] = [f for f in check_paths([str(gap)]) if f.code == "LOGIC_GAP"]
    ctx = json.loads(TRY.search(f.message)["ctx"])
    assert ctx.get("note_days") in (2, 3) and ctx["age"] < 16        # given, but 3 days or fewer
    replay(f)
    # both sides of given() are classes of their own
    policy = ap.load(gap)
    notes = {c.get("note_days", "absent") for c, _ in enumerate_classes(policy)}
    assert {"absent", 4} <= notes      # the classes 2 and 3 are the gap: they reach no outcome


def test_as_of_against_a_date_literal(tmp_path):
    p = variant(tmp_path, ("      - when: age < 16\n", "      - when: as_of > date('2026-05-01')\n"),
                ("    otherwise: adult\n", "      - when: as_of < date('2026-05-01')\n        goto: adult\n"))
    [f] = [f for f in check_paths([str(p)]) if f.code == "LOGIC_GAP"]
    assert "--as-of 2026-05-01" in f.message
    replay(f)


def test_counterexamples_paste_into_a_shell():
    [f] = check_paths([str(BROKEN / "logic_overlap.yaml")])
    command = TRY.search(f.message).group(0)[len("try: "):]
    words = shlex.split(command)
    assert words[0] == "echo" and json.loads(words[1]) == {"has_fines": True, "branch": "east"}


# -- whole graphs ----------------------------------------------------------------------------------

def every_policy():
    return list(all_policy_files()) + sorted((ROOT / "tests" / "fixtures" / "policies").rglob("[0-9]*.yaml"))


@pytest.mark.parametrize("path", every_policy(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_class_of_contexts_makes_the_interpreter_fail(path):
    """The analysis' conclusion, checked by the interpreter itself: one context of every class,
    walked without pruning, reaches an outcome (or asks for nothing it cannot) and never fails."""
    policy = ap.load(path)
    classes = list(enumerate_classes(policy))
    assert classes
    reached = set()
    for ctx, as_of in classes:
        d = ap.evaluate(policy, ctx, as_of=as_of)
        assert d.status != "needs_input", (ctx, as_of, d.missing)
        reached.add(d.outcome)
    outcomes = {n.id for n in policy.nodes.values() if n.kind == "outcome"}
    assert reached == outcomes


def test_the_shipped_tree_is_clean_under_strict():
    assert check_paths([]) == []


@pytest.fixture(scope="module")
def synthetic():
    spec = importlib.util.spec_from_file_location("check_scale", ROOT / "bench" / "check_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("nodes", [12, 60, 300])
def test_synthetic_clean_policies_stay_clean(synthetic, tmp_path, nodes):
    target, _ = synthetic.write(nodes, tmp_path)
    assert check_paths([str(target)]) == []


def test_a_synthetic_policy_with_one_mistake_is_caught(synthetic, tmp_path):
    target, _ = synthetic.write(60, tmp_path)
    text = target.read_text().replace("m2_days <= 30 and m2_days >= 0", "m2_days < 30 and m2_days >= 0")
    target.write_text(text)
    [f] = check_paths([str(target)])
    assert f.code == "LOGIC_GAP" and "node 'm2_when'" in f.message
    replay(f)


# -- source coverage -------------------------------------------------------------------------------

def test_rule_bearing_sentences():
    text = ("How can I renew?\n\nRenewal\n\n1. Bring the card. Pay at the desk.\n"
            "  \u2022 Minors need a note.\nInstall Install\nSee e-taxes.gov.az for more.\n")
    assert [(s.text, s.line) for s in sentences(text)] == [
        ("1. Bring the card.", 5), ("Pay at the desk.", 5), ("Minors need a note.", 6),
        ("See e-taxes.gov.az for more.", 8)]


def test_a_sentence_left_uncited_on_purpose_counts_with_its_reason(tmp_path):
    src = "source:\n  title: Library rules\n  path: source/rules.txt\n"
    p = variant(tmp_path, ('    cites: ["Cards can be renewed in the last 14 days.", "Minors need a note from a '
                           'parent."]', '    cites: ["Cards can be renewed in the last 14 days."]'),
                (src, src + "  uncited:\n    - text: Minors need a note from a parent.\n"
                            "      reason: The desk checks the note.\n"))
    assert check_paths([str(p)]) == []
    policy = ap.load(p)
    cov = coverage(policy, (p.parent / "source" / "rules.txt").read_text())
    assert (cov.percent, [s.text for s in cov.excused]) == (100.0, ["Minors need a note from a parent."])


def test_an_uncited_entry_that_is_not_in_the_source(tmp_path):
    src = "source:\n  title: Library rules\n  path: source/rules.txt\n"
    p = variant(tmp_path, (src, src + "  uncited:\n    - text: Adults need nothing.\n      reason: None.\n"))
    [f] = check_paths([str(p)])
    assert (f.code, f.line) == ("CITATION_NOT_FOUND", 12)
