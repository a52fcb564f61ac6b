"""The command line's entry point: a cold ``evaluate`` answered from the cache.

A one-off ``asanimza-policy evaluate POLICY --context FILE --format json``
spends most of its time importing and building what it needs once: the YAML
reader, the policy model, its checks.  This module answers it without them,
from the private cache of compiled walks (written by ``cold_write``), when it
can answer exactly as the ordinary path would:

* the arguments are the plain form of ``evaluate`` (a policy id, ``--context``,
  ``--as-of``, ``--version``, ``--format json``, each once, no abbreviations);
* the cache folder is the user's private one (``cachedir``) and holds an entry
  for this policy id and these policy roots, owned by the user and writable by
  no one else, written by this package's files as they are now
  (:func:`fingerprint`), whose recorded folder listings and file contents
  (SHA-256 of every version file and of its source text) match the files now;
* the context is JSON, or YAML in the plain form ``key: value`` per line
  (:func:`flat_yaml`), and the version's fast walk answers it alone: a complete
  or not-covered decision.

Anything else goes to ``cli.main`` with what was read already (the context's
bytes, which a pipe would not give twice), and a missing or stale entry is
written again there (``cold_write.refresh``).  The cached walk is the compiled
walk of the ordinary path, so both give the same bytes; a test compares them
on every scenario of every policy.  The entry is executable code: see
docs/security.md ("The cache of compiled walks").
"""
from __future__ import annotations

import os
import sys

from .readfile import read_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from typing import Any

FORMAT = 1
SUFFIX = ".compiled"
PATH_ENV = "ASANIMZA_POLICY_PATH"
MAX_CONTEXT_BYTES = 1_000_000       # cli.MAX_CONTEXT_BYTES
MAX_POLICY_BYTES = 5_000_000        # loader.MAX_BYTES (a test holds both equal)
_OPTIONS = ("--context", "--as-of", "--version", "--format")


class Stale(Exception):
    """The entry is missing, damaged, or no longer matches the files: write it again."""


class Handoff:
    """What the cached path hands to ``cli.main`` when it does not answer."""

    __slots__ = ("refresh", "context_arg", "raw", "error")

    def __init__(self) -> None:
        self.refresh = False            # write the entry again (it is missing or stale)
        self.context_arg: str | None = None
        self.raw: bytes | None = None   # the context's bytes, read already
        self.error: Exception | None = None   # or what reading standard input raised


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    handoff = Handoff()
    try:
        text = _answer(args, handoff)
    except KeyboardInterrupt:
        from .streams import fail
        return fail("interrupted", 130)
    except Exception:       # never an answer of ours: the ordinary path answers
        text = None
    if text is None:
        from .cli import main as ordinary
        return ordinary(args, handoff=handoff)
    from .streams import emit, fail, silence

    try:                # as cli.main writes
        emit(text)
    except BrokenPipeError:
        silence(sys.stdout)
    except OSError as e:
        silence(sys.stdout)
        return fail(f"{e.filename if e.filename is not None else 'output'}: {e.strerror or e}", 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    return 0


def _answer(args: list[str], handoff: Handoff) -> str | None:
    """The text to print, or ``None``: not answered here."""
    opts = _options(args)
    if opts is None:
        return None
    policy_id, context_arg, as_of_text, version, fmt = opts
    from .streams import isatty, tolerant_streams, utf8

    tolerant_streams()
    if (fmt or ("text" if isatty(sys.stdout) else "json")) != "json":
        return None
    if policy_id.endswith((".yaml", ".yml")) or os.sep in policy_id:      # a file, not an id
        return None
    from .cachedir import private_folder

    folder = private_folder()
    roots = policy_roots()
    if folder is None or roots is None:
        return None
    try:
        versions = _entry(folder, policy_id, roots)
    except Stale:
        handoff.refresh = True
        return None
    if versions is None:
        return None
    context = _context(context_arg, handoff)
    if context is None:
        return None
    try:
        chosen = _resolve(versions, as_of_text, version)
        if chosen is None:
            return None
        doc = _run(chosen[0], context, chosen[1])
    except Exception:       # the walk does not answer alone (cold_runtime.Unanswered), or anything else
        return None
    import json

    return json.dumps(doc, indent=2, ensure_ascii=not utf8(sys.stdout)) + "\n"


def _options(args: list[str]) -> tuple[str, str | None, str | None, str | None, str | None] | None:
    """(policy, --context, --as-of, --version, --format) of the plain form of
    ``evaluate``; ``None`` for anything argparse might read otherwise."""
    if not args or args[0] != "evaluate":
        return None
    opts: dict[str, str] = {}
    positional = []
    i = 1
    while i < len(args):
        a = args[i]
        if a in _OPTIONS:
            if a in opts or i + 1 == len(args):
                return None
            v = args[i + 1]
            if v.startswith("-") and not (a == "--context" and v == "-"):
                return None
            opts[a] = v
            i += 2
        elif a.startswith("-") or not a:
            return None
        else:
            positional.append(a)
            i += 1
    if len(positional) != 1:
        return None
    return positional[0], opts.get("--context"), opts.get("--as-of"), opts.get("--version"), opts.get("--format")


# -- where the policies are, and what the entry must match ------------------------------

def shipped_root() -> str:
    """``resources.shipped_policies()``, as text."""
    package = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(package, "_data", "policies")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(package), "policies")


def policy_roots() -> list[str] | None:
    """``registry.roots()`` as text, or ``None`` when a folder of
    ``ASANIMZA_POLICY_PATH`` is not written as ``pathlib`` would show it
    (relative, or not in its plain form), which this module does not follow."""
    extra = [p for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    for p in extra:
        if not os.path.isabs(p) or os.path.normpath(p) != p or (os.altsep and os.altsep in p):
            return None
    return extra + [shipped_root()]


def fingerprint() -> tuple:
    """What the entry's compiled code depends on besides the policy files: this
    package's files (name, size, time of change), its version, the Python that
    compiled it."""
    from . import __version__
    from .cachedir import package_files

    return (FORMAT, __version__, sys.version, sys.flags.optimize, package_files())


def sha256(data: bytes) -> str:
    """SHA-256 (hex) by CPython's own module when there is one: importing
    ``hashlib`` loads OpenSSL, which costs a cold command more than hashing."""
    for name in ("_sha256", "_sha2"):          # CPython 3.11; 3.12 and later
        try:
            return __import__(name).sha256(data).hexdigest()
        except ImportError:
            continue
    import hashlib  # pragma: no cover - other builds
    return hashlib.sha256(data).hexdigest()


def entry_path(folder: str, policy_id: str, roots: list[str]) -> str:
    """One entry per policy id, policy roots and Python (two Pythons sharing the
    folder keep one each instead of rewriting each other's)."""
    key = "\0".join([policy_id, *roots, sys.version]).encode("utf-8", "surrogateescape")
    return os.path.join(folder, sha256(key)[:40] + SUFFIX)


def listing(root: str, policy_id: str) -> tuple[str, ...]:
    """The names ending ``.yaml`` in ``root/policy_id`` (``registry._listing``'s
    entries before the version filter), sorted; none when it cannot be read."""
    try:
        return tuple(sorted(n for n in os.listdir(os.path.join(root, policy_id)) if n.endswith(".yaml")))
    except OSError:
        return ()


def source_state(policy_file: str, relative: str) -> tuple[str, str | None]:
    """(where, SHA-256) of a version's source text as ``provenance.read_source_bytes``
    reads it; the hash is ``None`` where it refuses to (outside the policy's folder,
    unreadable, too large)."""
    folder = os.path.dirname(os.path.realpath(policy_file))
    target = os.path.realpath(os.path.join(folder, relative))
    try:
        if os.path.commonpath([target, folder]) != folder:
            return target, None
        raw = read_regular(target, MAX_POLICY_BYTES)
    except (OSError, ValueError):
        return target, None
    return target, (None if len(raw) > MAX_POLICY_BYTES else sha256(raw))


def _read_entry(path: str) -> Any:
    """The entry's record; ``Stale`` unless it is a regular file of this user
    that no one else may write, whose contents match the SHA-256 on its first line."""
    import marshal
    import stat

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        raise Stale from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (os.name == "posix" and (st.st_uid != os.getuid() or st.st_mode & 0o022)):
            raise Stale
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError:
        raise Stale from None
    finally:
        os.close(fd)
    digest, _, blob = data.partition(b"\n")
    if digest != sha256(blob).encode():         # damaged (or edited): written again
        raise Stale
    try:
        return marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        raise Stale from None


# A version's record in an entry is a plain tuple (what marshal keeps); its positions:
(V_PATH, V_STEM, V_FROM, V_UNTIL, V_ZONE, V_KEY, V_SOURCE, V_SOURCE_AT, V_SHA, V_SOURCE_SHA, V_WALK) = range(11)


def version_record(path: str, stem: str, effective_from: int | None, effective_until: int | None,
                   zone: str | None, key: tuple, source: str | None, source_at: Any, sha: str,
                   source_sha: str | None, walk: bytes | None) -> tuple:
    """A version's record (``V_*`` positions): its file, name, first and last day
    (ordinals), time zone, sort key, source text (path as written, where it
    resolved to), SHA-256 of the file and of the source text, and its compiled
    walk (marshal'd; ``None`` when the version does not build)."""
    return (path, stem, effective_from, effective_until, zone, key, source, source_at, sha, source_sha, walk)


def _entry(folder: str, policy_id: str, roots: list[str]) -> tuple | None:
    """The versions the entry records, checked against the files now; ``None``
    when it records that this policy is left to the ordinary path."""
    record = _read_entry(entry_path(folder, policy_id, roots))
    try:
        fmt, printed, pid, recorded_roots, listings, refuse, versions = record
        if fmt != FORMAT or pid != policy_id or recorded_roots != tuple(roots) or printed != fingerprint():
            raise Stale
        for root, names in zip(roots, listings):
            if listing(root, policy_id) != names:
                raise Stale
        for v in versions:
            path, source_rel, source_at = v[V_PATH], v[V_SOURCE], v[V_SOURCE_AT]
            policy_sha, source_sha = v[V_SHA], v[V_SOURCE_SHA]
            try:
                if sha256(read_regular(path, MAX_POLICY_BYTES)) != policy_sha:
                    raise Stale
            except OSError:
                raise Stale from None
            if source_rel is not None and source_state(path, source_rel) != (source_at, source_sha):
                raise Stale
    except (TypeError, ValueError, IndexError):
        raise Stale from None
    return None if refuse else versions


def _resolve(versions: tuple, as_of_text: str | None, version: str | None) -> tuple[Any, date] | None:
    """The walk of the version ``registry.resolve`` takes, and the day."""
    from .cold_runtime import plain_date

    if as_of_text is None:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        zone = next(v[V_ZONE] for v in reversed(versions) if v[V_ZONE])
        as_of = datetime.now(ZoneInfo(zone)).date()
    else:
        day = plain_date(as_of_text)
        if day is None:
            return None
        as_of = day
    if version is not None:
        chosen = [v for v in versions if v[V_STEM] == version]
    else:
        n = as_of.toordinal()
        live = [v for v in versions if v[V_FROM] <= n and (v[V_UNTIL] is None or n <= v[V_UNTIL])]
        chosen = [max(live, key=lambda v: (v[V_FROM], v[V_KEY]))] if live else []
    if not chosen or chosen[0][V_WALK] is None:
        return None
    import marshal

    return marshal.loads(chosen[0][V_WALK]), as_of


# -- the context -------------------------------------------------------------------------

def _context(arg: str | None, handoff: Handoff) -> dict | None:
    """The context as ``cli._read_context`` reads it, when it is JSON or plain YAML."""
    if arg is None:
        return {}
    if arg == "-":
        try:
            raw = sys.stdin.buffer.read(MAX_CONTEXT_BYTES + 1) if sys.stdin else b""
        except (OSError, ValueError) as e:
            handoff.context_arg, handoff.error = arg, e
            return None
    else:
        parts = arg.split(os.sep)       # only a path pathlib shows as it is written
        if (os.altsep and os.altsep in arg) or parts[0] == "." or any(p in ("", ".") for p in parts[1:]):
            return None
        try:
            with open(arg, "rb") as fh:
                raw = fh.read(MAX_CONTEXT_BYTES + 1)
        except OSError:
            return None
    handoff.context_arg, handoff.raw = arg, raw
    if len(raw) > MAX_CONTEXT_BYTES:
        return None
    if raw.lstrip()[:1] in (b"{", b"["):
        import json

        def pairs(items: list) -> dict:
            out = dict(items)
            if len(out) != len(items):
                raise ValueError("duplicate key")
            return out

        def constant(c: str) -> None:
            raise ValueError(c)

        try:
            data = json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
        except (ValueError, RecursionError):
            return None
    else:
        from .cold_yaml import flat_yaml

        data = flat_yaml(raw)
    return data if type(data) is dict else None


# -- the walk ----------------------------------------------------------------------------

def _run(walk: tuple, context: dict, as_of: date) -> dict:
    """The decision document of the cached walk; raises when it does not answer alone."""
    import builtins
    from types import FunctionType

    from . import cold_runtime as rt

    # the module's functions (code objects), its named constants (plain data), the names
    # of its derived values, and what it reads of its policy as POLICY (plain data too)
    codes, consts, known, policy_facts = walk
    ns: dict[str, Any] = {"__builtins__": builtins, **rt.NAMES}
    for name, enc in consts.items():
        ns[name] = rt.decode(enc)
    for name, code in codes.items():
        ns[name] = FunctionType(code, ns, name)
    ns["read"] = rt.reader(ns, known)
    ns["POLICY"] = policy_facts
    return ns["fast"](context, as_of)
