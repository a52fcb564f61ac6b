"""``registry.clear_cache()`` after editing a policy file: the next evaluation
reads the file as it is now, also when an evaluation was under way while the
cache was cleared (another thread, in a long-lived process), and also through
``evaluate()``'s memo of what an id and a day resolve to."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

import asanimza_policy as ap
from asanimza_policy import registry

from .policies import FIXTURE_ROOT

DAY = date(2026, 11, 24)
ADULT = {"has_fines": False, "card_expires_on": "2026-12-01", "age": 40}


@pytest.fixture
def policy_file(tmp_path, monkeypatch):
    shutil.copytree(FIXTURE_ROOT / "library-card", tmp_path / "library-card")
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(tmp_path))
    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", "off")
    registry.clear_cache()
    yield tmp_path / "library-card" / "1.1.0.yaml"
    registry.clear_cache()


def text() -> str:
    return ap.evaluate("library-card", ADULT, as_of=DAY).steps[0].text


def edit(f) -> None:
    f.write_text(f.read_text(encoding="utf-8").replace("text: Bring your card.", "text: Bring your new card."),
                 encoding="utf-8")


def test_an_edited_file_is_read_again_after_clear_cache(policy_file):
    assert text() == text() == text() == "Bring your card."       # interpreted, then compiled and remembered
    edit(policy_file)
    assert text() == "Bring your card."                             # nothing is read again until told
    registry.clear_cache()
    assert text() == "Bring your new card."


@pytest.mark.parametrize("when", ["reading the files", "remembering the function"])
def test_clear_cache_during_an_evaluation_is_not_undone_by_it(policy_file, monkeypatch, when):
    """The evaluation under way answers from what it read; what it read is not kept."""
    assert text() == "Bring your card."             # the first evaluation: the compiled walk comes next
    if when == "reading the files":
        registry.clear_cache()
        hook, original = "_entry", registry._entry
    else:
        hook, original = "resolve_policy", registry.resolve_policy

    def meanwhile(*args, **kwargs):                 # what another thread does at this moment
        result = original(*args, **kwargs)
        if hook == "_entry" and args[0] != policy_file:
            return result                           # another version's file
        monkeypatch.setattr(registry, hook, original)
        edit(policy_file)
        registry.clear_cache()
        return result
    monkeypatch.setattr(registry, hook, meanwhile)
    assert text() == "Bring your card."
    assert text() == "Bring your new card."
