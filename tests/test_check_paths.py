"""`check` on paths: what it is given and what it meets while walking (the codes'
own fixtures are in tests/fixtures/broken, see test_findings.py), baselines, the
pre-commit hook, and all stages in one run."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from asanimza_policy.check import check_file, run
from asanimza_policy.cli import main

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "fixtures" / "broken"
BASELINED = ROOT / "tests" / "fixtures" / "baseline" / "library-card"


def policy_folder(parent: Path) -> Path:
    """A clean one-version policy folder (the findings fixtures' base policy) under ``parent``."""
    folder = parent / "library-card"
    shutil.copytree(BROKEN / "source", folder / "source")
    shutil.copy(BROKEN / "base.yaml", folder / "1.0.0.yaml")
    return folder


def run_check(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def found(paths, **kw) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in run(list(map(str, paths)), **kw).findings]


# -- paths named on the command line -------------------------------------------

def test_missing_path_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run_check(capsys, tmp_path / "nope")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "nope: no such file or folder" in err


def test_a_device_is_not_a_file_or_folder(capsys):
    code, _, err = run_check(capsys, os.devnull)
    assert code == 2 and err.count("\n") == 1 and f"{os.devnull}: is a device" in err


def test_folder_without_versions_is_a_finding_not_silence(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, _ = run_check(capsys, tmp_path / "empty")
    assert code == 1 and "FOLDER_NO_POLICY" in out


def test_file_that_is_not_a_policy(capsys, tmp_path):
    for name, text in [("list.yaml", "- a\n- b\n"), ("other.yaml", "name: x\nitems: [1]\n"),
                       ("scenario.yaml", (ROOT / "policies/asan-imza-renewal/tests/office.yaml").read_text())]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        code, out, _ = run_check(capsys, tmp_path / name)
        assert code == 1 and out.count("\n") == 1 and "FILE_NOT_POLICY" in out, out


# -- what a walk meets ---------------------------------------------------------

def test_unreadable_file_in_a_walk_is_a_finding(tmp_path):
    folder = policy_folder(tmp_path)
    os.symlink(tmp_path / "gone.yaml", folder / "1.1.0.yaml")
    assert [(c, Path(p).name) for c, p in found([tmp_path])] == [("FILE", "1.1.0.yaml")]


def test_unreadable_file_named_exits_2(capsys, tmp_path):
    os.symlink(tmp_path / "gone.yaml", tmp_path / "1.0.0.yaml")
    code, _, err = run_check(capsys, tmp_path / "1.0.0.yaml")
    assert code == 2 and err.count("\n") == 1 and "1.0.0.yaml" in err


def test_misnamed_yaml_beside_versions_is_a_warning(tmp_path):
    folder = policy_folder(tmp_path)
    shutil.copy(folder / "1.0.0.yaml", folder / "1.1.yaml")
    report = run([str(tmp_path)])
    assert [(f.code, f.severity, Path(f.path).name) for f in report.findings] == [
        ("FILE_IGNORED", "warning", "1.1.yaml")]


def test_hidden_and_tests_folders_are_not_walked(tmp_path):
    folder = policy_folder(tmp_path)
    for sub in (".git", "tests"):
        (folder / sub / "library-card").mkdir(parents=True)
        (folder / sub / "library-card" / "1.0.0.yaml").write_text("broken: [\n")
    report = run([str(tmp_path)])
    assert (report.findings, report.files) == ([], 1)


def test_a_link_back_up_the_tree_is_walked_once(tmp_path):
    os.symlink(tmp_path, policy_folder(tmp_path) / "loop")
    report = run([str(tmp_path)])
    assert (report.findings, report.files) == ([], 1)


# -- baselines -----------------------------------------------------------------

@pytest.fixture
def versions(tmp_path):
    """A policy of two versions whose superseded 1.0.0 has a warning its baseline records."""
    shutil.copytree(BASELINED, tmp_path / "library-card")
    return tmp_path / "library-card"


def test_baselined_warning_does_not_fail_strict(versions, capsys):
    report = run([str(versions)], strict=True)
    assert (report.findings, report.baselined) == ([], 1)
    assert run([str(versions / "1.0.0.yaml")], strict=True).findings == []     # the pre-commit hook's way


def test_without_the_baseline_the_warning_fails_strict(versions):
    (versions / "check-baseline.json").unlink()
    assert [(f.code, f.severity) for f in run([str(versions)], strict=True).findings] == [("CITATION_FRAGMENT",
                                                                                           "error")]


def test_a_new_warning_in_a_superseded_version_fails_strict(versions):
    text = (versions / "1.0.0.yaml").read_text()
    (versions / "1.0.0.yaml").write_text(text.replace('["Cards can be renewed in the last 14 days."]',
                                                      '["Cards can be renewed"]'))
    findings = run([str(versions)], strict=True).findings
    assert [(f.code, f.line) for f in findings] == [("CITATION_FRAGMENT", 31)]


def test_the_newest_version_is_never_baselined(versions, capsys):
    newest = versions / "1.1.0.yaml"
    newest.write_text(newest.read_text().replace('["Cards can be renewed in the last 14 days."]',
                                                 '["Cards can be renewed"]'))
    code, _, err = run_check(capsys, "--write-baseline", "--strict", versions)
    assert code == 1 and "1 warning recorded" in err
    entries = json.loads((versions / "check-baseline.json").read_text())["warnings"]
    assert [e["file"] for e in entries] == ["1.0.0.yaml"]


def test_errors_are_never_baselined(versions):
    old = versions / "1.0.0.yaml"
    old.write_text(old.read_text().replace("goto: minor", "goto: minr"))
    report = run([str(versions)], write_baseline=True)
    assert [f.code for f in report.findings] == ["REF_NODE"]
    assert [e["code"] for e in json.loads((versions / "check-baseline.json").read_text())["warnings"]] == [
        "CITATION_FRAGMENT"]


def test_write_baseline_records_removes_and_leaves_no_temporary_file(versions, capsys):
    (versions / "check-baseline.json").unlink()
    code, _, err = run_check(capsys, "--write-baseline", "--strict", versions)
    assert code == 0 and "check-baseline.json: 1 warning recorded" in err
    assert json.loads((versions / "check-baseline.json").read_text())["warnings"] == [
        {"file": "1.0.0.yaml", "code": "CITATION_FRAGMENT",
         "message": "quotes part of a sentence ('Minors need a note'); cite whole sentences"}]
    assert (versions / "check-baseline.json").read_bytes() == \
        (BASELINED / "check-baseline.json").read_bytes()
    old = versions / "1.0.0.yaml"
    old.write_text(old.read_text().replace(', "Minors need a note"]', "]"))
    code, _, err = run_check(capsys, "--write-baseline", versions)
    assert code == 0 and "removed" in err and not (versions / "check-baseline.json").exists()
    assert sorted(p.name for p in versions.iterdir()) == ["1.0.0.yaml", "1.1.0.yaml", "source"]


def test_shipped_tree_has_no_stale_baselines():
    for path in (ROOT / "policies").glob("*/check-baseline.json"):
        before = path.read_bytes()
        assert run([str(path.parent)], strict=True).findings == []
        assert path.read_bytes() == before


# -- the pre-commit hook -------------------------------------------------------

def hook():
    [h] = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "check"]
    return h


def test_hook_matches_policy_files_only():
    files = re.compile(hook()["files"])
    assert files.search("policies/asan-imza-renewal/1.0.0.yaml")
    assert files.search("policies/x/2.10.3-rc.1.yaml")
    assert not files.search("policies/asan-imza-renewal/tests/office.yaml")
    assert not files.search("examples/office.yaml") and not files.search("policies/x/1.0.0.yaml.bak")


@pytest.mark.parametrize("broken", [True, False])
def test_hook_entry_on_a_policy_file(tmp_path, broken):
    target = policy_folder(tmp_path) / "1.0.0.yaml"
    if broken:
        target.write_text(target.read_text().replace("goto: minor", "goto: minr"))
    h = hook()
    argv = shlex.split(h["entry"]) + h.get("args", [])
    argv[0] = str(Path(sys.executable).parent / argv[0])     # what pre-commit's environment puts on PATH
    r = subprocess.run([*argv, "library-card/1.0.0.yaml"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    if broken:
        assert r.returncode == 1 and r.stdout.startswith("library-card/1.0.0.yaml:72:15: REF_NODE")
    else:
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


# -- all stages, one run ---------------------------------------------------------

def broken_copy(tmp_path, *replacements) -> Path:
    target = policy_folder(tmp_path) / "1.0.0.yaml"
    text = target.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    target.write_text(text)
    return target


def test_a_model_error_does_not_hide_a_bad_citation_or_the_layout(tmp_path):
    path = broken_copy(tmp_path, ("goto: minor", "goto: minr"), ("Cards can be renewed in", "Cards may be renewed in"),
                       ("version: 1.0.0", "version: 1.0.1"))
    assert sorted(f.code for f in check_file(path)) == ["CITATION_NOT_FOUND", "LAYOUT", "REF_NODE"]


def test_a_schema_typo_does_not_hide_the_rest(tmp_path):
    path = broken_copy(tmp_path, ("start: fines", "start: fines\nstrat: fines"), ("goto: minor", "goto: minr"),
                       ("Cards can be renewed in", "Cards may be renewed in"))
    assert sorted(f.code for f in check_file(path)) == ["CITATION_NOT_FOUND", "REF_NODE", "SCHEMA_UNKNOWN_KEY"]
