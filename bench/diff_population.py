"""`diff --population` over a generated file of subscriber rows: rows per second and
how many decisions change between the two newest versions of a policy.

    .venv/bin/python bench/diff_population.py [ROWS] [POLICY]

Prints the command's own summary lines and the rate. Rows are random values of
every declared input of the newer version (dates around the evaluation date),
written as CSV the way `batch` reads it.
"""
from __future__ import annotations

import csv
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import asanimza_policy as ap

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
POLICY = sys.argv[2] if len(sys.argv) > 2 else "asan-imza-renewal"
AS_OF = date(2026, 12, 10)


def main() -> None:
    infos = ap.versions(POLICY)
    a, b = (infos[-2], infos[-1]) if len(infos) > 1 else (infos[-1], infos[-1])
    newer = ap.evaluate(POLICY, {}, as_of=AS_OF, version=b.version)  # loads it
    policy = ap.load(Path(__file__).resolve().parent.parent / "policies" / POLICY / f"{newer.version}.yaml")
    rnd = random.Random(20261210)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "population.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            names = list(policy.inputs)
            w.writerow(names)
            for _ in range(ROWS):
                row = []
                for n in names:
                    inp = policy.inputs[n]
                    if rnd.random() < 0.1:
                        row.append("")
                    elif inp.type == "enum":
                        row.append(rnd.choice(inp.values))
                    elif inp.type == "boolean":
                        row.append(rnd.choice(("true", "false")))
                    elif inp.type == "date":
                        row.append((AS_OF + timedelta(days=rnd.randint(-60, 60))).isoformat())
                    elif inp.type == "integer":
                        row.append(str(rnd.randint(0, 100)))
                    else:
                        row.append("x")
                w.writerow(row)
        cmd = [sys.executable, "-m", "asanimza_policy", "diff", POLICY, a.version, b.version,
               "--population", str(path), "--as-of", AS_OF.isoformat()]
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True)
        took = time.perf_counter() - t
    lines = out.stdout.splitlines()
    for line in lines[lines.index(next(x for x in lines if x.startswith("population:"))):][:8]:
        print(line)
    print(f"diff --population {a.version} -> {b.version}: {ROWS:,} rows in {took:.1f} s "
          f"({ROWS / took:,.0f} rows/s, both versions, exploration and structure included)")


if __name__ == "__main__":
    main()
