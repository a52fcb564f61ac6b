"""Published versions cannot change: the lock file of a policy folder.

``<policy folder>/versions.lock`` (JSON; never named like a version) records,
for each published version, the hashes of its file and of the source text it
cites (:mod:`asanimza_policy.provenance`).  ``check`` reports a locked version
whose content changed (``VERSION_LOCKED``) and says what to do instead: a new
version.  ``asanimza-policy lock`` records versions; ``new-version`` copies
the newest version to the next one for editing.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from .atomic import write_text
from .findings import Finding
from .loader import Document
from .model import SEMVER, Policy, semver_key
from .provenance import hashes

LOCK_NAME = "versions.lock"
FORMAT = 1


class LockError(ValueError):
    """The lock file cannot be read or is not of the expected shape (at ``line``, ``col``)."""

    def __init__(self, message: str, line: int = 1, col: int = 1):
        super().__init__(message)
        self.line, self.col = line, col


def read_lock(folder: Path) -> dict[str, dict]:
    """version -> recorded hashes; empty when the folder has no lock file."""
    path = folder / LOCK_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise LockError(f"cannot be read: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise LockError(f"is not valid JSON: {e.msg}", e.lineno, e.colno) from None
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("digest"), str)
            for k, v in versions.items()):
        raise LockError('must be {"format": 1, "versions": {"<version>": {"digest": "<sha256>", ...}}}')
    return versions


def write_lock(folder: Path, versions: dict[str, dict]) -> Path:
    """Write the lock file atomically, versions in semantic order."""
    ordered = {v: versions[v] for v in sorted(versions, key=semver_key)}
    text = json.dumps({"format": FORMAT, "versions": ordered}, indent=2, ensure_ascii=False) + "\n"
    path = folder / LOCK_NAME
    write_text(path, text)
    return path


def record(policy_file: Path, policy: Policy, locked_on: date) -> dict:
    entry = hashes(policy_file, policy.source.path if policy.source else None).to_dict()
    entry["locked_on"] = locked_on.isoformat()
    return entry


def lock_findings(doc: Document, policy: Policy, path: Path) -> list[Finding]:
    """``VERSION_LOCKED`` when a locked version's file or source text changed;
    ``LOCK_FILE`` when the folder's lock file cannot be read."""
    folder = path.resolve().parent
    try:
        locked = read_lock(folder).get(policy.version)
    except LockError as e:
        return [Finding("LOCK_FILE", f"{LOCK_NAME} {e}", str(Path(doc.path).parent / LOCK_NAME), e.line, e.col)]
    if locked is None:
        return []
    now = hashes(path, policy.source.path if policy.source else None)
    if now.digest == locked["digest"]:
        return []
    changed = []
    if locked.get("policy_sha256") not in (None, now.policy):
        changed.append("this file")
    if locked.get("source_sha256", now.source) != now.source:
        changed.append(f"its source text {policy.source.path}")
    what = " and ".join(changed) or "its content"
    return [Finding.at(
        "VERSION_LOCKED",
        f"version {policy.version} is published and locked in {LOCK_NAME}, but {what} changed; a published "
        f"version never changes: restore it and make a new version (`asanimza-policy new-version {policy.id}`; "
        f"a wording-only change is a patch version, {next_version(policy.version, 'patch')})",
        doc.path, doc.pos(("version",)))]


def source_hash_findings(doc: Document, policy: Policy, path: Path) -> list[Finding]:
    """``SOURCE_CHANGED`` when the source text no longer has the digest the policy records."""
    if policy.source is None or policy.source.sha256 is None:
        return []
    now = hashes(path, policy.source.path).source
    if now is None or now == policy.source.sha256:
        return []          # an unreadable source is SOURCE_MISSING already
    return [Finding.at("SOURCE_CHANGED", f"source text {policy.source.path} has SHA-256 {now[:12]}…, not the "
                       f"{policy.source.sha256[:12]}… recorded in source.sha256 (taken on "
                       f"{policy.source.retrieved_on or 'an unrecorded day'}); review the change and record it in a "
                       "new version", doc.path, doc.pos(("source", "sha256")))]


def next_version(version: str, part: str = "minor") -> str:
    """The next version number: ``minor`` (1.1.0 -> 1.2.0) or ``patch`` (1.1.0 -> 1.1.1)."""
    m = SEMVER.match(version)
    if not m:
        raise ValueError(f"{version!r} is not a semantic version")
    major, minor, patch = (int(g) for g in m.groups()[:3])
    return f"{major}.{minor}.{patch + 1}" if part == "patch" else f"{major}.{minor + 1}.0"
