"""The work "did you mean" and the closest-source-line hint do is bounded per
question, so ``check`` of a file with N bad references costs about N, not N
squared (bench/quadratic.py times it; here the work itself is counted)."""
from __future__ import annotations

import random
import string

from asanimza_policy import findings
from asanimza_policy.check import _Lines
from asanimza_policy.findings import SHORTLIST, Suggester, choice_list, did_you_mean


def names(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return sorted({"".join(rng.choice(string.ascii_lowercase) for _ in range(10)) for _ in range(n)})


def typo(word: str) -> str:
    return word[:3] + word[4] + word[3] + word[5:]      # two letters swapped


def test_each_suggestion_compares_a_bounded_number_of_choices():
    for n in (1_000, 4_000):
        choices = names(n)
        s = Suggester(choices)
        asked = choices[::40]
        found = [s.closest(typo(w)) for w in asked]
        assert s.compared <= SHORTLIST * len(asked)             # not n * len(asked)
        assert sum(f == w for f, w in zip(found, asked)) >= 0.9 * len(asked)


def test_a_small_set_is_compared_whole():
    s = Suggester(["office", "sms"])
    assert s.hint("ofice") == " (did you mean 'office'?)" and s.compared == 2


def test_did_you_mean_keeps_the_index_of_a_set_asked_again(monkeypatch):
    built = []
    real = Suggester.__init__

    def counting(self, choices):
        built.append(len(choices))
        real(self, choices)

    monkeypatch.setattr(Suggester, "__init__", counting)
    choices = {w: None for w in names(500)}
    for w in list(choices)[:100]:
        did_you_mean(typo(w), choices)
    assert built == [len(choices)]
    choices["another"] = None                   # a changed set is indexed again
    did_you_mean("anothr", choices)
    assert built == [len(choices) - 1, len(choices)]


def test_long_words_get_no_suggestion_and_cost_nothing():
    s = Suggester(names(2_000))
    assert s.closest("x" * 10_000) is None and s.compared == 0


def test_the_closest_source_line_compares_a_bounded_number_of_lines():
    lines = [f"Paragraph {i} of the rules explains step {i % 97} of the procedure in words." for i in range(20_000)]
    index = _Lines(lines)
    cites = [f"Paragraph {i} of the rules explains step {i % 97} of the procedure in word."
             for i in range(400, 20_000, 400)]
    close = [index.closest(c) for c in cites]
    assert index.compared <= _Lines.SHORTLIST * len(cites)
    assert all(c is not None and c.startswith("Paragraph") for c in close)
    assert index.closest("Paragraph 12345 of the rules explains step 26 of the procedure") == lines[12345][:120]


def test_lists_of_choices_are_cut_short():
    text = choice_list([f"value{i}" for i in range(100_000)])
    assert text.endswith("... (100,000 in all)") and len(text) < 200
    assert findings.MAX_CHOICES_SHOWN == 12
