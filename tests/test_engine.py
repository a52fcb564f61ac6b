"""The interpreter, through the public API, against the contract."""
from __future__ import annotations

import copy
import itertools
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import asanimza_policy as ap
from asanimza_policy import registry
from asanimza_policy.check import normalize

from .conftest import AS_OF, POLICY_DIR, POLICY_FILE

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
SOURCE = normalize((POLICY_DIR / "source" / "azercell-asan-imza-extension.txt").read_text(encoding="utf-8"))
CONTRACT_KEYS = ["policy", "version", "as_of", "status", "outcome", "missing", "steps", "documents", "trace",
                 "citations", "assumptions"]
ACTION_FIELDS = {
    "visit_office": [], "submit_online_application": ["not_before", "deadline"],
    "send_sms": ["sms_to", "sms_text", "not_before", "deadline"], "visit_certification_center": [],
    "top_up_balance": [], "wait": ["until"], "contact_office": []}
DOCUMENTS = {"id_card", "residence_permit", "foreign_passport", "power_of_attorney", "trustee_id_card",
             "letter_of_request"}


@pytest.fixture
def toy_policies(monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(FIXTURES))
    registry.clear_cache()
    yield
    registry.clear_cache()


def sms(**extra):
    base = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
            "service_type": "business", "current_service_type": "business", "balance_covers_tariff": True}
    base.update(extra)
    return base


# -- the decision document -----------------------------------------------------

def test_decision_document_has_the_contract_keys_in_order():
    d = ap.evaluate("asan-imza-renewal", sms(), as_of=AS_OF).to_dict()
    assert list(d)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert json.loads(json.dumps(d)) == d          # plain JSON values only
    assert d["as_of"] == "2026-11-24" and d["version"] == "1.0.0" and d["policy"] == "asan-imza-renewal"


def test_contract_example_sms_step():
    d = ap.evaluate("asan-imza-renewal", sms(), as_of=AS_OF).to_dict()
    [step] = [s for s in d["steps"] if s["action"] == "send_sms"]
    assert {k: step[k] for k in ("sms_to", "sms_text", "not_before", "deadline")} == {
        "sms_to": "8500", "sms_text": "biznes", "not_before": "2026-12-02", "deadline": None}
    assert step["text"]


def test_every_step_carries_every_field_of_its_action():
    d = ap.evaluate("asan-imza-renewal", sms(balance_covers_tariff=False), as_of=date(2026, 10, 1)).to_dict()
    assert [s["action"] for s in d["steps"]] == ["wait", "submit_online_application", "top_up_balance", "send_sms",
                                                 "wait"]
    for s in d["steps"]:
        assert list(s) == ["action", "text"] + ACTION_FIELDS[s["action"]]


def test_needs_input_asks_the_next_question():
    d = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": "individual"}, as_of=AS_OF)
    assert (d.status, d.outcome, d.missing) == ("needs_input", None, ("appears_in_person",))
    assert d.steps == () and d.documents == ()
    assert d.trace == ("channel", "office_subscriber_type", "office_individual_presence")
    assert d.questions[0].field == "appears_in_person"
    assert d.questions[0].text == "Can the subscriber come to the office in person?"
    assert d.to_dict()["questions"][0]["type"] == "boolean"


def test_needs_input_at_an_outcome_lists_fields_in_declared_order():
    d = ap.evaluate("asan-imza-renewal", {"channel": "sms", "certificate_expires_on": "2026-12-01",
                                          "online_renewal_submitted": True}, as_of=AS_OF)
    assert d.status == "needs_input"
    assert d.trace[-1] == "sms_stage_two"
    # in the order the policy declares its inputs (the source's: type, balance, current type)
    assert d.missing == ("service_type", "balance_covers_tariff", "current_service_type")


def test_null_is_the_same_as_absent():
    a = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": None}, as_of=AS_OF)
    b = ap.evaluate("asan-imza-renewal", {"channel": "office"}, as_of=AS_OF)
    assert a == b and a.missing == ("subscriber_type",)


def test_not_covered_names_its_outcome():
    d = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": "legal_entity",
                                          "legal_entity_status": "new"}, as_of=AS_OF)
    assert (d.status, d.outcome, d.steps, d.documents) == ("not_covered", "office_new_company", (), ())
    assert "Existing company:" in d.citations


def test_citations_and_assumptions_each_once_and_from_the_walk():
    d = ap.evaluate("asan-imza-renewal", sms(current_service_type="citizen"), as_of=AS_OF)
    assert len(d.citations) == len(set(d.citations))
    assert len(d.assumptions) == len({a for a, _ in d.assumptions})
    assert "The subscriber can change the Asan Imza certificate type via SMS only after the 3-year period has " \
           "expired." in d.citations
    same = ap.evaluate("asan-imza-renewal", sms(), as_of=AS_OF)
    assert "The subscriber can change the Asan Imza certificate type via SMS only after the 3-year period has " \
           "expired." not in same.citations


def test_unique_branches_decide_without_asking_what_they_do_not_need():
    # a contradicting extra field is ignored, not asked about or guessed from
    d = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": "individual",
                                          "appears_in_person": False, "service_type": "citizen"}, as_of=AS_OF)
    assert d.outcome == "office_by_power_of_attorney" and d.documents == ("power_of_attorney",)


# -- exhaustive: every combination of the inputs each route reads ---------------

def _all(values):
    return [None, *values]


def _office_contexts():
    for st, cz, ap_, les in itertools.product(_all(["individual", "legal_entity"]), _all(["azerbaijan", "foreign"]),
                                              _all([True, False]), _all(["existing", "new"])):
        yield {"channel": "office", "subscriber_type": st, "citizenship": cz, "appears_in_person": ap_,
               "legal_entity_status": les}


def _sms_contexts():
    expiries = [None] + [(AS_OF + timedelta(days=n)).isoformat() for n in (-400, -1, 0, 1, 29, 30, 400)]
    types = _all(["citizen", "business", "governmental"])
    for exp, sub, st, cur, bal, wrong in itertools.product(expiries, _all([True, False]), types, types,
                                                           _all([True, False]), _all([True, False])):
        yield {"channel": "sms", "certificate_expires_on": exp, "online_renewal_submitted": sub, "service_type": st,
               "current_service_type": cur, "balance_covers_tariff": bal, "wrong_type_activated": wrong}


def test_every_context_gets_a_sound_decision():
    policy = ap.load(POLICY_FILE)
    seen_outcomes = set()
    contexts = [{}, {"channel": None}, *_office_contexts(), *_sms_contexts()]
    for ctx in contexts:
        before = copy.deepcopy(ctx)
        d = ap.evaluate(policy, ctx, as_of=AS_OF)
        assert ctx == before, "the caller's context was changed"
        assert d.trace and d.trace[0] == "channel"
        if d.status == "needs_input":
            assert d.outcome is None and d.missing and not d.steps
            assert all(ctx.get(m) is None for m in d.missing), "asked for a field that was given"
        else:
            assert d.outcome == d.trace[-1] and not d.missing
            seen_outcomes.add(d.outcome)
        for s in d.to_dict()["steps"]:
            assert list(s) == ["action", "text"] + ACTION_FIELDS[s["action"]]
            assert "{" not in s["text"] and "None" not in s["text"]
        assert set(d.documents) <= DOCUMENTS
        for c in d.citations:
            assert normalize(c) in SOURCE
    outcomes = {n for n, node in policy.nodes.items() if node.kind == "outcome"}
    assert seen_outcomes == outcomes, f"never reached: {outcomes - seen_outcomes}"


# -- dates ---------------------------------------------------------------------

def test_default_as_of_is_today_in_the_policys_time_zone():
    d = ap.evaluate("asan-imza-renewal", {})
    assert d.as_of == datetime.now(ZoneInfo("Asia/Baku")).date()


def test_as_of_as_iso_string():
    assert ap.evaluate("asan-imza-renewal", {}, as_of="2026-11-24").as_of == AS_OF


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", datetime(2026, 11, 24, 10, 0), 20261124])
def test_bad_as_of_names_as_of(bad):
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate("asan-imza-renewal", {}, as_of=bad)
    assert str(e.value).startswith("as_of:") and e.value.field == "as_of"


@pytest.mark.parametrize("expiry", ["9999-12-31"])
def test_dates_at_the_end_of_the_calendar_are_bad_input_not_a_crash(expiry):
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate("asan-imza-renewal", sms(certificate_expires_on=expiry), as_of=AS_OF)
    assert e.value.field == "certificate_expires_on"
    assert "outside the calendar" in str(e.value)


# -- versions and the registry ---------------------------------------------------

def test_unknown_policy():
    with pytest.raises(ap.PolicyNotFound, match="unknown policy 'nope'; known policies: asan-imza-renewal"):
        ap.evaluate("nope", {})


@pytest.mark.parametrize("bad_id", ["../policies/asan-imza-renewal", "", "ASAN", "a/b"])
def test_policy_ids_cannot_reach_outside_the_registry(bad_id):
    with pytest.raises(ap.PolicyNotFound):
        ap.evaluate(bad_id, {})


def test_unknown_version():
    with pytest.raises(ap.PolicyNotFound, match="no version '9.9.9'; versions: 1.0.0"):
        ap.evaluate("asan-imza-renewal", {}, as_of=AS_OF, version="9.9.9")


def test_no_version_in_effect_names_policy_and_date():
    with pytest.raises(ap.PolicyNotFound) as e:
        ap.evaluate("asan-imza-renewal", {}, as_of=date(2020, 1, 1))
    assert "asan-imza-renewal" in str(e.value) and "2020-01-01" in str(e.value)


def test_version_in_effect_is_chosen_by_date(toy_policies):
    ctx = {"has_fines": False, "card_expires_on": "2026-03-10", "age": 40}
    assert ap.evaluate("library-card", ctx, as_of=date(2026, 3, 1)).version == "1.0.0"
    later = ap.evaluate("library-card", {**ctx, "card_expires_on": "2026-07-10"}, as_of=date(2026, 7, 1))
    assert (later.version, later.title) == ("1.1.0", "Renew (1.1)")
    pinned = ap.evaluate("library-card", ctx, as_of=date(2026, 3, 1), version="1.1.0")
    assert pinned.version == "1.1.0"


def test_a_policy_of_another_domain(toy_policies):
    d = ap.evaluate("library-card", {"has_fines": False, "card_expires_on": "2026-03-10", "age": 12},
                    as_of=date(2026, 3, 1))
    assert (d.outcome, d.documents) == ("minor", ("card", "guardian_note"))
    assert d.to_dict()["steps"][0]["not_before"] == "2026-02-24"
    assert d.citations == ("Cards can be renewed in the last 14 days.", "Minors need a note from a parent.")
    assert d.assumptions == (("desk_hours", "The rules do not give opening hours."),)
    first = ap.evaluate("library-card", {"has_fines": True, "branch": "east"}, as_of=date(2026, 3, 1))
    assert first.steps[0].text == "Pay your fines at the east branch."


def test_first_match_stops_at_an_unknown_earlier_branch(toy_policies):
    # days_left is unknown, so even a known age cannot skip the first branch
    d = ap.evaluate("library-card", {"has_fines": False, "age": 12}, as_of=date(2026, 3, 1))
    assert d.missing == ("card_expires_on",)


def test_policies_are_loaded_once_and_evaluation_does_no_io(monkeypatch):
    ap.evaluate("asan-imza-renewal", {}, as_of=AS_OF)

    def no_io(*a, **k):
        raise AssertionError("I/O during evaluation")
    monkeypatch.setattr(Path, "stat", no_io)
    monkeypatch.setattr(Path, "iterdir", no_io)
    monkeypatch.setattr("builtins.open", no_io)
    d = ap.evaluate("asan-imza-renewal", sms(), as_of=AS_OF)
    assert d.status == "complete"


# -- batch -----------------------------------------------------------------------

def test_evaluate_many_in_order():
    ctxs = [{}, {"channel": "office"}, sms()]
    out = list(ap.evaluate_many("asan-imza-renewal", ctxs, as_of=AS_OF))
    assert [d.status for d in out] == ["needs_input", "needs_input", "complete"]
    assert out == [ap.evaluate("asan-imza-renewal", c, as_of=AS_OF) for c in ctxs]


def test_evaluate_many_unknown_policy_raises_at_the_call():
    with pytest.raises(ap.PolicyNotFound):
        ap.evaluate_many("nope", iter([]))


def test_evaluate_many_bad_context_raises_in_turn_with_its_index():
    it = ap.evaluate_many("asan-imza-renewal", [{}, {"channel": "fax"}], as_of=AS_OF)
    assert next(it).status == "needs_input"
    with pytest.raises(ap.InvalidContext) as e:
        next(it)
    assert str(e.value).startswith("contexts[1]: channel:") and e.value.field == "channel"


# -- listeners -------------------------------------------------------------------

class Recorder(ap.Listener):
    def __init__(self):
        self.events = []

    def node_entered(self, node):
        self.events.append(("enter", node.id))

    def branch_taken(self, node, branch):
        self.events.append(("branch", node.id, branch.goto))

    def input_missing(self, node, names):
        self.events.append(("missing", node.id, names))

    def outcome_reached(self, node):
        self.events.append(("outcome", node.id))


def test_listeners_see_the_walk():
    r = Recorder()
    d = ap.evaluate("asan-imza-renewal", {"channel": "office", "subscriber_type": "legal_entity",
                                          "legal_entity_status": "existing"}, as_of=AS_OF, listeners=[r])
    assert r.events == [
        ("enter", "channel"), ("branch", "channel", "office_subscriber_type"),
        ("enter", "office_subscriber_type"), ("branch", "office_subscriber_type", "office_company_status"),
        ("enter", "office_company_status"), ("branch", "office_company_status", "office_existing_company"),
        ("enter", "office_existing_company"), ("outcome", "office_existing_company")]
    assert [e[1] for e in r.events if e[0] == "enter"] == list(d.trace)


def test_listeners_hear_missing_inputs():
    r = Recorder()
    ap.evaluate("asan-imza-renewal", {"channel": "sms"}, as_of=AS_OF, listeners=[r])
    assert r.events[-1] == ("missing", "sms_expiry", ("certificate_expires_on",))


# -- a policy with a defect cannot make the interpreter lie -----------------------

def test_overlapping_unique_branches_are_reported_not_guessed(policy_copy):
    path, _ = policy_copy(("      - when: not appears_in_person\n", "      - when: appears_in_person or true\n"))
    policy = ap.load(path)
    with pytest.raises(ap.PolicyError) as e:
        ap.evaluate(policy, {"channel": "office", "subscriber_type": "individual", "appears_in_person": True},
                    as_of=AS_OF)
    assert "both match" in str(e.value)


def test_gap_without_otherwise_is_reported(policy_copy):
    path, _ = policy_copy(("      - when: citizenship == 'foreign'\n", "      - when: false\n"))
    policy = ap.load(path)
    with pytest.raises(ap.PolicyError, match="no branch matches"):
        ap.evaluate(policy, {"channel": "office", "subscriber_type": "individual", "appears_in_person": True,
                             "citizenship": "foreign"}, as_of=AS_OF)


def test_loading_a_broken_policy_raises_with_findings(policy_copy):
    path, line = policy_copy(("start: channel\n", "start: nowhere\n"))
    with pytest.raises(ap.PolicyError) as e:
        ap.load(path)
    [f] = e.value.findings
    assert (f.code, f.line) == ("REF_NODE", line)


def test_model_is_immutable():
    policy = ap.load(POLICY_FILE)
    with pytest.raises((AttributeError, TypeError)):
        policy.nodes["x"] = None
    with pytest.raises(AttributeError):
        policy.start = "x"


def test_registry_refuses_a_file_whose_name_and_version_disagree(tmp_path, monkeypatch):
    import shutil
    shutil.copytree(FIXTURES / "library-card", tmp_path / "library-card")
    f = tmp_path / "library-card" / "1.1.0.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("version: 1.1.0", "version: 1.2.0"), encoding="utf-8")
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path))
    registry.clear_cache()
    try:
        with pytest.raises(ap.PolicyError) as e:
            ap.evaluate("library-card", {}, as_of=date(2026, 8, 1))
        [finding] = e.value.findings
        assert finding.code == "LAYOUT" and "declares version 1.2.0; name the file 1.2.0.yaml" in finding.message
    finally:
        registry.clear_cache()


def test_a_node_kind_the_walk_does_not_know_is_an_error_not_an_outcome():
    import dataclasses
    from types import MappingProxyType

    @dataclasses.dataclass(frozen=True)
    class Pause:                       # a kind the builder might learn before the walk does
        id: str
        title: str = "pause"
        cites: tuple = ()
        assumes: tuple = ()
        kind = "pause"

    policy = ap.load(POLICY_FILE)
    odd = dataclasses.replace(policy, nodes=MappingProxyType({**policy.nodes, policy.start: Pause(policy.start)}))
    with pytest.raises(TypeError, match="no rule for node kind 'pause'"):
        ap.evaluate(odd, {}, as_of=AS_OF)


# -- the walk's bookkeeping, on a policy made for it (tests/fixtures/engine/unknowns.yaml) ----------

@pytest.fixture(scope="module")
def unknowns():
    return ap.load(Path(__file__).parent / "fixtures" / "engine" / "unknowns.yaml")


@pytest.mark.parametrize("context, missing", [
    # match: unique: every branch that cannot be told yet is asked about, together
    ({}, ("member", "paid")),
    # match: first: the first unknown branch blocks, and the question asks for what the later branches read
    ({"member": True}, ("age", "start_on", "colour")),
    # an outcome asks for what its steps' fields (note_day) and texts ({shade}, from colour) read
    ({"member": True, "start_on": "2026-03-01", "age": 70}, ("colour", "note_day")),
])
def test_a_decision_asks_for_every_field_it_needs_at_once(unknowns, context, missing):
    d = ap.evaluate(unknowns, context, as_of="2026-03-01")
    assert (d.status, d.missing) == ("needs_input", missing)


def test_step_text_shows_values_as_a_person_reads_them(unknowns):
    said = {member: ap.evaluate(unknowns, {"member": member, "paid": not member, "start_on": "2026-04-01"},
                                as_of="2026-03-01").steps[0].text for member in (True, False)}
    assert said == {True: "Come on 2026-04-01; member: yes; until: none.",
                    False: "Come on 2026-04-01; member: no; until: none."}


def test_a_derived_value_is_cited_only_once_it_is_known(unknowns):
    asked = ap.evaluate(unknowns, {"member": True}, as_of="2026-03-01")
    assert asked.citations == ()
    known = ap.evaluate(unknowns, {"member": True, "start_on": "2026-03-01"}, as_of="2026-03-01")
    assert known.citations == ("Starting on another day is noted.",)


@pytest.mark.parametrize("as_of, blamed", [
    ("0001-01-01", "as_of"),       # the date at the calendar's edge is to blame, not the first one read
    ("9999-12-31", "as_of"),
    ("0400-01-01", "as_of"),       # a date far from the present: the caller's, not the policy's, doing
])
def test_a_date_pushed_off_the_calendar_blames_the_input_behind_it(unknowns, as_of, blamed):
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate(unknowns, {"member": True, "start_on": "2026-01-01"}, as_of=as_of)
    assert e.value.field == blamed and str(e.value).startswith(f"{blamed}: ")
    assert str(e.value).endswith(" is outside the calendar")


def test_listeners_hear_the_start_and_each_step_with_its_outcome(unknowns):
    class Steps(ap.Listener):
        def __init__(self):
            self.heard = []

        def walk_started(self, policy, as_of):
            self.heard.append(("start", policy.id, as_of))

        def step_planned(self, outcome, step):
            self.heard.append(("step", outcome.id, step.action))

    r = Steps()
    ap.evaluate(unknowns, {"member": True, "start_on": "2026-04-01"}, as_of="2026-03-01", listeners=[r])
    assert r.heard == [("start", "unknowns", date(2026, 3, 1)), ("step", "later", "go"), ("step", "later", "go")]
