"""Every finding code an author can meet, produced by a fixture broken in exactly one way.

``tests/fixtures/broken/base.yaml`` is a small valid policy (a library card, nothing
to do with the shipped policy); every other policy file there is ``base.yaml`` with one
mistake, named on its first line. ``CASES`` says what the author is shown for each:
the code, the line and column, and words of the message. The YAML codes have their
fixtures in ``tests/fixtures/loader`` (``test_loader.BROKEN``).

A code in ``asanimza_policy/codes.py`` (the one table every finding's code must be in) that no
case produces fails ``test_every_code_has_a_fixture``: a new code comes with its fixture.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy.check import check_paths
from asanimza_policy.codes import CODES
from asanimza_policy.errors import PolicyError
from asanimza_policy.scenarios import run_file

from .test_loader import BROKEN as LOADER_CASES

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).parent / "fixtures" / "broken"
BASE = BROKEN / "base.yaml"

# What a reader of the base policy answers with no mistake: an adult, in the window.
ADULT = {"has_fines": False, "card_expires_on": "2026-03-10", "age": 30, "branch": "east"}
AS_OF = "2026-03-01"


@dataclass(frozen=True)
class Case:
    fixture: str           # under tests/fixtures/broken/
    via: str               # check: `check` on the path; load: ap.load; evaluate: ap.evaluate; scenario: `test`
    code: str
    at: str                # "line:col" of the finding, 1-based as editors show it
    says: str              # words of the message
    reported: str = ""     # the file the finding names, when the fixture is a folder
    context: dict = field(default_factory=dict)
    severity: str = "error"
    limit: int | None = None   # --max-combinations

    def __str__(self):
        return f"{self.code}-{self.fixture}-{self.via}"


CASES = [
    # 2. shape: what `check` shows (the JSON Schema's finding), and the interpreter's own reading (ap.load)
    Case("empty.yaml", "check", "SCHEMA_EMPTY", "1:1", "the file is empty"),
    Case("schema_missing_title.yaml", "check", "SCHEMA_REQUIRED", "2:1", "a policy file needs 'title'"),
    Case("schema_url.yaml", "check", "SCHEMA", "11:8", "source.url must be a web address starting with http://"),
    Case("schema_missing_title.yaml", "load", "SCHEMA_REQUIRED", "2:1", "a policy file needs 'title'"),
    Case("schema_unknown_key.yaml", "check", "SCHEMA_UNKNOWN_KEY", "85:5", "unknown key 'note'"),
    Case("schema_type.yaml", "load", "SCHEMA_TYPE", "100:12", "steps must be a list; got text"),
    Case("schema_enum.yaml", "load", "SCHEMA_ENUM", "83:13",
         "status must be one of complete, not_covered; got 'unknown'"),
    Case("schema_name.yaml", "load", "SCHEMA_NAME", "40:32", "field 'text' is reserved for every step"),
    Case("schema_version.yaml", "load", "SCHEMA_VERSION", "3:10", "must be a semantic version like 1.0.0; got '1.0'"),
    Case("schema_date.yaml", "check", "SCHEMA_DATE", "5:17", "must be a date YYYY-MM-DD; got '2026-02-30'"),
    Case("schema_dates.yaml", "check", "SCHEMA_DATES", "6:18", "effective_until 2025-12-31 is before effective_from"),
    Case("schema_range.yaml", "check", "SCHEMA_RANGE", "14:14", "minimum 120 is greater than maximum 0"),
    Case("schema_timezone.yaml", "check", "SCHEMA_TIMEZONE", "7:11", "unknown time zone 'Europe/Lisbn'"),
    Case("schema_duplicate.yaml", "load", "SCHEMA_DUPLICATE", "23:13", "values of 'branch' repeat"),
    Case("schema_limit.yaml", "load", "SCHEMA_LIMIT", "100:12", "more than 100 steps"),
    # 3. references and expressions
    Case("ref_node.yaml", "check", "REF_NODE", "70:15", "no node 'too_erly' (did you mean 'too_early'?)"),
    Case("ref_step.yaml", "check", "REF_STEP", "101:9",
         "no step 'bring_cards' under steps (did you mean 'bring_card'?)"),
    Case("ref_action.yaml", "check", "REF_ACTION", "79:17", "action 'pya' is not declared under actions"),
    Case("ref_field.yaml", "check", "REF_FIELD", "94:11",
         "action 'go' has no field 'not_befor'; its fields are not_before"),
    Case("ref_document.yaml", "check", "REF_DOCUMENT", "102:17", "document 'crad' is not declared"),
    Case("ref_assumption.yaml", "check", "REF_ASSUMPTION", "89:15", "assumption 'desk_hour' is not declared"),
    Case("ref_caveat.yaml", "check", "REF_CAVEAT", "53:15", "caveat 'desk_hour' is not declared under caveats"),
    Case("ref_input.yaml", "check", "REF_INPUT", "33:11", "from must name an enum input; 'age' is not one"),
    Case("ref_input_typo.yaml", "check", "REF_INPUT", "33:11",
         "from must name an enum input; 'brnach' is not one (did you mean 'branch'?)"),
    Case("ref_value.yaml", "check", "REF_VALUE", "26:7", "label for 'west', which is not a value of 'branch'"),
    Case("map_incomplete.yaml", "check", "MAP_INCOMPLETE", "35:7", "map of 'desk' has no entry for east"),
    Case("expr.yaml", "check", "EXPR", "71:21", "cannot compare integer with string"),
    Case("expr_unquoted_value.yaml", "check", "EXPR", "59:38",
         "unknown name 'east': did you mean 'east' in quotes? (one of branch's values)"),
    Case("template.yaml", "check", "TEMPLATE", "80:15", "names {brnach}, which is not an input"),
    Case("optional_unguarded.yaml", "check", "OPTIONAL_UNGUARDED", "75:15", "reads the optional input 'renewed_on' "
         "where given(renewed_on) is not known to hold"),
    Case("given_not_input.yaml", "check", "GIVEN_NOT_INPUT", "71:15", "'days_left' is not an input"),
    Case("expr_date_overflow.yaml", "check", "EXPR_DATE_OVERFLOW", "94:23", "field not_before: date arithmetic "
         "leaves the calendar (years 1 to 9999) whatever the context: 9999-12-31 + 1 is outside it"),
    Case("derived_cycle.yaml", "check", "DERIVED_CYCLE", "29:3", "in a loop: days_left -> days_left"),
    Case("derived_too_deep.yaml", "check", "DERIVED_TOO_DEEP", "61:3",
         "more than 16 levels deep: d16 -> d15 -> d14 -> ... -> d0"),
    Case("graph_cycle.yaml", "check", "GRAPH_CYCLE", "73:16", "the graph loops: fines -> window -> fines"),
    # 4. content
    Case("citation_not_found.yaml", "check", "CITATION_NOT_FOUND", "31:13",
         "not found word for word in source/rules.txt"),
    Case("citation_fragment.yaml", "check", "CITATION_FRAGMENT", "67:13", "cite whole sentences", severity="warning"),
    Case("caveat_unused.yaml", "check", "CAVEAT_UNUSED", "51:5", "caveat 'desk_hours_posted' is attached to no step "
         "or outcome", severity="warning"),
    Case("source_missing.yaml", "check", "SOURCE_MISSING", "10:9", "source text source/rule.txt not found"),
    Case("layout", "check", "LAYOUT", "3:10", "file 1.0.1.yaml declares version 1.0.0; name the file 1.0.0.yaml",
         reported="layout/library-card/1.0.1.yaml"),
    Case("version_overlap", "check", "VERSION_OVERLAP", "5:17", "version 1.1.0 takes effect on 2026-01-01, the same "
         "day as version 1.0.0", reported="version_overlap/library-card/1.1.0.yaml"),
    Case("version_timezone", "check", "VERSION_TIMEZONE", "6:11", "time zone Europe/Madrid differs from Europe/Lisbon",
         reported="version_timezone/library-card/1.1.0.yaml"),
    Case("source_uncited.yaml", "check", "SOURCE_UNCITED", "10:9", "source/rules.txt:3:43: 'Minors need a note from "
         "a parent.' is cited by no node, step, derived value or assumption (source coverage 50%: 1 of 2 sentences)",
         severity="warning"),
    # 5. structure
    Case("node_unreachable.yaml", "check", "NODE_UNREACHABLE", "103:3", "node 'orphan' is not reached by any route"),
    Case("outcome_unreachable.yaml", "check", "OUTCOME_UNREACHABLE", "103:3", "outcome 'closed' is not reached"),
    Case("input_unused.yaml", "check", "INPUT_UNUSED", "28:3", "input 'pet' is declared but never used",
         severity="warning"),
    Case("derived_unused.yaml", "check", "DERIVED_UNUSED", "37:3", "derived value 'next_year_age' is declared but "
         "never used", severity="warning"),
    Case("document_unused.yaml", "check", "DOCUMENT_UNUSED", "46:3", "document 'photo' is declared but never used",
         severity="warning"),
    Case("action_unused.yaml", "check", "ACTION_UNUSED", "43:3", "action 'call' is declared but never used",
         severity="warning"),
    Case("assumption_unused.yaml", "check", "ASSUMPTION_UNUSED", "49:3", "assumption 'open_daily' is declared",
         severity="warning"),
    Case("step_unused.yaml", "check", "STEP_UNUSED", "53:3", "shared step 'pay_step' is declared but never used",
         severity="warning"),
    # 6. logic: each with a context to paste
    Case("logic_gap.yaml", "check", "LOGIC_GAP", "63:3", "node 'window': no branch holds and there is no "
         "otherwise for a context that reaches it; try: echo '{\"card_expires_on\": \"2026-04-15\", "
         "\"has_fines\": false}' | asanimza-policy evaluate"),
    Case("logic_overlap.yaml", "check", "LOGIC_OVERLAP", "61:9", "node 'fines': branches 1 and 2 both hold "
         "(declare match: first, or make them exclusive); try: echo '{\"has_fines\": true, \"branch\": \"east\"}'"),
    Case("logic_shadowed.yaml", "check", "LOGIC_SHADOWED", "71:9", "node 'window': branch 2 (goto too_early) is "
         "never taken: an earlier branch holds whenever this one does"),
    Case("logic_limit.yaml", "check", "LOGIC_LIMIT", "55:3", "stopped after 5 combinations", severity="warning",
         limit=5),
    Case("schema_hash.yaml", "load", "SCHEMA_HASH", "11:11", "source sha256 must be 64 lowercase hex digits"),
    Case("source_changed.yaml", "check", "SOURCE_CHANGED", "12:11", "not the 000000000000… recorded in "
         "source.sha256 (taken on 2026-01-15)"),
    Case("version_locked", "check", "VERSION_LOCKED", "3:10", "version 1.0.0 is published and locked in "
         "versions.lock, but this file changed; a published version never changes",
         reported="version_locked/library-card/1.0.0.yaml"),
    Case("lock_file", "check", "LOCK_FILE", "2:1", "versions.lock is not valid JSON",
         reported="lock_file/library-card/versions.lock"),
    # at evaluation time: a defect of the policy is reported, never answered by guessing
    Case("node_gap.yaml", "evaluate", "NODE_GAP", "64:5", "node 'window': no branch matches and there is no otherwise",
         context=ADULT),
    Case("node_gap_unique.yaml", "evaluate", "NODE_GAP", "56:5", "node 'fines': branches 1 and 2 both match",
         context={"has_fines": True, "age": 30}),
    Case("date_overflow.yaml", "evaluate", "DATE_OVERFLOW", "64:5", "node 'window': 2026-03-01 plus 999999999 days "
         "is outside the calendar, whatever the context", context=ADULT),
    # 0. paths: a path that is not a file is never read; what a walk meets is a finding, never silence
    Case("file_not_regular.yaml", "load", "FILE", "1:1", "is a folder, not a regular file"),
    Case("folder_no_policy", "check", "FOLDER_NO_POLICY", "1:1", "no policy file (<id>/<version>.yaml"),
    Case("file_not_policy_scenario.yaml", "check", "FILE_NOT_POLICY", "1:1",
         "a scenario file, not a policy; run it with `asanimza-policy test`"),
    Case("file_ignored", "check", "FILE_IGNORED", "1:1", "draft.yaml is not named <version>.yaml",
         reported="file_ignored/library-card/draft.yaml", severity="warning"),
    # 5. baselines
    Case("baseline_invalid", "check", "BASELINE_INVALID", "2:1", "not JSON",
         reported="baseline_invalid/library-card/check-baseline.json"),
    # scenario files
    Case("scenario_without_as_of.yaml", "scenario", "SCENARIO", "4:5", 'a scenario needs as_of: "YYYY-MM-DD"'),
]


def findings_of(case: Case) -> list:
    path = BROKEN / case.fixture
    if case.via == "check":
        return check_paths([str(path)], max_combinations=case.limit)
    if case.via == "scenario":
        results, findings = run_file(path)
        assert results == []
        return findings
    if case.via == "evaluate":
        policy = ap.load(path)      # loads: the defect shows only when a context reaches it
        with pytest.raises(PolicyError) as e:
            ap.evaluate(policy, case.context, as_of=AS_OF)
    else:
        with pytest.raises(PolicyError) as e:
            ap.load(path)
    return list(e.value.findings)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_fixture_reports_its_one_finding(case):
    [f] = findings_of(case)
    assert (f.code, f"{f.line}:{f.col}", f.severity) == (case.code, case.at, case.severity)
    assert case.says in f.message
    assert Path(f.path).resolve() == BROKEN / (case.reported or case.fixture)


@pytest.mark.parametrize("case", [c for c in CASES if c.via == "load" and c.code != "FILE"], ids=str)
def test_check_reports_the_same_place_once(case):
    """Where the interpreter's reading has its own code, `check` tells the author once, at the same place."""
    [f] = check_paths([str(BROKEN / case.fixture)])
    assert f"{f.line}:{f.col}" == case.at


def test_base_is_valid_and_answers():
    assert check_paths([str(BASE)]) == []
    d = ap.evaluate(ap.load(BASE), ADULT, as_of=AS_OF)
    assert (d.outcome, [s.text for s in d.steps]) == ("adult", ["Bring your card to the desk on the ground floor."])


def test_every_fixture_has_a_case():
    fixtures = {p.name for p in BROKEN.iterdir() if p.name not in ("base.yaml", "source")}
    assert fixtures == {c.fixture for c in CASES}


def test_every_policy_fixture_says_how_it_is_broken():
    for p in BROKEN.rglob("*.yaml"):
        if p != BASE and "scenario" not in p.name and p.is_file():
            assert p.read_text(encoding="utf-8").startswith("# base.yaml broken in one way: "), p


# -- every code has its fixture ------------------------------------------------------------------

def test_every_code_has_a_fixture():
    """A Finding refuses a code that is not in codes.py (the one table), so a new check adds its row
    there, and then its fixture here."""
    covered = {c.code for c in CASES} | {code for code, _, _ in LOADER_CASES.values()}
    missing = set(CODES) - covered
    assert not missing, f"codes no fixture produces (add a fixture and a Case): {sorted(missing)}"


def test_a_suggestion_is_never_the_name_refused():
    # 'age' is an input but not an enum: "did you mean 'age'?" would send the author in a circle
    [f] = check_paths([str(BROKEN / "ref_input.yaml")])
    assert f.message == "from must name an enum input; 'age' is not one"
