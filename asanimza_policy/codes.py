"""Every finding code, once: what it means and how to fix it.

A :class:`~asanimza_policy.findings.Finding` refuses a code that is not here,
and the reference page ``docs/checks.md`` is generated from this table
(``asanimza-policy docs``), so the code, the checks and the documentation
cannot disagree.  Adding a check means adding its row here.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Code:
    code: str
    stage: str           # a key of STAGES
    means: str
    fix: str = ""
    warning: bool = False


# stage -> (heading, what the stage reads)
STAGES = {
    "yaml": ("1. YAML (the loader)", "A file whose YAML cannot be read stops here; the other stages need its data."),
    "shape": ("2. Shape (the JSON Schema, and the model builder)",
              "The schema's findings and the model builder's own reading of the same rules, which runs even "
              "without the schema (it is what the interpreter trusts)."),
    "model": ("3. References and expressions (the model)",
              "Names that point nowhere, expressions that do not parse or type-check, loops."),
    "content": ("4. Content", "Citations against the source text, and the files' place among the versions."),
    "evaluation": ("At evaluation time", "Defects of a policy that only a walk can meet; reported as "
                   "`PolicyError`, never answered by guessing."),
    "scenario": ("Scenario files", "Problems with the shape of a scenario file (`asanimza-policy test`)."),
}

_ROWS = (
    # 1. YAML
    Code("YAML_SYNTAX", "yaml", "not valid YAML (also: a tab used for indentation, a control character)",
         "the message names the problem at the position"),
    Code("YAML_DUPLICATE_KEY", "yaml", "a key appears twice in one mapping; reported at the second, naming the "
         "first's line", "remove or rename one"),
    Code("YAML_TAG", "yaml", "a tag such as `!!python/object`, or a core tag on text that is not of its type "
         "(`!!bool maybe`)", "write plain values"),
    Code("YAML_MERGE", "yaml", "a merge key `<<`", "write the keys out"),
    Code("YAML_KEY", "yaml", "a key that is not text (a number, `null`, a list)", "quote it or rename it"),
    Code("YAML_ALIAS", "yaml", "`*name` with no `&name` before it", "define the anchor first"),
    Code("YAML_NUMBER", "yaml", "an integer of more than 18 digits", "write a smaller number, or quote it as text"),
    Code("YAML_TOO_LARGE", "yaml", "over 5 MB, or over 200,000 nodes once aliases are expanded "
         "(\"billion laughs\")", "split the file, or drop the aliases that multiply it"),
    Code("YAML_TOO_DEEP", "yaml", "nested deeper than 64 levels", "flatten the structure"),
    Code("YAML_MULTIPLE_DOCUMENTS", "yaml", "more than one `---` document", "one policy per file"),
    Code("YAML_ENCODING", "yaml", "bytes that are not UTF-8, or an escape that leaves half of a surrogate pair",
         "save the file as UTF-8; write the character itself"),
    Code("FILE", "yaml", "a path that is not a regular file that can be read: a folder, FIFO or device named "
         "like a policy file (never read, so nothing hangs), or a folder `check` or `test` cannot list",
         "remove or rename it, or make it readable"),
    # 2. shape
    Code("SCHEMA", "shape", "the schema's finding: a required key is missing, a value has the wrong type, is not "
         "one of the allowed values, or does not match its pattern (semantic version, date, name)",
         "the message says what is expected"),
    Code("SCHEMA_UNKNOWN_KEY", "shape", "a key the format does not have", "see the \"did you mean\" in the message"),
    Code("SCHEMA_EMPTY", "shape", "an empty file or an empty text", "write the value, or remove the key"),
    Code("SCHEMA_TYPE", "shape", "a value of the wrong type (found by the model builder)",
         "the message names the type expected"),
    Code("SCHEMA_ENUM", "shape", "a value that is not one of the allowed words (found by the model builder)",
         "use one of the words listed"),
    Code("SCHEMA_REQUIRED", "shape", "a required key is missing (found by the model builder)", "add the key"),
    Code("SCHEMA_NAME", "shape", "a name that is not lowercase letters, digits and `_` (`-` in policy ids), "
         "or that is reserved", "rename it"),
    Code("SCHEMA_VERSION", "shape", "`version` is not a semantic version", "write it like `1.0.0`"),
    Code("SCHEMA_DATE", "shape", "a date that is not `YYYY-MM-DD` or does not exist", "write an existing day"),
    Code("SCHEMA_DATES", "shape", "`effective_until` before `effective_from`", "swap or correct the dates"),
    Code("SCHEMA_TIMEZONE", "shape", "not an IANA time zone", "use a name such as `Asia/Baku`"),
    Code("SCHEMA_DUPLICATE", "shape", "an enum lists a value twice", "remove the repeat"),
    Code("SCHEMA_LIMIT", "shape", "more than 100 steps in one outcome", "split the outcome"),
    # 3. model
    Code("REF_NODE", "model", "`start`, a `goto` or an `otherwise` names a node that does not exist",
         "name an existing node (see the \"did you mean\")"),
    Code("REF_STEP", "model", "an outcome lists a step id that is not under `steps`", "declare the step"),
    Code("REF_ACTION", "model", "a step's action is not declared under `actions`", "declare the action"),
    Code("REF_FIELD", "model", "a `with` field is not one of its action's fields", "declare the field on the action"),
    Code("REF_DOCUMENT", "model", "an outcome lists a document not declared under `documents`",
         "declare the document"),
    Code("REF_ASSUMPTION", "model", "`assumes` names an assumption not declared under `assumptions`",
         "declare the assumption"),
    Code("REF_CAVEAT", "model", "a step's or an outcome's `caveats` names a caveat not declared under `caveats`",
         "declare the caveat"),
    Code("REF_INPUT", "model", "a table's `from` is not an enum input", "name an enum input"),
    Code("REF_VALUE", "model", "a table key (or a label) is not one of its enum's values", "use one of the values"),
    Code("MAP_INCOMPLETE", "model", "a table has no entry for some value of its enum", "add the missing entries"),
    Code("EXPR", "model", "an expression that does not parse or type-check: unknown name, wrong type, a literal "
         "outside an enum's values, a condition that is not true/false, too long or too deep; the column points "
         "into the expression", "the message says what was expected there"),
    Code("TEMPLATE", "model", "a step text names `{something}` that is not an input, a derived value or a field "
         "of the step (a question or an outcome's description: not an input or a derived value), or has an "
         "unmatched brace", "name a known value, or write `{{` for a brace"),
    Code("OPTIONAL_UNGUARDED", "model", "a condition, step field or step text reads an optional input (directly "
         "or through a derived value) where `given(name)` is not known to hold, so a walk could wait for an input "
         "that is never asked", "test `given(name)` first: in the same condition (`given(x) and ...`), in the "
         "step's `when`, or on a branch on the way"),
    Code("GIVEN_NOT_OPTIONAL", "model", "`given(name)` names something that is not an optional input",
         "declare the input `optional: true`, or read it directly (an input that is asked needs no test)"),
    Code("DERIVED_CYCLE", "model", "derived values that depend on each other in a loop", "break the loop"),
    Code("DERIVED_TOO_DEEP", "model", "a chain of more than 16 derived values each reading the next (keeps "
         "evaluation's cost bounded)", "compute from inputs more directly"),
    Code("GRAPH_CYCLE", "model", "nodes that can lead back to themselves (the walk must end)", "break the loop"),
    # 4. content
    Code("CITATION_NOT_FOUND", "content", "a citation is not in the source text word for word (the closest "
         "source line is shown)", "copy the sentence from the source"),
    Code("CITATION_FRAGMENT", "content", "a citation is only part of a sentence", "cite whole sentences",
         warning=True),
    Code("SOURCE_MISSING", "content", "the file named by `source.path` does not exist next to the policy",
         "add the source text, or correct the path"),
    Code("VERSION_TIMEZONE", "content", "versions of one policy (the files of one folder) declare different "
         "time zones", "use one time zone for every version"),
    Code("CAVEAT_UNUSED", "content", "a caveat that no step or outcome attaches, so no decision returns it",
         "attach it where it applies, or remove it", warning=True),
    Code("VERSION_OVERLAP", "content", "two versions of one policy take effect on the same day (a later "
         "`effective_from` supersedes the earlier version from that day on)",
         "give each version its own `effective_from`; `effective_until` only withdraws a version"),
    Code("LAYOUT", "content", "a file named like a version (`1.0.0.yaml`) declares another version, or sits in a "
         "folder not named after its id", "rename the file or the folder"),
    # evaluation
    Code("NODE_GAP", "evaluation", "a decision with no `otherwise` where no branch holds, or (with "
         "`match: unique`) where two branches hold", "make the branches cover every case exactly once"),
    # scenarios
    Code("SCENARIO", "scenario", "a scenario file whose shape is wrong (unknown key, no expectation, a missing "
         "`as_of`, a policy that cannot be loaded)", "see the scenario file format"),
)

CODES = MappingProxyType({row.code: row for row in _ROWS})
assert len(CODES) == len(_ROWS), "a code is listed twice"
