"""The command line keeps its exit codes, and never shows a traceback, when
its output streams are closed, full, or cannot encode what it writes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import ROOT

SEED = "asan-imza-renewal"
CTX = ROOT / "examples"


def sh(command: str, env=None) -> subprocess.CompletedProcess:
    """Run ``command`` in a shell, the CLI spelled ``$CLI``, stderr captured in ``err``."""
    full_env = {**os.environ, "CLI": f"{sys.executable} -m asanimza_policy", **(env or {})}
    return subprocess.run(["sh", "-c", command], capture_output=True, timeout=60, cwd=ROOT, env=full_env,
                          encoding=(env or {}).get("PYTHONIOENCODING", "utf-8"))


@pytest.mark.parametrize("args, code", [
    ("check", 0),
    (f"evaluate {SEED} --as-of 2026-11-24", 0),
    ("evaluate nope", 2),
    ("test", 0),
])
def test_closed_stdout_keeps_the_exit_code(args, code):
    r = sh(f"$CLI {args} >&-")
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args, code", [
    ("evaluate nope", 2),
    (f"evaluate {SEED} --as-of 2026-13-01", 2),
    ("check /no/such/path", 2),
])
def test_full_stderr_keeps_the_exit_code(args, code):
    r = sh(f"$CLI {args} 2>/dev/full")
    assert r.returncode == code


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_stdout_is_exit_2_with_one_line():
    r = sh(f"$CLI evaluate {SEED} --as-of 2026-11-24 >/dev/full")
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


SMS = ("channel: sms\ncertificate_expires_on: 2026-12-01\nonline_renewal_submitted: false\n"
       "service_type: business\ncurrent_service_type: business\nbalance_covers_tariff: true\n")


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_an_output_encoding_without_the_characters_is_no_crash(encoding, tmp_path):
    ctx = tmp_path / "ctx.yaml"
    ctx.write_text(SMS, encoding="utf-8")
    env = {"PYTHONIOENCODING": encoding}
    run = f"$CLI evaluate {SEED} --as-of 2026-11-24 --context {ctx}"
    text = sh(f"{run} --format text", env)
    assert text.returncode == 0 and "Traceback" not in text.stderr, text.stderr
    assert "Status: complete \\u2014 " in text.stdout          # the em dash, escaped
    as_json = sh(f"{run} --format json", env)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == json.loads(sh(f"{run} --format json").stdout)
    err = sh(f"printf '{{\"chan\u2014nel\": 1}}' | $CLI evaluate {SEED} --context -", env)
    assert err.returncode == 2 and "Traceback" not in err.stderr and err.stderr.count("\n") == 1
