"""The JSON Schema that editors use: valid, in step with the model, and readable."""
from __future__ import annotations

import json

import jsonschema
import pytest

from asanimza_policy.build import build_policy
from asanimza_policy.errors import PolicyError
from asanimza_policy.loader import load_file
from asanimza_policy.schema import schema_findings

from .conftest import POLICY_FILE, ROOT

SCHEMA = json.loads((ROOT / "schema" / "policy.schema.json").read_text(encoding="utf-8"))


def test_schema_is_valid_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_accepts_the_shipped_policy():
    assert schema_findings(load_file(POLICY_FILE)) == []


def test_schema_refs_are_plain_json_pointers_for_older_editors():
    # draft-7 editors resolve "#/$defs/x" as a JSON pointer; no $dynamicRef / $anchor tricks
    text = json.dumps(SCHEMA)
    assert "$dynamicRef" not in text and "$anchor" not in text


# Each variant is broken in one way; both the schema (for editors) and the model
# builder (for the interpreter) must refuse it, the schema with one readable finding.
VARIANTS = {
    "decision without branches": (
        "    title: Office or SMS?\n    cites:\n      - \"To extend the Asan Imza service, the subscriber must "
        "approach one of the Azercell Exclusive offices or perform the operation via SMS.\"\n    branches:\n"
        "      - when: channel == 'office'\n        goto: office_subscriber_type\n        label: at an office\n"
        "      - when: channel == 'sms'\n        goto: sms_expiry\n        label: online, then SMS\n",
        "    title: Office or SMS?\n", "needs 'branches'"),
    "unknown node kind": ("    kind: outcome\n    status: not_covered\n", "    kind: ending\n    status: not_covered\n",
                          "must be one of decision, outcome; got 'ending'"),
    "derived with expr and map": ("    from: service_type\n", "    expr: as_of\n    from: service_type\n",
                                  "needs either expr, or from with map"),
    "bad version": ("version: 1.0.0\n", "version: '1.0'\n", "must be a semantic version like 1.0.0; got '1.0'"),
    "bad status": ("    status: not_covered\n", "    status: maybe\n", "must be one of complete, not_covered"),
    "values on a boolean": ("    type: boolean\n    question: Can the subscriber",
                            "    type: boolean\n    values: [a]\n    question: Can the subscriber",
                            "only enum inputs have values"),
    "bad input type": ("    type: date\n", "    type: day\n", "must be one of boolean, enum, date, integer, string"),
    "bad name": ("  channel:\n    type: enum", "  Channel:\n    type: enum", "must be a name of lowercase letters"),
    "empty question": ("    question: Who holds the SIM card, a person or a company?\n", "    question: ''\n",
                       "is empty"),
    "bad effective date": ('effective_from: "2026-01-01"', 'effective_from: "01.01.2026"', "must be a date YYYY-MM-DD"),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_schema_and_model_both_refuse(name, policy_copy):
    old, new, says = VARIANTS[name]
    path, _ = policy_copy((old, new))
    doc = load_file(path)
    found = schema_findings(doc)
    assert len(found) == 1, [f.format() for f in found]
    assert says in found[0].message, found[0].message
    with pytest.raises(PolicyError):
        build_policy(doc)
