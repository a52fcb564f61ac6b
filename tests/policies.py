"""Every policy the generic tests run over: the shipped ones and the synthetic fixture
policies under ``tests/fixtures/policies/`` (not shipped). A test that holds for any
policy parametrizes over these instead of naming the seed, so adding a policy (or a
fixture policy) adds its cases:

    from .policies import all_policy_files, policy_param_ids

    @pytest.mark.parametrize("path", all_policy_files(), ids=policy_param_ids)
    def test_something(path): ...
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_ROOT = ROOT / "policies"
FIXTURE_ROOT = ROOT / "tests" / "fixtures" / "policies"
POLICY_ROOTS = (SHIPPED_ROOT, FIXTURE_ROOT)
_VERSION = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\.yaml$")


def all_policy_folders() -> list[Path]:
    """``<root>/<id>/`` of every policy, shipped first, then the fixture policies."""
    return [d for root in POLICY_ROOTS for d in sorted(root.iterdir())
            if d.is_dir() and any(_VERSION.match(f.name) for f in d.iterdir())]


def all_policy_files() -> list[Path]:
    """Every version file ``<root>/<id>/<version>.yaml`` of every policy."""
    return [f for d in all_policy_folders() for f in sorted(d.iterdir()) if _VERSION.match(f.name)]


def all_scenario_files() -> list[Path]:
    """Every scenario file ``<root>/<id>/tests/*.yaml`` of every policy."""
    return [f for d in all_policy_folders() for f in sorted((d / "tests").glob("*.yaml"))]


def policy_param_ids(path: Path) -> str:
    """A readable pytest id: ``asan-imza-renewal/1.0.0`` or ``fixture:library-card/1.1.0``."""
    prefix = "fixture:" if FIXTURE_ROOT in path.parents else ""
    return f"{prefix}{path.parent.name}/{path.stem}"
