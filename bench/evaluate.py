"""How fast is a decision?  Ratios measured in one run, on one machine.

    .venv/bin/python bench/evaluate.py [N]

Compares, on the same N contexts (every route of the seed policy, all inputs
given, so every call reaches an outcome):

* ``hand``  a hand-written Python function of the same rules that builds the
  same decision document (steps with dates, documents, trace, citations,
  assumptions); the bench first checks that both agree on every context;
* ``run``   the interpreter (the reference walk), the policy already resolved;
* ``evaluate``  the public call: the compiled walk of the version in effect
  (compiled from a version's second evaluation in a process), with and without
  ``to_dict``; ``evaluate_many`` likewise;

and prints decisions per second and the ratio to ``hand``.  It also times a
cold command-line ``evaluate`` against ``python -c pass``, and ``check``.
Absolute numbers depend on the machine and its load; the ratios are the point.
"""
from __future__ import annotations

import gc
import itertools
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asanimza_policy as ap  # noqa: E402
from asanimza_policy.engine import run  # noqa: E402
from asanimza_policy.registry import resolve  # noqa: E402

AS_OF = date(2026, 11, 24)
POLICY, _ = resolve("asan-imza-renewal", AS_OF)


# -- the same rules, written by hand -------------------------------------------------

def _c(node_or_step):
    return list(node_or_step.cites)


N = POLICY.nodes
S = POLICY.steps
A = {k: v.text for k, v in POLICY.assumptions.items()}
D = POLICY.derived
KEYWORD = {k: (e.value, e.cites[0]) for k, e in D["sms_keyword"].table.items()}
URL = "https://www.taxes.gov.az/uploads/2020/2017030005926400/Asan-imza-onlayn-yenilenmesi-telimati.pdf"
T = {
    "visit_id": N["office_individual_id_card"].steps[0].text.source,
    "visit_foreign": " ".join(N["office_foreign_citizen"].steps[0].text.source.split()),
    "visit_poa": " ".join(N["office_by_power_of_attorney"].steps[0].text.source.split()),
    "visit_company": " ".join(N["office_existing_company"].steps[0].text.source.split()),
    "center": " ".join(N["sms_missed_online_window"].steps[3].text.source.split()),
    "fix": N["sms_fix_wrong_type"].steps[0].text.source,
}


def hand(ctx: dict, as_of: date) -> dict:
    trace, cites, assumes, steps, docs = ["channel"], [], [], [], []

    def cite(*cs):
        for c in cs:
            if c not in cites:
                cites.append(c)

    def assume(*ids):
        for i in ids:
            if i not in assumes:
                assumes.append(i)
                cite(*POLICY.assumptions[i].cites)

    def done(outcome, status="complete"):
        trace.append(outcome)
        return {"policy": "asan-imza-renewal", "version": "1.0.0", "as_of": as_of.isoformat(), "status": status,
                "outcome": outcome, "missing": [], "steps": steps, "documents": docs, "trace": trace,
                "citations": cites, "assumptions": [{"id": i, "text": A[i]} for i in assumes]}

    cite(*N["channel"].cites)
    if ctx["channel"] == "office":
        trace.append("office_subscriber_type")
        cite(*N["office_subscriber_type"].cites)
        if ctx["subscriber_type"] == "individual":
            trace.append("office_individual_presence")
            cite("Individual:")
            if ctx["appears_in_person"]:
                trace.append("office_individual_citizenship")
                assume("id_card_rule_for_citizens")
                if ctx["citizenship"] == "azerbaijan":
                    cite(*N["office_individual_id_card"].cites)
                    steps.append({"action": "visit_office", "text": T["visit_id"]})
                    docs.append("id_card")
                    return done("office_individual_id_card")
                cite(*N["office_foreign_citizen"].cites)
                steps.append({"action": "visit_office", "text": T["visit_foreign"]})
                docs.extend(["residence_permit", "foreign_passport"])
                return done("office_foreign_citizen")
            assume("power_of_attorney_documents_unstated")
            cite(*N["office_by_power_of_attorney"].cites)
            steps.append({"action": "visit_office", "text": T["visit_poa"]})
            docs.append("power_of_attorney")
            return done("office_by_power_of_attorney")
        trace.append("office_company_status")
        cite("Legal entity:")
        if ctx["legal_entity_status"] == "existing":
            cite(*N["office_existing_company"].cites)
            steps.append({"action": "visit_office", "text": T["visit_company"]})
            docs.extend(["letter_of_request", "power_of_attorney", "trustee_id_card"])
            return done("office_existing_company")
        cite("Existing company:")
        return done("office_new_company", "not_covered")

    expires = date.fromisoformat(ctx["certificate_expires_on"])
    trace.append("sms_expiry")
    assume("sms_route_for_every_subscriber")
    cite(*N["sms_expiry"].cites)
    opens = expires - timedelta(days=29)
    after = expires + timedelta(days=1)
    first = max(as_of, after)

    def window():
        assume("last_30_days_include_expiry_day")
        cite(*D["online_window_opens"].cites)

    def sms_steps(final_wait: bool):
        st, cur = ctx["service_type"], ctx["current_service_type"]
        if not ctx["balance_covers_tariff"]:
            steps.append({"action": "top_up_balance", "text": f"Put enough money on your balance for the tariff of "
                          f"the {st} service before you send the SMS."})
        kw, kw_cite = KEYWORD[st]
        cite(kw_cite)
        cite(*D["day_after_expiry"].cites)
        if st == cur:
            text = (f"Send an SMS with the keyword {kw} to 8500 to extend your {st} service for the next 3 years, "
                    f"on {first.isoformat()} or any day after.")
        else:
            text = (f"Send an SMS with the keyword {kw} to 8500 to switch from the {cur} to the {st} service for "
                    f"the next 3 years, on {first.isoformat()} or any day after; the type can change only after "
                    "the 3-year period has expired.")
        steps.append({"action": "send_sms", "text": text, "sms_to": "8500", "sms_text": kw,
                      "not_before": after.isoformat(), "deadline": None})
        if final_wait:
            until = first + timedelta(days=1)
            assume("activation_on_sms_day")
            cite(*D["extended_by"].cites)
            steps.append({"action": "wait", "text": "Within 1 day after the SMS activates the service, the validity "
                          "of the certificate is extended online for another three years: by "
                          f"{until.isoformat()} if you send the SMS on {first.isoformat()}.",
                          "until": until.isoformat()})
        if not ctx["balance_covers_tariff"]:
            cite(*S["top_up"].cites)
        assume("sms_after_expiry_without_deadline")
        cite(*(S["sms_same_type"] if st == cur else S["sms_new_type"]).cites)

    if as_of <= expires:
        trace.append("sms_before_expiry_submitted")
        assume("application_timing_unknown")
        if ctx["online_renewal_submitted"]:
            window()
            if as_of < opens:
                cite(*N["sms_application_before_window"].cites)
                return done("sms_application_before_window", "not_covered")
            trace.append("sms_stage_two")
            cite(*N["sms_stage_two"].cites)
            sms_steps(True)
            trace.pop()
            return done("sms_stage_two")
        if as_of < opens:
            window()
            steps.append({"action": "wait", "text": f"Nothing to do yet; the online application window opens on "
                          f"{opens.isoformat()}.", "until": opens.isoformat()})
        else:
            window()
        steps.append({"action": "submit_online_application", "text": "Fill out the form on e-taxes.gov.az, sign "
                      "the application with your current Asan Imza and send it to the Asan Certification Services "
                      f"Center, from {opens.isoformat()} to {expires.isoformat()}. Instructions: {URL}",
                      "not_before": opens.isoformat(), "deadline": expires.isoformat()})
        cite(*S["submit_application"].cites)
        sms_steps(True)
        return done("sms_two_stage_plan")
    trace.append("sms_expired_wrong_type")
    assume("wrong_type_asked_after_expiry")
    if ctx["wrong_type_activated"]:
        assume("wrong_type_fix_documents_unstated")
        cite(*N["sms_fix_wrong_type"].cites)
        steps.append({"action": "contact_office", "text": T["fix"]})
        return done("sms_fix_wrong_type")
    trace.append("sms_expired_submitted")
    assume("application_timing_unknown")
    cite(*N["sms_expired_submitted"].cites)
    if ctx["online_renewal_submitted"]:
        cite(*N["sms_stage_two"].cites)
        sms_steps(True)
        return done("sms_stage_two")
    assume("certification_center_documents_unstated")
    cite(*N["sms_missed_online_window"].cites)
    sms_steps(False)
    steps.append({"action": "visit_certification_center", "text": T["center"]})
    return done("sms_missed_online_window")


# -- contexts ------------------------------------------------------------------------

def contexts(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    office = [{"channel": "office", "subscriber_type": st, "appears_in_person": p, "citizenship": c,
               "legal_entity_status": s}
              for st, p, c, s in itertools.product(["individual", "legal_entity"], [True, False],
                                                   ["azerbaijan", "foreign"], ["existing", "new"])]
    types = ["citizen", "business", "governmental"]
    out = []
    for _ in range(n):
        if rnd.random() < 0.3:
            out.append(dict(rnd.choice(office)))
            continue
        out.append({"channel": "sms",
                    "certificate_expires_on": (AS_OF + timedelta(days=rnd.randint(-90, 90))).isoformat(),
                    "online_renewal_submitted": rnd.random() < 0.5, "service_type": rnd.choice(types),
                    "current_service_type": rnd.choice(types), "balance_covers_tariff": rnd.random() < 0.7,
                    "wrong_type_activated": rnd.random() < 0.1})
    return out


def _canon(d: dict) -> dict:
    # citation order follows the walk in both; compare content, order-insensitively for lists of sentences
    return {**d, "citations": sorted(d["citations"]), "assumptions": sorted(a["id"] for a in d["assumptions"])}


def disagreements(ctxs: list[dict]) -> list[tuple[dict, dict, dict]]:
    """(context, ours, hand's) for each context on which the engine and the hand-written rules differ.
    The test suite runs this on a sample (tests/test_bench.py)."""
    out = []
    for c in ctxs:
        ours = run(POLICY, c, AS_OF).to_dict()
        # additions the contract lacks
        for extra in ("title", "questions", "reasons", "explanation", "caveats", "policy_digest"):
            ours.pop(extra)
        theirs = hand(c, AS_OF)
        if _canon(ours) != _canon(theirs):
            out.append((c, ours, theirs))
    return out


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        gc.enable()
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    ctxs = contexts(n)
    differ = disagreements(ctxs)
    assert not differ, differ[0]
    print(f"{n:,} contexts, every route; our decisions equal the hand-written ones on all of them\n")

    t_hand = best_of(lambda: [hand(c, AS_OF) for c in ctxs])
    t_run = best_of(lambda: [run(POLICY, c, AS_OF) for c in ctxs])
    t_run_dict = best_of(lambda: [run(POLICY, c, AS_OF).to_dict() for c in ctxs])
    t_eval = best_of(lambda: [ap.evaluate("asan-imza-renewal", c, as_of=AS_OF) for c in ctxs])
    t_eval_dict = best_of(lambda: [ap.evaluate("asan-imza-renewal", c, as_of=AS_OF).to_dict() for c in ctxs])
    t_many = best_of(lambda: list(ap.evaluate_many("asan-imza-renewal", ctxs, as_of=AS_OF)))
    t_many_dict = best_of(lambda: [d.to_dict() for d in ap.evaluate_many("asan-imza-renewal", ctxs, as_of=AS_OF)])
    rows = [("hand-written function (dict)", t_hand), ("interpreter: run, policy resolved", t_run),
            ("interpreter: run + to_dict (as hand)", t_run_dict),
            ("compiled: evaluate (Decision)", t_eval), ("compiled: evaluate + to_dict (as hand)", t_eval_dict),
            ("compiled: evaluate_many (Decision)", t_many), ("compiled: evaluate_many + to_dict", t_many_dict)]
    print(f"{'':42} {'µs/call':>9} {'decisions/s':>12} {'× hand':>7}")
    for name, t in rows:
        print(f"{name:42} {t / n * 1e6:9.2f} {n / t:12,.0f} {t / t_hand:7.1f}")

    def cold(args):
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(args, capture_output=True, check=True, cwd=ROOT)
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    base = cold([sys.executable, "-c", "pass"])
    cli = cold([sys.executable, "-m", "asanimza_policy", "evaluate", "asan-imza-renewal", "--as-of", "2026-11-24"])
    chk = cold([sys.executable, "-m", "asanimza_policy", "check"])
    print(f"\ncold command line, medians of 5 (above `python -c pass` = {base * 1e3:.0f} ms):")
    print(f"  evaluate  +{(cli - base) * 1e3:.0f} ms")
    print(f"  check     +{(chk - base) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
