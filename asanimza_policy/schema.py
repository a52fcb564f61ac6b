"""JSON Schema validation of a loaded document, as findings at YAML positions.

The schema (``schema/policy.schema.json``, draft 2020-12) is what editors use
while an author types; ``check`` runs it too.  Errors are reported where they
are (the offending key for unknown keys and bad names, the value otherwise),
one per problem, with the most relevant alternative of an ``anyOf``/``oneOf``
rather than all of them.  jsonschema is imported here only, so evaluating a
policy never pays for it.
"""
from __future__ import annotations

import functools
import json

from .findings import Finding, did_you_mean, kind_of
from .loader import Document
from .resources import schema_file


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema

    with open(schema_file(), encoding="utf-8") as fh:
        schema = json.load(fh)
    return jsonschema.Draft202012Validator(schema)


def _where(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the file"


def _leaf(err):
    """The most relevant error inside an anyOf / oneOf."""
    from jsonschema.exceptions import best_match

    while err.context:
        # an alternative of another type than the value (a name, where a mapping was written) says
        # less than the one of its type: "unknown key 'x' in a step" beats "must be string"
        fitting = [e for e in err.context if e.validator != "type" or e.relative_path]
        err = best_match(fitting or err.context)
    return err


def _describe(err) -> tuple[str, tuple, bool]:
    """(message, path, at_key) for one leaf error."""
    path = tuple(err.absolute_path)
    v, schema, kw = err.instance, err.schema, err.validator
    where = _where(path)
    on_name = "propertyNames" in err.absolute_schema_path
    if on_name:
        title = schema.get("title", "a valid name") if isinstance(schema, dict) else "a valid name"
        if kw == "not":
            return f"{v!r} is reserved here", path + (v,), True
        return f"name {v!r} in {where} must be {title}", path + (v,), True
    if kw == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extra = [k for k in v if k not in allowed]
        key = extra[0] if extra else ""
        more = did_you_mean(key, allowed) or f" (expected {', '.join(allowed)})"
        return f"unknown key {key!r} in {where}{more}", path + (key,), True
    if kw == "required":
        missing = err.validator_value
        key = next((k for k in missing if k not in v), missing[0]) if isinstance(v, dict) else missing[0]
        return f"{where} needs {key!r}", path, False
    if kw == "enum":
        more = did_you_mean(v, err.validator_value)
        return (f"{where} must be one of {', '.join(map(str, err.validator_value))}; got {v!r}{more}",
                path, False)
    if kw == "const":
        return f"{where} must be {err.validator_value!r}; got {v!r}", path, False
    if kw == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"{where} must be {want}; got {kind_of(v)}", path, False
    if kw in ("pattern", "minLength") and isinstance(v, str):
        if not v.strip():
            return f"{where} is empty", path, False
        title = schema.get("title")
        return (f"{where} must be {title}; got {v!r}" if title else f"{where}: {v!r} does not match "
                f"{err.validator_value}"), path, False
    if kw == "maxLength":
        return f"{where} is longer than {err.validator_value} characters", path, False
    if kw in ("minItems", "minProperties"):
        return f"{where} must not be empty", path, False
    if kw == "maxItems":
        return f"{where} has more than {err.validator_value} items", path, False
    if kw == "uniqueItems":
        return f"{where} repeats an item", path, False
    if kw == "not" and isinstance(v, dict) and "values" in v:
        return f"only enum inputs have values ({where} is {v.get('type')})", path + ("values",), True
    if kw in ("oneOf", "not") and isinstance(v, dict) and ("expr" in v or "from" in v or "map" in v):
        return f"{where} needs either expr, or from with map", path, False
    return f"{where}: {err.message}", path, False


# the builder's codes for the same defects (tests/test_one_defect.py holds them to it)
_CODES = {"additionalProperties": "SCHEMA_UNKNOWN_KEY", "enum": "SCHEMA_ENUM", "const": "SCHEMA_ENUM",
          "type": "SCHEMA_TYPE", "required": "SCHEMA_REQUIRED", "uniqueItems": "SCHEMA_DUPLICATE",
          "maxItems": "SCHEMA_LIMIT"}


def schema_findings(doc: Document) -> list[Finding]:
    """Every schema violation of the document, at its position."""
    out: list[Finding] = []
    seen = set()
    for top in _validator().iter_errors(doc.data):
        err = _leaf(top)
        message, path, at_key = _describe(err)
        pos = doc.key_pos(path) if at_key else doc.pos(path)
        key = (pos.line, pos.col, message)
        if key in seen:
            continue
        seen.add(key)
        code = _CODES.get(err.validator, "SCHEMA")
        out.append(Finding.at(code, message, doc.path, pos))
    return out
