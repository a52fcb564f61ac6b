"""A private cache of parsed policy files, so a cold command needs no YAML parser.

Parsing a policy file (PyYAML, positions kept for every value) costs a command
more than everything else it does.  The result of the parse (plain data: dicts,
lists, text, numbers, and the line and column of each value) is kept, one entry
per policy file, in the user's own cache folder:

* the folder of ``cachedir``: ``$ASANIMZA_POLICY_CACHE`` or the platform's cache
  folder, private (mode 0700) and owned by the user, or nothing is cached;
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
from pathlib import Path

from .cachedir import (
    ENV_FOLDER,  # noqa: F401  (named here too)
    TMP_PREFIX,
    TMP_SUFFIX,
    package_files,
    private_folder,
    prune,
)
from .findings import Position
from .loader import MAX_BYTES, Document, load_text, read_regular

FORMAT = 1


def cache_dir() -> Path | None:
    """The private cache folder (see ``cachedir``), created if needed; ``None``
    when there is none that is safe to use."""
    folder = private_folder()
    return None if folder is None else Path(folder)


def _version() -> str:
    """The package's version and its modules' sizes and times (``cachedir.package_files``)."""
    from . import __version__
    return f"{__version__} {package_files()!r}"


def load_document(path: Path, display: str) -> Document:
    """The parsed policy file at ``path``, from the cache when its bytes have
    not changed; ``OSError`` (``NotAFile``) and ``PolicyError`` as ``loader.load_file``."""
    return document_of(path, read_regular(path, MAX_BYTES), display)


def document_of(path: Path, raw: bytes, display: str) -> Document:
    """The parse of ``raw``, the bytes read from ``path``, from the cache when
    it holds them; ``PolicyError`` as ``loader.load_text``."""
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
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=entry.parent)   # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, entry)
        prune(str(entry.parent))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
