"""The command line's output streams: what every command writes, and how.

Kept apart from ``cli`` (argument parsing) so that the cached path of a cold
``evaluate`` (``cold.py``) writes exactly as the commands do, without
importing them.
"""
from __future__ import annotations

import os
import sys

PROG = "asanimza-policy"


def emit(text: str) -> None:
    if sys.stdout is None:      # started with stdout closed (`>&-`): nowhere to write, the exit code still tells
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def tolerant_streams() -> None:
    """Characters the terminal's encoding lacks are escaped, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]  # TextIO lacks it; TextIOWrapper has it
        except (AttributeError, ValueError, OSError):
            pass


def isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def utf8(stream) -> bool:
    return (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")


def silence(stream) -> None:
    """Send what Python still wants to flush at exit nowhere, instead of a
    traceback (or exit status 120) when the stream is gone or full."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def fail(message: str, code: int) -> int:
    """One line on stderr, and ``code`` whether or not stderr can take it
    (closed, ``2>/dev/full``)."""
    try:
        print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        silence(sys.stderr)
    return code
