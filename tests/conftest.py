from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
import traceback
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policies" / "asan-imza-renewal"
POLICY_FILE = POLICY_DIR / "1.0.0.yaml"
AS_OF = date(2026, 11, 24)

# The cache of parsed policies (asanimza_policy/cache.py) goes to a folder of this
# run, for the tests and the commands they start, never to the user's own.
if "ASANIMZA_POLICY_CACHE" not in os.environ:
    import tempfile

    os.environ["ASANIMZA_POLICY_CACHE"] = os.path.join(tempfile.mkdtemp(prefix="asanimza-cache-"), "cache")


# under mutmut (`make mutate`) the package's files hold every mutant's copy of every function: a test
# that reads the source as text is skipped there
reads_the_source = pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ, reason="reads mutmut's copy of the source")

# mutmut wraps every function in a trampoline, doubling the frames of each call: a test that
# measures how deep the package may recurse before Python's stack runs out is skipped there
plain_stack = pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ,
                                 reason="measures the stack, which mutmut's wrappers deepen")


@pytest.fixture(autouse=True)
def _one_process_in_mutation_runs(monkeypatch):
    """Under mutmut (`make mutate`), a test that starts a process is skipped: the mutant lives in
    this process, and a child would neither see it nor find mutmut's settings."""
    if "MUTANT_UNDER_TEST" in os.environ:
        def refuse(*args, **kwargs):
            pytest.skip("starts a process; mutation runs test this process only")
        monkeypatch.setattr(subprocess, "Popen", refuse)
        monkeypatch.setattr(pty, "fork", refuse)


@pytest.fixture
def policy_copy(tmp_path):
    """A writable copy of the seed policy, in the registry layout, with its source.

    Call it with (old, new) text replacements; it returns the file's path and
    the 1-based line where the first replacement landed.
    """
    folder = tmp_path / "asan-imza-renewal"
    folder.mkdir()
    shutil.copytree(POLICY_DIR / "source", folder / "source")
    target = folder / "1.0.0.yaml"

    def make(*replacements: tuple[str, str]):
        text = POLICY_FILE.read_text(encoding="utf-8")
        line = None
        for old, new in replacements:
            assert text.count(old) >= 1, f"fixture text not in the policy: {old!r}"
            if line is None:
                line = text[: text.index(old)].count("\n") + 1
            text = text.replace(old, new, 1)
        target.write_text(text, encoding="utf-8")
        return target, line

    return make


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line of the nth occurrence of needle."""
    count = 0
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            count += 1
            if count == nth:
                return i
    raise AssertionError(f"{needle!r} not found")


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The command line run in this process (``cli.main(argv)``), as a finished process: exit code,
    stdout and stderr. Much faster than a subprocess; what only a real process shows (a closed stdin,
    the console script, imports) is tested with one."""
    from asanimza_policy.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        code = main(list(args))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except Exception:                      # what a real process would show
        err.write(traceback.format_exc())
        code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


from .policies import all_policy_files, policy_param_ids  # noqa: E402


@pytest.fixture(params=all_policy_files(), ids=policy_param_ids)
def any_policy_file(request) -> Path:
    """Each version file of every policy, shipped and fixture (tests/policies.py)."""
    return request.param
