"""`check --format text|json|sarif|github`: what people and tools read."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import sarif_pydantic

from asanimza_policy import codes
from asanimza_policy.check import check_file
from asanimza_policy.cli import main
from asanimza_policy.findings import Finding
from asanimza_policy.report import FINGERPRINT, github_command, render, summary

ROOT = Path(__file__).resolve().parent.parent
CLEAN = ROOT / "tests" / "fixtures" / "broken" / "base.yaml"


def run_check(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(policy_copy):
    """A copy of the seed policy with one error and one warning."""
    path, _ = policy_copy(("        goto: office_subscriber_type\n", "        goto: office_subscriber_typo\n"),
                          ('    cites: ["Individual:"]\n', '    cites: ["Azercell Exclusive offices with his"]\n'))
    return path


# -- text ----------------------------------------------------------------------

def on_a_terminal(*args) -> tuple[int, str]:
    master, slave = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "asanimza_policy", "check", *map(str, args)], stdout=slave,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT, timeout=120)
    finally:
        os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.returncode, out.decode("utf-8", "replace").replace("\r\n", "\n")


def test_text_on_a_terminal_ends_with_a_summary(broken):
    code, out = on_a_terminal(broken)
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "1 file, 1 error, 1 warning"
    assert len(lines) == 3 and "REF_NODE" in lines[0] + lines[1]


def test_text_on_a_terminal_says_when_nothing_was_found():
    code, out = on_a_terminal(CLEAN, ROOT / "tests" / "fixtures" / "baseline")
    assert (code, out) == (0, "3 files, no findings (1 warning of superseded versions in baselines)\n")


def test_text_piped_has_only_finding_lines(broken, capsys):
    code, out, _ = run_check(capsys, broken)
    assert code == 1
    assert [line.split(" ", 2)[1] for line in out.splitlines()] == ["REF_NODE", "CITATION_FRAGMENT"]


def test_summary_counts_in_words():
    f = Finding("EXPR", "m", "a.yaml")
    assert summary([], 1) == "1 file, no findings"
    assert summary([f, f, Finding("CITATION_FRAGMENT", "m", "a.yaml", severity="warning")], 3) == \
        "3 files, 2 errors, 1 warning"


# -- --strict ------------------------------------------------------------------

def test_strict_turns_warnings_into_errors(policy_copy, capsys):
    path, _ = policy_copy(('    cites: ["Individual:"]\n', '    cites: ["Azercell Exclusive offices with his"]\n'))
    code, out, _ = run_check(capsys, path, "--format", "json")
    assert code == 0 and [f["severity"] for f in json.loads(out)] == ["warning"]
    code, out, _ = run_check(capsys, path, "--format", "json", "--strict")
    assert code == 1 and [f["severity"] for f in json.loads(out)] == ["error"]
    code, out, _ = run_check(capsys, path, "--format", "github", "--strict")
    assert out.startswith("::error ")


# -- json ----------------------------------------------------------------------

def test_json_is_a_list_of_findings(broken, capsys):
    code, out, _ = run_check(capsys, broken, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [set(d) for d in data] == [{"code", "message", "path", "line", "col", "severity"}] * 2
    assert [d["code"] for d in data] == ["REF_NODE", "CITATION_FRAGMENT"]


# -- SARIF ---------------------------------------------------------------------

# Properties of SARIF 2.1.0 that sarif-pydantic 0.6's object model does not
# declare (it keeps unknown ones as extras); anything else left over is a typo.
SPEC_PROPERTIES_MISSING_FROM_THE_MODEL = {("Run", "columnKind")}


def _extras(model, found):
    from pydantic import BaseModel

    if isinstance(model, BaseModel):
        for name in (model.__pydantic_extra__ or {}):
            found.add((type(model).__name__, name))
        for name in type(model).model_fields:
            value = getattr(model, name)
            if name != "properties":
                _extras(value, found)
    elif isinstance(model, (list, tuple)):
        for item in model:
            _extras(item, found)
    elif isinstance(model, dict):
        for item in model.values():
            _extras(item, found)
    return found


def validate_sarif(text: str):
    log = sarif_pydantic.Sarif.model_validate_json(text)
    assert log.version == "2.1.0"
    assert _extras(log, set()) <= SPEC_PROPERTIES_MISSING_FROM_THE_MODEL
    return log


def test_sarif_validates_against_the_object_model(broken, capsys):
    code, out, _ = run_check(capsys, broken, "--format", "sarif")
    assert code == 1
    log = validate_sarif(out)
    [run] = log.runs
    rules = run.tool.driver.rules
    assert [r.id for r in rules[:len(codes.CODES)]] == list(codes.CODES)
    by_id = {r.id: r for r in rules}
    assert by_id["CITATION_FRAGMENT"].default_configuration.level == "warning"
    assert by_id["REF_NODE"].short_description.text == codes.CODES["REF_NODE"].means.replace("`", "")
    results = run.results
    assert [r.rule_id for r in results] == ["REF_NODE", "CITATION_FRAGMENT"]
    assert [r.level.value for r in results] == ["error", "warning"]
    for r in results:
        assert rules[r.rule_index].id == r.rule_id
        loc = r.locations[0].physical_location
        assert not loc.artifact_location.uri.startswith("/")   # an absolute path is a file: URI
        assert r.partial_fingerprints[FINGERPRINT]
    expected = check_file(broken)
    assert [(r.locations[0].physical_location.region.start_line, r.locations[0].physical_location.region.start_column)
            for r in results] == [(f.line, f.col) for f in expected]


def test_sarif_fingerprints_survive_lines_moving(broken, capsys):
    def prints():
        _, out, _ = run_check(capsys, broken, "--format", "sarif")
        results = json.loads(out)["runs"][0]["results"]
        return [r["partialFingerprints"][FINGERPRINT] for r in results], \
            [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]

    before, lines_before = prints()
    broken.write_text("# a comment on top\n" + broken.read_text(encoding="utf-8"), encoding="utf-8")
    after, lines_after = prints()
    assert after == before and len(set(before)) == 2
    assert lines_after == [n + 1 for n in lines_before]


def test_sarif_paths_are_uris():
    out = render([Finding("EXPR", "m", "my policies/a b/1.0.0.yaml"), Finding("EXPR", "m", "/abs/x y.yaml")], "sarif")
    validate_sarif(out)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]]
    assert uris == ["my%20policies/a%20b/1.0.0.yaml", "file:///abs/x%20y.yaml"]


def test_sarif_of_a_clean_run_has_no_results(capsys):
    code, out, _ = run_check(capsys, CLEAN, "--format", "sarif")
    assert code == 0 and validate_sarif(out).runs[0].results == []


# -- GitHub workflow commands --------------------------------------------------

def test_github_annotations_escape_as_the_actions_toolkit():
    f = Finding("EXPR", "100% wrong\r\nsee: a, b", "dir,x/a:b%.yaml", 3, 7)
    assert github_command(f) == \
        "::error file=dir%2Cx/a%3Ab%25.yaml,line=3,col=7,title=EXPR::100%25 wrong%0D%0Asee: a, b"
    w = Finding("CITATION_FRAGMENT", "m", "a.yaml", severity="warning")
    assert github_command(w) == "::warning file=a.yaml,line=1,col=1,title=CITATION_FRAGMENT::m"


def test_github_format_one_annotation_per_finding(broken, capsys):
    code, out, _ = run_check(capsys, broken, "--format", "github")
    lines = out.splitlines()
    expected = check_file(broken)
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith(f"::error file={expected[0].path},line={expected[0].line},col={expected[0].col},"
                               "title=REF_NODE::no node 'office_subscriber_typo'")
    assert lines[1].startswith("::warning ") and "title=CITATION_FRAGMENT::" in lines[1]
