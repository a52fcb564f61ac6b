"""``asanimza-policy new POLICY_ID``: a policy folder to start from.

It writes ``<root>/<id>/1.0.0.yaml`` (one decision, two outcomes, commented),
``source/source.txt`` (a placeholder for the verbatim text) and
``tests/first.yaml`` (a scenario per route), which pass ``check --strict`` and
``test`` as written, and again once the placeholders are replaced as
docs/policy-format.md ("Your first policy") shows.  The folder appears whole
or not at all (written aside, then renamed), and an existing one is never
touched.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # imported where used: the command line registers `new` on every run
    from datetime import date
    from pathlib import Path

SOURCE_NAME = "source.txt"
PLACEHOLDER_SENTENCES = (
    "TODO: replace this file with the text of the source, copied word for word.",
    "Then quote its sentences under cites in the policy file.",
)


def add_new_command(sub) -> None:
    n = sub.add_parser("new", help="start a policy: a version file, a source placeholder and a scenario file")
    n.add_argument("policy_id", metavar="POLICY_ID", help="lowercase letters, digits and -, e.g. library-card")
    n.add_argument("--root", default="policies", metavar="DIR",
                   help="the folder of policy folders (default: policies)")


def _usage(message: str) -> Exception:
    from .cli import UsageError
    return UsageError(message)


def policy_text(policy_id: str, schema_ref: str, today: date) -> str:
    return f"""\
# yaml-language-server: $schema={schema_ref}
# A new policy. Replace every TODO (docs/policy-format.md, "Your first policy"), then run
#   asanimza-policy check --strict <this folder>   and   asanimza-policy test <this folder>
id: {policy_id}
version: 1.0.0
title: "TODO: the procedure, as a person would name it"
effective_from: "{today.isoformat()}"     # the first day this version applies
timezone: UTC                          # TODO: the procedure's IANA time zone, e.g. Asia/Baku
source:
  title: "TODO: the title of the source text"
  path: source/{SOURCE_NAME}               # the verbatim text; every citation is found in it word for word
inputs:
  # What the caller may know; each field the route needs and the caller lacks is asked.
  applies:
    type: boolean
    question: "TODO: the question whose answer decides the route?"
actions:
  # What a person can be told to do; steps name one of these.
  apply:
    description: "TODO: what the person does."
start: first_question
nodes:
  first_question:
    kind: decision
    title: "TODO: what this node decides"
    cites: ["{PLACEHOLDER_SENTENCES[0]}"]
    branches:
      - when: applies
        goto: the_plan
    otherwise: no_rule
  the_plan:
    kind: outcome
    status: complete
    title: "TODO: what the person does, in a few words"
    cites: ["{PLACEHOLDER_SENTENCES[1]}"]
    steps:
      - action: apply
        text: "TODO: the step as the person reads it."
  no_rule:
    kind: outcome
    status: not_covered               # the source has no rule for this case: say so, invent nothing
    title: "TODO: the case the source does not cover"
    description: "TODO: what the source does not say, and what the person can do."
"""


def scenario_text(policy_id: str, today: date) -> str:
    return f"""\
# Scenarios of {policy_id}: one per route, so `test --min-coverage 100` passes (docs/scenarios.md).
policy: {policy_id}
scenarios:
  - name: "TODO: the rule applies"
    as_of: "{today.isoformat()}"
    context: {{applies: true}}
    expect: {{status: complete, outcome: the_plan, steps: [{{action: apply}}]}}
  - name: "TODO: the rule does not apply"
    as_of: "{today.isoformat()}"
    context: {{applies: false}}
    expect: {{status: not_covered, outcome: no_rule}}
"""


def _schema_ref(folder: Path) -> str:
    from pathlib import Path

    from .resources import schema_file

    try:
        return Path(os.path.relpath(schema_file().resolve(), folder.resolve())).as_posix()
    except ValueError:      # pragma: no cover - another drive on Windows
        return schema_file().resolve().as_uri()


def create(root: Path, policy_id: str, today: date) -> Path:
    """Write the folder ``root/policy_id``; ``FileExistsError`` if it exists."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = root / policy_id
    if folder.exists() or folder.is_symlink():
        raise FileExistsError(f"{folder}: already exists; `new` never overwrites (edit it, or choose another id)")
    root.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix=f".{policy_id}.", dir=root))
    try:
        (aside / "source").mkdir()
        (aside / "tests").mkdir()
        (aside / "1.0.0.yaml").write_text(policy_text(policy_id, _schema_ref(folder), today), encoding="utf-8")
        (aside / "source" / SOURCE_NAME).write_text("\n".join(PLACEHOLDER_SENTENCES) + "\n", encoding="utf-8")
        (aside / "tests" / "first.yaml").write_text(scenario_text(policy_id, today), encoding="utf-8")
        aside.chmod(0o755)
        if folder.exists():
            raise FileExistsError(f"{folder}: already exists; `new` never overwrites")
        os.rename(aside, folder)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    return folder


def cmd_new(args) -> tuple[str, int]:
    from datetime import date
    from pathlib import Path

    from .model import POLICY_ID
    from .registry import MAX_ID_LENGTH

    pid = args.policy_id
    if len(pid) > MAX_ID_LENGTH or not POLICY_ID.match(pid):
        raise _usage(f"policy id {pid!r}: expected lowercase letters, digits and -, starting with a letter or digit")
    try:
        folder = create(Path(args.root), pid, date.today())
    except OSError as e:
        raise _usage(str(e) if isinstance(e, FileExistsError) else f"{args.root}: {e.strerror or e}") from None
    return f"""\
created {folder}/
  1.0.0.yaml          the policy: one decision, two outcomes (replace every TODO)
  source/{SOURCE_NAME}   a placeholder: replace it with the source text, word for word
  tests/first.yaml    a scenario per route
next:
  1. paste the source text into {folder}/source/{SOURCE_NAME} (rename it if you like: source.path)
  2. write the rules as nodes, quoting the sentences under cites; set title, timezone, effective_from
  3. asanimza-policy check --strict {folder}
  4. asanimza-policy test {folder}
  5. make docs, and once the version is published: asanimza-policy lock {folder}
see docs/policy-format.md, "Your first policy"
""", 0


NEW_COMMANDS = {"new": cmd_new}
