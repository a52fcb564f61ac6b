"""The compiled walk against the interpreter on random policies.

The policies found in the repository use a small part of the format, so the
compiled walk (``compile.build``: the general walk ``decide`` and the fast walk
``fast``) is also compared with the interpreter (``engine.run``, the
reference) on policies written at random by ``tests/policygen.py``: every type
of input, derived values reading each other, tables, nested conditions, every
function and operator, optional inputs behind ``given()``, ``match: first`` and
exclusive decisions with and without ``otherwise`` (so gaps and overlaps at run
time), conditional steps and documents, templated texts, caveats, and hostile
names and texts.  Each one is evaluated for random contexts (complete, partial,
wrong, extreme dates) on several days; both give equal decisions (``==``, the
same ``to_dict()`` before and after reading ``steps``, and after a pickle round
trip) or the same exception (type and message).  For a complete context the
fast walk must answer itself, unless the interpreter raises.

Seeds are fixed; ``RANDOM_POLICIES=N`` (and ``RANDOM_SEED=S``) runs more,
``RANDOM_SCALE=2`` bigger policies.
"""
from __future__ import annotations

import copy
import io
import json
import os
import pickle
import random
import re
import tokenize
from datetime import date, timedelta
from pathlib import Path

from asanimza_policy.compile import build, python_source, readable_source
from asanimza_policy.engine import run
from asanimza_policy.errors import PolicyError
from asanimza_policy.expr import OutOfRange
from asanimza_policy.registry import load_policy

from .conftest import run_cli
from .policygen import HOSTILE_IDS, Day, Text, random_contexts, random_policy

POLICIES = int(os.environ.get("RANDOM_POLICIES", "350"))
SEED = int(os.environ.get("RANDOM_SEED", "0"))
SCALE = int(os.environ.get("RANDOM_SCALE", "1"))
CONTEXTS_PER_DAY = 12


def write_policy(folder: Path, text: str, source: str) -> Path:
    (folder / "source").mkdir(parents=True, exist_ok=True)
    (folder / "source" / "rules.txt").write_text(source, encoding="utf-8")
    path = folder / "1.0.0.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def answer(fn, context, day):
    """("ok", decision) or ("error", type name, message)."""
    try:
        return ("ok", fn(context, day))
    except Exception as e:  # noqa: BLE001 - the exception itself is compared
        return ("error", type(e).__name__, str(e))


def same(policy, decide, context, day) -> tuple:
    """Compare the compiled walk with the interpreter on one context; the interpreter's answer."""
    want = answer(lambda c, d: run(policy, c, d), context, day)
    got = answer(decide, context, day)
    where = f"context {context!r} as of {day}"
    if want[0] == "error" or got[0] == "error":
        assert got == want, where
        return want
    w, g = want[1], got[1]
    doc = w.to_dict()
    assert g.to_dict() == doc, where               # before the steps are read (written per step)
    assert g == w, where
    assert g.to_dict() == doc, where               # after
    assert hash(g) == hash(w) and repr(g) == repr(w), where
    assert g.to_json(indent=None) == json.dumps(doc, ensure_ascii=False, separators=(",", ":")), where
    assert copy.deepcopy(g) == w, where
    fresh = decide(context, day)                   # steps never read: pickled as they are
    back = pickle.loads(pickle.dumps(fresh))
    assert back == w and back.to_dict() == doc, where
    assert json.loads(decide(context, day).to_json(indent=None)) == doc, where    # compact JSON, steps never read
    return want


def fast_answers(module, context, day, want) -> bool:
    """Whether the fast walk answered (itself, not handing over to the general walk);
    its answer is the interpreter's."""
    try:
        d = module["fast"](context, day)
    except (module["Bail"], OutOfRange):
        return False
    except Exception as e:  # noqa: BLE001 - compared with the interpreter's
        assert ("error", type(e).__name__, str(e)) == want, f"fast: context {context!r} as of {day}"
        return True
    assert want[0] == "ok" and d == want[1] and d.to_dict() == want[1].to_dict(), \
        f"fast: context {context!r} as of {day}"
    return True


def days(rng: random.Random) -> list[date]:
    """Days to evaluate on: ordinary ones, month ends, and now and then an end of the calendar."""
    out = [date(2026, 1, 1) + timedelta(days=rng.randint(-700, 700)),
           rng.choice([date(2026, 1, 31), date(2028, 2, 29), date(2027, 2, 28), date(2026, 12, 31)])]
    if rng.random() < 0.3:
        out.append(rng.choice([date(1, 1, 1), date(9999, 12, 31), date(9999, 12, 1)]))
    return out


def check_policy(policy, writer, rng: random.Random, counts: dict) -> None:
    decide = build(policy)
    module = decide.__globals__
    for day in days(rng):
        for context, complete in random_contexts(policy, writer, rng, day, CONTEXTS_PER_DAY):
            want = same(policy, decide, context, day)
            counts["contexts"] += 1
            answered = fast_answers(module, context, day, want)
            counts["fast"] += answered
            if complete and want[0] == "ok":
                counts["complete"] += 1
                assert answered, f"the fast walk declined the complete context {context!r} as of {day}"


def test_random_policies_agree(tmp_path, monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", "off")
    counts = {"policies": 0, "refused": 0, "contexts": 0, "fast": 0, "complete": 0}
    for i in range(POLICIES):
        rng = random.Random(f"{SEED}/{i}")
        text, source, writer = random_policy(rng, scale=SCALE + (i % 5 == 4))    # every fifth one bigger
        path = write_policy(tmp_path / f"p{i}", text, source)
        try:
            policy = load_policy(path)
        except PolicyError:
            counts["refused"] += 1
            continue
        counts["policies"] += 1
        try:
            check_policy(policy, writer, rng, counts)
        except AssertionError as e:
            raise AssertionError(f"policy {i} (seed {SEED}), {path}:\n{text}\n{e}") from None
    print(counts)
    assert counts["refused"] < POLICIES // 10            # the generator writes valid policies
    assert counts["fast"] > counts["contexts"] // 4      # and the fast walk is reached
    assert counts["complete"] > counts["contexts"] // 10


# -- divergences the random policies found, each as its smallest case -------------------

LIBRARY_CARD = Path(__file__).parent / "fixtures" / "policies" / "library-card" / "1.1.0.yaml"


def test_a_callers_own_text_and_date_types_read_as_plain_values():
    """A ``str`` subclass with its own ``__str__`` showed differently in a step's
    text: the fast walk wrote the value as it is, the interpreter through ``str()``.
    Context validation now reads such a value (and a ``date`` subclass) as the
    plain value it holds, so every walk shows the same."""
    policy = load_policy(LIBRARY_CARD)
    decide = build(policy)
    day = date(2026, 11, 24)
    paying = {"has_fines": True, "branch": Text("east")}
    early = {"has_fines": False, "age": 15, "card_expires_on": Day(2026, 12, 1)}
    for walk in (lambda c, d: run(policy, c, d), decide, decide.__globals__["fast"]):
        assert walk(paying, day).steps[0].text == "Pay your fines at the east branch."
        assert walk(early, day).to_dict()["steps"][0]["not_before"] == "2026-11-17"
        assert type(walk(early, day).steps[0].not_before) is date


def test_the_printed_source_of_a_policy_of_one_decision_and_one_outcome(tmp_path):
    """The walk's order of nodes, a pair (decision, outcome), was described as a
    (node, branch) pair: ``asanimza-policy compile`` failed with a traceback."""
    text = LIBRARY_CARD.read_text(encoding="utf-8").replace("start: fines", "start: window").replace(
        "      - when: age < 16\n        goto: minor\n    otherwise: adult\n", "")
    path = write_policy(tmp_path, text, (LIBRARY_CARD.parent / "source" / "rules.txt").read_text(encoding="utf-8"))
    r = run_cli("compile", str(path))
    assert r.returncode == 0, r.stderr
    assert "#   ORDER" in r.stdout and "the node 'window'" in r.stdout
    compile(r.stdout, "<printed>", "exec")


NUL_POLICY = r"""id: nul
version: 1.0.0
title: A NUL in texts
effective_from: "2020-01-01"
timezone: Europe/Lisbon
source: {title: Rules, path: source/rules.txt}
inputs:
  name: {type: string, question: "Your name\u0000 (or {n})?"}
  n: {type: integer, question: How many?}
actions:
  go: {description: Go.}
start: x
nodes:
  x:
    kind: decision
    title: X
    branches:
      - when: "name == 'a\u0000b' and n > 3"
        goto: done
    otherwise: done
  done: {kind: outcome, status: complete, title: Done, description: "Done\u0000 (with {n}, for {name})."}
"""


def test_a_nul_in_a_policys_texts_or_a_contexts_values_is_text_like_any_other(tmp_path):
    """A NUL marks where a value goes in a branch's reasons and where an unknown was
    left out of a question or an explanation: a text literal holding one made every
    evaluation taking that branch fail (IndexError), and a NUL in a context's text
    or in the policy's own text cut the words around it."""
    policy = load_policy(write_policy(tmp_path, NUL_POLICY, "Rules.\n"))
    day = date(2026, 1, 1)
    for walk in (lambda c, d: run(policy, c, d), build(policy)):
        d = walk({"name": "a\x00b", "n": 5}, day)
        assert d.reasons == ("name is a\ufffdb; n (5) is more than 3",)
        assert d.explanation == "Done\x00 (with 5, for a\x00b)."
        d = walk({"name": "(x\x00y)", "n": 5}, day)
        assert d.explanation == "Done\x00 (with 5, for (x\x00y))."
        assert walk({}, day).questions[0].text == "Your name\x00?"
        assert walk({"n": 5}, day).questions[0].text == "Your name\x00 (or 5)?"


# -- hostile names and texts --------------------------------------------------------

_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'" + r'|"(?:[^"\\\n]|\\.)*"')
MARKERS = ("__import__", "Məmmədova", "not a comment", "%(x)s", "quotes", "getcwd", "backslash", "braces")


def outside_literals(src: str) -> tuple[set[str], str]:
    """The names used in ``src`` as code, and all its code but string literals
    (comments kept, less the quoted text in them)."""
    names, rest = set(), []
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.STRING:
            continue
        if tok.type == tokenize.COMMENT:
            rest.append(_STRING.sub("''", tok.string))
            continue
        if tok.type == tokenize.NAME:
            names.add(tok.string)
        rest.append(tok.string)
    return names, " ".join(rest)


def policy_ids(policy) -> set[str]:
    ids = set(policy.inputs) | set(policy.derived) | set(policy.nodes) | set(policy.actions)
    ids |= set(policy.documents) | set(policy.assumptions) | set(policy.caveats) | set(policy.steps)
    for action in policy.actions.values():
        ids |= set(action.fields)
    return ids


def test_hostile_policies_stay_literals(tmp_path, monkeypatch):
    """Policies whose names and texts are mostly hostile (keywords and the
    generated code's own names as ids; quotes, backslashes, newlines, braces in
    texts and enum values) compile, agree with the interpreter, and none of
    their texts or ids is code in the generated source: only string literals."""
    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", "off")
    built = 0
    for i in range(20):
        rng = random.Random(f"hostile/{i}")
        text, source, writer = random_policy(rng, hostile=0.9)
        try:
            policy = load_policy(write_policy(tmp_path / f"h{i}", text, source))
        except PolicyError:
            continue
        built += 1
        src, _ = python_source(policy)
        names, code = outside_literals(src)
        for marker in MARKERS:
            assert marker not in code, f"{marker!r} outside a literal in the source of hostile policy {i}"
        leaked = {n for n in policy_ids(policy) if n not in HOSTILE_IDS} & names
        assert not leaked, f"ids used as Python names in hostile policy {i}: {leaked}"
        printed = readable_source(policy)             # what `asanimza-policy compile` prints
        compile(printed, "<printed>", "exec")
        constants = printed[len(src):].splitlines()
        assert constants and all(line.startswith("#") for line in constants if line)
        check_policy(policy, writer, rng, {"contexts": 0, "fast": 0, "complete": 0})
    assert built >= 15
