"""The command line as integrators and authors use it: output, exit codes, one-line errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from asanimza_policy.cli import main

from .conftest import ROOT, run_cli

SMS = "channel: sms\ncertificate_expires_on: 2026-12-01\nonline_renewal_submitted: false\n" \
      "service_type: governmental\ncurrent_service_type: governmental\nbalance_covers_tariff: true\n"


@pytest.fixture
def ctx_file(tmp_path):
    def make(text: str, name: str = "ctx.yaml") -> str:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return str(p)
    return make


def test_evaluate_json_when_piped(ctx_file):
    r = run_cli("evaluate", "asan-imza-renewal", "--context", ctx_file(SMS), "--as-of", "2026-11-24")
    assert r.returncode == 0 and r.stderr == ""
    d = json.loads(r.stdout)
    assert d["status"] == "complete" and d["outcome"] == "sms_two_stage_plan"
    assert [s["sms_text"] for s in d["steps"] if s["action"] == "send_sms"] == ["dovlet"]


def test_evaluate_reads_json_and_yaml_from_stdin():
    as_json = run_cli("evaluate", "asan-imza-renewal", "--context", "-", "--as-of", "2026-11-24",
                  stdin=json.dumps({"channel": "office", "subscriber_type": "legal_entity",
                                    "legal_entity_status": "existing"}))
    as_yaml = run_cli("evaluate", "asan-imza-renewal", "--context", "-", "--as-of", "2026-11-24",
                  stdin="channel: office\nsubscriber_type: legal_entity\nlegal_entity_status: existing\n")
    assert as_json.returncode == as_yaml.returncode == 0
    assert json.loads(as_json.stdout) == json.loads(as_yaml.stdout)
    assert json.loads(as_json.stdout)["documents"] == ["letter_of_request", "power_of_attorney", "trustee_id_card"]


def test_evaluate_without_context_is_an_empty_context(capsys):
    assert main(["evaluate", "asan-imza-renewal", "--as-of", "2026-11-24", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert (d["status"], d["missing"]) == ("needs_input", ["channel"])


def test_evaluate_text_for_people(ctx_file, capsys):
    assert main(["evaluate", "asan-imza-renewal", "--context", ctx_file(SMS), "--as-of", "2026-11-24",
                 "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "Status: complete" in out
    assert "1. Fill out the form on e-taxes.gov.az" in out
    assert "[sms to: 8500 \u00b7 sms text: dovlet \u00b7 not before: 2026-12-02 \u00b7 deadline: none]" in out
    assert "Path: channel \u2192 sms_expiry \u2192 sms_before_expiry_submitted \u2192 sms_two_stage_plan" in out
    assert "last_30_days_include_expiry_day" in out
    assert "https://www.azercell.com/" in out


def test_evaluate_text_needs_input_shows_the_question(capsys):
    assert main(["evaluate", "asan-imza-renewal", "--format", "text", "--as-of", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "Status: needs input" in out
    assert "Next question: Do you want to extend at an Azercell Exclusive office" in out
    assert "office (At an Azercell Exclusive office)" in out


def test_evaluate_text_not_covered_explains(ctx_file, capsys):
    ctx = ctx_file("channel: office\nsubscriber_type: legal_entity\nlegal_entity_status: new\n")
    assert main(["evaluate", "asan-imza-renewal", "--context", ctx, "--format", "text", "--as-of", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "Status: not covered by the source" in out and "says nothing about a new one" in out


def test_evaluate_a_policy_file_by_path(capsys):
    path = str(ROOT / "policies" / "asan-imza-renewal" / "1.0.0.yaml")
    assert main(["evaluate", path, "--as-of", "2026-11-24", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["policy"] == "asan-imza-renewal"


@pytest.mark.parametrize("args, stdin, says", [
    (["--context", "-"], '{"channel": "fax"}', "channel: expected one of office, sms; got 'fax'"),
    (["--context", "-"], "chanel: office\n",
     "chanel: not a field of policy asan-imza-renewal (did you mean 'channel'?)"),
    (["--context", "-"], "certificate_expires_on: 2026-02-30\n",
     "certificate_expires_on: '2026-02-30' is not a real date"),
    (["--context", "-"], "appears_in_person: yes\n", "appears_in_person: expected true or false; got 'yes'"),
    (["--context", "-"], "- channel\n", "context must be a mapping"),
    (["--context", "-"], "", "<stdin>: empty"),
    (["--context", "-"], "channel: office\nchannel: sms\n", "<stdin>:2:1: duplicate key 'channel'"),
    # JSON is read strictly: the last of two equal keys does not silently win
    (["--context", "-"], '{"channel": "office", "channel": "sms"}',
     "asanimza-policy: <stdin>: duplicate key 'channel'\n"),
    (["--context", "-"], '{"channel": NaN}', "asanimza-policy: <stdin>: NaN is not a value a context can hold\n"),
    (["--context", "-"], "channel: [office\n", "<stdin>:2:1:"),
    (["--context", "/does/not/exist.yaml"], None, "--context /does/not/exist.yaml: No such file or directory"),
    (["--context", "/"], None, "--context /: is a folder"),
    (["--as-of", "2026-13-01"], None, "--as-of: '2026-13-01' is not a real date"),
    (["--as-of", "24.11.2026"], None, "--as-of: expected a date YYYY-MM-DD"),
    (["--version", "2.0.0"], None, "has no version '2.0.0'; versions: 1.0.0"),
    (["--as-of", "2020-01-01"], None, "no version in effect on 2020-01-01"),
    (["--format", "xml"], None, "invalid choice: 'xml'"),
    (["--frobnicate"], None, "unrecognized arguments: --frobnicate"),
])
def test_bad_input_exits_2_with_one_line(args, stdin, says):
    r = run_cli("evaluate", "asan-imza-renewal", *args, stdin=stdin)
    assert r.returncode == 2, r
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("asanimza-policy: ")
    assert says in r.stderr


def test_unknown_policy_exits_2():
    from asanimza_policy.registry import policy_ids

    r = run_cli("evaluate", "no-such-policy")
    known = policy_ids()
    assert "asan-imza-renewal" in known
    assert r.returncode == 2 and r.stderr.strip() == \
        f"asanimza-policy: unknown policy 'no-such-policy'; known policies: {', '.join(known)}"


def test_no_command_and_unknown_command_exit_2():
    for args in ([], ["frobnicate"]):
        r = run_cli(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_broken_policy_file_exits_1_with_its_position(policy_copy):
    path, line = policy_copy(("start: channel\n", "start: nowhere\n"))
    r = run_cli("evaluate", str(path))
    assert r.returncode == 1
    assert r.stderr.strip() == f"asanimza-policy: {path}:{line}:8: REF_NODE start node 'nowhere' does not exist"


def test_closed_stdin_is_an_empty_context_error():
    r = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", "asan-imza-renewal", "--context", "-"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "<stdin>: empty" in r.stderr


def test_installed_command_runs_outside_the_repository(tmp_path):
    exe = Path(sys.executable).parent / "asanimza-policy"
    if not exe.exists():
        pytest.skip("the console script is installed by `pip install -e .` (make test does it)")
    r = subprocess.run([str(exe), "evaluate", "asan-imza-renewal", "--as-of", "2026-11-24"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["missing"] == ["channel"]


# what a one-off `evaluate` has no use for: the checker's libraries, the compiler (the first
# evaluation of a version in a process is interpreted), the scaffolding of `new`, the server
NOT_ON_EVALUATE = ("jsonschema", "networkx", "graphviz", "asanimza_policy.compile", "asanimza_policy.codegen_expr",
                   "asanimza_policy.codegen_known", "asanimza_policy.compile_fast", "asanimza_policy.check",
                   "asanimza_policy.render", "asanimza_policy.server", "importlib.resources")


def test_evaluate_does_not_import_heavy_modules():
    code = ("import sys, asanimza_policy.cli as c; c.main(['evaluate','asan-imza-renewal','--format','json']);"
            f"print('HEAVY=' + ','.join(m for m in {NOT_ON_EVALUATE!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "HEAVY="


def test_scenario_command_passes_on_shipped_policies(capsys):
    assert main(["test"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith(" failed") and " 0 failed" in last


def test_scenario_command_fails_on_a_wrong_expectation(tmp_path, capsys):
    f = tmp_path / "wrong.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: wrong\n    as_of: '2026-11-24'\n"
                 "    context: {channel: office}\n    expect: {status: complete}\n")
    assert main(["test", str(f)]) == 1
    out = capsys.readouterr().out
    assert f"{f}:3:5: FAIL wrong" in out and "status: expected 'complete', got 'needs_input'" in out
    assert out.strip().endswith("0 passed, 1 failed")


def test_scenario_command_reports_a_malformed_file(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: x\n    expect: {statuss: complete}\n")
    assert main(["test", str(f)]) == 1
    assert "SCENARIO unknown expectation 'statuss'" in capsys.readouterr().out


@pytest.mark.parametrize("old, new, code", [
    ("    title: Office or SMS?\n", "    title: Office or SMS?\n    title: twice\n", "YAML_DUPLICATE_KEY"),
    ("    values: [office, sms]\n", "    values: [office, sms\n", "YAML_SYNTAX"),
    ("        goto: sms_expiry\n", "        goto: sms_expiri\n", "REF_NODE"),
])
def test_check_command_on_a_broken_copy(policy_copy, old, new, code):
    path, _ = policy_copy((old, new))
    r = run_cli("check", str(path))
    assert r.returncode == 1 and r.stderr == ""
    [line] = r.stdout.splitlines()
    assert line.startswith(f"{path}:") and f": {code} " in line
    _, lineno, col, _ = line[len(str(path)):].split(":", 3)
    assert int(lineno) > 0 and int(col) > 0


def test_an_empty_calendar_says_why_on_stderr(tmp_path):
    office = tmp_path / "office.json"
    office.write_text('{"channel": "office", "subscriber_type": "individual", "appears_in_person": true, '
                      '"citizenship": "azerbaijan"}', encoding="utf-8")
    r = run_cli("evaluate", "asan-imza-renewal", "--context", str(office), "--as-of", "2026-11-24",
                "--format", "ics")
    assert r.returncode == 0 and "BEGIN:VCALENDAR" in r.stdout and "BEGIN:VEVENT" not in r.stdout
    assert "the calendar has no events: no step of the plan (office_individual_id_card) has a date" in r.stderr
    r = run_cli("evaluate", "asan-imza-renewal", "--as-of", "2026-11-24", "--format", "ics")
    assert r.returncode == 0 and "the calendar has no events: the decision needs input first: channel" in r.stderr
    sms = tmp_path / "sms.json"
    sms.write_text('{"channel": "sms", "certificate_expires_on": "2026-12-10", "service_type": "citizen", '
                   '"current_service_type": "citizen", "online_renewal_submitted": false, '
                   '"balance_covers_tariff": true, "wrong_type_activated": false}', encoding="utf-8")
    r = run_cli("evaluate", "asan-imza-renewal", "--context", str(sms), "--as-of", "2026-11-24", "--format", "ics")
    assert r.returncode == 0 and "BEGIN:VEVENT" in r.stdout and r.stderr == ""
