"""A policy folder is tested and checked as it is: a draft beside its scenarios, and every
policy (shipped and fixture, tests/policies.py) holds the contract's invariants."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_file, normalize, read_source

from .conftest import run_cli
from .policies import FIXTURE_ROOT, all_policy_files, all_scenario_files, policy_param_ids

LIBRARY = FIXTURE_ROOT / "library-card"


def _draft(tmp_path, rule_from: str, rule_to: str):
    """A copy of the fixture policy whose 1.0.0 rule differs from the one in the repository."""
    folder = tmp_path / "drafts" / "library-card"
    shutil.copytree(LIBRARY, folder)
    f = folder / "1.0.0.yaml"
    text = f.read_text(encoding="utf-8")
    assert rule_from in text
    f.write_text(text.replace(rule_from, rule_to, 1), encoding="utf-8")
    return folder


def test_a_draft_folder_is_tested_against_its_own_files(tmp_path, monkeypatch):
    monkeypatch.delenv("ASANIMZA_POLICY_PATH", raising=False)
    same = run_cli("test", str(_draft(tmp_path / "a", "age < 16", "age < 16")))
    assert same.returncode == 0, same.stdout
    changed = _draft(tmp_path / "b", "age < 16", "age < 10")     # a 12-year-old is now an adult
    r = run_cli("test", str(changed))
    assert r.returncode == 1, r.stdout
    assert "FAIL a minor brings a note" in r.stdout
    assert f"tested against {changed / '1.0.0.yaml'}" in r.stdout
    assert "9 passed, 1 failed" in r.stdout


def test_a_draft_is_tested_even_when_a_registered_policy_has_its_id(tmp_path, monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(FIXTURE_ROOT))     # the registered library-card
    ap.registry.clear_cache()
    try:
        changed = _draft(tmp_path, "age < 16", "age < 10")
        r = run_cli("test", str(changed / "tests" / "renewal.yaml"))
    finally:
        ap.registry.clear_cache()
    assert r.returncode == 1 and "FAIL a minor brings a note" in r.stdout
    assert str(FIXTURE_ROOT) not in r.stdout


def test_a_scenario_file_without_policy_files_beside_it_uses_the_registered_policy(tmp_path):
    folder = tmp_path / "asan-imza-renewal" / "tests"
    folder.mkdir(parents=True)
    f = folder / "one.yaml"
    f.write_text("policy: asan-imza-renewal\nscenarios:\n  - name: office\n    as_of: '2026-11-24'\n"
                 "    context: {channel: office}\n    expect: {status: needs_input}\n", encoding="utf-8")
    r = run_cli("test", str(f))
    assert r.returncode == 0, r.stdout
    against = r.stdout.replace("\\", "/").split("tested against ")[1].splitlines()[0]
    assert against.endswith("policies/asan-imza-renewal/1.0.0.yaml")   # relative from the repository, else absolute


def test_check_a_folder_outside_the_shipped_tree_needs_no_policy_path(tmp_path, monkeypatch):
    monkeypatch.delenv("ASANIMZA_POLICY_PATH", raising=False)
    folder = _draft(tmp_path, "age < 16", "age < 10")
    r = run_cli("check", "--strict", str(folder))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


# -- every policy, shipped and fixture -----------------------------------------------------------

@pytest.mark.parametrize("path", all_policy_files(), ids=policy_param_ids)
def test_every_policy_checks_clean_strict(path):
    assert [f.format() for f in check_file(path)] == []


@pytest.mark.parametrize("path", all_scenario_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_policys_scenarios_pass(path):
    r = run_cli("test", str(path))
    assert r.returncode == 0, r.stdout
    [line] = [x for x in r.stdout.splitlines() if " tested against " in x]
    assert line.split(" tested against ")[1].startswith(f"{ap.registry.display_path(path.parent.parent)}/")


def _contexts(policy):
    """A context per outcome reached by the scenarios beside the policy, plus the empty one."""
    from asanimza_policy.scenarios import load_scenarios

    yield {}, None
    for f in sorted((ap.registry.Path(policy.path).parent / "tests").glob("*.yaml")):
        doc, _ = load_scenarios(f)
        for sc in doc.data["scenarios"]:
            pinned = sc.get("version", doc.data.get("version"))
            if "error" not in sc["expect"] and pinned in (None, policy.version):
                yield sc.get("context", {}), date.fromisoformat(sc["as_of"])


@pytest.mark.parametrize("path", all_policy_files(), ids=policy_param_ids)
def test_every_decision_keeps_to_what_the_policy_declares(path):
    policy = ap.load(path)
    source = normalize(read_source(path, policy.source.path))
    decided = 0
    for context, day in _contexts(policy):
        day = day or policy.effective_from
        if not policy.in_effect(day):
            continue
        d = ap.evaluate(policy, context, as_of=day).to_dict()
        decided += 1
        assert all(normalize(c) in source for c in d["citations"]), d["citations"]
        assert {s["action"] for s in d["steps"]} <= set(policy.actions)
        assert set(d["documents"]) <= set(policy.documents)
        assert set(d["missing"]) <= set(policy.inputs)
        assert {a["id"] for a in d["assumptions"]} <= set(policy.assumptions)
        assert set(d["trace"]) <= set(policy.nodes) and d["trace"][0] == policy.start
        if d["status"] == "needs_input":
            assert d["missing"] and d["outcome"] is None
        else:
            assert d["outcome"] == d["trace"][-1] and d["missing"] == []
    assert decided >= 2
