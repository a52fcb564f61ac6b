"""Entries the builder reads for it: an integer input's range, an outcome's documents
(each an id, or an id with the condition under which it is needed), a web address."""
from __future__ import annotations

from typing import Any

from . import expr as ex
from .findings import did_you_mean, kind_of

DOCUMENT_KEYS = ("document", "when")


def input_range(b, body: dict, p: tuple, typ: str | None) -> tuple[int | None, int | None]:
    """(minimum, maximum) of an input; only integer inputs have them, and minimum <= maximum."""
    bounds: list[int | None] = []
    for key in ("minimum", "maximum"):
        v = body.get(key)
        if key not in body:
            bounds.append(None)
        elif typ is not None and typ != "integer":
            b.err("SCHEMA_UNKNOWN_KEY", f"only integer inputs have {key} (this one is {typ})", p + (key,), key=True)
            bounds.append(None)
        elif type(v) is not int:
            b.err("SCHEMA_TYPE", f"{key} must be a whole number; got {kind_of(v)}", p + (key,))
            bounds.append(None)
        else:
            bounds.append(v)
    low, high = bounds
    if low is not None and high is not None and low > high:
        b.err("SCHEMA_RANGE", f"minimum {low} is greater than maximum {high}", p + ("minimum",))
        return None, None
    return low, high


def outcome_documents(b, raw: Any, p: tuple) -> tuple[tuple[str, ...], tuple[ex.Expression | None, ...]]:
    """(document ids, their conditions) of an outcome; the conditions are () when none has one."""
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        b.err("SCHEMA_TYPE", f"documents must be a list; got {kind_of(raw)}", p)
        return (), ()
    ids: list[str] = []
    whens: list[ex.Expression | None] = []
    for i, item in enumerate(raw):
        when = None
        if isinstance(item, dict):
            if b.mapping(item, p + (i,), "a document entry", DOCUMENT_KEYS, DOCUMENT_KEYS) is None \
                    or not all(k in item for k in DOCUMENT_KEYS):
                continue
            when = b.expression(item["when"], p + (i, "when"), "when", ex.BOOLEAN)
            if when is None:
                continue
            item, at = item["document"], p + (i, "document")
        else:
            at = p + (i,)
        if not isinstance(item, str):
            b.err("SCHEMA_TYPE", f"a document is the id of a declared document; got {kind_of(item)}", at)
        elif item not in b.documents:
            b.err("REF_DOCUMENT", f"document {item!r} is not declared under documents"
                  f"{did_you_mean(item, b.documents)}", at)
        else:
            ids.append(item)
            whens.append(when)
    return tuple(ids), (tuple(whens) if any(w is not None for w in whens) else ())


def web_address(b, url: str | None, p: tuple) -> str | None:
    """A URL as the schema allows it (``^https?://``); None (reported) otherwise."""
    if url is not None and not url.startswith(("http://", "https://")):
        b.err("SCHEMA", f"{'.'.join(map(str, p))} must be a web address starting with http:// or https://; "
                        f"got {url[:80]!r}", p)
        return None
    return url
