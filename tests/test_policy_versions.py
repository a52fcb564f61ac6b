"""The seed policy's two versions: 1.1.0 supersedes 1.0.0, which stays as published.

The review of 1.0.0 (issue 13) has a scenario file for 1.1.0,
``policies/asan-imza-renewal/tests/review-1.1.0.yaml``, whose scenario names start
with the point number.  Run against 1.0.0, every point has a scenario that fails;
against 1.1.0 all pass.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml

import asanimza_policy as ap
from asanimza_policy.scenarios import run_file

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "policies" / "asan-imza-renewal"
REVIEW = FOLDER / "tests" / "review-1.1.0.yaml"
# the published 1.0.0, byte for byte: a published version is never edited
SHA256_1_0_0 = "c2be3c92c5aea208c6d19337ca3b2c8743d566a977c95c164629f85f0854cb5c"


def test_version_1_0_0_is_unchanged_byte_for_byte():
    assert hashlib.sha256((FOLDER / "1.0.0.yaml").read_bytes()).hexdigest() == SHA256_1_0_0


def test_a_later_effective_from_supersedes_and_a_pin_gives_the_old_answers():
    ctx = {"channel": "sms", "certificate_expires_on": "2026-12-01", "wrong_type_activated": True}
    assert ap.evaluate("asan-imza-renewal", {}, as_of=date(2026, 11, 24)).version == "1.0.0"
    assert ap.evaluate("asan-imza-renewal", {}, as_of=date(2026, 11, 25)).version == "1.1.0"
    assert ap.evaluate("asan-imza-renewal", {}, as_of=date(2031, 1, 1)).version == "1.1.0"
    # the review's point 3: 1.0.0 silently planned, 1.1.0 says it is not covered
    old = ap.evaluate("asan-imza-renewal", ctx, as_of=date(2026, 11, 24))
    assert (old.version, old.status) == ("1.0.0", "needs_input")
    pinned = ap.evaluate("asan-imza-renewal", ctx, as_of=date(2026, 11, 30), version="1.0.0")
    assert (pinned.version, pinned.status) == ("1.0.0", "needs_input")
    new = ap.evaluate("asan-imza-renewal", ctx, as_of=date(2026, 11, 30))
    assert (new.version, new.status, new.outcome) == ("1.1.0", "not_covered", "sms_wrong_type_before_expiry")


def test_the_reviews_first_context_gets_the_office_then_the_centre():
    ctx = {"channel": "sms", "certificate_expires_on": "2026-12-01", "wrong_type_activated": True,
           "online_renewal_submitted": False, "service_type": "business", "current_service_type": "citizen",
           "balance_covers_tariff": True}
    old = ap.evaluate("asan-imza-renewal", ctx, as_of=date(2026, 12, 10), version="1.0.0")
    new = ap.evaluate("asan-imza-renewal", ctx, as_of=date(2026, 12, 10), version="1.1.0")
    assert [s.action for s in old.steps] == ["contact_office"]
    assert [s.action for s in new.steps] == ["contact_office", "visit_certification_center"]


def _results(tmp_path, version: str):
    data = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    data["version"] = version
    f = tmp_path / f"review-as-{version}.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    results, findings = run_file(f)
    assert findings == []
    return results


def test_every_point_of_the_review_fails_on_1_0_0_and_passes_on_1_1_0(tmp_path):
    new = _results(tmp_path, "1.1.0")
    assert new and all(r.ok for r in new), [r.format() for r in new if not r.ok]
    failing = defaultdict(int)
    for r in _results(tmp_path, "1.0.0"):
        point = int(re.match(r"(\d+):", r.name).group(1))
        failing[point] += not r.ok
    assert sorted(failing) == list(range(1, 15))
    assert [p for p in range(1, 15) if not failing[p]] == []


def test_every_scenario_file_of_the_seed_pins_its_version():
    for f in sorted((FOLDER / "tests").glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert data.get("version") in ("1.0.0", "1.1.0"), f.name


def test_new_inputs_are_optional_and_a_1_0_0_context_is_valid_for_1_1_0():
    old, new = (ap.load(FOLDER / f"{v}.yaml") for v in ("1.0.0", "1.1.0"))
    added = set(new.inputs) - set(old.inputs)
    assert added and all(new.inputs[n].optional for n in added)
    assert set(old.inputs) <= set(new.inputs)
    for name, inp in old.inputs.items():
        assert (new.inputs[name].type, new.inputs[name].values) == (inp.type, inp.values), name
