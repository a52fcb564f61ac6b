"""asanimza-policy: public-service procedures as versioned YAML decision graphs.

    >>> import asanimza_policy as ap
    >>> d = ap.evaluate("asan-imza-renewal", {"channel": "office"})
    >>> d.status, d.missing
    ('needs_input', ('subscriber_type',))
"""
from __future__ import annotations

TYPE_CHECKING = False    # not typing's: importing typing would cost a cold command more than its answer
if TYPE_CHECKING:  # the names below are imported on first use (see __getattr__)
    from collections.abc import Iterable, Iterator, Mapping
    from datetime import date
    from os import PathLike
    from typing import Any

    from .catalog import VersionInfo
    from .decision import Decision, PlannedStep, Question
    from .engine import Listener
    from .errors import InvalidContext, PolicyError, PolicyNotFound
    from .model import Policy

__version__ = "0.1.0"
__all__ = ["evaluate", "evaluate_many", "load", "policy_ids", "versions", "Decision", "PlannedStep",
           "Question", "Policy", "VersionInfo", "Listener", "InvalidContext", "PolicyNotFound", "PolicyError"]

# Importing the package costs almost nothing: a command imports what it uses
# (evaluating never loads the checker, the renderers or the server), and these
# public names are fetched from their modules on first use.
_LAZY = {"Decision": "decision", "PlannedStep": "decision", "Question": "decision", "Policy": "model",
         "VersionInfo": "catalog", "versions": "catalog", "Listener": "engine", "InvalidContext": "errors",
         "PolicyNotFound": "errors", "PolicyError": "errors", "policy_ids": "registry"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _policy(policy: str | Policy, as_of: date | str | None, version: str | None) -> tuple[Policy, date]:
    from .context import parse_date
    from .registry import resolve_policy

    return resolve_policy(policy, None if as_of is None else parse_date(as_of, "as_of"), version)


def load(path: str | PathLike[str]) -> Policy:
    """Read, check and compile one policy file (a draft, or a file outside the registry).

    Raises :class:`PolicyError` (with ``findings``) when the file is not a valid
    policy.  Policies in the registry need no loading: pass their id to
    :func:`evaluate`.
    """
    from pathlib import Path

    from .model import POLICY_ID
    from .registry import load_policy, policy_ids

    p = Path(path)
    if not p.exists() and isinstance(path, str) and POLICY_ID.match(path):
        known = path in policy_ids()
        raise FileNotFoundError(
            f"{path!r} is a policy id, not a file; load() reads a policy file. "
            + ("Pass the id to evaluate() as it is, or see versions() for its versions."
               if known else "No policy file or known policy has that name."))
    return load_policy(p)


def evaluate(policy_id: str | Policy, context: Mapping[str, object], *, as_of: date | str | None = None,
             version: str | None = None, listeners: Iterable[Listener] = ()) -> Decision:
    """The decision of a policy for one context, as of one day.

    ``policy_id`` is a policy's id (or a :class:`Policy` from :func:`load`);
    ``context`` maps the fields the policy declares to what the caller knows
    (absent or ``None``: unknown); ``as_of`` defaults to today in the policy's
    time zone; ``version=None`` takes the version in effect on ``as_of``.
    ``listeners`` receive the events of the walk (an extension of the contract).

    Raises :class:`InvalidContext` (naming the field) on bad input and
    :class:`PolicyNotFound` for an unknown policy or version, or when no version
    is in effect on ``as_of``.
    """
    key = None
    table = _ready          # taken before resolving: registry.clear_cache() replaces it
    if not listeners and type(policy_id) is str and as_of is not None:
        key = (policy_id, as_of, version)
        try:
            hit = table.get(key)
        except TypeError:       # an unhashable as_of or version: the error comes below
            hit = key = None
        if hit is not None:
            return hit[0](context, hit[1])
    policy, day = _policy(policy_id, as_of, version)
    if listeners:
        from .engine import run
        return run(policy, context, day, listeners)
    from .walks import for_one, ready
    fn = for_one(policy)
    if key is not None and fn is ready(policy):
        if len(table) >= _READY_LIMIT:
            table.clear()
        table[key] = (fn, day)
    return fn(context, day)


# (policy id, as_of, version) -> the compiled function of the version in effect
# and the day: what an id and a day resolve to never changes until the registry
# forgets what it loaded (``registry.clear_cache`` replaces this table too)
_ready: dict[tuple, tuple] = {}
_READY_LIMIT = 4096



def evaluate_many(policy_id: str | Policy, contexts: Iterable[Mapping[str, object]], *,
                  as_of: date | str | None = None, version: str | None = None,
                  errors: str = "raise") -> Iterator[Decision | InvalidContext]:
    """One decision per context, in order.  The policy is resolved now, so an
    unknown policy or version raises at the call; a bad context raises
    :class:`InvalidContext` when its turn comes, naming its index (``.index``)
    and field (``.field``).  With ``errors="return"`` that exception is yielded
    in the bad context's place instead, and the iteration goes on."""
    from .errors import InvalidContext
    from .walks import compiled

    if errors not in ("raise", "return"):
        raise ValueError(f"errors must be 'raise' or 'return'; got {errors!r}")
    policy, day = _policy(policy_id, as_of, version)
    keep_going = errors == "return"
    run = compiled(policy)

    def decisions() -> Iterator[Decision | InvalidContext]:
        for i, context in enumerate(contexts):
            try:
                result: Decision | InvalidContext = run(context, day)
            except InvalidContext as e:
                result = InvalidContext(f"contexts[{i}]: {e}", e.field, i)
                if not keep_going:
                    raise result from None
            yield result
    return decisions()
