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
import sys
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .build import build_policy
from .cache import load_document
from .errors import PolicyError, PolicyNotFound
from .findings import Finding, excerpt
from .loader import NotAFile
from .model import POLICY_ID, SEMVER, Policy, semver_key
from .provenance import hashes
from .resources import schema_file, shipped_policies

_lock = threading.Lock()
_compiled: dict[tuple, Policy] = {}
_versions: dict[str, list] = {}
# how many times the cache was cleared: a lookup under way while it is (another
# thread) answers from what it read but does not keep it
_generation = 0
# a policy id is a folder name: longer ones cannot exist on common file systems
MAX_ID_LENGTH = 200


def clear_cache() -> None:
    """Forget every loaded policy (after editing files in a long-lived process)."""
    global _generation
    with _lock:
        _compiled.clear()
        _versions.clear()
        _generation += 1
    package = sys.modules.get(__package__ or "")
    if package is not None:
        # what evaluate() resolved ids and days to: a new table, so that an evaluate()
        # under way keeps what it resolved in the old one, which is dropped
        setattr(package, "_ready", {})  # noqa: B010  (a module attribute the type checker does not know)


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


def expand_paths(paths, keep, unreadable: list | None = None) -> list[tuple[Path, str]]:
    """(file, how to show it) for each path named: a file as it is, a folder as
    the ``*.yaml`` paths below it that ``keep(path, relative_parts)`` accepts,
    shown as the user spelled them.  A folder named like a file is kept, for
    the reader to report.

    ``OSError`` for a named path that does not exist or a named folder that
    cannot be listed (the caller exits 2).  A folder met while walking that
    cannot be listed is added to ``unreadable`` as (shown, reason), for the
    caller to report as a finding, never skipped in silence.
    """
    out: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        try:
            is_dir = p.is_dir()
            exists = is_dir or p.exists()
        except OSError as e:
            raise OSError(e.errno, f"{raw}: {e.strerror or e}") from None
        if not exists:
            raise FileNotFoundError(f"{raw}: no such file or folder")
        if not is_dir:
            out.append((p, str(raw)))
            continue
        found: list[Path] = []
        problems: list[OSError] = []
        for here, dirs, files in os.walk(p, onerror=problems.append):
            dirs.sort()
            for name in (*files, *dirs):
                f = Path(here) / name
                if name.endswith(".yaml") and keep(f, f.relative_to(p.parent).parts):
                    found.append(f)
        for problem in problems:
            where = Path(problem.filename) if problem.filename is not None else p
            if where == p:
                raise OSError(problem.errno, f"{raw}: {problem.strerror or problem}") from None
            if unreadable is not None:
                unreadable.append((str(p / where.relative_to(p)), problem.strerror or str(problem)))
        out.extend((f, str(p / f.relative_to(p))) for f in sorted(found))
    return out


def load_policy(path: str | Path, display: str | None = None) -> Policy:
    """Read, check and compile one policy file (once per process per file state).

    :class:`PolicyError` for a file that is not a valid policy, and for a path
    that is not a regular file (a folder, FIFO or device is never read);
    ``FileNotFoundError`` / ``PermissionError`` for a path that cannot be opened.
    """
    p = Path(path)
    shown = display or display_path(p)
    try:
        st = p.stat()
        key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
        with _lock:
            cached = _compiled.get(key)
        if cached is not None:
            return cached
        doc = load_document(p, shown)
    except NotAFile as e:
        raise PolicyError([Finding("FILE", f"{e.strerror}; a policy is a YAML file", shown)]) from None
    policy = build_policy(doc)
    # the version's content digest (file and source text, line endings normalised), as
    # decisions report it and the lock file records it
    policy = replace(policy, sha256=hashes(p, policy.source.path if policy.source else None).digest)
    with _lock:
        _compiled[key] = policy
    return policy


def layout_problems(policy_id: str, version: str, path: Path) -> list[tuple[str, str]]:
    """(key, message) for each way a file named like a version (``1.0.0.yaml``)
    that declares ``policy_id`` and ``version`` breaks the layout the registry
    relies on: ``<id>/<version>.yaml``."""
    if not SEMVER.match(path.stem):
        return []
    out = []
    if path.stem != version:
        out.append(("version", f"file {path.name} declares version {version}; name the file {version}.yaml"))
    if path.parent.name != policy_id:
        out.append(("id", f"file is in folder {path.parent.name!r} but declares id {policy_id!r}; "
                          f"the registry finds it under {policy_id}/"))
    return out


def _listing(folder: Path) -> list[os.DirEntry]:
    """The entries of a folder; none when it is missing or cannot be read (a
    root nobody may read must not break the policies of the other roots)."""
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def version_files(policy_id: str) -> list[Path]:
    """The version files of a policy, from the first root that has it."""
    if not isinstance(policy_id, str) or len(policy_id) > MAX_ID_LENGTH or not POLICY_ID.match(policy_id):
        return []
    for root in roots():
        files = [Path(e.path) for e in _listing(root / policy_id)
                 if e.name.endswith(".yaml") and SEMVER.match(e.name[:-5])]
        if files:
            return sorted(files, key=lambda f: semver_key(f.stem))
    return []


def policy_ids() -> list[str]:
    ids: set[str] = set()
    for root in roots():
        ids.update(e.name for e in _listing(root) if _is_dir(e) and version_files(e.name))
    return sorted(ids)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def all_policy_files() -> list[Path]:
    return [f for pid in policy_ids() for f in version_files(pid)]


def _unknown(policy_id) -> PolicyNotFound:
    known = ", ".join(policy_ids()) or "none"
    return PolicyNotFound(f"unknown policy {excerpt(policy_id)}; known policies: {known}")


def versions(policy_id: str) -> list[Policy]:
    """Every version of a policy, oldest first; :class:`PolicyNotFound` if none,
    :class:`PolicyError` naming the file if one cannot be built.

    Looked up on disk once per process: later calls do no I/O.
    """
    return [entry.built() for entry in _entries(policy_id)]


@dataclass(frozen=True)
class _Version:
    """One version file: its dates (read even when the file does not build)
    and the built policy, or the error that building it raised (exactly one
    of ``policy`` and ``error`` is set)."""

    path: str
    version: str
    effective_from: date | None
    effective_until: date | None
    timezone: str | None
    policy: Policy | None
    error: PolicyError | None

    def in_effect(self, day: date) -> bool:
        return (self.effective_from is not None and self.effective_from <= day
                and (self.effective_until is None or day <= self.effective_until))

    def built(self) -> Policy:
        """The built policy; raises the error that building it raised."""
        if self.error is not None:
            raise self.error
        assert self.policy is not None, "a version holds a policy or an error"
        return self.policy


def _entry(f: Path) -> _Version:
    shown = display_path(f)
    try:
        policy = load_policy(f, shown)
    except PolicyError as e:
        return _header(f, shown, e)
    except OSError as e:
        error = PolicyError([Finding("FILE", f"cannot be read: {e.strerror or e}", shown)])
        return _Version(shown, f.stem, None, None, None, None, error)
    problems = layout_problems(policy.id, policy.version, f)
    misplaced = PolicyError([Finding("LAYOUT", m, policy.path) for _, m in problems]) if problems else None
    return _Version(policy.path, f.stem, policy.effective_from, policy.effective_until, policy.timezone,
                    None if misplaced else policy, misplaced)


def _header(f: Path, shown: str, error: PolicyError) -> _Version:
    """The dates of a version that does not build, read without building it."""
    def day(data, key):
        v = data.get(key)
        try:
            return date.fromisoformat(v) if isinstance(v, str) and len(v) == 10 else None
        except ValueError:
            return None

    try:
        data = load_document(f, shown).data
    except (PolicyError, OSError):
        data = None
    if not isinstance(data, dict):
        return _Version(shown, f.stem, None, None, None, None, error)
    tz = data.get("timezone")
    return _Version(shown, f.stem, day(data, "effective_from"), day(data, "effective_until"),
                    tz if isinstance(tz, str) else None, None, error)


def _entries(policy_id: str) -> list[_Version]:
    if not isinstance(policy_id, str):
        raise _unknown(policy_id)
    cached = _versions.get(policy_id)
    if cached is not None:
        return cached
    generation = _generation
    files = version_files(policy_id)
    if not files:
        raise _unknown(policy_id)
    out = [_entry(f) for f in files]
    with _lock:
        if generation == _generation:       # else the files were read before a clear_cache()
            _versions[policy_id] = out
    return out


def _conflicts(entries: list[_Version]) -> PolicyError | None:
    """The version rules ``check`` enforces that resolution depends on: every
    version's dates readable, no two versions starting on the same day, one
    time zone."""
    dated: list[tuple[date, _Version]] = []
    for e in entries:
        if e.effective_from is None:    # which dates it covers is unknown, so no date can be resolved
            return e.error
        dated.append((e.effective_from, e))
    by_day: dict[date, _Version] = {}
    for day, e in dated:
        other = by_day.setdefault(day, e)
        if other is not e:
            return PolicyError([Finding("VERSION_OVERLAP", f"versions {other.version} ({other.path}) and "
                                        f"{e.version} both take effect on {e.effective_from}", e.path)])
    zones = {e.timezone for e in entries if e.timezone is not None}
    if len(zones) > 1:
        return PolicyError([Finding("VERSION_TIMEZONE", "the versions of one policy share one time zone; found "
                                    + "; ".join(f"{e.timezone} in {e.path}" for e in entries if e.timezone),
                                    entries[-1].path)])
    return None


def today(policy: Policy | str) -> date:
    zone = policy.timezone if isinstance(policy, Policy) else policy
    return datetime.now(ZoneInfo(zone)).date()


def _today(entries: list[_Version]) -> date:
    """Today in the time zone the versions share."""
    zone = next((e.timezone for e in reversed(entries) if e.timezone), None)
    try:
        if zone is not None:
            return today(zone)
    except (ValueError, KeyError):   # an unknown zone: only a version that does not build has one
        pass
    broken = [e.error for e in entries if e.error is not None and e.timezone == zone]
    raise broken[-1] if broken else PolicyError([Finding("VERSION_TIMEZONE", "no time zone", entries[-1].path)])


def resolve_policy(policy: str | Policy, as_of: date | None = None,
                   version: str | None = None) -> tuple[Policy, date]:
    """Like :func:`resolve`, for an id or an already loaded policy."""
    if isinstance(policy, Policy):
        if version is not None and version != policy.version:
            raise PolicyNotFound(f"policy {policy.id!r} given as version {policy.version}, not {excerpt(version)}")
        return policy, as_of or today(policy)
    return resolve(policy, as_of, version)


MIN_DIGEST_PREFIX = 8


def _by_digest(entries: list[_Version], prefix: str) -> Policy | None:
    """The version whose content digest starts with ``prefix`` (at least
    ``MIN_DIGEST_PREFIX`` hex digits, as a logged decision's ``policy_digest``
    gives it); ``PolicyNotFound`` when two versions share the prefix."""
    if len(prefix) < MIN_DIGEST_PREFIX or any(c not in "0123456789abcdef" for c in prefix.lower()):
        return None
    found = [e.policy for e in entries if e.policy is not None and e.policy.sha256.startswith(prefix.lower())]
    if len(found) > 1:
        raise PolicyNotFound(f"digest prefix {prefix} matches versions {', '.join(p.version for p in found)}; "
                             "give more digits")
    return found[0] if found else None


def resolve(policy_id: str, as_of: date | None = None, version: str | None = None) -> tuple[Policy, date]:
    """The policy version to use, and the evaluation date (default: today in
    the policy's time zone).

    A version that does not build breaks only the dates it is in effect on (and
    an explicit request for it); its dates are read without building it.
    """
    return _choose(_entries(policy_id), policy_id, as_of, version)


def resolve_files(files: list[Path], policy_id: str, as_of: date | None = None,
                  version: str | None = None) -> tuple[Policy, date]:
    """Like :func:`resolve`, among the given version files (a draft folder's),
    by the same rules, without looking at the registry."""
    return _choose([_entry(f) for f in sorted(files, key=lambda f: semver_key(f.stem))], policy_id, as_of, version)


def draft_files(folder: Path, policy_id: str) -> list[Path]:
    """The ``<version>.yaml`` files of ``folder`` when it is the folder of
    ``policy_id`` (named by it); none otherwise."""
    if folder.name != policy_id:
        return []
    return [Path(e.path) for e in _listing(folder) if e.name.endswith(".yaml") and SEMVER.match(e.name[:-5])]


def _choose(entries: list[_Version], policy_id: str, as_of: date | None,
            version: str | None) -> tuple[Policy, date]:
    conflict = _conflicts(entries)
    if conflict is not None:
        raise conflict
    if as_of is None:
        as_of = _today(entries)
    if version is not None:
        for e in entries:
            if e.version == version:
                return e.built(), as_of
        by_digest = _by_digest(entries, version)
        if by_digest is not None:
            return by_digest, as_of
        raise PolicyNotFound(f"policy {policy_id!r} has no version {excerpt(version)}; versions: "
                             f"{', '.join(e.version for e in entries)}")
    live = [e for e in entries if e.in_effect(as_of)]
    if not live:
        spans = "; ".join(f"{e.version} from {e.effective_from}"
                          + (f" until {e.effective_until}" if e.effective_until else "") for e in entries)
        raise PolicyNotFound(f"policy {policy_id!r} has no version in effect on {as_of.isoformat()} ({spans})")
    chosen = max(live, key=lambda e: (e.effective_from, semver_key(e.version)))
    return chosen.built(), as_of
