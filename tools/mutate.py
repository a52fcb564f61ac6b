"""Mutation testing, on demand (not in CI): how many deliberate bugs do the tests catch?

    make mutate                 # the core modules
    make mutate MODULE=expr     # one module (expr also takes expr_parse, expr_types, expr_compile)

mutmut (configured under [tool.mutmut] in pyproject.toml) copies the package into
``mutants/``, makes small changes to the code one at a time (a ``<`` for a
``<=``, a deleted call, a changed constant) and runs the tests that reach the
changed function; a mutant the tests do not notice "survives".  Each run
starts afresh (the tests may have changed since the last one) and prints the
score per module; the records stay in ``mutants/`` until the next run.  To see a survivor:
``.venv/bin/mutmut results`` and ``.venv/bin/mutmut show NAME``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ["expr", "engine", "context", "loader", "scenarios", "check"]
MUTMUT = Path(sys.executable).parent / "mutmut"
PACKAGE = "asanimza_policy"


def files_of(module: str) -> list[Path]:
    """The source files a module name stands for: ``expr`` is the facade and its parts."""
    pattern = f"{module}*.py" if module == "expr" else f"{module}.py"
    return sorted((ROOT / PACKAGE).glob(pattern))


def score(files: list[Path]) -> Counter:
    """killed / survived / other, read from mutmut's records of the last runs."""
    counts: Counter = Counter()
    for f in files:
        meta = ROOT / "mutants" / PACKAGE / (f.name + ".meta")
        if not meta.is_file():
            continue
        for code in json.loads(meta.read_text())["exit_code_by_key"].values():
            counts[{1: "killed", 3: "killed", 0: "survived", None: "not run"}.get(code, "other")] += 1
    return counts


def main(argv: list[str]) -> int:
    modules = argv or CORE
    unknown = [m for m in modules if not files_of(m)]
    if unknown:
        print(f"mutate: no module {', '.join(unknown)} in {PACKAGE}/ (core: {', '.join(CORE)})", file=sys.stderr)
        return 2
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    patterns = [f"{PACKAGE}.{f.stem}.*" for m in modules for f in files_of(m)]
    run = subprocess.run([str(MUTMUT), "run", "--max-children", str(os.cpu_count() or 2), *patterns], cwd=ROOT)
    print()
    print(f"{'module':12} {'mutants':>8} {'killed':>7} {'survived':>9} {'other':>6} {'score':>6}")
    total: Counter = Counter()
    for m in modules:
        c = score(files_of(m))
        total += c
        n = sum(c.values())
        print(f"{m:12} {n:8} {c['killed']:7} {c['survived']:9} {c['other'] + c['not run']:6} "
              f"{c['killed'] / n if n else 0:6.0%}")
    n = sum(total.values())
    if len(modules) > 1 and n:
        print(f"{'all':12} {n:8} {total['killed']:7} {total['survived']:9} "
              f"{total['other'] + total['not run']:6} {total['killed'] / n:6.0%}")
    print("\nsurvivors: .venv/bin/mutmut results; one of them: .venv/bin/mutmut show NAME")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
