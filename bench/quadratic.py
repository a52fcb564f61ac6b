"""Does ``check`` stay near-linear on files full of bad references?

    .venv/bin/python bench/quadratic.py [N]

Times ``check`` of generated policies with N problems each, at N and 2N, and
prints the growth ratio (about 2 when the cost is linear, about 4 when
quadratic):

* ``goto``      N decisions, each with a ``goto`` to a node that does not exist
                (each finding suggests the closest of N node ids);
* ``enum``      N conditions comparing an enum input with a value not among its
                N values (each suggests, and lists, the values);
* ``inputs``    N misspelt names among N declared inputs;
* ``citations`` N citations not found in a 20,000-line source text (each
                shows the closest source line).

Also prints the size of the output, which stays proportional to N because
lists of choices are cut short.  Absolute times depend on the machine; the
ratios are the point.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asanimza_policy.check import check_file  # noqa: E402
from asanimza_policy.findings import format_text  # noqa: E402

HEAD = """id: bench
version: 1.0.0
title: Bench
effective_from: "2026-01-01"
timezone: Europe/Lisbon
source: {title: S, path: source.txt}
actions: {go: {description: Go.}}
start: d0
"""
DONE = "  done: {kind: outcome, status: complete, title: Done, steps: [{action: go, text: Go.}]}\n"
SOURCE_LINES = 20_000


def policy(case: str, n: int) -> tuple[str, str]:
    """(policy text, source text) with n problems of the kind ``case``."""
    source = "The rules are written here.\n"
    inputs = ["  flag: {type: boolean, question: Q?}"]
    nodes = []
    for i in range(n):
        nxt = f"d{i + 1}" if i + 1 < n else "done"
        when, goto, cites = "flag", nxt, ""
        if case == "goto":
            goto = f"node_{i:05d}x"
        elif case == "enum":
            when = f"colour == 'w{i:05d}'"
        elif case == "inputs":
            when = f"flg_{i:05d}"
        elif case == "citations":
            cites = f", cites: ['Paragraph {i} says something about renewal that is not in the source.']"
        nodes.append(f"  d{i}: {{kind: decision, title: T, branches: [{{when: {when}, goto: {goto}}}], "
                     f"otherwise: done{cites}}}")
    if case == "enum":
        inputs.append("  colour: {type: enum, values: [" + ", ".join(f"v{i:05d}" for i in range(n))
                      + "], question: Q?}")
    if case == "inputs":
        inputs += [f"  flag_{i:05d}: {{type: boolean, question: Q?}}" for i in range(n)]
    if case == "citations":
        source = "".join(f"Paragraph {i} of the rules explains a step of the procedure in words.\n"
                         for i in range(SOURCE_LINES))
    text = HEAD + "inputs:\n" + "\n".join(inputs) + "\nnodes:\n" + "\n".join(nodes) + "\n" + DONE
    return text, source


def timed(case: str, n: int) -> tuple[float, int, int]:
    text, source = policy(case, n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench"
        folder.mkdir()
        (folder / "source.txt").write_text(source, encoding="utf-8")
        path = folder / "1.0.0.yaml"
        path.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        findings = check_file(path)
        took = time.perf_counter() - start
    return took, len(findings), len(format_text(findings))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(f"check on generated policies, N = {n:,} and {2 * n:,} problems (file sizes about "
          f"{len(policy('goto', n)[0]) // 1000:,} KB and {len(policy('goto', 2 * n)[0]) // 1000:,} KB)")
    print(f"{'case':<10} {'N s':>8} {'2N s':>8} {'ratio':>6} {'findings 2N':>12} {'output 2N':>10}")
    for case in ("goto", "enum", "inputs", "citations"):
        t1, _, _ = timed(case, n)
        t2, found, size = timed(case, 2 * n)
        print(f"{case:<10} {t1:8.2f} {t2:8.2f} {t2 / t1:6.2f} {found:12,} {size // 1000:8,} KB")


if __name__ == "__main__":
    main()
