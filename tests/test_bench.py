"""The benchmark's differential oracle on a small sample: the engine and the same rules written by hand
(bench/evaluate.py) give the same decision on every route of the shipped policy."""
from __future__ import annotations

import importlib.util

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_evaluate", ROOT / "bench" / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_engine_agrees_with_the_hand_written_rules(bench):
    sample = bench.contexts(400)
    assert bench.disagreements(sample) == []
    # the sample reaches every outcome of the policy, so no route goes unchecked
    reached = {bench.run(bench.POLICY, c, bench.AS_OF).outcome for c in sample}
    outcomes = {n.id for n in bench.POLICY.nodes.values() if n.kind == "outcome"}
    assert reached == outcomes


def test_the_oracle_sees_a_difference(bench, monkeypatch):
    # the comparison itself can fail: a hand-written answer that drops a document is caught
    real = bench.hand

    def wrong(ctx, as_of):
        d = real(ctx, as_of)
        return {**d, "documents": d["documents"][1:]}

    monkeypatch.setattr(bench, "hand", wrong)
    assert bench.disagreements(bench.contexts(50))
