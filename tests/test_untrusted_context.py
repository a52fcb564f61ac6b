"""Contexts are untrusted: whatever a caller sends is a decision or an
InvalidContext naming the field, with a short, escaped message."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime

import pytest

import asanimza_policy as ap
from asanimza_policy import registry
from asanimza_policy.textfmt import render

from .conftest import AS_OF, ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "policies" / "library-card"
SEED = "asan-imza-renewal"
MAX_MESSAGE = 400


def deep_list(n: int):
    x: list = []
    for _ in range(n):
        x = [x]
    return x


def deep_dict(n: int):
    x: dict = {}
    for _ in range(n):
        x = {"k": x}
    return x


def invalid(context, policy=SEED, as_of=AS_OF) -> ap.InvalidContext:
    with pytest.raises(ap.InvalidContext) as e:
        ap.evaluate(policy, context, as_of=as_of)
    assert len(str(e.value)) < MAX_MESSAGE, str(e.value)[:500]
    assert str(e.value).isprintable()
    return e.value


JUNK = {
    "a 5,000-digit integer": 10 ** 5000,
    "a negative 5,000-digit integer": -(10 ** 5000),
    "a list 5,000 deep": deep_list(5000),
    "a mapping 5,000 deep": deep_dict(5000),
    "NaN": float("nan"),
    "infinity": float("inf"),
    "a lone surrogate": "\ud800",
    "a terminal escape": "\x1b[2J\x1b[31mred",
    "a megabyte of text": "x" * 1_000_000,
    "a datetime": datetime(2026, 11, 24, 10, 0),
    "bytes": b"office",
    "a set": {"office"},
    "an object": object(),
}


@pytest.mark.parametrize("field", ["channel", "certificate_expires_on", "online_renewal_submitted"])
@pytest.mark.parametrize("label", sorted(JUNK))
def test_junk_value_is_invalid_context_naming_the_field(field, label):
    e = invalid({field: JUNK[label]})
    assert e.field == field
    assert str(e).startswith(f"{field}: ")


def test_huge_integer_is_described_not_printed():
    e = invalid({"channel": 10 ** 5000})
    assert "about 5,001 digits" in str(e)


def test_bool_and_int_are_not_confused():
    assert invalid({"online_renewal_submitted": 1}).field == "online_renewal_submitted"
    assert invalid({"age": True}, policy=ap.load(FIXTURE / "1.0.0.yaml"), as_of=date(2026, 3, 1)).field == "age"


@pytest.mark.parametrize("key", ["\x1b]0;owned\x07title", "\u202eevil", "k" * 900_000, "\ud800"])
def test_unknown_key_is_escaped_and_cut_short(key):
    e = invalid({key: "x"})
    assert e.field == key
    message = str(e)
    assert "\x1b" not in message and "\u202e" not in message and "\ud800" not in message
    assert "not a field of policy" in message


def test_unknown_key_echo_is_bounded_on_the_command_line(tmp_path):
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"\x1b[2J" + "k" * 900_000: 1}), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", SEED, "--context", str(ctx),
                        "--as-of", "2026-11-24"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr) < MAX_MESSAGE and r.stderr.count("\n") == 1
    assert "\x1b" not in r.stderr


def test_many_enum_values_are_listed_briefly(tmp_path):
    folder = tmp_path / "library-card"
    shutil.copytree(FIXTURE, folder)
    values = ", ".join(f"branch{i}" for i in range(1000))
    p = folder / "1.0.0.yaml"
    p.write_text(p.read_text().replace("values: [central, east]", f"values: [{values}]"))
    e = invalid({"branch": "nowhere"}, policy=ap.load(p), as_of=date(2026, 3, 1))
    assert "(1,000 in all)" in str(e)


# -- free text echoed back --------------------------------------------------------------------------

@pytest.fixture
def text_policy(tmp_path):
    """The fixture policy with a free-text input the step text repeats."""
    folder = tmp_path / "library-card"
    shutil.copytree(FIXTURE, folder)
    (folder / "1.1.0.yaml").unlink()
    p = folder / "1.0.0.yaml"
    text = p.read_text().replace("inputs:\n", "inputs:\n  name:\n    type: string\n    question: Your name?\n", 1)
    text = text.replace("text: Pay your fines at the {branch} branch.",
                        "text: Pay your fines, {name}, at the {branch} branch.")
    p.write_text(text)
    registry.clear_cache()
    return ap.load(p)


def test_lone_surrogate_in_free_text_is_invalid_context(text_policy):
    e = invalid({"name": "a\ud800b", "has_fines": True, "branch": "east"}, policy=text_policy,
                as_of=date(2026, 3, 1))
    assert e.field == "name"


@pytest.mark.parametrize("name", ["\x1b[2J\x1b[31mMallory", "\u202eyrollaM", "M" * 100_000])
def test_free_text_reaches_the_terminal_escaped_and_bounded(text_policy, name):
    d = ap.evaluate(text_policy, {"name": name, "has_fines": True, "branch": "east"}, as_of=date(2026, 3, 1))
    assert name in d.steps[0].text            # the decision itself keeps the caller's text
    out = render(d, text_policy)
    assert "\x1b" not in out and "\u202e" not in out
    assert max(len(line) for line in out.splitlines()) < 600


def test_lone_surrogate_in_a_json_context_is_invalid_context_on_the_command_line(text_policy, tmp_path):
    ctx = tmp_path / "ctx.json"
    ctx.write_text('{"name": "\\ud800", "has_fines": true, "branch": "east"}', encoding="utf-8")
    for fmt in ("json", "text"):
        r = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", text_policy.path, "--context",
                            str(ctx), "--as-of", "2026-03-01", "--format", fmt],
                           capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-800:]
        assert r.stderr.startswith("asanimza-policy: name: ")
