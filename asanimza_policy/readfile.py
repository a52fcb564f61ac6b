"""Reading a regular file safely, with ``os`` only (the cold start imports it).

:func:`read_regular` opens without blocking (a FIFO would otherwise wait for a
writer for ever), checks the open descriptor with ``fstat`` (so the file cannot
be swapped between the check and the read) and reads at most ``max + 1``
bytes, so the caller can tell a file over its limit.
"""
from __future__ import annotations

import errno
import os
import stat

TYPE_CHECKING = False      # typing itself is not imported: the cold start reads files too
if TYPE_CHECKING:
    from pathlib import Path


class NotAFile(OSError):
    """A path that exists but is not a regular file (a folder, FIFO, device, socket)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular(path: str | Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file.

    The file is opened without blocking (a FIFO would otherwise wait for a
    writer for ever) and checked with ``fstat`` on the open descriptor, so it
    cannot be swapped for something else between the check and the read.
    ``NotAFile`` (an ``OSError``) for anything but a regular file; other
    ``OSError`` s propagate for the caller to report.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotAFile(errno.EISDIR, "is a folder, not a file", str(path)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFile(errno.EINVAL, f"is {_kind(mode)}, not a regular file", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
