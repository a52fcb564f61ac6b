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
    bad: str = ""        # a policy fragment that gets this finding (YAML)
    good: str = ""       # the same fragment fixed


# stage -> (heading, what the stage reads)
STAGES = {
    "paths": ("0. Paths (what `check` is given, and what a walk meets)",
              "A path named on the command line that does not exist or cannot be opened exits 2 with one line. "
              "What a walk below a folder meets is a finding, never skipped in silence; folders whose name starts "
              "with `.` and `tests` folders below the one named are not walked."),
    "yaml": ("1. YAML (the loader)", "A file whose YAML cannot be read stops here; the other stages need its data."),
    "shape": ("2. Shape (the JSON Schema, and the model builder)",
              "The model builder (what the interpreter trusts) and the JSON Schema (what editors use) read the "
              "same rules and give one defect one code and one message: `check` reports what `load()` reports, "
              "and the schema's finding only where the builder has none at that place."),
    "model": ("3. References and expressions (the model)",
              "Names that point nowhere, expressions that do not parse or type-check or whose date arithmetic "
              "leaves the calendar whatever the context, loops."),
    "content": ("4. Content", "Citations against the source text, and the files' place among the versions."),
    "structure": ("5. Structure (the graph)", "What the routes of the graph reach, and what the policy declares "
                  "but never uses."),
    "logic": ("6. Logic (every decision node, over the domains of what it reads)",
              "Each decision node is tried with every class of contexts that reaches it: enum values, true and "
              "false, integers around the constants they are compared with, dates (and `as_of`) around every "
              "distance their conditions compare, an optional input given and not given. A finding shows a "
              "context to paste. With none, no context that passes validation makes the interpreter fail."),
    "baseline": ("7. Baselines (accepted warnings of superseded versions)",
                 "`check --write-baseline` records the warnings of each policy folder's superseded versions in "
                 "`check-baseline.json` beside them (atomically; entries of versions not checked in that run are "
                 "kept); those no longer show or fail `--strict`. The newest version (the highest version number "
                 "in the folder) is never baselined, nor is any error. Entries match by file name, code and "
                 "message, not by line."),
    "evaluation": ("At evaluation time", "Defects of a policy that only a walk can meet; reported as "
                   "`PolicyError`, never answered by guessing."),
    "scenario": ("Scenario files", "Problems with the shape of a scenario file (`asanimza-policy test`)."),
}

_ROWS = (
    # 0. paths
    Code("FILE", "paths", "a path that is not a regular file that can be read: a folder, FIFO or device named "
         "like a policy file (never read, so nothing hangs), a file met while walking that cannot be read, or a folder "
         "`check` or `test` cannot list",
         "remove or rename it, or make it readable"),
    Code("FOLDER_NO_POLICY", "paths", "a folder named to check holds no `<version>.yaml` file, in it or below it",
         "name the policy folder (the one holding `1.0.0.yaml`) or a policy file"),
    Code("FILE_NOT_POLICY", "paths", "a file checked is not a policy: a scenario file, a list, text, or a mapping "
         "with none of a policy's keys", "check policy files; run scenario files with `asanimza-policy test`"),
    Code("FILE_IGNORED", "paths", "a YAML file beside a policy's versions is not named `<version>.yaml`, so the "
         "registry never loads it and `check` skips it", "name it after its version, or move it out of the folder",
         warning=True),
    # 1. YAML
    Code("YAML_SYNTAX", "yaml", "not valid YAML (also: a tab used for indentation, a control character)",
         "the message names the problem at the position; when a line is indented unlike the one above it, it says "
         "that the indentation is the likely cause"),
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
    # 2. shape
    Code("SCHEMA", "shape", "a shape rule without a code of its own below (a `url` that is not a web address, a "
         "value that does not match its pattern)",
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
    Code("SCHEMA_HASH", "shape", "`source.sha256` is not 64 lowercase hex digits", "copy the digest "
         "`asanimza-policy lock` records as `source_sha256`"),
    Code("SCHEMA_DATES", "shape", "`effective_until` before `effective_from`", "swap or correct the dates"),
    Code("SCHEMA_TIMEZONE", "shape", "not an IANA time zone", "use a name such as `Asia/Baku`"),
    Code("SCHEMA_DUPLICATE", "shape", "an enum lists a value twice", "remove the repeat"),
    Code("SCHEMA_RANGE", "shape", "an integer input's `minimum` is greater than its `maximum`", "swap them"),
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
    Code("GIVEN_NOT_INPUT", "model", "`given(name)` names a derived value, not an input",
         "test the inputs the value is computed from"),
    Code("EXPR_DATE_OVERFLOW", "model", "date arithmetic that leaves the calendar (before year 1 or after 9999) "
         "whatever the context, as the file shows: on constants (`date('9999-12-31') + 1`), or by an offset too "
         "large for any ordinary date (`add_days(as_of, 999999999)`, `add_years(birth_date, 9000)`); the column "
         "points at the arithmetic (at run time: `DATE_OVERFLOW`)", "use offsets of days or years, not millennia",
         bad="- when: add_days(as_of, 999999999) > card_expires_on",
         good="- when: add_days(as_of, 14) > card_expires_on"),
    Code("DERIVED_CYCLE", "model", "derived values that depend on each other in a loop", "break the loop"),
    Code("DERIVED_TOO_DEEP", "model", "a chain of more than 16 derived values each reading the next, or of "
         "expressions nesting more than 160 levels in all down such a chain (keeps evaluation's cost and depth "
         "bounded)", "compute from inputs more directly, in flatter steps"),
    Code("GRAPH_CYCLE", "model", "nodes that can lead back to themselves (the walk must end); reported at the "
         "`goto` (or `otherwise`) that closes the loop", "break the loop"),
    # 4. content
    Code("CITATION_NOT_FOUND", "content", "a citation is not in the source text word for word (the closest "
         "source line is shown)", "copy the sentence from the source"),
    Code("CITATION_FRAGMENT", "content", "a citation is only part of a sentence", "cite whole sentences",
         warning=True),
    Code("SOURCE_MISSING", "content", "the file named by `source.path` does not exist next to the policy",
         "add the source text, or correct the path"),
    Code("SOURCE_UNCITED", "content", "a rule-bearing sentence of the source text (one that ends with a full "
         "stop; not a heading, question, navigation or link text) that no node, step, derived value or assumption "
         "cites; reported at its line in the source, with the source coverage in percent",
         "cite it where the policy applies it, or list it under `source.uncited` with the reason", warning=True,
         bad="# source: \"Cards can be renewed in the last 14 days. Minors need a note from a parent.\"\n"
             "cites: [\"Cards can be renewed in the last 14 days.\"]",
         good="source:\n  uncited:\n    - text: Minors need a note from a parent.\n"
              "      reason: The office checks the note; the policy asks nothing about it."),
    Code("VERSION_TIMEZONE", "content", "versions of one policy (the files of one folder) declare different "
         "time zones", "use one time zone for every version"),
    Code("SOURCE_CHANGED", "content", "the source text no longer has the `source.sha256` the policy records: "
         "the page was copied again, or edited", "review what changed (`asanimza-policy diff`), then record the new "
         "digest in a new version"),
    Code("VERSION_LOCKED", "content", "a published version (recorded in the folder's `versions.lock`) whose file "
         "or cited source text changed", "restore it, and make the change in a new version "
         "(`asanimza-policy new-version POLICY`; a wording-only change is a patch version)"),
    Code("LOCK_FILE", "content", "the folder's `versions.lock` cannot be read or is not of the expected shape",
         "regenerate it with `asanimza-policy lock POLICY`"),
    Code("CAVEAT_UNUSED", "content", "a caveat that no step or outcome attaches, so no decision returns it",
         "attach it where it applies, or remove it", warning=True),
    Code("VERSION_OVERLAP", "content", "two versions of one policy take effect on the same day (a later "
         "`effective_from` supersedes the earlier version from that day on)",
         "give each version its own `effective_from`; `effective_until` only withdraws a version"),
    Code("LAYOUT", "content", "a file named like a version (`1.0.0.yaml`) declares another version, or sits in a "
         "folder not named after its id", "rename the file or the folder"),
    # 5. structure
    Code("NODE_UNREACHABLE", "structure", "a decision node that no route from `start` leads to",
         "lead a branch to it, or remove it",
         bad="start: a\nnodes:\n"
             "  a: {kind: decision, title: A, branches: [{when: flag, goto: done}], otherwise: done}\n"
             "  b: {kind: decision, title: B, branches: [{when: flag, goto: done}], otherwise: done}\n"
             "  done: {kind: outcome, status: complete, title: Done}",
         good="start: a\nnodes:\n  a: {kind: decision, title: A, branches: [{when: flag, goto: b}], otherwise: done}\n"
              "  b: {kind: decision, title: B, branches: [{when: flag, goto: done}], otherwise: done}\n"
              "  done: {kind: outcome, status: complete, title: Done}"),
    Code("OUTCOME_UNREACHABLE", "structure", "an outcome that no route from `start` leads to",
         "lead a branch to it, or remove it",
         bad="nodes:\n  a: {kind: decision, title: A, branches: [{when: flag, goto: yes_}], otherwise: yes_}\n"
             "  yes_: {kind: outcome, status: complete, title: Yes}\n"
             "  no_: {kind: outcome, status: complete, title: No}",
         good="nodes:\n  a: {kind: decision, title: A, branches: [{when: flag, goto: yes_}], otherwise: no_}\n"
              "  yes_: {kind: outcome, status: complete, title: Yes}\n"
              "  no_: {kind: outcome, status: complete, title: No}"),
    Code("INPUT_UNUSED", "structure", "an input no condition, derived value, step or question reads",
         "read it, or remove it", warning=True,
         bad="inputs:\n  age: {type: integer, question: How old are you?}\n  pet: {type: boolean, question: A pet?}\n"
             "# ... only `age < 16` is read anywhere",
         good="inputs:\n  age: {type: integer, question: How old are you?}"),
    Code("DERIVED_UNUSED", "structure", "a derived value nothing reads", "read it, or remove it", warning=True,
         bad="derived:\n  days_left: {expr: days_between(as_of, expires)}   # read nowhere",
         good="derived:\n  days_left: {expr: days_between(as_of, expires)}\n"
              "# ...\n      - when: days_left > 14"),
    Code("DOCUMENT_UNUSED", "structure", "a document no outcome lists", "list it where it is needed, or remove it",
         warning=True, bad="documents:\n  card: Your card.\n  photo: A photo.      # no outcome lists photo",
         good="documents:\n  card: Your card."),
    Code("ACTION_UNUSED", "structure", "an action no step uses", "use it, or remove it", warning=True,
         bad="actions:\n  go: {description: Go to the desk.}\n  call: {description: Call us.}   # no step",
         good="actions:\n  go: {description: Go to the desk.}"),
    Code("ASSUMPTION_UNUSED", "structure", "an assumption no node, step or derived value `assumes`",
         "attach it where the policy relies on it, or remove it", warning=True,
         bad="assumptions:\n  desk_hours: {text: The rules do not give opening hours.}   # nobody assumes it",
         good="nodes:\n  minor:\n    assumes: [desk_hours]"),
    Code("STEP_UNUSED", "structure", "a shared step (under `steps`) no outcome lists",
         "list it in an outcome, or remove it", warning=True,
         bad="steps:\n  bring_card: {action: go, text: Bring your card.}   # no outcome lists it",
         good="nodes:\n  adult: {kind: outcome, status: complete, title: Renew, steps: [bring_card]}"),
    # 6. logic
    Code("LOGIC_GAP", "logic", "a context that passes validation reaches the decision node and no branch holds, "
         "and it has no `otherwise` (at run time: `NODE_GAP`); also a branch that reads an optional input "
         "not given without testing `given()`; the message gives the context and `--as-of` to try",
         "add the missing branch or an `otherwise`",
         bad="window:\n  kind: decision\n  branches:\n    - {when: days_left > 14, goto: too_early}\n"
             "    - {when: days_left < 14, goto: renew}      # days_left == 14 matches nothing",
         good="window:\n  kind: decision\n  branches:\n    - {when: days_left > 14, goto: too_early}\n"
              "    - {when: days_left <= 14, goto: renew}"),
    Code("LOGIC_OVERLAP", "logic", "a context makes two branches of a `match: unique` node hold (at run time: "
         "`NODE_GAP`); reported at the second branch, with the context", "make the conditions exclusive, or "
         "declare `match: first` if the order decides",
         bad="fines:\n  kind: decision\n  branches:\n    - {when: has_fines, goto: pay_first}\n"
             "    - {when: age < 16, goto: minor}   # a minor with fines matches both",
         good="fines:\n  kind: decision\n  branches:\n    - {when: has_fines, goto: pay_first}\n"
              "    - {when: not has_fines and age < 16, goto: minor}\n  otherwise: adult"),
    Code("LOGIC_SHADOWED", "logic", "a branch that no context reaching the node takes: with `match: first`, an "
         "earlier branch holds whenever it does; with `match: unique`, it never holds",
         "reorder the branches, or remove the dead one; the message says when the node it leads to is then "
         "reached by no context at all",
         bad="window:\n  match: first\n  branches:\n    - {when: days_left > 7, goto: too_early}\n"
             "    - {when: days_left > 14, goto: far_too_early}   # never wins",
         good="window:\n  match: first\n  branches:\n    - {when: days_left > 14, goto: far_too_early}\n"
              "    - {when: days_left > 7, goto: too_early}"),
    Code("LOGIC_LIMIT", "logic", "the analysis stopped after the number of combinations allowed "
         "(`--max-combinations`, default 2,000,000): what it found is true, but gaps and overlaps elsewhere are "
         "not proved absent", "let fewer inputs meet at one node, or raise the limit", warning=True,
         bad="# a node whose conditions read twenty booleans at once: 2^20 combinations",
         good="# the same question asked in steps: a node per input"),
    # 7. baselines
    Code("BASELINE_INVALID", "baseline", "a policy folder's `check-baseline.json` is not JSON or not a baseline",
         "rewrite it with `asanimza-policy check --write-baseline`"),
    # evaluation
    Code("NODE_GAP", "evaluation", "a decision with no `otherwise` where no branch holds, or (with "
         "`match: unique`) where two branches hold", "make the branches cover every case exactly once"),
    Code("DATE_OVERFLOW", "evaluation", "date arithmetic leaves the calendar (before year 1 or after 9999) while "
         "every date it reads is an ordinary one, e.g. `add_days(as_of, 999999999)`; a caller's date far from the "
         "present (before year 1000 or after 9000) is blamed on the caller instead, as `InvalidContext`; where the "
         "file shows it whatever the context, `check` reports it first (`EXPR_DATE_OVERFLOW`)",
         "use offsets of days or years, not millennia"),
    # scenarios
    Code("SCENARIO", "scenario", "a scenario file whose shape is wrong (unknown key, no expectation, a missing "
         "`as_of`, a policy that cannot be loaded)", "see the scenario file format"),
)

CODES = MappingProxyType({row.code: row for row in _ROWS})
assert len(CODES) == len(_ROWS), "a code is listed twice"
