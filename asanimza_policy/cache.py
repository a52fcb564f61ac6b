"""A private cache of parsed policy files, so a cold command needs no YAML parser.

Parsing a policy file (PyYAML, positions kept for every value) costs a command
more than everything else it does.  The result of the parse (plain data: dicts,
lists, text, numbers, and the line and column of each value) is kept, one entry
per policy file, in the user's own cache folder:

* ``$ASANIMZA_POLICY_CACHE`` when set (empty or ``off``: no cache), else
  ``$XDG_CACHE_HOME/asanimza-policy`` or ``~/.cache/asanimza-policy`` (Linux),
  ``~/Library/Caches/asanimza-policy`` (macOS), ``%LOCALAPPDATA%\\asanimza-policy``
  (Windows);
* created private (mode 0700) and used only while it is a folder owned by the
  user that no one else can write to; otherwise nothing is cached;
* each entry holds the SHA-256 of the file's bytes, of the package version and of
  the cache format; any difference, or an entry that cannot be read, means the
  file is parsed again and the entry rewritten (atomically: temporary file, then
  rename).

The entry is written with ``marshal`` (plain values only; no code, no objects);
the model is still built and checked from it on every run, so a cached parse
changes nothing but the time.  See docs/security.md.
"""
from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path

from .findings import Position
from .loader import MAX_BYTES, Document, load_text, read_regular

FORMAT = 1
ENV_FOLDER = "ASANIMZA_POLICY_CACHE"
_XDG, _WINDOWS = "XDG_CACHE_HOME", "LOCALAPPDATA"


def cache_dir() -> Path | None:
    """The private cache folder, created if needed; ``None`` when there is none
    that is safe to use."""
    env = os.environ.get(ENV_FOLDER)
    if env is not None:
        if env.strip() in ("", "0", "off", "no"):
            return None
        folder = Path(env)
    else:
        if sys.platform == "win32":
            root = os.environ.get(_WINDOWS) or str(Path.home() / "AppData" / "Local")
        elif sys.platform == "darwin":
            root = str(Path.home() / "Library" / "Caches")
        else:
            xdg = os.environ.get(_XDG, "")
            root = xdg if os.path.isabs(xdg) else str(Path.home() / ".cache")
        folder = Path(root) / "asanimza-policy"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(folder)
    except (OSError, RuntimeError):      # RuntimeError: no home folder
        return None
    if os.name == "posix":
        import stat

        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            return None
        if st.st_mode & 0o077:
            try:
                os.chmod(folder, 0o700)
            except OSError:
                return None
    return folder


def _version() -> str:
    from . import __version__
    return __version__


def load_document(path: Path, display: str) -> Document:
    """The parsed policy file at ``path``, from the cache when its bytes have
    not changed; ``OSError`` (``NotAFile``) and ``PolicyError`` as ``loader.load_file``."""
    raw = read_regular(path, MAX_BYTES)
    folder = cache_dir()
    if folder is None:
        return load_text(raw, display)
    import hashlib

    content = hashlib.sha256(b"%d\0%s\0" % (FORMAT, _version().encode()) + raw).hexdigest()
    entry = folder / (hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:40] + ".parsed")
    doc = _read(entry, content, display)
    if doc is None:
        doc = load_text(raw, display)
        _write(entry, content, doc)
    return doc


def _read(entry: Path, content: str, display: str) -> Document | None:
    try:
        with open(entry, "rb") as fh:
            fmt, key, data, positions, keys, styles = marshal.load(fh)
        if fmt != FORMAT or key != content:
            return None
        return Document(display, data, {p: Position(line, col) for p, line, col in positions},
                        {p: Position(line, col) for p, line, col in keys}, styles)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _write(entry: Path, content: str, doc: Document) -> None:
    record = (FORMAT, content, doc.data, [(p, v.line, v.col) for p, v in doc.positions.items()],
              [(p, v.line, v.col) for p, v in doc.key_positions.items()], doc.styles)
    try:
        blob = marshal.dumps(record)
    except ValueError:          # a value marshal cannot write: nothing to cache
        return
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=entry.parent)   # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, entry)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
