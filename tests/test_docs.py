"""The documentation says what the code does, because it is generated from it:
committed pages match a fresh generation, every route and code is there."""
from __future__ import annotations

import re

import pytest

import asanimza_policy as ap
from asanimza_policy import docs
from asanimza_policy.codes import CODES
from asanimza_policy.findings import Finding
from asanimza_policy.model import SEMVER
from asanimza_policy.routes import routes

from .conftest import POLICY_FILE, ROOT, reads_the_source
from .test_render import FIXTURES

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def shipped():
    return docs.found_policies()


@pytest.fixture(scope="module")
def fixture_versions():
    folder = FIXTURES / "library-card"
    return {"library-card": sorted((ap.load(f) for f in folder.glob("*.yaml") if SEMVER.match(f.stem)),
                                   key=lambda p: p.version_key)}


def test_committed_docs_match_a_fresh_generation(shipped, monkeypatch):
    monkeypatch.delenv("ASANIMZA_POLICY_PATH", raising=False)
    fresh = docs.committed_files(shipped)
    stale = [rel for rel, text in fresh.items()
             if not (DOCS / rel).is_file() or (DOCS / rel).read_text(encoding="utf-8") != text]
    assert stale == [], "generated docs are out of date: run `make docs` and commit the result"
    assert docs.stale_files(DOCS, fresh) == [], "docs for a policy that no longer exists: run `make docs`"


def test_docs_command_writes_pages_and_build_files(tmp_path, monkeypatch, capsys):
    from asanimza_policy.cli import main

    monkeypatch.delenv("ASANIMZA_POLICY_PATH", raising=False)
    assert main(["docs", "-o", str(tmp_path)]) == 0
    assert "pages and diagrams" in capsys.readouterr().out
    page = tmp_path / "policies" / "asan-imza-renewal" / "1.0.0.md"
    assert page.is_file() and (tmp_path / "checks.md").is_file() and (tmp_path / "scenarios.md").is_file()
    assert (tmp_path / "_build" / "policies" / "asan-imza-renewal" / "1.0.0.html").is_file()
    # every relative link of every generated page leads to a file that exists
    for md in tmp_path.rglob("*.md"):
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            target = (md.parent / link).resolve()
            if "_build" in link and not target.exists():
                assert link.endswith(".svg"), link     # only the SVG is missing, when dot is
                continue
            assert target.exists(), f"{md.relative_to(tmp_path)} links to {link}"
    # run again: nothing changes
    assert main(["docs", "-o", str(tmp_path)]) == 0
    assert "(0 changed)" in capsys.readouterr().out


def test_docs_into_a_file_is_exit_2(tmp_path, capsys):
    from asanimza_policy.cli import main

    f = tmp_path / "x"
    f.write_text("", encoding="utf-8")
    assert main(["docs", "-o", str(f)]) == 2
    assert "not a folder" in capsys.readouterr().err


def count_routes(policy, nid=None) -> int:
    """Paths from the start to outcomes, counted without networkx."""
    node = policy.nodes[nid or policy.start]
    if node.kind != "decision":
        return 1
    return sum(count_routes(policy, b.goto) for b in node.exits)


def route_leaves(page: str) -> list[str]:
    return re.findall(r"^ *- \*\*R\d+\*\* → .*$", page, re.M)


def route_chains(page: str) -> dict[str, list[str]]:
    """Route number -> the conditions above it in the Routes outline, outermost first."""
    start = page.index("## Routes")
    section = page[start:page.index("\n## ", start + 1)]
    stack: list[str] = []
    out = {}
    for line in section.splitlines():
        m = re.match(r"^( *)- (.*)$", line)
        if not m:
            continue
        del stack[len(m[1]) // 2:]
        leaf = re.match(r"\*\*(R\d+)\*\* → ", m[2])
        if leaf:
            out[leaf[1]] = list(stack)
        else:
            stack.append(m[2])
    return out


@pytest.mark.parametrize("which", ["shipped", "fixture"])
def test_every_route_to_every_outcome_is_in_the_outline(which, shipped, fixture_versions):
    all_versions = shipped if which == "shipped" else fixture_versions
    for versions in all_versions.values():
        for policy in versions:
            page = docs.policy_page(policy, versions)
            leaves = route_leaves(page)
            assert len(leaves) == count_routes(policy)
            reached = [re.search(r"\[`(\w+)`\]", row)[1] for row in leaves]
            outcomes = {n for n, node in policy.nodes.items() if node.kind != "decision"}
            assert set(reached) == outcomes
            # each route's lines above it are exactly its conditions, in order
            chains = route_chains(page)
            for r in routes(policy):
                assert chains[f"R{r.number}"] == [h.text for h in r.hops]
            # and a condition shared by several routes is written once
            start = page.index("## Routes")
            lines = [ln for ln in page[start:page.index("\n## ", start + 1)].splitlines()
                     if re.match(r" *- ", ln) and " → [`" not in ln]
            assert len(lines) == len({r.hops[:k + 1] for r in routes(policy) for k in range(len(r.hops))})
            for node in policy.nodes.values():
                assert f"`{node.id}`" in page
            for name in [*policy.assumptions, *policy.inputs]:
                assert f"`{name}`" in page


def test_seed_routes_read_in_words(shipped):
    page = docs.policy_page(shipped["asan-imza-renewal"][0], shipped["asan-imza-renewal"])
    assert route_chains(page)["R1"] == [
        "at an office: channel is office", "individual: subscriber type is individual",
        "comes in person: appears in person is yes", "citizen of Azerbaijan: citizenship is azerbaijan"]
    leaves = route_leaves(page)
    assert leaves[0].strip() == ("- **R1** → [`office_individual_id_card`](#outcome-office-individual-id-card): "
                                 "`visit_office`; bring `id_card`")
    two_stage = next(r for r in leaves if "`sms_two_stage_plan`" in r)
    assert "`submit_online_application` → `top_up_balance`†" in two_stage
    plan = page[page.index('id="outcome-sms-two-stage-plan"'):]
    assert "   - not before: online window opens\n   - deadline: certificate expires on" in plan
    assert "*(only if balance covers tariff is no)*" in plan
    not_covered = next(r for r in leaves if "`office_new_company`" in r)
    assert "**not covered**" in not_covered


def test_each_outcome_quotes_its_sentences_and_each_assumption_its_routes(shipped):
    versions = shipped["asan-imza-renewal"]
    policy = versions[0]
    page = docs.policy_page(policy, versions)
    outcomes = page.split("## Outcomes", 1)[1].split("## Assumptions", 1)[0]
    for node in policy.nodes.values():
        if node.kind == "decision":
            continue
        section = outcomes.split(f'<a id="{docs.anchor("outcome", node.id)}"></a>', 1)[1].split("<a id=", 1)[0]
        for c in node.cites:
            assert f"> {' '.join(c.split())}" in section, (node.id, c)
    assumptions = page.split("## Assumptions", 1)[1]
    resting = dict(re.findall(r"### `(\w+)`.*?Routes resting on it: ([^.]*)\.", assumptions, re.S))
    assert set(resting) == set(policy.assumptions)
    # the first office route (an ID card) rests on the citizens' reading and nothing else
    assert "R1" in resting["id_card_rule_for_citizens"]
    assert all("R1" not in v.split(", ") for k, v in resting.items() if k != "id_card_rule_for_citizens")


def test_questions_are_listed_in_declared_order(shipped):
    policy = shipped["asan-imza-renewal"][0]
    page = docs.policy_page(policy, shipped["asan-imza-renewal"])
    section = page.split("## Questions", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    assert re.findall(r"^\| \d+ \| `(\w+)`", section, re.M) == list(policy.inputs)


def test_version_history_lists_every_version(fixture_versions):
    versions = fixture_versions["library-card"]
    page = docs.policy_page(versions[0], versions)
    history = page.split("## Versions", 1)[1]
    assert "**1.0.0** (this page)" in history and "[1.1.0](1.1.0.md)" in history
    assert "from 2026-01-01 until 2026-06-30" in history


@reads_the_source
def test_every_finding_code_is_in_the_one_table():
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "asanimza_policy").glob("*.py")
                     if p.name != "codes.py")
    used = set(re.findall(r'"([A-Z][A-Z_]{2,})"', source)) & set(CODES) | \
        set(re.findall(r'Finding\(\s*"([A-Z_]+)"', source))
    assert sorted(used - set(CODES)) == []
    assert sorted(set(CODES) - used) == [], "codes in codes.py that nothing reports"


def test_a_finding_with_an_unlisted_code_is_refused():
    with pytest.raises(ValueError, match="codes.py"):
        Finding("NOT_A_CODE", "x", "p.yaml")


def test_check_codes_page_lists_every_code_with_its_meaning():
    page = docs.checks_page()
    for code in CODES.values():
        assert re.search(rf"^\| `{code.code}`.*\| {re.escape(code.means[:30])}", page, re.M), code.code


def test_scenario_format_page_shows_the_example_and_every_key():
    from asanimza_policy import scenarios

    page = docs.scenarios_page()
    assert "```yaml\npolicy: asan-imza-renewal" in page
    for key in (*scenarios.SCENARIO_KEYS, *scenarios.EXPECT_KEYS):
        assert f"`{key}`" in page


def test_readme_and_guides_link_to_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme and "make docs" in readme
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link
    for guide in ("policy-format.md", "usage.md"):
        text = (DOCS / guide).read_text(encoding="utf-8")
        for link in re.findall(r"\]\(([^)#:]+)", text):
            assert (DOCS / link).is_file(), (guide, link)
    assert "make docs" in (DOCS / "policy-format.md").read_text(encoding="utf-8")


def test_seed_page_is_generated_from_the_seed_file():
    assert ap.load(POLICY_FILE).id == "asan-imza-renewal"
    page = (DOCS / "policies" / "asan-imza-renewal" / "1.0.0.md").read_text(encoding="utf-8")
    assert page.startswith("<!-- Generated by `asanimza-policy docs`")
    assert "```mermaid\n%% Extend the validity" in page


def test_check_codes_page_shows_what_check_reports_on_the_fixtures():
    examples = docs.check_examples()
    # every code of the stages that run on files alone; the builder's SCHEMA_* twins are
    # reported by the schema first, NODE_GAP at evaluation, SCENARIO by `test`
    expected = [c.code for c in CODES.values() if c.stage in ("yaml", "model", "content")]
    assert len(expected) > 25 and [c for c in expected if c not in examples] == []
    for code, line in examples.items():
        # at a policy file or lock file, or at the folder or baseline file a path finding names
        assert re.match(rf"tests/fixtures/\S+\.(yaml|lock|json):\d+:\d+: {code}( \(warning\))? \S", line) or \
            re.match(rf"tests/fixtures/\S+:1:1: {code} \S", line), line
    page = docs.checks_page(examples)
    assert f"`{docs.cell(examples['REF_NODE'])}`" in page
