"""Findings printed for people and for the tools around them.

``text``   ``path:line:col: CODE message`` lines (editors and problem matchers
           read them); on a terminal a closing one-line summary.
``json``   a list of ``{"code", "message", "path", "line", "col", "severity"}``.
``sarif``  SARIF 2.1.0, as GitHub code scanning and editors' SARIF viewers read
           it: one rule per code of the codes table, results with regions and
           a stable fingerprint.
``github`` GitHub Actions workflow commands (``::error file=...``), which the
           runner turns into annotations on the pull request.

Printers only: which findings there are, and their severity, is decided before.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from .codes import CODES
from .findings import ERROR, WARNING, Finding, format_json, format_text

FORMATS = ("text", "json", "sarif", "github")
TOOL = "asanimza-policy"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "asanimzaPolicyFinding/v1"


def render(findings: Sequence[Finding], fmt: str = "text", *, files: int = 0, terminal: bool = False,
           baselined: int = 0, ascii: bool = False) -> str:
    """The findings in format ``fmt``; ``ascii`` escapes what is not ASCII
    (JSON and SARIF) for a stream that cannot take UTF-8."""
    if fmt == "json":
        return format_json(findings, ascii=ascii)
    if fmt == "sarif":
        return json.dumps(sarif(findings), indent=2, ensure_ascii=ascii) + "\n"
    if fmt == "github":
        return "".join(github_command(f) + "\n" for f in findings)
    text = format_text(findings)
    return text + (summary(findings, files, baselined) + "\n" if terminal else "")


def summary(findings: Sequence[Finding], files: int, baselined: int = 0) -> str:
    """``3 files, no findings`` or ``3 files, 2 errors, 1 warning``."""
    count = Counter(f.severity for f in findings)
    parts = [_plural(files, "file")]
    if not findings:
        parts.append("no findings")
    for severity in (ERROR, WARNING):
        if count[severity]:
            parts.append(_plural(count[severity], severity))
    line = ", ".join(parts)
    return line + (f" ({_plural(baselined, 'warning')} of superseded versions in baselines)" if baselined else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# -- fingerprints --------------------------------------------------------------

_LINE_REF = re.compile(r"\b(line|lines) \d+")


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One stable id per finding: the same problem keeps it when lines above it
    move (no line or column in it), and identical problems in one file are told
    apart by their order."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        key = "\0".join((f.code, f.path.replace("\\", "/"), _LINE_REF.sub(r"\1 N", f.message)))
        seen[key] += 1
        out.append(hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()[:32])
    return out


# -- SARIF ---------------------------------------------------------------------

def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def _rule_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def _plain(text: str) -> str:
    return text.replace("`", "")


def _rule(code: str) -> dict:
    c = CODES[code]
    rule = {"id": c.code, "name": _rule_name(c.code), "shortDescription": {"text": _plain(c.means)},
            "defaultConfiguration": {"level": WARNING if c.warning else ERROR}, "properties": {"tags": [c.stage]}}
    if c.fix:
        rule["help"] = {"text": _plain(c.fix)}
    return rule


def sarif(findings: Sequence[Finding]) -> dict:
    from . import __version__

    codes = list(CODES)         # a Finding's code is always in the table
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f, fp in zip(findings, fingerprints(findings)):
        region = {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)}
        results.append({
            "ruleId": f.code, "ruleIndex": index[f.code], "level": f.severity if f.severity in (ERROR, WARNING)
            else "note", "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": region}}],
            "partialFingerprints": {FINGERPRINT: fp},
        })
    driver = {"name": TOOL, "version": __version__, "semanticVersion": __version__,
              "rules": [_rule(code) for code in codes]}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}]}


# -- GitHub Actions workflow commands ------------------------------------------

def _escape_data(text: str) -> str:
    # as @actions/core's escapeData
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # as @actions/core's escapeProperty
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(f: Finding) -> str:
    command = "error" if f.severity == ERROR else "warning" if f.severity == WARNING else "notice"
    props = {"file": f.path.replace("\\", "/"), "line": str(f.line), "col": str(f.col), "title": f.code}
    return (f"::{command} " + ",".join(f"{k}={_escape_property(v)}" for k, v in props.items())
            + f"::{_escape_data(f.message)}")
