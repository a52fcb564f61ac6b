"""Our speed against the peers' yardstick, and the floor our document sets.

    .venv/bin/python bench/peers.py [--peers DIR]

1. Runs the shared yardstick ``ratio.py`` (``$ASANIMZA_PEERS`` or ``../shared/peers``
   beside the checkout; reported as missing, never failing, when it is not there):
   ``evaluate_many`` against a lean hand-written function (``reference.py``) and
   ``evaluate`` against the fastest peer engines (GoRules Zen, CEL), one process,
   the same 20,000 contexts, alternating rounds.
2. Measures, in the same conditions (garbage collector on, every document kept, as
   ``ratio.py`` keeps them), what building *our* decision document costs by itself:
   each of the 20,000 documents ``evaluate_many`` returned is built again from its
   ready parts (a fresh dict, fresh lists, fresh step and assumption dicts: what any
   ``to_dict`` must allocate).  The reference returns a document about a sixth the
   size (no assumptions, reasons, explanation, caveats, questions, title, digest), so
   this floor bounds ``evaluate_many / reference`` from above whatever the walk costs.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asanimza_policy as ap  # noqa: E402

# the contexts ratio.py draws (same fields, values and seed)
F = {"subscriber_type": ["individual", "legal_entity"], "citizenship": ["azerbaijan", "foreign"],
     "appears_in_person": [True, False], "legal_entity_status": ["existing", "new"], "channel": ["office", "sms"],
     "certificate_expires_on": ["2027-03-15", "2026-01-01", "2026-12-10"], "online_renewal_submitted": [True, False],
     "service_type": ["citizen", "business", "governmental"], "current_service_type": ["citizen", "business"],
     "balance_covers_tariff": [True, False], "wrong_type_activated": [True, False]}
AS_OF = date(2026, 11, 24)
P = "asan-imza-renewal"


def contexts() -> list[dict]:
    rnd = random.Random(20261124)
    ctxs = [{k: rnd.choice(v) for k, v in F.items()} for _ in range(20000)]
    for c in ctxs:
        c["current_service_type"] = c["service_type"]
    return ctxs


def rebuild(d: dict) -> dict:
    """A fresh document equal to ``d``, from its parts: the allocation any ``to_dict`` pays."""
    return {"policy": d["policy"], "version": d["version"], "as_of": d["as_of"], "status": d["status"],
            "outcome": d["outcome"], "missing": d["missing"][:], "steps": [s.copy() for s in d["steps"]],
            "documents": d["documents"][:], "trace": d["trace"][:], "citations": d["citations"][:],
            "assumptions": [a.copy() for a in d["assumptions"]], "title": d["title"],
            "questions": [q.copy() for q in d["questions"]], "reasons": d["reasons"][:],
            "explanation": d["explanation"], "caveats": [c.copy() for c in d["caveats"]],
            "policy_digest": d["policy_digest"]}


CONTRACT = ("policy", "version", "as_of", "status", "outcome", "missing", "steps", "documents", "trace",
            "citations", "assumptions")


def rebuild_contract(d: dict) -> dict:
    """Only the contract's fields of ``d``, rebuilt (what the document would cost without our extensions)."""
    return {"policy": d["policy"], "version": d["version"], "as_of": d["as_of"], "status": d["status"],
            "outcome": d["outcome"], "missing": d["missing"][:], "steps": [s.copy() for s in d["steps"]],
            "documents": d["documents"][:], "trace": d["trace"][:], "citations": d["citations"][:],
            "assumptions": [a.copy() for a in d["assumptions"]]}


def floor(peers: Path | None) -> None:
    ctxs = contexts()
    docs = [d.to_dict() for d in ap.evaluate_many(P, ctxs, as_of=AS_OF)]
    assert all(rebuild(d) == d for d in docs)
    gc.collect()
    gc.freeze()         # the ready parts are not the garbage collector's work in any of the rounds
    assert all(rebuild_contract(d) == {k: d[k] for k in CONTRACT} for d in docs)
    rounds: dict[str, list[float]] = {"reference": [], "evaluate_many": [], "document alone": [],
                                      "contract fields alone": []}
    ref = None
    if peers is not None:
        sys.path.insert(0, str(peers))
        import reference  # type: ignore[import-not-found]
        ref = reference.decide

    def rate(fn) -> float:
        t = time.perf_counter()
        fn()
        return len(ctxs) / (time.perf_counter() - t)

    for _ in range(5):
        if ref is not None:
            rounds["reference"].append(rate(lambda: [ref(c, AS_OF) for c in ctxs]))
        rounds["evaluate_many"].append(rate(lambda: [d.to_dict() for d in ap.evaluate_many(P, ctxs, as_of=AS_OF)]))
        rounds["document alone"].append(rate(lambda: [rebuild(d) for d in docs]))
        rounds["contract fields alone"].append(rate(lambda: [rebuild_contract(d) for d in docs]))
    m = {k: statistics.median(v) for k, v in rounds.items() if v}
    size = statistics.mean(len(json.dumps(d)) for d in docs)
    print(f"\nour document, {size:,.0f} bytes of JSON on average; in the same conditions (GC on, documents kept):")
    print("  " + "  ".join(f"{k} {v:,.0f}/s" for k, v in m.items()))
    if "reference" in m:
        ref_size = statistics.mean(len(json.dumps(ref(c, AS_OF))) for c in ctxs[:2000])  # type: ignore[misc]
        print(f"  the reference's document: {ref_size:,.0f} bytes")
        print(f"  document alone / reference = {m['document alone'] / m['reference']:.2f}: the most "
              "evaluate_many / reference can reach with a walk that costs nothing")
        print(f"  contract fields alone / reference = {m['contract fields alone'] / m['reference']:.2f}: the same "
              "bound without our extensions (title, questions, reasons, explanation, caveats, digest)")
        print(f"  evaluate_many / document alone = {m['evaluate_many'] / m['document alone']:.2f}")


def main() -> None:
    ap_ = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap_.add_argument("--peers", help="the folder of ratio.py (default: $ASANIMZA_PEERS or ../shared/peers)")
    args = ap_.parse_args()
    peers = Path(args.peers or os.environ.get("ASANIMZA_PEERS") or ROOT.parent / "shared" / "peers")
    script = peers / "ratio.py"
    if script.is_file():
        print(f"{script} 0.35 1.0  (targets: evaluate_many >= 0.35 x reference; evaluate >= 1.0 x fastest peer)")
        r = subprocess.run([sys.executable, str(script), "0.35", "1.0"], cwd=ROOT)
        print(f"ratio.py exit status {r.returncode} ({'targets met' if r.returncode == 0 else 'a target not met'})")
    else:
        print(f"peers: {script} not found (set ASANIMZA_PEERS to the folder of ratio.py); peer ratios missing")
    floor(peers if (peers / "reference.py").is_file() else None)


if __name__ == "__main__":
    main()
