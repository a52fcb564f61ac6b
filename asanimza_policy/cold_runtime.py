"""What a compiled walk read back from the private cache calls (see ``cold``).

The cached form of a policy version is its compiled fast walk (``compile_fast``:
``fast``, ``values``, ``known_*``, ``step_doc_*``), exactly as the ordinary
path compiles it, with its named constants turned into plain data.  Run here,
the walk's calls go to this module instead of ``compile_runtime``, and
``finish`` returns the contract's JSON document as plain dicts and lists (what
``Decision.to_dict()`` returns) instead of a ``Decision``.

Anything this path does not answer itself raises: a context that needs the
general validation (``validate``), a date text outside the plain
``YYYY-MM-DD`` shape, a decision that is not an outcome (``needs_input``), a
walk that bails out (``Bail``).  The caller then answers with the ordinary path.
"""
from __future__ import annotations

from datetime import date

from .fill import fill_reasons, join_filled, show

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Unanswered(Exception):
    """This path cannot answer alone: the ordinary path answers."""


class Bail(Unanswered):
    """The fast walk's own "not my case"."""


_UNKNOWN = object()      # what the cached walk's lookup returns for a name without a value


def validate(policy: object, context: object) -> dict:
    """The general validation names what is wrong: the ordinary path's job."""
    raise Unanswered("the context needs the general validation")


def plain_date(text: str) -> date | None:
    """The day a ``YYYY-MM-DD`` text of ASCII digits gives; ``None`` for any
    other text.  Where this gives a day, ``context.parse_date`` gives the same."""
    if (len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii()
            and (text[:4] + text[5:7] + text[8:]).isdigit()):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def date_value(policy: object, dates: dict, name: str, text: str) -> date | None:
    """As ``compile_runtime.date_value``: the day, or ``None`` (the walk then
    calls ``validate``, which hands over to the ordinary path)."""
    day = plain_date(text)
    if day is not None:
        dates[text] = day
    return day


def fill_known(parts: tuple, lookup: Callable[[str], Any]) -> str:
    """``template.fill_known`` for a template given as its parts."""
    pieces: list[str | None] = []
    for kind, value in parts:
        if kind == "text":
            pieces.append(value)
            continue
        v = lookup(value)
        pieces.append(None if v is _UNKNOWN else show(v))
    return join_filled(pieces)


def reader(ns: dict, known: dict[str, str]) -> Callable[[str, dict, list], Any]:
    """The walk's general lookup (``read``), for the names an explanation reads:
    a value computed or given, a derived value computed now by its known-value
    function (which bails out where the general rules for the unknown would
    matter), or nothing for an input not given."""
    def read(name: str, vals: dict, ev: list) -> Any:
        if name in vals:
            return vals[name]
        fn = known.get(name)
        if fn is not None:
            return ns[fn](vals, ev)
        return _UNKNOWN
    return read


def finish(policy: tuple, events: tuple, frames: dict, as_of: date, status: str, vals: dict, ev: list[int],
           outcome: str | None, steps: tuple, documents: tuple, title: str | None,
           explanation: str | None = None, missing: tuple[str, ...] = (), questions: tuple = ()) -> dict:
    """The decision document of a finished walk: ``compile_runtime.finish``
    followed by ``Decision.to_dict()``.  ``policy`` is (id, version, digest,
    assumption texts by id, caveat documents by id); each event is (node id,
    citations, assumption ids, caveat ids, the words of the branch taken)."""
    if missing or questions:
        raise Unanswered("a decision that asks for input")
    pid, version, digest, assumption_texts, caveat_docs = policy
    trace: list[str] = []
    cit: dict[str, None] = {}
    asm: dict[str, None] = {}
    cav: dict[str, None] = {}
    plans = []
    for i in ev:
        node, cites, assumes, caveats, plan = events[i]
        if node is not None:
            trace.append(node)
        cit.update(dict.fromkeys(cites))
        asm.update(dict.fromkeys(assumes))
        cav.update(dict.fromkeys(caveats))
        if plan is not None:
            plans.append(plan)
    caveat_list = []
    for c in cav:
        doc = dict(caveat_docs[c])
        doc["steps"] = [n for n, r in enumerate(steps, 1) if c in r[1][2]]
        caveat_list.append(doc)
    return {
        "policy": pid,
        "version": version,
        "as_of": as_of.isoformat(),
        "status": status,
        "outcome": outcome,
        "missing": [],
        "steps": [r[0](*r[2:]) for r in steps],
        "documents": list(documents),
        "trace": trace,
        "citations": list(cit),
        "assumptions": [{"id": a, "text": assumption_texts[a]} for a in asm],
        "title": title,
        "questions": [],
        "reasons": list(fill_reasons(plans, vals)),
        "explanation": explanation,
        "caveats": caveat_list,
        "policy_digest": digest,
    }


# the names a cached walk reads besides its constants and its own functions
NAMES: dict[str, Any] = {"Bail": Bail, "validate": validate, "date_value": date_value, "fill_known": fill_known,
                         "finish": finish, "show": show, "date": date}


# -- constants as plain data ------------------------------------------------------------
# A constant is stored as ("=", value) when marshal keeps it as it is (text, numbers,
# booleans, None, and tuples, lists, frozensets and dicts of those), else tagged:
# ("D", ordinal) a date, ("F", module, name) a function of the modules below,
# ("t" | "l" | "f", items) a tuple, list or frozenset, ("d", pairs) a dict.

def _functions(module: str) -> Any:
    if module == "builtins":
        import builtins
        return builtins
    if module in ("_operator", "operator"):
        import operator
        return operator
    if module == "asanimza_policy.expr_impl":
        from . import expr_impl
        return expr_impl
    raise Unanswered(f"functions of module {module!r}")


FUNCTION_MODULES = ("builtins", "_operator", "operator", "asanimza_policy.expr_impl")


def decode(enc: tuple) -> Any:
    tag = enc[0]
    if tag == "=":
        return enc[1]
    if tag == "D":
        return date.fromordinal(enc[1])
    if tag == "F":
        return getattr(_functions(enc[1]), enc[2])
    if tag == "t":
        return tuple(decode(i) for i in enc[1])
    if tag == "l":
        return [decode(i) for i in enc[1]]
    if tag == "f":
        return frozenset(decode(i) for i in enc[1])
    if tag == "d":
        return {decode(k): decode(v) for k, v in enc[1]}
    raise Unanswered(f"constant tag {tag!r}")
