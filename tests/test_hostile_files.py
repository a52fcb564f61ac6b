"""Files a careless author or an attacker writes: each is refused with a
position or a named path, never a traceback, a hang or a leak."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

import asanimza_policy as ap
from asanimza_policy import loader, registry
from asanimza_policy.check import check_file, check_paths
from asanimza_policy.cli import main
from asanimza_policy.errors import PolicyError
from asanimza_policy.scenarios import run_file

from .conftest import POLICY_DIR, POLICY_FILE, ROOT

SEED = "asan-imza-renewal"
TIMEOUT = 30     # a hang fails the test instead of blocking the suite


def cli(*args, env=None, cwd=ROOT, shell_suffix: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asanimza_policy", *map(str, args)], capture_output=True,
                          text=True, timeout=TIMEOUT, cwd=cwd, env={**os.environ, **(env or {})})


def seed_tree(tmp_path: Path) -> Path:
    """A root holding a copy of the seed policy folder (with its tests)."""
    folder = tmp_path / SEED
    shutil.copytree(POLICY_DIR, folder)
    return folder


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.clear_cache()
    yield
    registry.clear_cache()


# -- 4. aliases nested through anchors ------------------------------------------------------------

def nested_aliases(anchors: int = 18, depth: int = 62) -> str:
    lines = []
    for i in range(anchors):
        inner = f"*a{i - 1}" if i else "x"
        lines.append(f"k{i}: &a{i} " + "[" * (depth - 1) + inner + "]" * (depth - 1))
    return "\n".join(lines) + "\n"


def test_aliases_count_toward_the_depth_of_the_built_data():
    with pytest.raises(PolicyError) as e:
        loader.load_text(nested_aliases())
    (f,) = e.value.findings
    assert (f.code, f.line) == ("YAML_TOO_DEEP", 2)
    assert "*a0" in f.message


def test_aliases_within_the_depth_limit_still_load():
    doc = loader.load_text("a: &x [[1]]\nb: [*x, *x]\n")
    assert doc.data["b"] == [[[1]], [[1]]]


def test_check_and_test_report_nested_aliases_with_a_position(tmp_path):
    p = tmp_path / "1.0.0.yaml"
    p.write_text(nested_aliases())
    assert [f.code for f in check_file(p)] == ["YAML_TOO_DEEP"]
    s = tmp_path / "tests" / "deep.yaml"
    s.parent.mkdir()
    s.write_text(f"policy: {SEED}\n" + nested_aliases())
    results, problems = run_file(s)
    assert results == [] and [(f.code, f.line) for f in problems] == [("YAML_TOO_DEEP", 3)]


def test_half_a_surrogate_pair_is_refused_by_the_pure_python_parser_too(monkeypatch):
    class Pure(yaml.SafeLoader):
        yaml_implicit_resolvers = loader._Loader.yaml_implicit_resolvers

    monkeypatch.setattr(loader, "_Loader", Pure)
    with pytest.raises(PolicyError) as e:
        loader.load_text('title: "a \\ud800 b"\n')
    assert e.value.findings[0].code == "YAML_ENCODING"
    assert loader.load_text('t: "\\ud83d\\ude00"\n').data == {"t": "\U0001f600"}


# -- 5. regular files only: FIFOs, folders and devices --------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@needs_fifo
def test_fifo_named_like_a_version_never_hangs_check_test_or_evaluate(tmp_path):
    folder = seed_tree(tmp_path)
    os.mkfifo(folder / "2.0.0.yaml")
    os.mkfifo(folder / "tests" / "fifo.yaml")
    r = cli("check", folder)       # met while walking: a finding (issue 14); named, it would exit 2
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "2.0.0.yaml:1:1: FILE is a FIFO, not a regular file" in r.stdout
    r = cli("test", folder)
    assert r.returncode == 2 and "fifo.yaml" in r.stderr and "Traceback" not in r.stderr
    r = cli("evaluate", SEED, "--as-of", "2026-11-24", env={"ASANIMZA_POLICY_PATH": str(tmp_path)})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "2.0.0.yaml" in r.stderr and "FIFO" in r.stderr


@needs_fifo
def test_load_refuses_a_fifo_and_a_folder_with_a_policy_error(tmp_path):
    fifo = tmp_path / "1.0.0.yaml"
    os.mkfifo(fifo)
    code = f"""
import asanimza_policy as ap
for p in ({str(fifo)!r}, {str(tmp_path)!r}):
    try:
        ap.load(p)
    except ap.PolicyError as e:
        print(e.findings[0].code, e.findings[0].path == p, e.findings[0].message)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["FILE True is a FIFO, not a regular file; a policy is a YAML file",
                                     "FILE True is a folder, not a regular file; a policy is a YAML file"]


def test_a_device_is_not_read(tmp_path):
    with pytest.raises(loader.NotAFile):
        loader.load_file("/dev/zero")


# -- 7. source.path stays inside the policy's folder ----------------------------------------------

def seed_with_source(policy_copy, path: str) -> Path:
    target, _ = policy_copy(("path: source/azercell-asan-imza-extension.txt", f"path: {path}"))
    return target


@pytest.mark.parametrize("path, reason", [
    ("../../../../../../../../etc/passwd", "outside the policy's folder"),
    ("/etc/passwd", "outside the policy's folder"),
    ("/dev/zero", "outside the policy's folder"),
    ("source", "cannot be read: is a folder"),
])
def test_source_outside_the_folder_or_not_a_file_is_never_read(policy_copy, path, reason):
    target = seed_with_source(policy_copy, path)
    found = check_file(target)
    assert [f.code for f in found] == ["SOURCE_MISSING"], found
    assert reason in found[0].message
    assert "root:" not in found[0].message


def test_source_link_leading_out_of_the_folder_is_not_followed(policy_copy, tmp_path):
    target = seed_with_source(policy_copy, "source/link.txt")
    os.symlink("/etc/passwd", target.parent / "source" / "link.txt")
    (f,) = check_file(target)
    assert f.code == "SOURCE_MISSING" and "outside" in f.message


@needs_fifo
def test_source_fifo_never_hangs(policy_copy):
    target = seed_with_source(policy_copy, "source/pipe.txt")
    os.mkfifo(target.parent / "source" / "pipe.txt")
    (f,) = check_file(target)
    assert f.code == "SOURCE_MISSING" and "FIFO" in f.message


def test_source_larger_than_the_cap_is_refused(policy_copy, monkeypatch):
    from asanimza_policy import provenance

    monkeypatch.setattr(provenance, "MAX_SOURCE_BYTES", 1000)
    (f,) = check_file(seed_with_source(policy_copy, "source/azercell-asan-imza-extension.txt"))
    assert f.code == "SOURCE_MISSING" and "larger than 1,000 bytes" in f.message


# -- 6. scenario files of the wrong shape -----------------------------------------------------------

GOOD_SCENARIO = {"name": "office", "as_of": "2026-11-24", "context": {"channel": "office"},
                 "expect": {"status": "needs_input"}}

WRONG = {
    "name is a list": ({"name": ["a", "b"]}, "name"),
    "citations is a number": ({"expect": {"citations": 5}}, "citations"),
    "citations mixes text and numbers": ({"expect": {"citations": ["a", 5]}}, "citations"),
    "assumptions mixes text and numbers": ({"expect": {"assumptions": ["a", 5]}}, "assumptions"),
    "citations_include holds a mapping": ({"expect": {"citations_include": [{"a": 1}]}}, "citations_include"),
    "status is a list": ({"expect": {"status": ["complete"]}}, "status"),
    "error is a mapping": ({"expect": {"error": {"field": "x"}}}, "error"),
    "missing is text": ({"expect": {"missing": "channel"}}, "missing"),
    "trace is nested": ({"expect": {"trace": [["channel"]]}}, "trace"),
    "steps are numbers": ({"expect": {"steps": [5]}}, "steps"),
    "steps are text": ({"expect": {"steps": ["go"]}}, "a step is a mapping of fields"),
    "a step field is nested": ({"expect": {"steps": [{"action": [[["x"]]]}]}}, "steps"),
    "context is a list": ({"context": ["channel"]}, "context"),
    "version is a number": ({"version": 1.0}, "version"),
}


@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_shaped_scenario_is_a_failure_with_its_position(tmp_path, label):
    change, word = WRONG[label]
    sc = {**GOOD_SCENARIO, **change}
    if "expect" in change:
        sc["expect"] = {**change["expect"]}
    p = tmp_path / "tests" / "s.yaml"
    p.parent.mkdir()
    p.write_text(yaml.safe_dump({"policy": SEED, "scenarios": [sc]}, sort_keys=False))
    results, problems = run_file(p, "s.yaml")
    assert results == [] and problems, label
    assert all(f.code == "SCENARIO" and f.line > 2 for f in problems)
    assert any(word in f.message for f in problems), problems


def test_wrong_shaped_scenario_exits_1_from_the_command_line(tmp_path):
    p = tmp_path / "tests" / "s.yaml"
    p.parent.mkdir()
    p.write_text(textwrap.dedent(f"""\
        policy: {SEED}
        scenarios:
          - name: [a, list]
            as_of: "2026-11-24"
            expect: {{citations: 5}}
          - name: deep
            as_of: "2026-11-24"
            context: {{channel: {"[" * 60}{"]" * 60}}}
            expect: {{status: complete, citations: [a, 5]}}
        """))
    r = cli("test", p)
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    lines = [ln for ln in r.stdout.splitlines() if "SCENARIO" in ln]
    assert [ln.split(":")[1] for ln in lines] == ["3", "5", "9"], r.stdout


def test_deeply_nested_context_in_a_scenario_is_a_failing_scenario(tmp_path):
    p = tmp_path / "tests" / "s.yaml"
    p.parent.mkdir()
    p.write_text(f'policy: {SEED}\nscenarios:\n  - name: deep\n    as_of: "2026-11-24"\n'
                 f'    context: {{channel: {"[" * 60}{"]" * 60}}}\n    expect: {{status: complete}}\n')
    (result,), problems = run_file(p)
    assert problems == [] and not result.ok
    assert "channel: expected one of office, sms; got a list of 1 item" in result.problems[0]


# -- 12. unreadable folders, odd names -----------------------------------------------------------

@pytest.fixture
def deny(monkeypatch):
    """Make folders unreadable, as they are to a user without permission
    (chmod does not stop root, so listing is refused at os.scandir)."""
    denied: set[str] = set()
    real_scandir, real_listdir, real_stat = os.scandir, os.listdir, os.stat

    def refuse(path, inside: bool):
        full = os.path.abspath(os.fspath(path))
        if full in denied or (inside and os.path.dirname(full) in denied):
            raise PermissionError(13, "Permission denied", os.fspath(path))

    def scandir(path="."):
        refuse(path, False)
        return real_scandir(path)

    def listdir(path="."):
        refuse(path, False)
        return real_listdir(path)

    def stat(path, *a, **kw):
        if not isinstance(path, int):
            refuse(path, True)      # what lies inside a folder without x permission cannot be looked at
        return real_stat(path, *a, **kw)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "stat", stat)
    return lambda p: denied.add(os.path.abspath(p))


def test_unreadable_folder_met_while_walking_is_a_finding(tmp_path, deny, capsys):
    folder = seed_tree(tmp_path)
    (tmp_path / "other").mkdir()
    deny(tmp_path / "other")
    found = check_paths([str(tmp_path)])
    assert [(f.code, f.path) for f in found] == [("FILE", str(tmp_path / "other"))]
    assert main(["check", str(tmp_path)]) == 1
    assert "FILE cannot be read (Permission denied)" in capsys.readouterr().out
    deny(folder / "tests")
    assert main(["test", str(tmp_path)]) == 1
    assert "FILE cannot be read" in capsys.readouterr().out


def test_unreadable_folder_named_on_the_command_line_exits_2(tmp_path, deny, capsys):
    folder = seed_tree(tmp_path)
    deny(folder)
    assert main(["check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(folder) in err and "Permission denied" in err
    assert main(["test", str(folder)]) == 2


def test_an_unreadable_root_does_not_break_other_policies(tmp_path, deny, monkeypatch):
    (tmp_path / "locked").mkdir()
    deny(tmp_path / "locked")
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path / "locked"))
    assert ap.evaluate(SEED, {}, as_of=date(2026, 11, 24)).status == "needs_input"
    assert SEED in ap.policy_ids()


def test_folder_named_like_a_version_is_named_when_check_stops(tmp_path):
    folder = seed_tree(tmp_path)
    (folder / "2.0.0.yaml").mkdir()
    r = cli("check", tmp_path)     # met while walking: a finding that names it (issue 14), the rest is checked
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stdout.endswith("2.0.0.yaml:1:1: FILE is a folder, not a regular file; a policy is a YAML file\n")
    r = cli("check", folder / "2.0.0.yaml" / "..")
    assert r.returncode == 1 and "FILE is a folder" in r.stdout


@pytest.mark.parametrize("policy_id", ["a" * 300, "a" * 100_000, "../../etc", "\x1b[2J", "a/b"])
def test_a_long_or_odd_policy_id_is_policy_not_found(policy_id):
    with pytest.raises(ap.PolicyNotFound) as e:
        ap.evaluate(policy_id, {})
    assert len(str(e.value)) < 500 and "\x1b" not in str(e.value) and str(ROOT) not in str(e.value)


def test_a_policy_id_that_is_not_text_is_policy_not_found():
    for junk in ([1], {"a": 1}, 10 ** 5000, None):
        with pytest.raises(ap.PolicyNotFound):
            ap.evaluate(junk, {})


def test_a_300_character_policy_id_exits_2():
    r = cli("evaluate", "a" * 300, "--as-of", "2026-11-24")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "unknown policy" in r.stderr and "policies/" not in r.stderr and len(r.stderr) < 500


# -- 13. which version applies ---------------------------------------------------------------------

def version(root: Path, v: str, effective_from: str, *, until: str | None = None, tz: str | None = None,
            broken: str | None = None) -> Path:
    folder = root / SEED
    if not folder.exists():
        shutil.copytree(POLICY_DIR / "source", folder / "source")
    text = POLICY_FILE.read_text(encoding="utf-8").replace("version: 1.0.0", f"version: {v}")
    text = text.replace('effective_from: "2026-01-01"', f'effective_from: "{effective_from}"'
                        + (f'\neffective_until: "{until}"' if until else ""))
    if tz:
        text = text.replace("timezone: Asia/Baku", f"timezone: {tz}")
    if broken == "model":
        text = text.replace("start: channel", "start: no_such_node")
    elif broken == "yaml":
        text = "id: [unclosed\n" + text
    p = folder / f"{v}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path))
    return tmp_path


def test_two_versions_taking_effect_on_the_same_day_are_an_error_naming_both(root):
    version(root, "1.0.0", "2026-01-01")
    version(root, "1.1.0", "2026-01-01")
    with pytest.raises(PolicyError) as e:
        ap.evaluate(SEED, {}, as_of=date(2026, 11, 24))
    message = str(e.value)
    assert "VERSION_OVERLAP" in message and "1.0.0.yaml" in message and "1.1.0.yaml" in message
    r = cli("evaluate", SEED, "--as-of", "2026-11-24", env={"ASANIMZA_POLICY_PATH": str(root)})
    assert r.returncode == 1 and "1.1.0.yaml" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("broken", ["model", "unknown_key"])
def test_a_broken_future_version_does_not_break_todays_answers(root, broken):
    version(root, "1.0.0", "2026-01-01", until="2026-12-31")
    bad = version(root, "2.0.0", "2027-01-01", broken="model")
    if broken == "unknown_key":
        bad.write_text(bad.read_text().replace("start: no_such_node", "start: channel\nnot_a_key: 1"))
    assert ap.evaluate(SEED, {}, as_of=date(2026, 11, 24)).version == "1.0.0"
    with pytest.raises(PolicyError) as e:
        ap.evaluate(SEED, {}, as_of=date(2027, 2, 1))
    assert "2.0.0.yaml" in str(e.value)
    with pytest.raises(PolicyError):
        ap.evaluate(SEED, {}, as_of=date(2026, 11, 24), version="2.0.0")


def test_a_version_whose_dates_cannot_be_read_is_named(root):
    version(root, "1.0.0", "2026-01-01", until="2026-12-31")
    version(root, "2.0.0", "2027-01-01", broken="yaml")
    with pytest.raises(PolicyError) as e:
        ap.evaluate(SEED, {}, as_of=date(2026, 11, 24))
    assert "2.0.0.yaml:" in str(e.value) and "YAML_SYNTAX" in str(e.value)


def test_versions_in_two_time_zones_are_an_error(root):
    version(root, "1.0.0", "2026-01-01", until="2026-12-31")
    version(root, "2.0.0", "2027-01-01", tz="Europe/Paris")
    with pytest.raises(PolicyError) as e:
        ap.evaluate(SEED, {})
    assert "VERSION_TIMEZONE" in str(e.value) and "Europe/Paris" in str(e.value)


def test_the_default_date_comes_from_the_shared_time_zone(root):
    version(root, "1.0.0", "2020-01-01", tz="Pacific/Kiritimati")    # UTC+14
    from datetime import datetime
    from zoneinfo import ZoneInfo

    before = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    d = ap.evaluate(SEED, {})
    assert d.as_of in (before, datetime.now(ZoneInfo("Pacific/Kiritimati")).date())
    assert json.loads(d.to_json())["version"] == "1.0.0"
