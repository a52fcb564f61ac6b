"""A writer killed in the middle of writing leaves the old file or the new one, whole."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from asanimza_policy.atomic import write_text

from .conftest import ROOT

SIZE = 4_000_000
WRITER = """
import sys
from asanimza_policy.atomic import write_text
target = sys.argv[1]
i = 0
while True:
    write_text(target, "AB"[i % 2] * SIZE)
    i += 1
""".replace("SIZE", str(SIZE))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL here")
def test_a_writer_killed_mid_write_leaves_a_whole_file(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    seen = set()
    for delay in (0.05, 0.13, 0.21, 0.34, 0.55):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        text = target.read_text()
        assert text in ("old", "A" * SIZE, "B" * SIZE), (len(text), text[:1], text[-1:])
        seen.add(text[:1])
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(n.startswith(".out.txt.") and n.endswith(".tmp") for n in leftovers)   # hidden, never the target


def test_the_new_file_keeps_the_mode_of_the_old_one(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_text(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640
