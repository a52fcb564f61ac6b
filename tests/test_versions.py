"""Published versions are locked, decisions name their version's digest, `new-version`,
`diff` (structure, decisions, source, population) and `test --min-coverage`."""
from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from datetime import date
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_paths
from asanimza_policy.cli import main
from asanimza_policy.lock import read_lock
from asanimza_policy.registry import load_policy

ROOT = Path(__file__).resolve().parent.parent
DIFF = ROOT / "tests" / "fixtures" / "diff" / "library-card"
SHIPPED = ROOT / "policies"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path):
    """A writable copy of the diff fixture's 1.0.0 (with its source), nothing locked."""
    dest = tmp_path / "library-card"
    dest.mkdir()
    shutil.copytree(DIFF / "source", dest / "source")
    shutil.copy(DIFF / "1.0.0.yaml", dest)
    return dest


# -- lock ------------------------------------------------------------------------------

def test_every_shipped_version_is_locked_as_it_is():
    for policy_dir in (p for p in SHIPPED.iterdir() if p.is_dir()):
        locked = read_lock(policy_dir)
        for f in policy_dir.glob("*.yaml"):
            assert f.stem in locked, (f"{f} is not locked: once it is published, run "
                                      f"`asanimza-policy lock {policy_dir.name} --version {f.stem}`")
            assert load_policy(f).sha256 == locked[f.stem]["digest"], f"{f} changed after it was locked"


def test_lock_then_a_changed_byte_fails_check_and_says_what_to_do(folder, capsys):
    assert run(capsys, "lock", str(folder))[0] == 0
    assert check_paths([str(folder)]) == []
    f = folder / "1.0.0.yaml"
    f.write_text(f.read_text().replace("Pay your fines", "Pay your fine"))
    [finding] = check_paths([str(folder)])
    assert finding.code == "VERSION_LOCKED" and (finding.line, finding.col) == (3, 10)
    assert "this file changed" in finding.message and "new-version library-card" in finding.message
    assert "patch version, 1.0.1" in finding.message
    # and `lock` refuses to record the changed content
    code, out, _ = run(capsys, "lock", str(folder))
    assert code == 1 and "VERSION_LOCKED" in out and "not locked" in out


def test_a_changed_source_text_fails_check_too(folder, capsys):
    run(capsys, "lock", str(folder))
    src = folder / "source" / "rules.txt"
    src.write_text(src.read_text().replace("Library rules", "Rules of the library"))
    [finding] = check_paths([str(folder)])
    assert finding.code == "VERSION_LOCKED" and "its source text source/rules.txt changed" in finding.message


def test_line_endings_do_not_change_the_digest(folder, capsys):
    run(capsys, "lock", str(folder))
    for f in (folder / "1.0.0.yaml", folder / "source" / "rules.txt"):
        f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    assert check_paths([str(folder)]) == []


def test_lock_is_idempotent_and_refuses_a_broken_version(folder, capsys):
    run(capsys, "lock", str(folder))
    before = (folder / "versions.lock").read_text()
    code, out, _ = run(capsys, "lock", str(folder))
    assert code == 0 and "already locked" in out and (folder / "versions.lock").read_text() == before
    broken = folder / "1.1.0.yaml"
    broken.write_text((folder / "1.0.0.yaml").read_text().replace("version: 1.0.0", "version: 1.1.0")
                      .replace("goto: window", "goto: nowhere").replace('"2026-01-01"', '"2026-02-01"'))
    code, out, _ = run(capsys, "lock", str(folder), "--version", "1.1.0")
    assert code == 1 and "REF_NODE" in out and "not locked" in out
    assert "1.1.0" not in read_lock(folder)


# -- new-version -------------------------------------------------------------------------

def test_new_version_copies_the_newest_for_editing(folder, capsys):
    code, out, _ = run(capsys, "new-version", str(folder), "--effective-from", "2026-09-01")
    assert code == 0 and "1.1.0.yaml" in out and "lock" in out
    new = folder / "1.1.0.yaml"
    text = new.read_text()
    assert "version: 1.1.0" in text and 'effective_from: "2026-09-01"' in text
    assert text.startswith("# Versions made for the tests")      # comments kept
    assert (folder / "1.0.0.yaml").read_text() != text
    assert check_paths([str(folder)]) == []
    assert load_policy(new).effective_from == date(2026, 9, 1)
    # a patch version next; the same file twice is refused
    assert run(capsys, "new-version", str(folder), "--patch", "--effective-from", "2026-10-01")[0] == 0
    assert (folder / "1.1.1.yaml").is_file() and check_paths([str(folder)]) == []


def test_new_version_suggests_commands_that_work_for_a_folder(folder, capsys, monkeypatch):
    # a folder outside the shipped policies: its id alone names nothing, so the diff and
    # lock commands suggested must name the folder
    elsewhere = folder.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, _ = run(capsys, "new-version", str(folder), "--effective-from", "2026-09-01")
    assert code == 0
    hints = dict(re.findall(r"asanimza-policy (diff|lock) ([^;\n]+)", out))
    assert run(capsys, "diff", *shlex.split(hints["diff"]))[0] == 0       # a copy: nothing changed
    code, out, err = run(capsys, "lock", *shlex.split(hints["lock"]))
    assert code == 0 and "1.1.0 locked" in out, err


def test_new_version_must_take_effect_later(folder, capsys):
    code, _, err = run(capsys, "new-version", str(folder), "--effective-from", "2026-01-01")
    assert code == 2 and "is not after 1.0.0's effective_from 2026-01-01" in err
    assert not (folder / "1.1.0.yaml").exists()


# -- provenance ---------------------------------------------------------------------------

def test_decisions_name_the_digest_of_their_version(capsys):
    for policy_id in ap.policy_ids():
        for info in ap.versions(policy_id):
            version = getattr(info, "version", info)
            d = ap.evaluate(policy_id, {}, as_of=getattr(info, "effective_from", None), version=version)
            locked = read_lock(SHIPPED / policy_id) if (SHIPPED / policy_id).is_dir() else {}
            assert len(d.policy_digest) == 64
            assert d.to_dict()["policy_digest"] == d.policy_digest
            assert json.loads(d.to_json(indent=None))["policy_digest"] == d.policy_digest
            if version in locked:
                assert d.policy_digest == locked[version]["digest"]
            # and a prefix of it selects that version
            again = ap.evaluate(policy_id, {}, as_of=d.as_of, version=d.policy_digest[:10])
            assert again.version == d.version


def test_a_short_or_unknown_digest_prefix_is_not_a_version(capsys):
    code, _, err = run(capsys, "evaluate", "asan-imza-renewal", "--version", "abc", "--as-of", "2026-11-24")
    assert code == 2 and "has no version 'abc'" in err
    code, _, err = run(capsys, "evaluate", "asan-imza-renewal", "--version", "0" * 12, "--as-of", "2026-11-24")
    assert code == 2 and "has no version" in err


# -- diff ----------------------------------------------------------------------------------

def test_diff_of_a_version_with_itself_is_empty(capsys):
    code, out, _ = run(capsys, "diff", str(DIFF), "1.0.0", "1.0.0")
    assert code == 0
    assert "structure: 0 change(s)" in out and "decisions: 0 class(es)" in out and "source: 0 sentence" in out


def test_reformatted_conditions_are_no_change(capsys):
    code, out, _ = run(capsys, "diff", str(DIFF), "1.0.0", "1.1.0", "--format", "json")
    doc = json.loads(out)
    assert code == 1            # the title changed
    assert doc["structure"] == [{"kind": "changed", "what": "node", "name": "adult", "detail": "title"}]
    assert doc["decisions"]["classes"] == [] and doc["decisions"]["complete"]


def test_diff_reports_exactly_the_classes_that_change(capsys):
    code, out, _ = run(capsys, "diff", str(DIFF), "1.0.0", "1.2.0", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    pairs = {(c["before"].split(" (")[0], c["after"].split(" (")[0]) for c in doc["decisions"]["classes"]}
    assert pairs == {("not_covered too_early", "complete minor"), ("not_covered too_early", "complete adult"),
                     ("complete adult", "complete minor")}
    # each example reproduces its class with the two versions
    a, b = (load_policy(DIFF / f"{v}.yaml") for v in ("1.0.0", "1.2.0"))
    for c in doc["decisions"]["classes"]:
        ctx, as_of = c["example"]["context"], c["example"]["as_of"]
        before, after = ap.evaluate(a, ctx, as_of=as_of), ap.evaluate(b, ctx, as_of=as_of)
        assert f"{before.status} {before.outcome}" == c["before"].split(" (")[0]
        assert f"{after.status} {after.outcome}" == c["after"].split(" (")[0]
    # the source: one sentence changed, with what cites it; one added
    source = {s["kind"]: s for s in doc["source"]}
    assert source["changed"]["before"] == "Cards can be renewed in the last 14 days."
    assert source["changed"]["after"] == "Cards can be renewed in the last 21 days."
    assert "node window" in source["changed"]["cited_by"]
    assert source["added"]["after"] == "Fines are paid at the desk."


def test_diff_population_counts_the_rows_that_change(tmp_path, capsys):
    rows = tmp_path / "cases.csv"
    a, b = (load_policy(DIFF / f"{v}.yaml") for v in ("1.0.0", "1.2.0"))
    expected = 0
    with rows.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["age", "card_expires_on", "has_fines", "branch", "member_since"])
        for i in range(300):
            ctx = {"age": 10 + i % 12, "card_expires_on": date(2026, 5, 1 + i % 30).isoformat(),
                   "has_fines": "true" if i % 7 == 0 else "false", "branch": "east"}
            w.writerow([ctx["age"], ctx["card_expires_on"], ctx["has_fines"], ctx["branch"], "2001"])
            typed = dict(ctx, has_fines=ctx["has_fines"] == "true")
            da, db = ap.evaluate(a, typed, as_of="2026-05-01"), ap.evaluate(b, typed, as_of="2026-05-01")
            expected += (da.outcome, da.documents) != (db.outcome, db.documents)
    code, out, _ = run(capsys, "diff", str(DIFF), "1.0.0", "1.2.0", "--population", str(rows),
                       "--as-of", "2026-05-01", "--format", "json")
    pop = json.loads(out)["population"]
    assert code == 1 and pop["rows"] == 300 and pop["changed"] == expected > 0
    assert sum(c["rows"] for c in pop["classes"]) == expected
    assert pop["ignored_columns"]["1.0.0"] == ["member_since"]
    assert all(1 < r <= 301 for c in pop["classes"] for r in c["examples"])   # row numbers as in the file


def test_diff_of_unknown_version_or_missing_population_exits_2(capsys):
    assert run(capsys, "diff", str(DIFF), "1.0.0", "9.9.9")[0] == 2
    code, _, err = run(capsys, "diff", str(DIFF), "1.0.0", "1.2.0", "--population", "nope.csv")
    assert code == 2 and "nope.csv" in err


# -- coverage gate ------------------------------------------------------------------------------

def test_min_coverage_gate(tmp_path, capsys, monkeypatch):
    from asanimza_policy.registry import clear_cache

    code, out, _ = run(capsys, "test", "--min-coverage", "100", str(SHIPPED))
    assert code == 0, out
    draft = tmp_path / "library-card"
    shutil.copytree(DIFF, draft)
    (draft / "tests").mkdir()
    (draft / "tests" / "one.yaml").write_text(
        "policy: library-card\nscenarios:\n  - name: fines\n    as_of: \"2026-02-01\"\n"
        "    context: {has_fines: true, branch: east}\n    expect: {status: complete, outcome: pay_first}\n")
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path))
    clear_cache()
    code, out, _ = run(capsys, "test", "--min-coverage", "100", str(draft / "tests"))
    clear_cache()
    assert code == 1 and "below --min-coverage 100%" in out
    assert run(capsys, "test", "--min-coverage", "101", str(draft))[0] == 2


def test_generated_version_history_says_what_changed():
    from asanimza_policy.docs import policy_page

    versions = [load_policy(DIFF / f"{v}.yaml") for v in ("1.0.0", "1.1.0", "1.2.0")]
    page = policy_page(versions[-1], versions)
    first = page.split("### From 1.0.0 to 1.1.0")[1].split("### From")[0]
    second = page.split("### From 1.1.0 to 1.2.0")[1]
    assert "0 class(es) of contexts whose decision changes" in first
    assert "3 class(es) of contexts whose decision changes" in second
    assert "| not_covered too_early (no steps) | complete minor" in second
    assert "source sentence changed: \u201cCards can be renewed in the last 14 days.\u201d" in second
