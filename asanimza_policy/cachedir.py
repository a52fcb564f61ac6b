"""The user's own private cache folder, as plain text paths (``os`` only).

Shared by the cache of parsed policy files (``cache.py``) and the cache of
compiled walks (``cold.py``), which runs before anything else of a command
is imported:

* ``$ASANIMZA_POLICY_CACHE`` when set (empty or ``off``: no cache), else
  ``$XDG_CACHE_HOME/asanimza-policy`` or ``~/.cache/asanimza-policy`` (Linux),
  ``~/Library/Caches/asanimza-policy`` (macOS), ``%LOCALAPPDATA%\\asanimza-policy``
  (Windows);
* created private (mode 0700) and used only while it is a folder owned by the
  user that no one else can write to; otherwise nothing is cached.
"""
from __future__ import annotations

import os
import sys

ENV_FOLDER = "ASANIMZA_POLICY_CACHE"
_XDG, _WINDOWS = "XDG_CACHE_HOME", "LOCALAPPDATA"


def _home() -> str:
    home = os.path.expanduser("~")          # what pathlib.Path.home() reads
    if home[:1] == "~":
        raise RuntimeError("Could not determine home directory.")
    return home


def private_folder() -> str | None:
    """The private cache folder, created if needed; ``None`` when there is none
    that is safe to use."""
    env = os.environ.get(ENV_FOLDER)
    try:
        if env is not None:
            if env.strip() in ("", "0", "off", "no"):
                return None
            folder = env
        else:
            if sys.platform == "win32":
                root = os.environ.get(_WINDOWS) or os.path.join(_home(), "AppData", "Local")
            elif sys.platform == "darwin":
                root = os.path.join(_home(), "Library", "Caches")
            else:
                xdg = os.environ.get(_XDG, "")
                root = xdg if os.path.isabs(xdg) else os.path.join(_home(), ".cache")
            folder = os.path.join(root, "asanimza-policy")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except (OSError, RuntimeError):      # RuntimeError: no home folder
        return None
    if os.name == "posix":
        import stat

        # the user's own folder that no one else can write to; an existing folder
        # is never changed (it may be shared on purpose): then there is no cache
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
            return None
    return folder


def package_files() -> tuple[tuple[str, int, int], ...]:
    """(name, size, time of change) of each of this package's modules: what a
    cached parse or compiled walk was made by, so a changed package (an upgrade,
    an edit in a development install) never reads entries an older one wrote.
    Read once per process: the code running is the code that was imported."""
    global _PACKAGE_FILES
    if _PACKAGE_FILES is not None:
        return _PACKAGE_FILES
    here = os.path.dirname(os.path.abspath(__file__))
    files = []
    with os.scandir(here) as it:
        for e in it:
            if e.name.endswith(".py"):
                st = e.stat()
                files.append((e.name, st.st_size, st.st_mtime_ns))
    _PACKAGE_FILES = tuple(sorted(files))
    return _PACKAGE_FILES


_PACKAGE_FILES: tuple[tuple[str, int, int], ...] | None = None


MAX_ENTRIES = 256                 # entries kept; past it the least recently written go
_SUFFIXES = (".parsed", ".compiled")
_HEX = frozenset("0123456789abcdef")
# the cache's temporary files (tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX)),
# so that pruning knows them from files of the user's in a folder the user chose
TMP_PREFIX, TMP_SUFFIX = ".asanimza-entry-", ".tmp"
_STALE_TMP = 3600                 # seconds after which a temporary file is a killed writer's leftover


def _is_entry(name: str) -> bool:
    """Whether ``name`` is an entry's: 40 hex digits (a SHA-256 prefix), then a cache's suffix."""
    stem, dot, suffix = name.partition(".")
    return len(stem) == 40 and set(stem) <= _HEX and dot + suffix in _SUFFIXES


def prune(folder: str, keep: int = MAX_ENTRIES) -> None:
    """Keep the cache bounded: remove the entries least recently written beyond
    the ``keep`` newest, and temporary files a killed writer left behind.  Only
    this cache's own files (named as it names them) are touched, so a folder
    chosen with ``ASANIMZA_POLICY_CACHE`` may hold others; a removed entry is
    simply built again when next needed.  Called after each write (rare), never
    on a read."""
    import time

    try:
        found = [e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except OSError:
        return
    now = time.time()
    entries = []
    for e in found:
        try:
            mtime = e.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _is_entry(e.name):
            entries.append((mtime, e.path))
        elif e.name.startswith(TMP_PREFIX) and e.name.endswith(TMP_SUFFIX) and now - mtime > _STALE_TMP:
            _unlink(e.path)
    if len(entries) > keep:
        entries.sort(reverse=True)
        for _, path in entries[keep:]:
            _unlink(path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
