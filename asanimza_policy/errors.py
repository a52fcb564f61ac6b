"""The exceptions of the public API."""
from __future__ import annotations

from collections.abc import Sequence

from .findings import Finding


class InvalidContext(ValueError):
    """A context (or ``as_of``) that the policy cannot accept.

    ``field`` names the offending field (``None`` when the context as a whole
    is wrong, e.g. not a mapping); the message always starts with it.  From
    ``evaluate_many``, ``index`` is the position of the context (else ``None``).
    """

    def __init__(self, message: str, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.field = field
        self.index = index

    def __reduce__(self):      # keep field and index across processes
        return (type(self), (str(self), self.field, self.index))


class PolicyNotFound(LookupError):
    """An unknown policy id or version, or no version in effect on a date."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class PolicyError(Exception):
    """A policy file that cannot be loaded; ``findings`` say where and why."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = tuple(findings)
        first = self.findings[0].format() if self.findings else "invalid policy"
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(first + more)
