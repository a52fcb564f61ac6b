"""docs/policy-format.md, "Your first policy", followed step by step: `new`, then the files
the walk-through shows, then check, test, the docs and the lock."""
from __future__ import annotations

import re

import pytest

from asanimza_policy import registry

from .conftest import ROOT, run_cli

DOC = ROOT / "docs" / "policy-format.md"
BLOCK = re.compile(r"<!-- first-policy: (\S+) -->\n```\w*\n(.*?)```", re.S)


def walkthrough_files() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Your first policy"):text.index("## Adding a policy, and its documentation")]
    files = dict(BLOCK.findall(section))
    assert set(files) == {"source/source.txt", "1.0.0.yaml", "tests/first.yaml"}
    assert "asanimza-policy new parking-permit --root policies" in section
    assert "lock" in section and "make docs" in section
    return files


@pytest.fixture
def clean_registry(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path / "policies"))
    registry.clear_cache()
    yield tmp_path
    registry.clear_cache()


def test_the_scaffold_passes_check_and_test_as_written(clean_registry):
    r = run_cli("new", "parking-permit", "--root", "policies")
    assert r.returncode == 0, r.stderr
    folder = clean_registry / "policies" / "parking-permit"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == \
        ["1.0.0.yaml", "source/source.txt", "tests/first.yaml"]
    first = (folder / "1.0.0.yaml").read_text()
    assert first.startswith("# yaml-language-server: $schema=") and first.count("kind: outcome") == 2
    assert "check --strict policies/parking-permit" in r.stdout and "lock" in r.stdout
    assert run_cli("check", "--strict", "policies/parking-permit").stdout == ""
    t = run_cli("test", "--min-coverage", "100", "policies/parking-permit")
    assert t.returncode == 0 and "2 passed, 0 failed" in t.stdout, t.stdout


def test_new_refuses_to_overwrite_and_bad_ids(clean_registry):
    assert run_cli("new", "parking-permit").returncode == 0
    marker = clean_registry / "policies" / "parking-permit" / "1.0.0.yaml"
    marker.write_text("mine")
    r = run_cli("new", "parking-permit")
    assert r.returncode == 2 and "already exists" in r.stderr and r.stderr.count("\n") == 1
    assert marker.read_text() == "mine"
    for bad in ("Parking", "a/b", "-x", ""):
        r = run_cli("new", bad, "--root", "elsewhere")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert not (clean_registry / "elsewhere").exists() or not any((clean_registry / "elsewhere").iterdir())
    # nothing half-written is left beside the folders
    assert sorted(p.name for p in (clean_registry / "policies").iterdir()) == ["parking-permit"]


def test_following_the_walkthrough_gives_a_policy_that_passes(clean_registry):
    assert run_cli("new", "parking-permit", "--root", "policies").returncode == 0
    folder = clean_registry / "policies" / "parking-permit"
    for name, content in walkthrough_files().items():
        (folder / name).write_text(content, encoding="utf-8")
    check = run_cli("check", "--strict", "policies/parking-permit")
    assert (check.returncode, check.stdout) == (0, ""), check.stdout
    t = run_cli("test", "--min-coverage", "100", "policies/parking-permit")
    assert t.returncode == 0 and "2 passed, 0 failed" in t.stdout, t.stdout
    # what else adding a policy takes: the docs, then the lock once published
    d = run_cli("docs", "-o", str(clean_registry / "docs"))
    assert d.returncode == 0, d.stderr
    assert (clean_registry / "docs" / "policies" / "parking-permit" / "1.0.0.md").is_file()
    lock = run_cli("lock", "policies/parking-permit")
    assert lock.returncode == 0, lock.stderr
    assert (folder / "versions.lock").is_file()
    assert run_cli("check", "--strict", "policies/parking-permit").returncode == 0
