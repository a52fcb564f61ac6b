"""One table from the package's exceptions to what callers see: the HTTP status
and error code of the server, the exit code of the command line.

Both front ends ask :func:`status_of`, so a kind of failure cannot mean one
thing on the command line and another over HTTP.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidContext, PolicyError, PolicyNotFound


@dataclass(frozen=True)
class Status:
    http: int          # the HTTP status
    exit: int          # the command line's exit code
    code: str          # the machine-readable error code in JSON error bodies


BAD_INPUT = Status(422, 2, "invalid_input")
NOT_FOUND = Status(404, 2, "not_found")
BROKEN_POLICY = Status(500, 1, "policy_error")

_TABLE: tuple[tuple[type[BaseException], Status], ...] = (
    (InvalidContext, BAD_INPUT),        # a context, date or argument the policy cannot accept
    (PolicyNotFound, NOT_FOUND),        # unknown policy or version, or none in effect on the date
    (PolicyError, BROKEN_POLICY),       # the policy file itself is broken: the publisher's fault
)

HANDLED = tuple(exc for exc, _ in _TABLE)


def status_of(exc: BaseException) -> Status | None:
    """The status of a package exception; None for anything else."""
    for kind, status in _TABLE:
        if isinstance(exc, kind):
            return status
    return None


def field_of(exc: BaseException) -> str | None:
    """The input field an exception names, when it names one."""
    return getattr(exc, "field", None)
