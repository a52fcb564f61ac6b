"""The documentation says what the code does: every check code, node and assumption is there."""
from __future__ import annotations

import re

import asanimza_policy as ap

from .conftest import POLICY_FILE, ROOT

DOCS = ROOT / "docs"


def test_seed_policy_page_names_every_node_assumption_and_input():
    page = (DOCS / "asan-imza-renewal.md").read_text(encoding="utf-8")
    policy = ap.load(POLICY_FILE)
    names = [*policy.nodes, *policy.assumptions, *policy.inputs]
    assert [n for n in names if f"`{n}`" not in page] == []


def test_questions_are_listed_in_declared_order():
    page = (DOCS / "asan-imza-renewal.md").read_text(encoding="utf-8")
    section = page.split("## Questions, in the order they are asked", 1)[1]
    listed = re.findall(r"`([a-z_]+)`", section)
    assert listed == list(ap.load(POLICY_FILE).inputs)


def test_readme_gives_the_two_setup_commands_and_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (ROOT / link).is_file(), link
