"""Writing the cache of compiled walks that a cold ``evaluate`` reads (``cold``).

One entry per policy id and list of policy roots, in the user's private cache
folder (``cachedir``), written after an ``evaluate`` of the command line found
it missing or stale (``cli._cmd_evaluate``).  It records, as ``marshal`` data:

* what it was written by (``cold.fingerprint``: this package's files, its
  version, the Python), the policy id and the roots;
* the folder listings the registry chose the version files from;
* for each version file: its path, SHA-256, dates, time zone, the place and
  SHA-256 of its source text, and its compiled fast walk (itself ``marshal``
  data, read only for the version chosen): the code objects of the generated
  functions (``compile.python_source``, the same source the ordinary path
  compiles, where policy text appears only as ``repr()`` literals) and their
  named constants as plain data (``cold_runtime.decode``);
* first of all, on a line of its own, the SHA-256 of the rest, so a damaged
  entry is never read.

The versions are read, built and checked here again from the very bytes whose
hashes are recorded, so an entry never pairs a file's hash with a walk built
from other contents.  A policy whose versions the registry would not resolve
cleanly (a version that does not build, overlapping dates, two time zones, a
misplaced file) is recorded as left to the ordinary path.  Nothing here ever
fails a command: an entry that cannot be written is not written.
"""
from __future__ import annotations

import builtins
import dis
import marshal
import os
from datetime import date
from types import BuiltinFunctionType, CodeType, FunctionType
from typing import Any

from . import cold
from .cachedir import TMP_PREFIX, TMP_SUFFIX, private_folder, prune
from .cold_runtime import FUNCTION_MODULES, NAMES
from .readfile import read_regular


class NotCached(Exception):
    """A constant or name the cached walk could not carry."""


def refresh(policy_id: str) -> None:
    """Write the entry of ``policy_id`` (an id, not a path) for the policy roots in use now."""
    try:
        folder = private_folder()
        record = None if folder is None else build_record(policy_id)
        if folder is not None and record is not None:
            write(cold.entry_path(folder, policy_id, list(record[3])), record)
    except Exception:       # a cache that cannot be written changes nothing but the time
        return


def build_record(policy_id: str) -> tuple | None:
    """The entry's record, or ``None`` when there is nothing to keep."""
    from .model import POLICY_ID, SEMVER, semver_key
    from .registry import MAX_ID_LENGTH, roots

    shown = cold.policy_roots()
    if shown is None or shown != [str(r) for r in roots()]:
        return None                     # roots cold.py would not find as the registry does
    if len(policy_id) > MAX_ID_LENGTH or not POLICY_ID.match(policy_id):
        return None
    printed = cold.fingerprint()        # before anything is read: a change after it makes the entry stale
    listings: list[tuple[str, ...]] = []
    files: list[str] = []
    for root in shown:
        names = cold.listing(root, policy_id)
        listings.append(names)
        files = [os.path.join(root, policy_id, n) for n in names if SEMVER.match(n[:-5])]
        if files:
            break
    if not files:
        return None
    files.sort(key=lambda f: semver_key(os.path.basename(f)[:-5]))
    versions, entries = [], []
    for f in files:
        record, entry = _version(f, semver_key(os.path.basename(f)[:-5]))
        versions.append(record)
        entries.append(entry)
    from .registry import _conflicts

    refuse = any(e is None or e.error is not None for e in entries) or _conflicts(entries) is not None
    return (cold.FORMAT, printed, policy_id, tuple(shown), tuple(listings), refuse, tuple(versions))


def _version(path: str, key: tuple) -> tuple[tuple, Any]:
    """A version's record and its ``registry._Version`` (``None``: it does not build)."""
    from dataclasses import replace
    from pathlib import Path

    from .build import build_policy
    from .cache import document_of
    from .errors import PolicyError
    from .findings import Finding
    from .provenance import hashes_of
    from .registry import _Version, display_path, layout_problems

    raw = read_regular(path, cold.MAX_POLICY_BYTES)
    policy_sha, stem = cold.sha256(raw), os.path.basename(path)[:-5]
    try:
        policy = build_policy(document_of(Path(path), raw, display_path(Path(path))))
    except PolicyError:
        return cold.version_record(path, stem, None, None, None, key, None, None, policy_sha, None, None), None
    rel = policy.source.path if policy.source else None
    target = source_sha = source_raw = None
    if rel:
        source_raw = _source(Path(path), rel)
        target, source_sha = cold.source_state(path, rel)
        if source_sha != (None if source_raw is None else cold.sha256(source_raw)):
            raise NotCached("the source text changed while it was read")
    policy = replace(policy, sha256=hashes_of(raw, source_raw).digest)
    problems = layout_problems(policy.id, policy.version, Path(path))
    error = PolicyError([Finding("LAYOUT", m, policy.path) for _, m in problems]) if problems else None
    entry = _Version(policy.path, stem, policy.effective_from, policy.effective_until, policy.timezone,
                     None if error else policy, error)
    until = policy.effective_until.toordinal() if policy.effective_until else None
    frm = policy.effective_from.toordinal() if policy.effective_from else None
    compiled = None if error else walk(policy)
    return cold.version_record(path, stem, frm, until, policy.timezone, key, rel, target, policy_sha, source_sha,
                               None if compiled is None else marshal.dumps(compiled)), entry


def _source(policy_file, rel: str) -> bytes | None:
    """The source text's bytes as the digest reads them (``None``: unreadable)."""
    from .provenance import read_source_bytes

    try:
        return read_source_bytes(policy_file, rel)
    except ValueError:
        return None


# -- the compiled walk as plain data ------------------------------------------------------

def walk(policy) -> tuple | None:
    """(code objects by name, encoded constants, known-value functions of the
    derived values, the policy's facts for ``cold_runtime.finish``), or ``None``
    when the walk cannot be carried (then cold evaluations of it take the
    ordinary path)."""
    from .codegen_expr import Unsupported
    from .compile import python_source

    try:
        source, consts = python_source(policy)
        module = compile(source, f"<policy {policy.id} {policy.version}>", "exec")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    functions = {c.co_name: c for c in module.co_consts if isinstance(c, CodeType)}
    known = {name: f"known_{i}" for i, name in enumerate(policy.derived)}    # compile_fast's names
    if "fast" not in functions or any(fn not in functions for fn in known.values()):
        return None
    supplied = set(NAMES) | {"read", "POLICY"}
    codes: dict[str, CodeType] = {}
    names: set[str] = set()
    todo = ["fast", *known.values()]
    while todo:
        name = todo.pop()
        if name in codes:
            continue
        codes[name] = functions[name]
        for g in _globals(functions[name]):
            if g in functions and g not in supplied:
                todo.append(g)
            elif g not in supplied:
                names.add(g)
    try:
        encoded = {}
        for name in sorted(names):
            if name in consts:
                encoded[name] = _constant(name, consts[name], policy)
            elif not hasattr(builtins, name):
                raise NotCached(f"name {name!r}")
    except NotCached:
        return None
    info = (policy.id, policy.version, policy.sha256, {a: v.text for a, v in policy.assumptions.items()},
            {c: v.to_dict() for c, v in policy.caveats.items()})
    return codes, encoded, known, info


def _globals(code: CodeType) -> set[str]:
    """The global names a function's code (and the code nested in it) reads."""
    out = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for c in code.co_consts:
        if isinstance(c, CodeType):
            out |= _globals(c)
    return out


def _constant(name: str, value: Any, policy) -> tuple:
    from .compile_runtime import Event
    from .decision import StepSpec
    from .model import Template
    from .words import branch_plan

    if name == "EVENTS":
        if not all(type(e) is Event for e in value):
            raise NotCached("events")
        return ("=", tuple((e.node, e.cites, e.assumes, e.caveats,
                            None if e.taken is None else branch_plan(policy, *e.taken)) for e in value))
    if type(value) is StepSpec:
        value = tuple(value)            # read by position only (cold_runtime.finish)
    elif type(value) is Template:
        value = value.parts             # cold_runtime.fill_known reads the parts
    return encode(value)


def _plain(v: Any) -> bool:
    t = type(v)
    if t in (str, int, bool, float) or v is None:
        return True
    if t in (tuple, list, frozenset):
        return all(_plain(i) for i in v)
    if t is dict:
        return all(_plain(k) and _plain(i) for k, i in v.items())
    return False


def encode(v: Any) -> tuple:
    """``v`` as ``cold_runtime.decode`` reads it back; ``NotCached`` for anything else."""
    if _plain(v):
        return ("=", v)
    t = type(v)
    if t is date:
        return ("D", v.toordinal())
    if t in (FunctionType, BuiltinFunctionType):
        module, name = getattr(v, "__module__", None), getattr(v, "__name__", "")
        if module not in FUNCTION_MODULES:
            raise NotCached(f"function {name!r} of {module!r}")
        from importlib import import_module

        if getattr(import_module(module), name, None) is not v:     # a lambda, or a name bound to another
            raise NotCached(f"function {name!r} of {module!r}")
        return ("F", module, name)
    if t in (tuple, list, frozenset):
        return ("t" if t is tuple else "l" if t is list else "f", [encode(i) for i in v])
    if t is dict:
        return ("d", [(encode(k), encode(i)) for k, i in v.items()])
    raise NotCached(f"a {t.__name__}")


def write(path: str, record: tuple) -> None:
    """``record`` at ``path``, atomically (a private temporary file, then rename)."""
    import tempfile

    blob = marshal.dumps(record)
    blob = cold.sha256(blob).encode() + b"\n" + blob
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=os.path.dirname(path))     # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
        prune(os.path.dirname(path))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
