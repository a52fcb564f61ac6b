"""`pip install .` must work outside the repository: the wheel carries the
policies, their source texts and the schema."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{r.stderr[-2000:]}")
    [whl] = out.glob("*.whl")
    return whl


def test_wheel_ships_policies_sources_and_schema(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("asanimza_policy/_data/policies/asan-imza-renewal/1.0.0.yaml",
                   "asanimza_policy/_data/policies/asan-imza-renewal/source/azercell-asan-imza-extension.txt",
                   "asanimza_policy/_data/schema/policy.schema.json",
                   "asanimza_policy/cli.py"):
        assert needed in names


def test_installed_copy_works_away_from_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("ASANIMZA_POLICY_PATH", None)
    away = tmp_path / "elsewhere"
    away.mkdir()

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "asanimza_policy", *args], capture_output=True, text=True,
                              cwd=away, env=env, timeout=120)

    r = cli("evaluate", "asan-imza-renewal", "--as-of", "2026-11-24")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["missing"] == ["channel"]
    where = subprocess.run([sys.executable, "-c", "import asanimza_policy; print(asanimza_policy.__file__)"],
                           capture_output=True, text=True, cwd=away, env=env).stdout
    assert where.startswith(str(site)), "the test must run the extracted wheel, not the checkout"
    assert cli("check", "--strict").returncode == 0
    r = cli("test")
    assert r.returncode == 0 and r.stdout.strip().endswith(" 0 failed")


def test_wheel_ships_the_assistant_page_the_decision_schema_and_types(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("asanimza_policy/web/index.html", "asanimza_policy/web/app.js", "asanimza_policy/web/style.css",
                   "asanimza_policy/_data/schema/decision.schema.json", "asanimza_policy/py.typed"):
        assert needed in names, needed
