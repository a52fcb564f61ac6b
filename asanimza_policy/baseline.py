"""Baselines: the warnings of superseded versions, accepted once.

A published version is frozen: a warning found in it after it was superseded
(say a new check came along) can only be fixed in a newer version.  So the
warnings of superseded versions are recorded, once, in ``check-baseline.json``
beside them (not named like a version, so the registry never reads it); they
no longer fail ``check --strict``, and any other finding still does.  The
newest version of a policy never gets a baseline, and errors are never
recorded.  Entries match by file name, code and message (line numbers in the
message left out), so they survive nothing but the same problem.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .atomic import open_atomic
from .findings import WARNING, Finding

NAME = "check-baseline.json"
MAX_BYTES = 5_000_000
ABOUT = ("Warnings of superseded versions of this policy, accepted as they were published; "
         "written by `asanimza-policy check --write-baseline`. Errors are never recorded here, "
         "and the newest version never has entries.")
_LINE_REF = re.compile(r"\b(line|lines) \d+")


def key(file_name: str, code: str, message: str) -> tuple[str, str, str]:
    return file_name, code, _LINE_REF.sub(r"\1 N", message)


def finding_key(f: Finding) -> tuple[str, str, str]:
    return key(Path(f.path).name, f.code, f.message)


def read(folder: Path, shown: str) -> tuple[Counter, list[Finding]]:
    """The entries of the folder's baseline (none when there is no file), and
    findings when it cannot be used."""
    path = folder / NAME
    where = os.path.join(shown, NAME)
    from .loader import read_regular

    try:
        raw = read_regular(path, MAX_BYTES)
        if len(raw) > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES:,} bytes")
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        return Counter(), []
    except (OSError, ValueError) as e:
        why = getattr(e, "strerror", None) or str(e)
        return Counter(), [Finding("BASELINE_INVALID", f"cannot read the baseline ({why})", where)]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return Counter(), [Finding("BASELINE_INVALID", f"not JSON: {e.msg}; rewrite it with check --write-baseline",
                                   where, e.lineno, e.colno)]
    except RecursionError:
        return Counter(), [Finding("BASELINE_INVALID", "nested too deeply; rewrite it with check --write-baseline",
                                   where)]
    entries = data.get("warnings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("file", "code", "message"))
            for e in entries):
        return Counter(), [Finding("BASELINE_INVALID", 'expected {"warnings": [{"file", "code", "message"}, ...]}; '
                                   "rewrite it with check --write-baseline", where)]
    return Counter(key(e["file"], e["code"], e["message"]) for e in entries), []


def apply(findings: Iterable[Finding], entries: Counter, superseded: set[str]) -> tuple[list[Finding], int]:
    """The findings the baseline does not cover, and how many it covered.

    Only warnings of the files in ``superseded`` (paths as shown) can be covered,
    each entry once."""
    left = Counter(entries)
    kept, covered = [], 0
    for f in findings:
        k = finding_key(f)
        if f.severity == WARNING and f.path in superseded and left[k] > 0:
            left[k] -= 1
            covered += 1
        else:
            kept.append(f)
    return kept, covered


def write(folder: Path, findings: Iterable[Finding], checked: set[str]) -> int:
    """Record these warnings as the folder's baseline, atomically, keeping the
    entries of files not ``checked`` (by name) in this run; with none left,
    remove the baseline.  Returns how many entries it holds."""
    entries = [{"file": Path(f.path).name, "code": f.code, "message": f.message}
               for f in findings if f.severity == WARNING]
    target = folder / NAME
    from .loader import read_regular

    try:
        old = json.loads(read_regular(target, MAX_BYTES).decode("utf-8-sig")).get("warnings", [])
        entries += [e for e in old if isinstance(e, dict) and isinstance(e.get("file"), str)
                    and isinstance(e.get("code"), str) and isinstance(e.get("message"), str)
                    and e["file"] not in checked]
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        pass                                # none yet, or unusable: start afresh
    entries.sort(key=lambda e: (e.get("file", ""), e.get("code", ""), e.get("message", "")))
    if not entries:
        target.unlink(missing_ok=True)
        return 0
    with open_atomic(target) as fh:
        fh.write(json.dumps({"about": ABOUT, "warnings": entries}, indent=2, ensure_ascii=False) + "\n")
    return len(entries)
