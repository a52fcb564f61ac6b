"""How fast is `asanimza-policy batch`, and does its memory stay flat?

    .venv/bin/python bench/batch.py            # 200,000 rows (make bench)
    .venv/bin/python bench/batch.py --full-size   # 1,000,000 rows (the issue's target: under a minute on 2 cores)
    .venv/bin/python bench/batch.py --rows N

Generates N CSV rows of subscribers for the seed policy (every input column, a
subscriber id, some fields left empty, about 1 % bad values), runs them through
the command line with 1 and 2 workers and prints rows per second and the peak
memory of the batch's processes (ru_maxrss of the process tree, measured from
a fresh parent for each run), next to the same at a tenth of the rows: flat
memory means the two peaks are about equal.  Then times a cold command-line
``evaluate`` against ``python -c "import yaml"`` (medians of 20 whole-process
runs each, interleaved).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "asanimza-policy")
AS_OF = date(2026, 11, 24)
COLUMNS = ["subscriber_id", "subscriber_type", "citizenship", "appears_in_person", "legal_entity_status",
           "channel", "certificate_expires_on", "online_renewal_submitted", "service_type",
           "current_service_type", "balance_covers_tariff", "wrong_type_activated"]
CHOICES = {
    "subscriber_type": ["individual", "legal_entity"], "citizenship": ["azerbaijan", "foreign"],
    "legal_entity_status": ["existing", "new"], "channel": ["office", "sms"],
    "service_type": ["citizen", "business", "governmental"],
    "current_service_type": ["citizen", "business", "governmental"]}
BOOLEANS = {"appears_in_person", "online_renewal_submitted", "balance_covers_tariff", "wrong_type_activated"}


def generate(path: Path, n: int, seed: int = 17) -> None:
    rng = random.Random(seed)
    dates = [(AS_OF + timedelta(days=d)).isoformat() for d in range(-90, 120)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(n):
            row = [f"S{i:08d}"]
            for col in COLUMNS[1:]:
                if rng.random() < 0.08:
                    row.append("")
                elif col in BOOLEANS:
                    row.append(rng.choice(("true", "false")))
                elif col == "certificate_expires_on":
                    row.append(rng.choice(dates))
                else:
                    row.append(rng.choice(CHOICES[col]))
            if rng.random() < 0.01:                      # an operator's typo
                row[COLUMNS.index("channel")] = "post"
            w.writerow(row)


_MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "rc = subprocess.run(sys.argv[1:]).returncode; t = time.perf_counter() - t; "
            "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(rc, t, r.ru_maxrss, r.ru_utime + r.ru_stime)")


def run_batch(src: Path, out: Path, workers: int) -> tuple[int, float, float, float]:
    """(exit code, seconds, peak MB of the batch and its workers, CPU seconds of them all)."""
    cmd = [sys.executable, "-c", _MEASURE, CLI, "batch", "asan-imza-renewal", "--input", str(src),
           "--output", str(out), "--as-of", AS_OF.isoformat(), "--id-column", "subscriber_id",
           "--workers", str(workers)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rc, seconds, kb, cpu = res.stdout.split()
    return int(rc), float(seconds), int(kb) / 1024, float(cpu)


def check_output(out: Path, n: int) -> None:
    with out.open(encoding="utf-8") as fh:
        rows = 0
        for rows, line in enumerate(fh, 1):
            if rows == 1 or rows == n:
                doc = json.loads(line)
                assert doc["row"] == rows + 1, (rows, doc)
    assert rows == n, f"{rows} output rows for {n} input rows"


def cold(ctx: Path, runs: int = 20) -> tuple[float, float, float, float]:
    """Medians (ms) of ``python -c "import yaml"`` and of a cold ``evaluate`` of ``ctx``; ratios wall, CPU."""
    a = [sys.executable, "-c", "import yaml"]
    b = [CLI, "evaluate", "asan-imza-renewal", "--context", str(ctx), "--as-of", AS_OF.isoformat(),
         "--format", "json"]
    # the package's bytecode written, as installing a wheel does (an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module again on every run)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "asanimza_policy")], check=True)
    subprocess.run(b, stdout=subprocess.DEVNULL, check=True)       # the policy's parse is cached now
    ta, tb, ca, cb = [], [], [], []

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    for _ in range(runs):            # interleaved, so a busy moment hurts both
        for cmd, ts, cs in ((a, ta, ca), (b, tb, cb)):
            c, t = cpu(), time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            ts.append(time.perf_counter() - t)
            cs.append(cpu() - c)
    ma, mb = statistics.median(ta) * 1000, statistics.median(tb) * 1000
    return ma, mb, mb / ma, statistics.median(cb) / statistics.median(ca)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--full-size", action="store_true", help="1,000,000 rows")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--skip-cold", action="store_true")
    args = ap.parse_args()
    n = 1_000_000 if args.full_size else args.rows
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        src, small = Path(tmp) / "subscribers.csv", Path(tmp) / "small.csv"
        t = time.perf_counter()
        generate(src, n)
        generate(small, max(n // 10, 1))
        print(f"generated {n:,} rows ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
        print(f"load average {os.getloadavg()[0]:.1f} (others' work slows the wall clock; CPU seconds do not move)")
        print(f"{'workers':>7} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'CPU s':>7} {'peak MB':>8}"
              f"  (peak MB at {n // 10:,} rows)")
        for w in map(int, args.workers.split(",")):
            out = Path(tmp) / f"out{w}.jsonl"
            rc_small, _, mb_small, _ = run_batch(small, out, w)
            rc, seconds, mb, cpu = run_batch(src, out, w)
            assert rc == 1 and rc_small == 1, "the generated typos make error rows: exit 1"
            check_output(out, n)
            print(f"{w:>7} {n:>10,} {seconds:>8.1f} {n / seconds:>9,.0f} {cpu:>7.1f} {mb:>8.0f}  ({mb_small:.0f})")
    if not args.skip_cold:
        example = ROOT / "examples" / sorted(os.listdir(ROOT / "examples"))[0]
        with tempfile.TemporaryDirectory() as tmp:
            as_json = Path(tmp) / "context.json"
            import yaml
            as_json.write_text(json.dumps(yaml.safe_load(example.read_text(encoding="utf-8")), default=str),
                               encoding="utf-8")
            for ctx, what in ((example, "YAML context"), (as_json, "JSON context")):
                ma, mb, ratio, cpu_ratio = cold(ctx)
                print(f"cold CLI evaluate, {what}: {mb:.0f} ms against python -c 'import yaml' {ma:.0f} ms "
                      f"(medians of 20 runs): {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target 1.5x)")


if __name__ == "__main__":
    main()
