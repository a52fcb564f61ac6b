"""`asanimza-policy ask`: the terminal interview, driven through stdin and once through a pseudo-terminal."""
from __future__ import annotations

import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from asanimza_policy import registry
from asanimza_policy.decision import NEEDS_INPUT, Choice, Question
from asanimza_policy.interview import InterviewEnded, Invalid, interview, parse_answer

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
FOREIGN_AT_OFFICE = "1\n1\nyes\n2\n"      # office, individual, comes in person, foreign citizen


def ask(*args, stdin: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asanimza_policy", "ask", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)


def test_interview_asks_until_the_plan_and_prints_it():
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24", stdin=FOREIGN_AT_OFFICE)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    # each question, with its numbered, labelled choices, in the order the walk needs them
    assert out.index("office, or online and by SMS?") < out.index("Who holds the SIM card") \
        < out.index("come to the office in person") < out.index("citizen of Azerbaijan or a foreign citizen")
    assert "  1. At an Azercell Exclusive office" in out and "  2. No" in out
    assert out.startswith("Answer with the number of a choice") and "'back' returns to the previous question" in out
    plan = out[out.index("Status: complete"):]
    assert "residence permit" in plan and "passport" in plan
    assert "citizenship: foreign" in plan            # the answers, as a context file


def test_typo_is_asked_again_with_a_suggestion():
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24", stdin="ofice\n1\nindividul\nindividual\nmaybe\ny\n7\n2\n")
    assert r.returncode == 0, r.stderr
    assert "got 'ofice' (did you mean 'office'?)" in r.stdout
    assert "got 'individul' (did you mean 'individual'?)" in r.stdout
    assert "answer yes or no" in r.stdout
    assert "choose a number from 1 to 2; got 7" in r.stdout
    assert "Extend at an office with your residence permit and passport" in r.stdout


def test_dates_are_checked_and_asked_again():
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24",
            stdin="2\n2026-02-30\n31.10.2026\n2026-10-31\nno\nno\n1\nyes\n1\n")
    assert r.returncode == 0, r.stderr
    assert "'2026-02-30' is not a real date" in r.stdout
    assert "expected a date YYYY-MM-DD; got '31.10.2026'" in r.stdout
    assert "8500" in r.stdout and "Certification Services Center" in r.stdout


def test_end_of_input_exits_2_with_one_line(tmp_path):
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24", stdin="1\n")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "asanimza-policy: the input ended before the question about subscriber_type was answered"]
    assert "Traceback" not in r.stdout + r.stderr


def test_known_answers_are_not_asked_and_saved_answers_reproduce_the_decision(tmp_path):
    known = tmp_path / "known.yaml"
    known.write_text("channel: office\nsubscriber_type: individual\n", encoding="utf-8")
    saved = tmp_path / "answers.yaml"
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24", "--context", str(known), "--save", str(saved),
            stdin="yes\n2\n")
    assert r.returncode == 0, r.stderr
    assert "Who holds the SIM card" not in r.stdout
    # the command it suggests names the file the answers were saved to
    suggested = re.search(r"reuse them with: asanimza-policy (evaluate .*)", r.stdout).group(1)
    ev = subprocess.run([sys.executable, "-m", "asanimza_policy", *shlex.split(suggested), "--as-of",
                         "2026-11-24"], capture_output=True, text=True, cwd=ROOT)
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["outcome"] == "office_foreign_citizen"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_back_changes_the_previous_answer():
    # office, then back: the first question again; sms this time
    r = ask("asan-imza-renewal", "--as-of", "2026-11-24", stdin="1\nback\n2\n2026-12-01\nno\n")
    assert r.stdout.count("office, or online and by SMS?") == 2
    assert "Who holds the SIM card" in r.stdout      # asked after "office", before going back
    assert r.returncode == 2 and "service_type" in r.stderr


def test_bad_known_answers_and_stdin_context_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("channel: fax\n", encoding="utf-8")
    r = ask("asan-imza-renewal", "--context", str(bad), stdin="")
    assert r.returncode == 2 and r.stderr.startswith("asanimza-policy: channel: expected one of office, sms")
    r = ask("asan-imza-renewal", "--context", "-", stdin="channel: office\n")
    assert r.returncode == 2 and "standard input" in r.stderr


@pytest.mark.parametrize("text, value", [("2", "sms"), ("SMS", "sms"), (" office ", "office"),
                                         ("at an azercell exclusive office", "office")])
def test_enum_answers_by_number_value_or_label(text, value):
    q = Question("channel", "How?", "enum", (Choice("office", "At an Azercell Exclusive office"), Choice("sms", "sms")))
    assert parse_answer(q, text) == value


def test_answers_of_each_type():
    assert parse_answer(Question("b", "?", "boolean", None), "Yes") is True
    assert parse_answer(Question("b", "?", "boolean", None), "2") is False
    assert parse_answer(Question("d", "?", "date", None), "2026-12-01") == date(2026, 12, 1)
    assert parse_answer(Question("i", "?", "integer", None), "42") == 42
    assert isinstance(parse_answer(Question("i", "?", "integer", None), "forty"), Invalid)
    assert parse_answer(Question("s", "?", "string", None), "  Main  street ") == "Main street"
    assert isinstance(parse_answer(Question("s", "?", "string", None), "   "), Invalid)


@pytest.fixture
def every_policy(monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(FIXTURES))
    registry.clear_cache()
    yield [p for pid in registry.policy_ids() for p in registry.versions(pid)]
    registry.clear_cache()


def test_interview_reaches_a_decision_for_every_policy(every_policy):
    """Answering what each prompt shows (a choice's number, a date, a number, text) ends every interview."""
    assert {p.id for p in every_policy} >= {"asan-imza-renewal", "library-card"}
    for policy in every_policy:
        shown: list[str] = []

        def read(prompt: str, shown=shown, policy=policy) -> str:
            last = shown[-1]
            shown.clear()
            if "(a date, YYYY-MM-DD)" in last:
                return policy.effective_from.isoformat()
            if "(a whole number)" in last:
                return "30"
            return "1" if re.match(r"^  \d+\. ", last) else "some text"

        decision, answers = interview(policy, {}, policy.effective_from, read, shown.append)
        assert decision.status != NEEDS_INPUT, policy.id
        assert answers, policy.id


def test_interview_stops_at_end_of_input():
    policy = registry.versions("asan-imza-renewal")[0]

    def read(prompt):
        raise EOFError

    with pytest.raises(InterviewEnded, match="channel"):
        interview(policy, {}, date(2026, 11, 24), read, lambda line: None)


def test_interview_on_a_terminal():
    """Through a pseudo-terminal, as a person types: prompts appear, the plan follows, exit 0."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "asanimza_policy", "ask", "asan-imza-renewal",
                                  "--as-of", "2026-11-24"])
    seen = b""

    def until(text: bytes, timeout: float = 30) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while text not in seen:
            left = end - time.monotonic()
            assert left > 0, f"waited for {text!r}; the terminal shows:\n{seen.decode(errors='replace')}"
            if select.select([fd], [], [], left)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"the program ended before {text!r}:\n{seen.decode(errors='replace')}"
                seen += chunk

    try:
        for answer, question in [(b"1", b"Who holds the SIM card"), (b"indiv", b"did you mean"),
                                 (b"individual", b"come to the office in person"), (b"y", b"foreign citizen?"),
                                 (b"2", b"Status: complete")]:
            until(b"> ")
            seen = seen[seen.rindex(b"> ") + 2:]      # look for what the answer brings
            os.write(fd, answer + b"\n")
            until(question)
        until(b"reuse them with")
        until(b"citizenship: foreign")    # the saved answers may arrive in a later chunk
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"foreign passport" in seen and b"Traceback" not in seen
    assert b"citizenship: foreign" in seen
