"""Decisions as compact JSON text, fast.

A decision repeats a lot between calls: its citations, assumptions, trace and
documents are those of the route taken, and there are few routes.  Their JSON
text is kept in a small cache keyed by value, so a batch encodes only what
varies (mostly the steps' texts and dates).  The output is exactly
``json.dumps(decision.to_dict(), ensure_ascii=False, separators=(",", ":"))``;
a test holds the two to that.
"""
from __future__ import annotations

import json
from datetime import date
from json.encoder import encode_basestring as _str  # the C string encoder when available
from typing import Any

_CACHE_LIMIT = 4096
_cache: dict[Any, str] = {}


def _value(v: Any) -> str:
    if type(v) is str:
        return _str(v)
    if v is None:
        return "null"
    if isinstance(v, date):
        return '"' + v.isoformat() + '"'
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _strings(items) -> str:
    return "[" + ",".join(map(_str, items)) + "]"


def _assumptions(items) -> str:
    return "[" + ",".join('{"id":' + _str(i) + ',"text":' + _str(t) + "}" for i, t in items) + "]"


def _questions(items) -> str:
    return json.dumps([q.to_dict() for q in items], ensure_ascii=False, separators=(",", ":"))


def _step(step) -> str:
    out = '{"action":' + _str(step.action) + ',"text":' + _str(step.text)
    for k, v in step.fields._d.items():
        if type(v) is str:
            out += "," + _str(k) + ":" + _str(v)
        elif v is None:
            out += "," + _str(k) + ":null"
        else:
            out += "," + _str(k) + ":" + _value(v)
    return out + "}"


def _head(key) -> str:
    policy, version = key
    return '{"policy":' + _str(policy) + ',"version":' + _str(version) + ',"as_of":"'


def _middle(key) -> str:
    status, outcome, missing = key
    return ('","status":' + _str(status) + ',"outcome":' + ("null" if outcome is None else _str(outcome))
            + ',"missing":' + _strings(missing) + ',"steps":[')


def _tail(key) -> str:
    documents, trace, citations, assumptions, title, questions = key
    return ('],"documents":' + _strings(documents) + ',"trace":' + _strings(trace)
            + ',"citations":' + _strings(citations) + ',"assumptions":' + _assumptions(assumptions)
            + ',"title":' + ("null" if title is None else _str(title)) + ',"questions":' + _questions(questions)
            + ',"reasons":')


def _fragment(key, make) -> str:
    text = _cache.get(key)
    if text is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        text = _cache[key] = make(key)
    return text


def decision_json(d) -> str:
    """The decision document as one line of compact JSON."""
    return "".join((
        _fragment((d.policy, d.version), _head),
        d.as_of.isoformat(),
        _fragment((d.status, d.outcome, d.missing), _middle),
        _steps(d),
        _fragment((d.documents, d.trace, d.citations, d.assumptions, d.title, d.questions), _tail),
        _strings(d.reasons),
        ',"explanation":', "null" if d.explanation is None else _str(d.explanation),
        ',"caveats":', _caveats(d) if d.caveats else "[]",
        ',"policy_digest":', _str(d.policy_digest), "}"))


def _steps(d) -> str:
    raw = d.__dict__.get("_raw")
    if raw is not None and "steps" not in d.__dict__:
        # a compiled decision whose steps were never read: from each step's JSON object
        # (what to_dict writes), without building the PlannedSteps
        return ",".join(_doc(r[0](*r[2:])) for r in raw)
    return ",".join(map(_step, d.steps))


def _doc(step: dict) -> str:
    return "{" + ",".join(_str(k) + ":" + ("null" if v is None else _str(v) if type(v) is str else _value(v))
                          for k, v in step.items()) + "}"


def _caveats(d) -> str:
    return json.dumps([d._caveat(c) for c in d.caveats], ensure_ascii=False, separators=(",", ":"))


def strings_json(items: tuple[str, ...]) -> str:
    """A tuple of strings (missing, documents, ...) as a JSON list."""
    return _fragment(("l", items), _list_fragment)


def _list_fragment(key) -> str:
    return _strings(key[1])


def _step_brief(step) -> str:
    out = '{"action":' + _str(step.action)
    for k, v in step.fields._d.items():
        out += "," + _str(k) + ":" + ("null" if v is None else _str(v) if type(v) is str else _value(v))
    return out + "}"


def steps_brief_json(d) -> str:
    """The steps without their texts: action and extra fields (dates, ...)."""
    return "[" + ",".join(map(_step_brief, d.steps)) + "]"


def value_json(v: Any) -> str:
    return _value(v)
