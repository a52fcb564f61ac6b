"""asanimza-policy: public-service procedures as versioned YAML decision graphs.

    >>> import asanimza_policy as ap
    >>> d = ap.evaluate("asan-imza-renewal", {"channel": "office"})
    >>> d.status, d.missing
    ('needs_input', ('subscriber_type',))
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Iterator

from .context import parse_date
from .decision import Decision, PlannedStep, Question
from .engine import Listener, run
from .errors import InvalidContext, PolicyError, PolicyNotFound
from .model import Policy
from .registry import load_policy as load
from .registry import policy_ids, resolve_policy, versions

__version__ = "0.1.0"
__all__ = ["evaluate", "evaluate_many", "load", "policy_ids", "versions", "Decision", "PlannedStep",
           "Question", "Policy", "Listener", "InvalidContext", "PolicyNotFound", "PolicyError"]


def _policy(policy: str | Policy, as_of: Any, version: str | None) -> tuple[Policy, date]:
    return resolve_policy(policy, None if as_of is None else parse_date(as_of, "as_of"), version)


def evaluate(policy_id: str | Policy, context: Any, *, as_of: Any = None, version: str | None = None,
             listeners: Iterable[Listener] = ()) -> Decision:
    """What the subscriber described by ``context`` must do, as of ``as_of``.

    ``policy_id`` may also be a loaded :class:`Policy`.  ``listeners`` receive
    the events of the walk (an extension of the contract).
    """
    policy, day = _policy(policy_id, as_of, version)
    return run(policy, context, day, listeners)


def evaluate_many(policy_id: str | Policy, contexts: Iterable[Any], *, as_of: Any = None,
                  version: str | None = None) -> Iterator[Decision]:
    """One decision per context, in order.  The policy is resolved now, so an
    unknown policy or version raises at the call; a bad context raises
    :class:`InvalidContext` when its turn comes, naming its index."""
    policy, day = _policy(policy_id, as_of, version)

    def decisions() -> Iterator[Decision]:
        for i, context in enumerate(contexts):
            try:
                decision = run(policy, context, day)
            except InvalidContext as e:
                raise InvalidContext(f"contexts[{i}]: {e}", e.field) from None
            yield decision
    return decisions()
