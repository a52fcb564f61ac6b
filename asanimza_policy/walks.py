"""Which function evaluates a policy version: the interpreter, or its compiled walk.

The first evaluation of a version in a process walks it with the interpreter
(``engine.run``): compiling costs about as much as a few dozen walks, too much
for a one-off command.  From the second on, the version's compiled function
(``compile.build``) is used, built once and kept while the policy lives.  The
generator (``compile`` and its helpers) is imported only then, so a one-off
``evaluate`` never loads it.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decision import Decision
    from .model import Policy

Decide = Callable[[Any, date], "Decision"]

_CACHE: dict[int, tuple[weakref.ref, Decide]] = {}
_SEEN: dict[int, weakref.ref] = {}


def _interpret(policy: Policy) -> Decide:
    from .engine import run
    return lambda context, as_of: run(policy, context, as_of)


def _forget(table: dict, key: int) -> Callable[[weakref.ref], None]:
    """The weakref callback dropping ``key`` from ``table`` once its policy is gone."""
    pop = table.pop      # bound now: the module may be torn down before the callback runs

    def forget(_ref: weakref.ref) -> None:
        pop(key, None)
    return forget


def for_one(policy: Policy) -> Decide:
    """The function for one more evaluation: the interpreter the first time a
    policy version is evaluated in this process, compiled after."""
    key = id(policy)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is policy:
        return hit[1]
    seen = _SEEN.get(key)
    if seen is not None and seen() is policy:
        return compiled(policy)
    _SEEN[key] = weakref.ref(policy, _forget(_SEEN, key))
    return _interpret(policy)


def ready(policy: Policy) -> Decide | None:
    """The compiled function of ``policy`` if it is built already, else None."""
    hit = _CACHE.get(id(policy))
    return hit[1] if hit is not None and hit[0]() is policy else None


def compiled(policy: Policy) -> Decide:
    """The compiled function of ``policy``, built on first use and kept while
    the policy lives; the interpreter for a policy the generator cannot compile."""
    key = id(policy)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is policy:
        return hit[1]
    from .codegen_expr import Unsupported
    from .compile import build

    try:
        fn: Decide = build(policy)
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        fn = _interpret(policy)
    _CACHE[key] = (weakref.ref(policy, _forget(_CACHE, key)), fn)
    return fn
