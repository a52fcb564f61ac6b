"""Where policies live, and which version applies on a date.

A policy root holds ``<id>/<version>.yaml`` files (``<id>/tests/`` and any
other sub-folder are not versions).  The roots are, in order, the folders
listed in ``ASANIMZA_POLICY_PATH`` (``os.pathsep``-separated) and the shipped
policies: the package's ``_data/policies`` in an installed wheel, or the
repository's ``policies/`` in a checkout.  Each file is read, checked and
compiled once per process.
"""
from __future__ import annotations

import os
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import PolicyError, PolicyNotFound
from .findings import Finding
from .loader import load_file
from .resources import schema_file, shipped_policies
from .build import build_policy
from .model import POLICY_ID, SEMVER, Policy, semver_key

_lock = threading.Lock()
_compiled: dict[tuple, Policy] = {}
_versions: dict[str, list[Policy]] = {}


def clear_cache() -> None:
    """Forget every loaded policy (after editing files in a long-lived process)."""
    with _lock:
        _compiled.clear()
        _versions.clear()


def shipped_root() -> Path:
    return shipped_policies()


def schema_path() -> Path:
    return schema_file()


def roots() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("ASANIMZA_POLICY_PATH", "").split(os.pathsep) if p]
    return extra + [shipped_root()]


def display_path(path: Path) -> str:
    """A path as a person at the terminal would type it: relative when it is
    below the working folder, absolute otherwise."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(Path(path).resolve()) if rel.startswith("..") else rel


def expand_paths(paths, keep) -> list[tuple[Path, str]]:
    """(file, how to show it) for each path named: a file as it is, a folder as
    the ``*.yaml`` paths below it that ``keep(path, relative_parts)`` accepts,
    shown as the user spelled them.  ``FileNotFoundError`` for a path that does
    not exist.  A folder named like a file is kept, for the reader to report."""
    out: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.yaml") if keep(f, f.relative_to(p.parent).parts))
            out.extend((f, str(p / f.relative_to(p))) for f in found)
        elif p.exists():
            out.append((p, str(raw)))
        else:
            raise FileNotFoundError(f"{raw}: no such file or folder")
    return out


def load_policy(path: str | Path, display: str | None = None) -> Policy:
    """Read, check and compile one policy file (once per process per file state)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    with _lock:
        cached = _compiled.get(key)
    if cached is not None:
        return cached
    policy = build_policy(load_file(p, display or display_path(p)))
    with _lock:
        _compiled[key] = policy
    return policy


def layout_problems(policy: Policy, path: Path) -> list[tuple[str, str]]:
    """(key, message) for each way a file named like a version (``1.0.0.yaml``)
    breaks the layout the registry relies on: ``<id>/<version>.yaml``."""
    if not SEMVER.match(path.stem):
        return []
    out = []
    if path.stem != policy.version:
        out.append(("version", f"file {path.name} declares version {policy.version}; name the file "
                               f"{policy.version}.yaml"))
    if path.parent.name != policy.id:
        out.append(("id", f"file is in folder {path.parent.name!r} but declares id {policy.id!r}; "
                          f"the registry finds it under {policy.id}/"))
    return out


def version_files(policy_id: str) -> list[Path]:
    """The version files of a policy, from the first root that has it."""
    if not isinstance(policy_id, str) or not POLICY_ID.match(policy_id):
        return []
    for root in roots():
        folder = root / policy_id
        if folder.is_dir():
            files = [f for f in folder.iterdir() if f.suffix == ".yaml" and SEMVER.match(f.stem)]
            if files:
                return sorted(files, key=lambda f: semver_key(f.stem))
    return []


def policy_ids() -> list[str]:
    ids: set[str] = set()
    for root in roots():
        if root.is_dir():
            ids.update(d.name for d in root.iterdir() if d.is_dir() and version_files(d.name))
    return sorted(ids)


def all_policy_files() -> list[Path]:
    return [f for pid in policy_ids() for f in version_files(pid)]


def versions(policy_id: str) -> list[Policy]:
    """Every version of a policy, oldest first; :class:`PolicyNotFound` if none.

    Looked up on disk once per process: later calls do no I/O.
    """
    cached = _versions.get(policy_id)
    if cached is not None:
        return cached
    files = version_files(policy_id)
    if not files:
        known = ", ".join(policy_ids()) or "none"
        raise PolicyNotFound(f"unknown policy {policy_id!r}; known policies: {known}")
    out = []
    for f in files:
        policy = load_policy(f)
        problems = layout_problems(policy, f)
        if problems:
            raise PolicyError([Finding("LAYOUT", message, policy.path) for _, message in problems])
        out.append(policy)
    with _lock:
        _versions[policy_id] = out
    return out


def today(policy: Policy) -> date:
    return datetime.now(ZoneInfo(policy.timezone)).date()


def resolve_policy(policy: str | Policy, as_of: date | None = None,
                   version: str | None = None) -> tuple[Policy, date]:
    """Like :func:`resolve`, for an id or an already loaded policy."""
    if isinstance(policy, Policy):
        if version is not None and version != policy.version:
            raise PolicyNotFound(f"policy {policy.id!r} given as version {policy.version}, not {version!r}")
        return policy, as_of or today(policy)
    return resolve(policy, as_of, version)


def resolve(policy_id: str, as_of: date | None = None, version: str | None = None) -> tuple[Policy, date]:
    """The policy version to use, and the evaluation date (default: today there)."""
    all_versions = versions(policy_id)
    if as_of is None:
        as_of = today(all_versions[-1])
    if version is not None:
        for p in all_versions:
            if p.version == version:
                return p, as_of
        raise PolicyNotFound(f"policy {policy_id!r} has no version {version!r}; versions: "
                             f"{', '.join(p.version for p in all_versions)}")
    live = [p for p in all_versions if p.in_effect(as_of)]
    if not live:
        spans = "; ".join(f"{p.version} from {p.effective_from}"
                          + (f" until {p.effective_until}" if p.effective_until else "") for p in all_versions)
        raise PolicyNotFound(f"policy {policy_id!r} has no version in effect on {as_of.isoformat()} ({spans})")
    return max(live, key=lambda p: (p.effective_from, p.version_key)), as_of
