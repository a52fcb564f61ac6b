"""Audit of the implementation against /work/shared/CONTRACT.md.

Scope: the Names table, the Context section, the Python API, the Decision
document (keys, bullets, action and document tables), and the command-line rows
for ``evaluate``, ``check`` and ``test`` plus the "Every command: ..." paragraph.
``render``, ``docs``, ``diff``, ``batch``, ``ask``, ``serve`` and HTTP are not
implemented yet and are not tested here.

Every test quotes the contract sentence it checks.  A test that documents a
deviation keeps asserting the contract's behaviour and is marked
``xfail(strict=True, reason="DEVIATION: ...")``.

Self-contained on purpose: it imports nothing from the other test modules.
"""
from __future__ import annotations

import importlib.metadata
import inspect
import itertools
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

import asanimza_policy as ap

ROOT = Path(__file__).resolve().parent.parent
POLICY_ID = "asan-imza-renewal"
POLICY_DIR = ROOT / "policies" / POLICY_ID
SEED = POLICY_DIR / "1.0.0.yaml"
# The version whose answers this module checks: 1.0.0 here; test_contract_1_1_0.py runs
# this file again with CONTRACT_VERSION set, so the acceptance holds for both versions.
VERSION = globals().get("CONTRACT_VERSION", "1.0.0")
SOURCE = POLICY_DIR / "source" / "azercell-asan-imza-extension.txt"
AS_OF = date(2026, 11, 24)
BAKU = ZoneInfo("Asia/Baku")

SOURCE_TEXT = SOURCE.read_text(encoding="utf-8")
POLICY = yaml.safe_load((POLICY_DIR / f"{VERSION}.yaml").read_text(encoding="utf-8"))   # read as data by the test
# inputs a later version adds: optional, never asked (the contract's eleven fields keep their meaning)
OPTIONAL = {name for name, body in POLICY["inputs"].items() if body.get("optional")}

FIELDS = ("subscriber_type", "citizenship", "appears_in_person", "legal_entity_status", "channel",
          "certificate_expires_on", "online_renewal_submitted", "service_type", "current_service_type",
          "balance_covers_tariff", "wrong_type_activated")
ENUMS = {
    "subscriber_type": ("individual", "legal_entity"),
    "citizenship": ("azerbaijan", "foreign"),
    "legal_entity_status": ("existing", "new"),
    "channel": ("office", "sms"),
    "service_type": ("citizen", "business", "governmental"),
    "current_service_type": ("citizen", "business", "governmental"),
}
BOOLEANS = ("appears_in_person", "online_renewal_submitted", "balance_covers_tariff", "wrong_type_activated")
DATES = ("certificate_expires_on",)

# the contract's action table: action -> extra fields
ACTIONS = {
    "visit_office": (),
    "submit_online_application": ("not_before", "deadline"),
    "send_sms": ("sms_to", "sms_text", "not_before", "deadline"),
    "visit_certification_center": (),
    "top_up_balance": (),
    "wait": ("until",),
    "contact_office": (),
}
DATE_FIELDS = {"not_before", "deadline", "until"}
DOCUMENTS = {"id_card", "residence_permit", "foreign_passport", "power_of_attorney", "trustee_id_card",
             "letter_of_request"}
DECISION_KEYS = ("policy", "version", "as_of", "status", "outcome", "missing", "steps", "documents", "trace",
                 "citations", "assumptions")

# A complete context for each route of the seed policy (as_of = AS_OF).
OFFICE_CITIZEN = {"channel": "office", "subscriber_type": "individual", "appears_in_person": True,
                  "citizenship": "azerbaijan"}
OFFICE_FOREIGN = dict(OFFICE_CITIZEN, citizenship="foreign")
OFFICE_POA = {"channel": "office", "subscriber_type": "individual", "appears_in_person": False}
OFFICE_COMPANY = {"channel": "office", "subscriber_type": "legal_entity", "legal_entity_status": "existing"}
OFFICE_NEW_COMPANY = {"channel": "office", "subscriber_type": "legal_entity", "legal_entity_status": "new"}
SMS_IN_WINDOW_NEW_TYPE = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": True,
                          "service_type": "business", "current_service_type": "citizen",
                          "balance_covers_tariff": True}
SMS_NOT_SENT = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
                "service_type": "citizen", "current_service_type": "citizen", "balance_covers_tariff": False}
SMS_MISSED = {"channel": "sms", "certificate_expires_on": "2026-11-01", "wrong_type_activated": False,
              "online_renewal_submitted": False, "service_type": "governmental",
              "current_service_type": "governmental", "balance_covers_tariff": True}
SMS_WRONG_TYPE = {"channel": "sms", "certificate_expires_on": "2026-11-01", "wrong_type_activated": True,
                  # 1.1.0 asks what the plan depends on first, the wrong type last
                  **({} if VERSION == "1.0.0" else {"online_renewal_submitted": False, "service_type": "business",
                                                    "current_service_type": "citizen"})}
SMS_TOO_EARLY = {"channel": "sms", "certificate_expires_on": "2027-06-01", "online_renewal_submitted": True}
OFFICE_CONTEXTS = [OFFICE_CITIZEN, OFFICE_FOREIGN, OFFICE_POA, OFFICE_COMPANY, OFFICE_NEW_COMPANY]
SMS_CONTEXTS = [SMS_IN_WINDOW_NEW_TYPE, SMS_NOT_SENT, SMS_MISSED, SMS_WRONG_TYPE, SMS_TOO_EARLY]
ROUTES = OFFICE_CONTEXTS + SMS_CONTEXTS
# every declared field with a valid value, for "send every column it has"
ALL_COLUMNS = {"subscriber_type": "individual", "citizenship": "azerbaijan", "appears_in_person": True,
               "legal_entity_status": "existing", "channel": "office", "certificate_expires_on": "2026-12-01",
               "online_renewal_submitted": True, "service_type": "business", "current_service_type": "citizen",
               "balance_covers_tariff": True, "wrong_type_activated": False}


def evaluate(context, **kw):
    kw.setdefault("as_of", AS_OF)
    kw.setdefault("version", VERSION)
    return ap.evaluate(POLICY_ID, context, **kw)


def decide(context, **kw) -> dict:
    return evaluate(context, **kw).to_dict()


def generated_contexts():
    """Every combination of the office fields, and of the SMS fields with dates around AS_OF, with None."""
    b3 = (True, False, None)
    for st, ci, inp, les in itertools.product(("individual", "legal_entity", None), ("azerbaijan", "foreign", None),
                                              b3, ("existing", "new", None)):
        yield {"channel": "office", "subscriber_type": st, "citizenship": ci, "appears_in_person": inp,
               "legal_entity_status": les}
    expiries = [None] + [AS_OF + timedelta(days=d) for d in (-400, -1, 0, 1, 28, 29, 30, 31, 400)]
    types = ("citizen", "business", "governmental", None)
    for i, (e, s, sv, cu, b, w) in enumerate(itertools.product(expiries, b3, types, types, b3, b3)):
        if e is not None and i % 2:
            e = e.isoformat()            # half the dates as ISO strings, half as datetime.date
        yield {"channel": "sms", "certificate_expires_on": e, "online_renewal_submitted": s, "service_type": sv,
               "current_service_type": cu, "balance_covers_tariff": b, "wrong_type_activated": w}
    # the optional inputs a later version adds, around the same expiry dates
    if OPTIONAL:
        days = [None] + [AS_OF + timedelta(days=d) for d in (-60, -20, -1, 0, 1, 5)]
        for e, a, m, w in itertools.product(expiries[1:], days, days, (True, False)):
            yield {"channel": "sms", "certificate_expires_on": e, "online_renewal_submitted": True,
                   "service_type": "citizen", "current_service_type": "citizen", "wrong_type_activated": w,
                   **({"online_application_sent_on": a} if "online_application_sent_on" in OPTIONAL else {}),
                   **({"sms_sent_on": m} if "sms_sent_on" in OPTIONAL else {})}
    yield {}
    yield {"channel": None}


def strip_none(ctx: dict) -> dict:
    return {k: v for k, v in ctx.items() if v is not None}


@pytest.fixture(scope="module")
def all_decisions():
    """(context, decision dict) for every generated context."""
    return [(c, decide(c)) for c in generated_contexts()]


def normalize(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# subprocess helpers

VENV_SCRIPT = Path(sys.executable).parent / "asanimza-policy"
INVOKERS = {
    "python -m asanimza_policy": [sys.executable, "-m", "asanimza_policy"],
    "asanimza-policy script": [str(VENV_SCRIPT)],
}


def clean_env(**extra) -> dict:
    env = dict(os.environ)
    env.pop("ASANIMZA_POLICY_PATH", None)
    env.pop("PYTHONPATH", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


IN_PROCESS = "in-process"


def cli(*args, stdin: str | bytes | None = None, invoker: str = IN_PROCESS, env=None,
        cwd=ROOT) -> subprocess.CompletedProcess:
    """The command line, as a finished process: by default ``cli.main(argv)`` in this process (fast), with
    stdin, stdout, stderr, the working folder and the policy path swapped in; a real process when
    ``invoker`` names one, or when ``env`` changes more than the policy path (a time zone, a locale)."""
    if (VERSION != "1.0.0" and args[:2] == ("evaluate", POLICY_ID) and "--version" not in args and env is None
            and AS_OF.isoformat() in args):
        args = (*args, "--version", VERSION)        # the answers of the version this module checks
    if invoker == IN_PROCESS and _only_policy_path_differs(env):
        return _cli_in_process(args, stdin, env, cwd)
    text = not isinstance(stdin, bytes)
    return subprocess.run([*INVOKERS.get(invoker, INVOKERS["python -m asanimza_policy"]), *map(str, args)],
                          input=stdin, stdin=subprocess.DEVNULL if stdin is None else None, capture_output=True,
                          text=text, cwd=cwd, env=env or clean_env(), timeout=120)


def _only_policy_path_differs(env) -> bool:
    if env is None:
        return True
    def rest(e):
        return {k: v for k, v in e.items() if k != "ASANIMZA_POLICY_PATH"}
    return rest(env) == rest(clean_env())


def _cli_in_process(args, stdin, env, cwd) -> subprocess.CompletedProcess:
    import io
    import traceback

    from asanimza_policy import cli as command
    from asanimza_policy import registry

    raw = stdin if isinstance(stdin, bytes) else (stdin or "").encode("utf-8")
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr, os.getcwd(), os.environ.get("ASANIMZA_POLICY_PATH")
    wanted = (env or {}).get("ASANIMZA_POLICY_PATH")
    if wanted != saved[4]:
        registry.clear_cache()
    if wanted is None:
        os.environ.pop("ASANIMZA_POLICY_PATH", None)
    else:
        os.environ["ASANIMZA_POLICY_PATH"] = wanted
    sys.stdin, sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"), out, err
    os.chdir(cwd)
    try:
        code = command.main([str(a) for a in args])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except Exception:                      # what a real process would show: a traceback, exit 1
        err.write(traceback.format_exc())
        code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[:3]
        os.chdir(saved[3])
        if saved[4] is None:
            os.environ.pop("ASANIMZA_POLICY_PATH", None)
        else:
            os.environ["ASANIMZA_POLICY_PATH"] = saved[4]
        if wanted != saved[4]:
            registry.clear_cache()
    o, e = out.getvalue(), err.getvalue()
    if isinstance(stdin, bytes):
        return subprocess.CompletedProcess(args, code, o.encode("utf-8"), e.encode("utf-8"))
    return subprocess.CompletedProcess(args, code, o, e)


def run_python(code: str, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=cwd, env=env or clean_env(), timeout=120)


def assert_error(r: subprocess.CompletedProcess, code: int = 2, *mentions: str) -> None:
    """The contract's error shape: exit ``code``, one line on stderr, never a traceback."""
    both = (r.stdout or "") + (r.stderr or "")
    assert "Traceback" not in both, both[-2000:]
    assert r.returncode == code, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"stderr is not one line: {r.stderr!r}"
    for m in mentions:
        assert m in r.stderr, f"{m!r} not in {r.stderr!r}"


def cli_decision(ctx: dict | None, *extra, invoker=IN_PROCESS) -> dict:
    args = ["evaluate", POLICY_ID, "--as-of", AS_OF.isoformat(), *extra]
    stdin = None
    if ctx is not None:
        args += ["--context", "-"]
        stdin = json.dumps(ctx, default=str)
    r = cli(*args, stdin=stdin)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def seed_copy(root: Path, *, version="1.0.0", replacements=(), policy_id=POLICY_ID) -> Path:
    """A copy of the seed policy under ``root/<id>/<version>.yaml`` with its source, text edited."""
    folder = root / policy_id
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "source").exists():
        shutil.copytree(POLICY_DIR / "source", folder / "source")
    text = SEED.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    target = folder / f"{version}.yaml"
    target.write_text(text, encoding="utf-8")
    return target


FINDING = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z][A-Z0-9_]*) \S.*$")


# =============================================================================================
# Names
# =============================================================================================

def test_names_distribution():
    """Names: | distribution | `asanimza-policy` |"""
    dist = importlib.metadata.distribution("asanimza-policy")
    assert dist.metadata["Name"] == "asanimza-policy"


def test_names_import_package():
    """Names: | import package | `asanimza_policy` |"""
    import asanimza_policy

    for name in ("evaluate", "evaluate_many", "InvalidContext", "PolicyNotFound"):
        assert hasattr(asanimza_policy, name), name


def test_names_command_line_entry_point_and_script():
    """Names: | command line | `asanimza-policy` (also `python -m asanimza_policy`) |"""
    eps = importlib.metadata.distribution("asanimza-policy").entry_points
    scripts = [ep for ep in eps if ep.group == "console_scripts" and ep.name == "asanimza-policy"]
    assert scripts and scripts[0].value.startswith("asanimza_policy")
    assert VENV_SCRIPT.is_file(), VENV_SCRIPT


def test_names_both_commands_give_the_same_decision():
    """Names: | command line | `asanimza-policy` (also `python -m asanimza_policy`) |"""
    outs = [cli_decision(SMS_NOT_SENT, invoker=inv) for inv in INVOKERS]
    assert outs[0] == outs[1]
    assert outs[0]["policy"] == POLICY_ID


@pytest.mark.parametrize("invoker", INVOKERS)
def test_a_real_process_exits_0_1_2_without_a_traceback(invoker, tmp_path):
    """Command line: exit codes as a shell sees them, from both commands (the other command-line tests
    call ``main`` in this process)."""
    ok = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", invoker=invoker)
    assert (ok.returncode, ok.stderr, json.loads(ok.stdout)["status"]) == (0, "", "needs_input")
    broken = seed_copy(tmp_path, replacements=[("start: channel\n", "start: nowhere\n")])
    assert_error(cli("evaluate", broken, "--as-of", "2026-11-24", invoker=invoker), 1, "REF_NODE")
    assert_error(cli("evaluate", "no-such-policy", invoker=invoker), 2, "no-such-policy")
    assert_error(cli("evaluate", POLICY_ID, "--as-of", "yesterday", invoker=invoker), 2, "yesterday")


def test_names_seed_policy_id():
    """Names: | the seed policy's id | `asan-imza-renewal` |"""
    d = evaluate(OFFICE_CITIZEN)
    assert d.policy == POLICY_ID and d.to_dict()["policy"] == POLICY_ID


# =============================================================================================
# Context
# =============================================================================================

def test_context_every_field_optional_empty_mapping():
    """Context: "Every field is optional: a field the graph needs and the caller did not give makes the
    decision `needs_input`, never a guess." (the empty context)"""
    d = decide({})
    assert d["status"] == "needs_input" and d["missing"] == ["channel"] and d["outcome"] is None


@pytest.mark.parametrize("ctx", ROUTES, ids=lambda c: "-".join(str(v) for v in c.values())[:60])
def test_context_dropping_a_needed_field_is_needs_input_never_a_guess(ctx):
    """Context: "a field the graph needs and the caller did not give makes the decision `needs_input`,
    never a guess." Removing any one given field yields the same decision (field not read) or
    needs_input asking for that field; never another answer."""
    full = decide(ctx)
    assert full["status"] in ("complete", "not_covered")
    for key in ctx:
        less = {k: v for k, v in ctx.items() if k != key}
        d = decide(less)
        if d == full:
            continue
        if key in OPTIONAL:
            # an optional input is never asked: without it the plan covers not knowing it
            assert key not in d["missing"], (key, d["missing"])
            continue
        assert d["status"] == "needs_input", (key, d["status"], d["outcome"])
        assert key in d["missing"], (key, d["missing"])


def test_context_needs_input_only_asks_for_fields_not_given(all_decisions):
    """Context: "a field the graph needs and the caller did not give makes the decision `needs_input`"
    -- every field in `missing` is one the caller did not give (null counts as not given)."""
    for ctx, d in all_decisions:
        if d["status"] == "needs_input":
            assert d["missing"], ctx
            for f in d["missing"]:
                assert ctx.get(f) is None, (ctx, d["missing"])


def test_context_null_is_the_same_as_absent_everywhere(all_decisions):
    """Context: "`null` (`None`) is the same as not giving the field." (every generated context)"""
    for ctx, d in all_decisions:
        assert decide(strip_none(ctx)) == d, ctx


def test_context_all_fields_null_is_the_empty_context():
    """Context: "`null` (`None`) is the same as not giving the field." """
    assert decide({f: None for f in FIELDS}) == decide({})


def test_context_json_null_on_the_command_line_is_absent():
    """Context: "`null` (`None`) is the same as not giving the field." (CLI, JSON `null`)"""
    assert cli_decision({f: None for f in FIELDS}) == cli_decision({})
    d = cli_decision({"channel": "sms", "certificate_expires_on": None})
    assert d["status"] == "needs_input" and d["missing"] == ["certificate_expires_on"]
    full = dict(SMS_IN_WINDOW_NEW_TYPE, service_type=None)
    d = cli_decision(full)
    assert d["status"] == "needs_input" and d["missing"] == ["service_type"]


@pytest.mark.parametrize("yaml_null", ["~", "null", "", "Null"])
def test_context_yaml_null_on_the_command_line_is_absent(yaml_null):
    """Context: "`null` (`None`) is the same as not giving the field." (CLI, YAML null spellings)"""
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-",
            stdin=f"channel: office\nsubscriber_type: {yaml_null}\n")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["status"] == "needs_input" and d["missing"] == ["subscriber_type"]


@pytest.mark.parametrize("ctx", OFFICE_CONTEXTS, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_context_declared_unread_fields_ignored_on_office_routes(ctx):
    """Context: "A declared field that the route taken does not read is accepted and ignored, so a
    caller may send every column it has." (office route + every SMS column)"""
    sms_columns = {k: v for k, v in ALL_COLUMNS.items()
                   if k in ("certificate_expires_on", "online_renewal_submitted", "service_type",
                            "current_service_type", "balance_covers_tariff", "wrong_type_activated")}
    assert decide(dict(ctx, **sms_columns)) == decide(ctx)


@pytest.mark.parametrize("ctx", SMS_CONTEXTS, ids=lambda c: "-".join(str(v) for v in c.values())[:60])
def test_context_declared_unread_fields_ignored_on_sms_routes(ctx):
    """Context: "A declared field that the route taken does not read is accepted and ignored, so a
    caller may send every column it has." (SMS route + every office column)"""
    office_columns = {"subscriber_type": "legal_entity", "citizenship": "foreign", "appears_in_person": False,
                      "legal_entity_status": "new"}
    assert decide(dict(ctx, **office_columns)) == decide(ctx)


def test_context_every_column_at_once():
    """Context: "so a caller may send every column it has." """
    d = decide(ALL_COLUMNS)
    assert d["status"] == "complete" and d["outcome"] == "office_individual_id_card"


@pytest.mark.parametrize("key", ["expiry_date", "Channel", "certificate_expiry", "phone", "as_of", " channel"])
def test_context_undeclared_key_is_an_error_naming_it(key):
    """Context: "A key the policy does not declare ... is an error that names the field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate(dict(OFFICE_CITIZEN, **{key: "x"}))
    assert key.strip() in str(e.value)


def test_context_as_of_is_not_a_context_field():
    """Context: "The evaluation date `as_of` is an argument, not a context field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate({"channel": "sms", "certificate_expires_on": "2026-12-01", "as_of": "2026-11-24"})
    assert "as_of" in str(e.value)


WRONG_TYPES = (
    [(f, v) for f in ENUMS for v in (True, 1, 1.5, ["office"], {"v": 1}, b"office", date(2026, 1, 1))]
    + [(f, v) for f in BOOLEANS for v in ("true", "yes", 1, 0, 1.0, "", [True], "false")]
    + [(f, v) for f in DATES for v in (20261201, True, 1.5, ["2026-12-01"], {"y": 2026}, b"2026-12-01")]
)


@pytest.mark.parametrize("field,value", WRONG_TYPES, ids=lambda x: repr(x)[:20])
def test_context_wrong_type_is_an_error_naming_the_field(field, value):
    """Context: "... a value of the wrong type ... is an error that names the field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate(dict(ALL_COLUMNS, **{field: value}))
    assert field in str(e.value)


OUTSIDE_ENUM = [(f, v) for f, vals in ENUMS.items()
                for v in ("nope", vals[0].upper(), vals[0].title(), vals[0] + " ", " " + vals[0])]
OUTSIDE_ENUM += [("service_type", "ferdi"), ("current_service_type", "civil"), ("subscriber_type", "company")]


@pytest.mark.parametrize("field,value", OUTSIDE_ENUM)
def test_context_value_outside_enum_is_an_error_naming_the_field(field, value):
    """Context: "... a value ... outside its enum ... is an error that names the field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate(dict(ALL_COLUMNS, **{field: value}))
    assert field in str(e.value)


@pytest.mark.parametrize("field", list(ENUMS) + list(DATES))
def test_context_empty_string_is_an_error_for_enum_and_date(field):
    """Context: "... an empty string ... is an error that names the field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate(dict(ALL_COLUMNS, **{field: ""}))
    assert field in str(e.value)


@pytest.mark.parametrize("value", ["2026-02-30", "2027-02-29", "2026-13-01", "2026-11-31", "2026-00-10",
                                   "2026-01-00", "0000-01-01", "2026-04-31"])
def test_context_impossible_date_is_an_error_naming_the_field(value):
    """Context: "... an impossible date is an error that names the field." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate({"channel": "sms", "certificate_expires_on": value})
    assert "certificate_expires_on" in str(e.value)


def test_context_bad_value_in_unread_field_is_still_an_error():
    """Context: "A key the policy does not declare, a value of the wrong type, outside its enum, an empty
    string or an impossible date is an error that names the field." (also in a field the route does not
    read: "accepted and ignored" is for valid values)"""
    for field, bad in (("certificate_expires_on", "2026-02-30"), ("service_type", "premium"),
                       ("balance_covers_tariff", "no")):
        with pytest.raises(ap.InvalidContext) as e:
            evaluate(dict(OFFICE_COMPANY, **{field: bad}))
        assert field in str(e.value)


def test_context_date_as_iso_string_or_date_object():
    """Context: "A date is an ISO `YYYY-MM-DD` string or a `datetime.date`" """
    as_str = decide(SMS_IN_WINDOW_NEW_TYPE)
    as_date = decide(dict(SMS_IN_WINDOW_NEW_TYPE, certificate_expires_on=date(2026, 12, 1)))
    assert as_str == as_date and as_str["status"] == "complete"


def test_context_yaml_unquoted_date_python():
    """Context: "(so YAML's unquoted dates work)" -- yaml.safe_load gives a datetime.date."""
    ctx = yaml.safe_load("channel: sms\ncertificate_expires_on: 2026-12-01\nonline_renewal_submitted: true\n"
                         "service_type: business\ncurrent_service_type: citizen\nbalance_covers_tariff: true\n")
    assert isinstance(ctx["certificate_expires_on"], date)
    assert decide(ctx) == decide(SMS_IN_WINDOW_NEW_TYPE)


def test_context_yaml_unquoted_date_command_line(tmp_path):
    """Context: "(so YAML's unquoted dates work)" -- a YAML context file on the command line."""
    f = tmp_path / "ctx.yaml"
    f.write_text("channel: sms\ncertificate_expires_on: 2026-12-01\nonline_renewal_submitted: true\n"
                 "service_type: business\ncurrent_service_type: citizen\nbalance_covers_tariff: true\n")
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", f)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == decide(SMS_IN_WINDOW_NEW_TYPE)


@pytest.mark.parametrize("value", ["01.12.2026", "2026/12/01", "2026-12-1", "20261201", "2026-12-01T00:00:00",
                                   "2026-12-01 00:00:00", " 2026-12-01", "2026-12-01\n", "2026-12-01Z",
                                   "\uff12\uff10\uff12\uff16-\uff11\uff12-\uff10\uff11", "+2026-12-01",
                                   "2026-W49-2", "2026-335"])
def test_context_non_iso_date_string_is_an_error(value):
    """Context: "A date is an ISO `YYYY-MM-DD` string" -- other spellings are errors naming the field."""
    with pytest.raises(ap.InvalidContext) as e:
        evaluate({"channel": "sms", "certificate_expires_on": value})
    assert "certificate_expires_on" in str(e.value)


@pytest.mark.parametrize("value", [datetime(2026, 12, 1), datetime(2026, 12, 1, 10, 30),
                                   datetime(2026, 12, 1, tzinfo=UTC)])
def test_context_datetime_is_not_a_date(value):
    """Context: "a `datetime` is not a date." """
    with pytest.raises(ap.InvalidContext) as e:
        evaluate({"channel": "sms", "certificate_expires_on": value})
    assert "certificate_expires_on" in str(e.value)


def test_context_yaml_datetime_is_not_a_date_python():
    """Context: "a `datetime` is not a date." (YAML's unquoted timestamp, via yaml.safe_load)"""
    ctx = yaml.safe_load("channel: sms\ncertificate_expires_on: 2026-12-01 10:00:00\n")
    assert isinstance(ctx["certificate_expires_on"], datetime)
    with pytest.raises(ap.InvalidContext) as e:
        evaluate(ctx)
    assert "certificate_expires_on" in str(e.value)


def test_context_datetime_as_of_is_not_a_date():
    """Context: "a `datetime` is not a date." (the `as_of` argument too)"""
    with pytest.raises(ValueError):
        evaluate(OFFICE_CITIZEN, as_of=datetime(2026, 11, 24, 12, 0))


def test_context_yaml_datetime_is_not_a_date_command_line():
    """Context: "a `datetime` is not a date." (CLI)"""
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-",
            stdin="channel: sms\ncertificate_expires_on: 2026-12-01T10:00:00\n")
    assert_error(r, 2, "certificate_expires_on")


@pytest.mark.parametrize("ctx", [None, [], [("channel", "office")], "channel: office", "", 42, 1.5, True,
                                 ("channel", "office"), {"channel"}, b"{}"], ids=repr)
def test_context_not_a_mapping_is_invalid_context(ctx):
    """Context: "A context that is not a mapping (`None`, a list, a string) is `InvalidContext`." """
    with pytest.raises(ap.InvalidContext):
        evaluate(ctx)


def test_context_any_mapping_is_accepted():
    """Context: "A flat mapping (JSON, YAML or a Python dict)." (any Mapping, not only dict)"""
    from collections import OrderedDict
    from types import MappingProxyType

    want = decide(OFFICE_CITIZEN)
    assert decide(OrderedDict(OFFICE_CITIZEN)) == want
    assert decide(MappingProxyType(dict(OFFICE_CITIZEN))) == want


@pytest.mark.parametrize("text", ["[1, 2]", '"channel"', "42", "- channel: office\n", "null\n"])
def test_context_not_a_mapping_on_the_command_line(text):
    """Context: "A context that is not a mapping (`None`, a list, a string) is `InvalidContext`."
    + Command line: "2 on bad input, one line on stderr" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-", stdin=text)
    assert_error(r, 2)


def test_context_field_table_is_what_the_policy_declares():
    """Context: the field table (11 fields with these types and choices)."""
    inputs = POLICY["inputs"]
    assert set(FIELDS) <= set(inputs) and set(inputs) - set(FIELDS) <= OPTIONAL    # additions are optional
    for f, values in ENUMS.items():
        assert inputs[f]["type"] == "enum" and tuple(inputs[f]["values"]) == values, f
    for f in BOOLEANS:
        assert inputs[f]["type"] == "boolean", f
    assert inputs["certificate_expires_on"]["type"] == "date"


@pytest.mark.parametrize("field", FIELDS)
def test_context_every_field_accepts_each_valid_value(field):
    """Context: the field table -- each declared value of each field is accepted."""
    values = ENUMS.get(field) or ((True, False) if field in BOOLEANS else ("2026-12-01", date(2026, 12, 1)))
    for v in values:
        decision = evaluate(dict(ALL_COLUMNS, **{field: v}))
        assert decision.status in {"complete", "needs_input", "not_covered"}
        assert field not in decision.missing


# -- as_of default -----------------------------------------------------------------------------

def _baku_today_bracket(fn):
    before = datetime.now(BAKU).date()
    result = fn()
    after = datetime.now(BAKU).date()
    return before, result, after


def test_as_of_default_is_today_in_baku_python():
    """Context: "Its default is today in the policy's declared time zone (the seed policy: `Asia/Baku`)" """
    before, d, after = _baku_today_bracket(lambda: ap.evaluate(POLICY_ID, {}))
    assert d.as_of in (before, after)
    before, ds, after = _baku_today_bracket(lambda: list(ap.evaluate_many(POLICY_ID, [{}])))
    assert ds[0].as_of in (before, after)


@pytest.mark.parametrize("tz", ["Etc/GMT+12", "Pacific/Kiritimati", "America/Los_Angeles", "UTC"])
def test_as_of_default_is_not_the_machines_date(tz):
    """Context: "Its default is today in the policy's declared time zone (the seed policy: `Asia/Baku`),
    not the machine's" -- with the machine's TZ 26 hours apart, the answer stays Baku's date."""
    env = clean_env(TZ=tz)
    code = "import asanimza_policy as ap; print(ap.evaluate('asan-imza-renewal', {}).as_of.isoformat())"
    before, r, after = _baku_today_bracket(lambda: run_python(code, env=env))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() in (before.isoformat(), after.isoformat())
    before, c, after = _baku_today_bracket(lambda: cli("evaluate", POLICY_ID, "--format", "json", env=env))
    assert c.returncode == 0, c.stderr
    assert json.loads(c.stdout)["as_of"] in (before.isoformat(), after.isoformat())


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_as_of_default_follows_the_policys_declared_time_zone(tz, tmp_path):
    """Context: "Its default is today in the policy's declared time zone ..., not the machine's"
    (a copy of the seed declaring another zone, found through ASANIMZA_POLICY_PATH, docs/usage.md)."""
    seed_copy(tmp_path, replacements=[("timezone: Asia/Baku", f"timezone: {tz}"),
                                      ('effective_from: "2026-01-01"', 'effective_from: "2000-01-01"')])
    env = clean_env(ASANIMZA_POLICY_PATH=tmp_path, TZ="Asia/Baku")
    code = "import asanimza_policy as ap; print(ap.evaluate('asan-imza-renewal', {}).as_of.isoformat())"
    zone = ZoneInfo(tz)
    before = datetime.now(zone).date()
    r = run_python(code, env=env)
    after = datetime.now(zone).date()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() in (before.isoformat(), after.isoformat())


def test_all_versions_of_one_policy_share_its_time_zone(tmp_path):
    """Context: "all versions of one policy share its time zone." -- a second version declaring another
    zone must be refused; `check` of the policy folder is where an author learns it."""
    seed_copy(tmp_path)
    seed_copy(tmp_path, version="1.1.0", replacements=[("version: 1.0.0", "version: 1.1.0"),
                                                       ("timezone: Asia/Baku", "timezone: America/New_York"),
                                                       ('effective_from: "2026-01-01"',
                                                        'effective_from: "2027-01-01"')])
    r = cli("check", tmp_path / POLICY_ID)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout
    assert any(FINDING.match(line) for line in r.stdout.splitlines())


def test_shipped_seed_version_is_in_effect_today():
    """Context: "The shipped version of the seed policy is in effect today." """
    shipped = sorted((p.stem for p in POLICY_DIR.glob("*.yaml")), key=lambda v: tuple(map(int, v.split("."))))
    d = ap.evaluate(POLICY_ID, OFFICE_CITIZEN)          # as_of=None, version=None
    assert d.version == shipped[-1]
    assert d.status == "complete"
    r = cli("evaluate", POLICY_ID, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["version"] == shipped[-1]


# =============================================================================================
# Python API
# =============================================================================================

@pytest.mark.parametrize("fn", ["evaluate", "evaluate_many"])
def test_api_signatures(fn):
    """Python API: "`evaluate(policy_id, context, *, as_of=None, version=None)`" and
    "`evaluate_many(policy_id, contexts, *, as_of=None, version=None)`" """
    params = inspect.signature(getattr(ap, fn)).parameters
    names = list(params)
    assert names[:2] == ["policy_id", "context" if fn == "evaluate" else "contexts"]
    for p in names[:2]:
        assert params[p].kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for kw in ("as_of", "version"):
        assert params[kw].kind is inspect.Parameter.KEYWORD_ONLY and params[kw].default is None
    with pytest.raises(TypeError):
        getattr(ap, fn)(POLICY_ID, {} if fn == "evaluate" else [{}], AS_OF)


def test_api_example_from_the_contract():
    """Python API: the example -- `decision.status` is "complete" | "needs_input" | "not_covered";
    `decision.to_dict()` is the JSON document."""
    decision = ap.evaluate("asan-imza-renewal", {"channel": "sms", **SMS_IN_WINDOW_NEW_TYPE},
                           as_of=date(2026, 11, 24))
    assert decision.status == "complete"
    doc = decision.to_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["status"] == decision.status


def test_api_version_none_not_in_effect_raises_policy_not_found_naming_policy_and_date():
    """Python API: "`version=None` takes the version in effect on `as_of`; when none is in effect on that
    day it raises `PolicyNotFound` naming the policy and the date." """
    with pytest.raises(ap.PolicyNotFound) as e:
        ap.evaluate(POLICY_ID, {}, as_of=date(2025, 12, 31))
    assert POLICY_ID in str(e.value) and "2025-12-31" in str(e.value)
    # the first day of effect works
    assert ap.evaluate(POLICY_ID, {}, as_of=date(2026, 1, 1)).version == "1.0.0"


@pytest.fixture
def two_versions(tmp_path):
    """The seed as 1.0.0 (2026-01-01..2026-12-31) and 1.1.0 (from 2027-02-01), a gap in January 2027."""
    seed_copy(tmp_path, replacements=[('effective_from: "2026-01-01"',
                                       'effective_from: "2026-01-01"\neffective_until: "2026-12-31"')])
    seed_copy(tmp_path, version="1.1.0", replacements=[("version: 1.0.0", "version: 1.1.0"),
                                                       ('effective_from: "2026-01-01"',
                                                        'effective_from: "2027-02-01"')])
    return clean_env(ASANIMZA_POLICY_PATH=tmp_path)


def test_api_version_none_takes_the_version_in_effect_on_as_of(two_versions):
    """Python API: "`version=None` takes the version in effect on `as_of`; when none is in effect on that
    day it raises `PolicyNotFound` naming the policy and the date." (two versions, with a gap)"""
    code = """
        import json
        from datetime import date
        import asanimza_policy as ap
        out = {}
        for day in ("2026-11-24", "2026-12-31", "2027-02-01", "2027-03-01", "2027-01-15"):
            try:
                out[day] = ap.evaluate("asan-imza-renewal", {}, as_of=date.fromisoformat(day)).version
            except ap.PolicyNotFound as e:
                out[day] = "PolicyNotFound: " + str(e)
        out["many"] = [d.version for d in ap.evaluate_many("asan-imza-renewal", [{}], as_of=date(2027, 3, 1))]
        out["pinned"] = ap.evaluate("asan-imza-renewal", {}, as_of=date(2026, 11, 24), version="1.0.0").version
        print(json.dumps(out))
    """
    r = run_python(code, env=two_versions)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["2026-11-24"] == "1.0.0" and out["2026-12-31"] == "1.0.0"
    assert out["2027-02-01"] == "1.1.0" and out["2027-03-01"] == "1.1.0"
    assert out["many"] == ["1.1.0"] and out["pinned"] == "1.0.0"
    gap = out["2027-01-15"]
    assert gap.startswith("PolicyNotFound: ") and POLICY_ID in gap and "2027-01-15" in gap


def test_cli_version_in_effect_and_gap(two_versions):
    """Python API: "`version=None` takes the version in effect on `as_of`" + Every command: "no version in
    effect on the date ... exits 2 with one line on stderr that says what is wrong" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2027-03-01", env=two_versions)
    assert r.returncode == 0 and json.loads(r.stdout)["version"] == "1.1.0"
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", env=two_versions)
    assert r.returncode == 0 and json.loads(r.stdout)["version"] == "1.0.0"
    assert_error(cli("evaluate", POLICY_ID, "--as-of", "2027-01-15", env=two_versions), 2, POLICY_ID, "2027-01-15")


def test_api_explicit_version():
    """Python API: "`evaluate(policy_id, context, *, as_of=None, version=None)`" (an explicit version)"""
    assert evaluate(OFFICE_CITIZEN, version="1.0.0").version == "1.0.0"


@pytest.mark.parametrize("version", ["9.9.9", "1.0", "", "v1.0.0", "1.0.0 "])
def test_api_unknown_version_raises_policy_not_found(version):
    """Python API: "an unknown policy or version raises `asanimza_policy.PolicyNotFound` (a `LookupError`)" """
    with pytest.raises(ap.PolicyNotFound):
        evaluate(OFFICE_CITIZEN, version=version)
    with pytest.raises(LookupError):
        evaluate(OFFICE_CITIZEN, version=version)


@pytest.mark.parametrize("pid", ["nope", "ASAN-IMZA-RENEWAL", "", "../policies/asan-imza-renewal",
                                 "asan-imza-renewal/1.0.0", "asan_imza_renewal"])
def test_api_unknown_policy_raises_policy_not_found(pid):
    """Python API: "an unknown policy or version raises `asanimza_policy.PolicyNotFound` (a `LookupError`)" """
    with pytest.raises(ap.PolicyNotFound):
        ap.evaluate(pid, {}, as_of=AS_OF)


def test_api_exception_classes():
    """Python API: "Bad input raises `asanimza_policy.InvalidContext` (a `ValueError`) ...; an unknown policy
    or version raises `asanimza_policy.PolicyNotFound` (a `LookupError`)." """
    assert issubclass(ap.InvalidContext, ValueError)
    assert issubclass(ap.PolicyNotFound, LookupError)
    with pytest.raises(ValueError):
        evaluate({"channel": "post"})


def test_api_evaluate_many_iterator_in_order():
    """Python API: "`evaluate_many(...)`: an iterator of decisions, one per context, in order, for batch work" """
    contexts = ROUTES + [{}]
    it = ap.evaluate_many(POLICY_ID, contexts, as_of=AS_OF, version=VERSION)
    assert iter(it) is it and hasattr(it, "__next__")
    got = [d.to_dict() for d in it]
    assert got == [decide(c) for c in contexts]


def test_api_evaluate_many_accepts_a_generator_and_empty():
    """Python API: "an iterator of decisions, one per context, in order, for batch work" """
    got = [d.outcome for d in ap.evaluate_many(POLICY_ID, (c for c in ROUTES), as_of=AS_OF, version=VERSION)]
    assert got == [decide(c)["outcome"] for c in ROUTES]
    assert list(ap.evaluate_many(POLICY_ID, [], as_of=AS_OF)) == []


@pytest.mark.parametrize("pid,version", [("nope", None), (POLICY_ID, "9.9.9")])
def test_api_evaluate_many_unknown_policy_or_version_raises_at_the_call(pid, version):
    """Python API: "an unknown policy or version raises `PolicyNotFound` at the call" """
    consumed = []

    def contexts():
        consumed.append(1)
        yield {}

    with pytest.raises(ap.PolicyNotFound):
        ap.evaluate_many(pid, contexts(), as_of=AS_OF, version=version)   # no iteration
    assert consumed == []


def test_api_evaluate_many_not_in_effect_raises_policy_not_found():
    """Python API: "when none is in effect on that day it raises `PolicyNotFound` naming the policy and the
    date" (evaluate_many shares the resolution)"""
    with pytest.raises(ap.PolicyNotFound) as e:
        list(ap.evaluate_many(POLICY_ID, [{}], as_of=date(2025, 6, 1)))
    assert POLICY_ID in str(e.value) and "2025-06-01" in str(e.value)


@pytest.mark.parametrize("bad,field", [({"channel": "post"}, "channel"), (None, None), ([], None),
                                       ({"nope": 1}, "nope"),
                                       ({"channel": "sms", "certificate_expires_on": "2026-02-30"},
                                        "certificate_expires_on")])
def test_api_evaluate_many_bad_context_raises_when_its_turn_comes_with_index(bad, field):
    """Python API: "a bad context raises `InvalidContext` when its turn comes, with its index in the message." """
    it = ap.evaluate_many(POLICY_ID, [OFFICE_CITIZEN, SMS_MISSED, bad, OFFICE_POA], as_of=AS_OF)
    assert next(it).outcome == "office_individual_id_card"
    assert next(it).outcome == "sms_missed_online_window"
    with pytest.raises(ap.InvalidContext) as e:
        next(it)
    assert re.search(r"(?<!\d)2(?!\d)", str(e.value)), str(e.value)
    if field:
        assert field in str(e.value)


# =============================================================================================
# Decision document
# =============================================================================================

def test_decision_has_every_key_of_the_document(all_decisions):
    """Decision: the JSON document -- policy, version, as_of, status, outcome, missing, steps, documents,
    trace, citations, assumptions; JSON-serialisable."""
    for ctx, d in all_decisions:
        for k in DECISION_KEYS:
            assert k in d, (k, ctx)
        assert d["policy"] == POLICY_ID and d["version"] == VERSION and d["as_of"] == "2026-11-24"
        assert isinstance(d["missing"], list) and isinstance(d["steps"], list)
        assert isinstance(d["documents"], list) and isinstance(d["trace"], list)
        assert isinstance(d["citations"], list) and isinstance(d["assumptions"], list)
        assert json.loads(json.dumps(d)) == d


def test_decision_status_values(all_decisions):
    """Decision: "`status`: `complete` when an outcome was reached; `needs_input` when the walk stopped at a node
    that needs a field the context lacks; `not_covered` when the source text has no rule for this case" """
    seen = {d["status"] for _, d in all_decisions}
    assert seen == {"complete", "needs_input", "not_covered"}
    outcomes = {n for n, node in POLICY["nodes"].items() if node["kind"] == "outcome"}
    for ctx, d in all_decisions:
        if d["status"] in ("complete", "not_covered"):
            assert d["outcome"] in outcomes, ctx
            assert POLICY["nodes"][d["outcome"]]["status"] == d["status"]


@pytest.mark.parametrize("ctx,outcome", [(OFFICE_NEW_COMPANY, "office_new_company"),
                                         (SMS_TOO_EARLY, "sms_application_before_window")])
def test_decision_not_covered_invents_nothing(ctx, outcome):
    """Decision: "`not_covered` when the source text has no rule for this case (the policy says so explicitly;
    nothing is invented)." + "`outcome`: the id of the outcome node reached (with `complete` and
    `not_covered`)" + "`missing`: ... empty otherwise." """
    d = decide(ctx)
    assert d["status"] == "not_covered" and d["outcome"] == outcome
    assert d["missing"] == [] and d["steps"] == [] and d["documents"] == []


def test_decision_outcome_is_the_outcome_node_reached(all_decisions):
    """Decision: "`outcome`: the id of the outcome node reached (with `complete` and `not_covered`); `null` with
    `needs_input`." """
    for ctx, d in all_decisions:
        if d["status"] == "needs_input":
            assert d["outcome"] is None, ctx
        else:
            assert d["outcome"] == d["trace"][-1], ctx


def test_decision_missing_empty_unless_needs_input(all_decisions):
    """Decision: "`missing`: with `needs_input`, the fields needed at the node where the walk stopped, the one
    to ask next first; empty otherwise." """
    for ctx, d in all_decisions:
        if d["status"] == "needs_input":
            assert d["missing"] and len(set(d["missing"])) == len(d["missing"]), ctx
            assert set(d["missing"]) <= set(FIELDS)
        else:
            assert d["missing"] == [], ctx


@pytest.mark.parametrize("target", ROUTES, ids=lambda c: "-".join(str(v) for v in c.values())[:60])
def test_decision_missing_first_is_the_one_to_ask_next(target):
    """Decision: "`missing`: with `needs_input`, the fields needed at the node where the walk stopped, the one to
    ask next first" -- answering missing[0] each time reaches the same decision as the full context."""
    ctx: dict = {k: v for k, v in target.items() if k in OPTIONAL}     # never asked: given up front
    for _ in range(len(FIELDS) + 1):
        d = decide(ctx)
        if d["status"] != "needs_input":
            break
        nxt = d["missing"][0]
        assert nxt in target, (nxt, d["trace"])
        assert nxt not in ctx
        ctx[nxt] = target[nxt]
    assert d == decide(target)


def test_decision_missing_names_only_the_contracts_fields(all_decisions):
    """Context: the field table -- a version may add inputs, but only optional ones: `missing` only ever
    names the contract's eleven fields."""
    for ctx, d in all_decisions:
        assert set(d["missing"]) <= set(FIELDS), (ctx, d["missing"])


def test_decision_missing_at_the_node_where_the_walk_stopped():
    """Decision: "`needs_input` when the walk stopped at a node that needs a field the context lacks" """
    cases = [
        ({"channel": "office"}, "office_subscriber_type", ["subscriber_type"]),
        ({"channel": "sms"}, "sms_expiry", ["certificate_expires_on"]),
        ({"channel": "sms", "certificate_expires_on": "2026-11-01"},
         *({"1.0.0": ("sms_expired_wrong_type", ["wrong_type_activated"])}.get(
             VERSION, ("sms_expired_application_reported", ["online_renewal_submitted"])))),
        ({"channel": "office", "subscriber_type": "legal_entity"}, "office_company_status", ["legal_entity_status"]),
    ]
    for ctx, node, missing in cases:
        d = decide(ctx)
        assert d["status"] == "needs_input" and d["trace"][-1] == node and d["missing"] == missing


def test_decision_steps_actions_and_extra_fields(all_decisions):
    """Decision: "`steps`: ... Each has an `action` from the table below, a human `text`, and every extra field
    of its action, always present: dates are ISO strings or `null`" """
    for ctx, d in all_decisions:
        for s in d["steps"]:
            assert s["action"] in ACTIONS, (s, ctx)
            assert isinstance(s["text"], str) and s["text"].strip()
            for f in ACTIONS[s["action"]]:
                assert f in s, (f, s, ctx)
                if f in DATE_FIELDS:
                    v = s[f]
                    assert v is None or (isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)
                                         and date.fromisoformat(v)), (f, v)


def test_decision_send_sms_fields(all_decisions):
    """Decision: "| `send_sms` | `sms_to`, `sms_text`, `not_before`, `deadline` | SMS to the short number;
    `sms_text` is `ferdi`, `biznes` or `dovlet` |" """
    keyword = {"citizen": "ferdi", "business": "biznes", "governmental": "dovlet"}
    n = 0
    for ctx, d in all_decisions:
        for s in d["steps"]:
            if s["action"] == "send_sms":
                n += 1
                assert s["sms_to"] == "8500"
                assert s["sms_text"] == keyword[strip_none(ctx)["service_type"]]
                assert s["not_before"] is not None
                assert s["deadline"] is None          # "There is no time limit" (a null deadline)
    assert n


def test_decision_contract_example_step():
    """Decision: the example step `{"action": "send_sms", "text": "...", "sms_to": "8500", "sms_text": "biznes",
    "not_before": "2026-12-02", "deadline": null}` """
    d = decide(SMS_IN_WINDOW_NEW_TYPE)
    (sms,) = [s for s in d["steps"] if s["action"] == "send_sms"]
    assert {k: v for k, v in sms.items() if k != "text"} == {
        "action": "send_sms", "sms_to": "8500", "sms_text": "biznes", "not_before": "2026-12-02",
        "deadline": None}


def test_decision_submit_online_application_window():
    """Decision: "| `submit_online_application` | `not_before`, `deadline` |" and "| `wait` | `until` |" """
    d = decide(SMS_NOT_SENT, as_of=date(2026, 6, 1))
    by = {s["action"]: s for s in d["steps"]}
    assert by["submit_online_application"]["not_before"] == "2026-11-02"
    assert by["submit_online_application"]["deadline"] == "2026-12-01"
    assert d["steps"][0] == {"action": "wait", "text": d["steps"][0]["text"], "until": "2026-11-02"}


def _first_date(step):
    for f in ("not_before", "until"):
        if step.get(f):
            return date.fromisoformat(step[f])
    return None


def test_decision_steps_in_the_order_the_subscriber_does_them(all_decisions):
    """Decision: "`steps`: in the order the subscriber does them." -- dated steps never go back in time; the
    application before the SMS, topping up before the SMS, the SMS before the certification center."""
    for ctx, d in all_decisions:
        actions = [s["action"] for s in d["steps"]]
        dates = [x for x in map(_first_date, d["steps"]) if x is not None]
        assert dates == sorted(dates), (ctx, d["steps"])
        if "send_sms" in actions:
            i = actions.index("send_sms")
            for before in ("submit_online_application", "top_up_balance"):
                if before in actions:
                    assert actions.index(before) < i, actions
            if "visit_certification_center" in actions:
                assert actions.index("visit_certification_center") > i, actions


def test_decision_documents_from_the_table(all_decisions):
    """Decision: "`documents`: ids from the table below, what the person at the office must present." """
    for ctx, d in all_decisions:
        assert set(d["documents"]) <= DOCUMENTS, (ctx, d["documents"])
        assert len(set(d["documents"])) == len(d["documents"])


@pytest.mark.parametrize("ctx,docs", [
    (OFFICE_CITIZEN, {"id_card"}),
    (OFFICE_FOREIGN, {"residence_permit", "foreign_passport"}),
    (OFFICE_POA, {"power_of_attorney"}),
    (OFFICE_COMPANY, {"letter_of_request", "power_of_attorney", "trustee_id_card"}),
])
def test_decision_office_documents(ctx, docs):
    """Decision: the document table (`id_card`, `residence_permit`, `foreign_passport`, `power_of_attorney`,
    `trustee_id_card`, `letter_of_request`) and "what the person at the office must present" """
    d = decide(ctx)
    assert d["status"] == "complete" and set(d["documents"]) == docs
    assert [s["action"] for s in d["steps"]] == ["visit_office"]


def test_decision_trace_start_first(all_decisions):
    """Decision: "`trace`: the node ids walked, start first." """
    nodes = set(POLICY["nodes"])
    for ctx, d in all_decisions:
        assert d["trace"] and d["trace"][0] == POLICY["start"], ctx
        assert set(d["trace"]) <= nodes and len(set(d["trace"])) == len(d["trace"])
        # each step of the walk follows a branch of the node before it
        for a, b in itertools.pairwise(d["trace"]):
            node = POLICY["nodes"][a]
            assert b in [br["goto"] for br in node.get("branches", [])] + [node.get("otherwise")], (a, b)


def _is_whole_sentence(cite: str) -> bool:
    for line in SOURCE_TEXT.splitlines():
        start = 0
        while (i := line.find(cite, start)) >= 0:
            before, after = line[:i].rstrip(), line[i + len(cite):].strip()
            if (not before or before.endswith((".", ":", "!", "?", "\u2022"))) and (
                    not after or cite.endswith((".", ":", "!", "?"))):
                return True
            start = i + 1
    return False


def test_decision_citations_verbatim_whole_sentences_each_once(all_decisions):
    """Decision: "`citations`: the verbatim sentences of the source that justify this decision, each once" """
    for ctx, d in all_decisions:
        cites = d["citations"]
        assert len(set(cites)) == len(cites), ctx
        for c in cites:
            assert c in SOURCE_TEXT, c                 # verbatim, byte for byte
            assert _is_whole_sentence(c), c


# SHA-256 of the contract's own copy of source/azercell-asan-imza-extension.txt (beside CONTRACT.md)
CONTRACT_SOURCE_SHA256 = "3f4cb76b5967eae0ab9f738eda948baada23be008689bfa0dd67dee248f5c06c"


def test_decision_citations_come_from_the_contracts_source_text():
    """Contract: "The source text of the first policy is `source/azercell-asan-imza-extension.txt` beside this file
    (the operator's public help page, verbatim)." -- the policy cites that very text, byte for byte."""
    import hashlib
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == CONTRACT_SOURCE_SHA256


def test_decision_citations_of_nodes_walked_and_outcome(all_decisions):
    """Decision: "`citations`: ... the sentences of the nodes walked and of the outcome reached." """
    for ctx, d in all_decisions:
        for node in d["trace"]:
            for c in POLICY["nodes"][node].get("cites", []):
                assert c in d["citations"], (node, c)
        assert d["citations"], ctx


def test_decision_assumptions_each_once_of_nodes_walked(all_decisions):
    """Decision: "`assumptions`: the policy's named assumptions that this decision rests on (those attached to
    the nodes walked and the outcome), each once" """
    declared = POLICY["assumptions"]
    for ctx, d in all_decisions:
        ids = [a["id"] for a in d["assumptions"]]
        assert len(set(ids)) == len(ids), ctx
        for a in d["assumptions"]:
            assert set(a) >= {"id", "text"}
            assert a["id"] in declared
            assert normalize(a["text"]) == normalize(declared[a["id"]]["text"])
        for node in d["trace"]:
            for a in POLICY["nodes"][node].get("assumes", []):
                assert a in ids, (node, a)


def test_decision_every_outcome_is_reachable_by_generated_contexts(all_decisions):
    """Decision: the checks above ran over every outcome of the seed policy."""
    outcomes = {n for n, node in POLICY["nodes"].items() if node["kind"] == "outcome"}
    assert {d["outcome"] for _, d in all_decisions if d["outcome"]} == outcomes


# =============================================================================================
# Command line: evaluate
# =============================================================================================

def test_cli_evaluate_prints_the_decision():
    """Command line: "`evaluate POLICY [--context FILE] ...` | prints the decision | 0" (every status)"""
    for ctx in ROUTES + [{"channel": "office"}]:
        assert cli_decision(ctx) == decide(ctx)


def test_cli_evaluate_context_file_json_and_yaml(tmp_path):
    """Command line: "`FILE` may be `-` for stdin, YAML or JSON" """
    j = tmp_path / "ctx.json"
    j.write_text(json.dumps(SMS_IN_WINDOW_NEW_TYPE, indent=2))
    y = tmp_path / "ctx.yaml"
    y.write_text(yaml.safe_dump(SMS_IN_WINDOW_NEW_TYPE))
    want = decide(SMS_IN_WINDOW_NEW_TYPE)
    for f in (j, y):
        r = cli("evaluate", POLICY_ID, "--context", f, "--as-of", "2026-11-24")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == want
    for text in (json.dumps(SMS_IN_WINDOW_NEW_TYPE), yaml.safe_dump(SMS_IN_WINDOW_NEW_TYPE)):
        r = cli("evaluate", POLICY_ID, "--context", "-", "--as-of", "2026-11-24", stdin=text)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == want


def test_cli_evaluate_json_with_tab_indentation(tmp_path):
    """Command line: "`FILE` may be `-` for stdin, YAML or JSON" (JSON indented with tabs is still JSON)"""
    f = tmp_path / "ctx.json"
    f.write_text(json.dumps(OFFICE_CITIZEN, indent="\t"))
    r = cli("evaluate", POLICY_ID, "--context", f, "--as-of", "2026-11-24")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == decide(OFFICE_CITIZEN)


def test_cli_evaluate_json_surrogate_pair_names_the_field():
    """Command line: "`FILE` may be `-` for stdin, YAML or JSON" + "2 on bad input, one line on stderr naming the
    field" -- valid JSON (RFC 8259 escape of an emoji) with a bad enum value."""
    r = cli("evaluate", POLICY_ID, "--context", "-", "--as-of", "2026-11-24",
            stdin='{"channel": "\\ud83d\\ude00"}')
    assert_error(r, 2, "channel")


def test_cli_evaluate_no_context_is_an_empty_context():
    """Command line: "no `--context` is an empty context" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == decide({})


def test_cli_evaluate_version_option():
    """Command line: "`[--version V]`" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--version", "1.0.0")
    assert r.returncode == 0 and json.loads(r.stdout)["version"] == "1.0.0"


def test_cli_evaluate_format_json_when_not_a_terminal():
    """Command line: "the format defaults to `text` on a terminal and `json` otherwise" (piped: json)"""
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24")
    assert json.loads(r.stdout)["status"] == "needs_input"


def test_cli_evaluate_format_explicit():
    """Command line: "`[--format json|text]`" """
    t = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--format", "text")
    assert t.returncode == 0 and t.stdout.strip()
    with pytest.raises(ValueError):
        json.loads(t.stdout)
    j = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--format", "json")
    assert json.loads(j.stdout) == decide({})


def _run_on_a_terminal(args) -> tuple[int, str]:
    master, slave = pty.openpty()
    try:
        p = subprocess.run([*INVOKERS["python -m asanimza_policy"], *args], stdout=slave,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT, env=clean_env(),
                           timeout=120)
    finally:
        os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.returncode, out.decode("utf-8", "replace")


def test_cli_evaluate_format_text_on_a_terminal():
    """Command line: "the format defaults to `text` on a terminal and `json` otherwise" (terminal: text)"""
    code, out = _run_on_a_terminal(["evaluate", POLICY_ID, "--as-of", "2026-11-24"])
    assert code == 0 and out.strip()
    with pytest.raises(ValueError):
        json.loads(out)
    code, out = _run_on_a_terminal(["evaluate", POLICY_ID, "--as-of", "2026-11-24", "--format", "json"])
    assert code == 0 and json.loads(out)["status"] == "needs_input"


BAD_CONTEXTS = [
    ({"channel": "post"}, "channel"),
    ({"channel": ""}, "channel"),
    ({"channel": "Office"}, "channel"),
    ({"channel": True}, "channel"),
    ({"channel": "office", "subscriber_type": ""}, "subscriber_type"),
    ({"channel": "office", "subscriber_type": "individual", "appears_in_person": "yes"}, "appears_in_person"),
    ({"channel": "office", "appears_in_person": 1}, "appears_in_person"),
    ({"channel": "sms", "certificate_expires_on": "2026-02-30"}, "certificate_expires_on"),
    ({"channel": "sms", "certificate_expires_on": ""}, "certificate_expires_on"),
    ({"channel": "sms", "certificate_expires_on": "01.12.2026"}, "certificate_expires_on"),
    ({"channel": "sms", "certificate_expires_on": 20261201}, "certificate_expires_on"),
    ({"channel": "office", "expiry_date": "2026-12-01"}, "expiry_date"),
    ({"channel": "office", "as_of": "2026-11-24"}, "as_of"),
    ({"channel": "office", "service_type": "premium"}, "service_type"),
    ({"channel": "office", "service_type": "a\nb"}, "service_type"),
]


@pytest.mark.parametrize("ctx,field", BAD_CONTEXTS, ids=lambda x: json.dumps(x)[:40])
def test_cli_evaluate_bad_context_exit_2_one_line_naming_the_field(ctx, field):
    """Command line: evaluate "| 0; 2 on bad input, one line on stderr naming the field, no traceback |" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-", stdin=json.dumps(ctx))
    assert_error(r, 2, field)


@pytest.mark.parametrize("text", ["{channel: office", "channel: [office\n", "\tchannel: office\n",
                                  "channel: office\nchannel: sms\n", "!!python/object:os.system {}\n"])
def test_cli_evaluate_unreadable_context_exit_2(text):
    """Every command: "a bad context ... exits 2 with one line on stderr that says what is wrong; never a
    traceback." (syntax errors, duplicate keys, tags)"""
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-", stdin=text)
    assert_error(r, 2)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00c", b"channel: \xe9\n"])
def test_cli_evaluate_context_not_utf8_exit_2(raw):
    """Every command: "a bad context ... exits 2 with one line on stderr" """
    r = cli("evaluate", POLICY_ID, "--as-of", "2026-11-24", "--context", "-", stdin=raw)
    assert r.returncode == 2 and b"Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize("value", ["2026-02-30", "2026-11-24T00:00", "", "24.11.2026", "tomorrow", "2026-11-24 "])
def test_cli_bad_as_of_exit_2(value):
    """Every command: "a bad ... date ... exits 2 with one line on stderr that says what is wrong" """
    r = cli("evaluate", POLICY_ID, "--as-of", value)
    assert_error(r, 2, "as-of")


def test_cli_unknown_policy_exit_2():
    """Every command: "an unknown policy ... exits 2 with one line on stderr that says what is wrong" """
    assert_error(cli("evaluate", "no-such-policy", "--as-of", "2026-11-24"), 2, "no-such-policy")


def test_cli_unknown_version_exit_2():
    """Every command: "an unknown ... version ... exits 2 with one line on stderr that says what is wrong" """
    assert_error(cli("evaluate", POLICY_ID, "--version", "9.9.9", "--as-of", "2026-11-24"),
                 2, "9.9.9")


def test_cli_no_version_in_effect_exit_2():
    """Every command: "no version in effect on the date ... exits 2 with one line on stderr that says what is
    wrong" """
    assert_error(cli("evaluate", POLICY_ID, "--as-of", "2025-12-31"), 2, POLICY_ID, "2025-12-31")


BAD_ARGS = [
    [],
    ["frobnicate"],
    ["evaluate"],
    ["evaluate", POLICY_ID, "--format", "xml"],
    ["evaluate", POLICY_ID, "--bogus"],
    ["evaluate", POLICY_ID, "--context"],
    ["evaluate", POLICY_ID, "extra-positional"],
    ["check", "--bogus"],
    ["test", "--bogus"],
]


@pytest.mark.parametrize("args", BAD_ARGS, ids=" ".join)
def test_cli_bad_argument_exit_2(args):
    """Every command: "a bad ... argument ... exits 2 with one line on stderr that says what is wrong; never a
    traceback." """
    assert_error(cli(*args), 2)


# -- paths ---------------------------------------------------------------------------------

MISSING = "/nonexistent/definitely/not/here.yaml"


@pytest.mark.parametrize("args", [
    ["evaluate", POLICY_ID, "--context", MISSING],
    ["evaluate", POLICY_ID, "--context", "no-such-context.json"],
    ["check", MISSING],
    ["check", str(SEED), MISSING],
    ["test", MISSING],
    ["test", str(POLICY_DIR / "tests" / "office.yaml"), MISSING],
    ["evaluate", "./no/such/policy.yaml"],
], ids=" ".join)
def test_cli_path_that_does_not_exist_exit_2(args):
    """Every command: "a path that does not exist ... exits 2 with one line on stderr that says what is wrong;
    never a traceback." """
    r = cli(*args)
    assert_error(r, 2)
    assert Path(args[-1]).name in r.stderr


def test_cli_dangling_symlink_and_loop_exit_2(tmp_path):
    """Every command: "a path that does not exist or cannot be opened exits 2 ..." (dangling symlink, loop)"""
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "gone.yaml")
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(loop)
    for p in (dangling, loop):
        for args in (["check", p], ["test", p], ["evaluate", POLICY_ID, "--context", p]):
            assert_error(cli(*args), 2)


def test_cli_context_that_is_a_folder_exit_2(tmp_path):
    """Every command: "a path that ... cannot be opened exits 2 with one line on stderr" (--context FOLDER)"""
    assert_error(cli("evaluate", POLICY_ID, "--context", tmp_path), 2)


def test_cli_check_folder_holding_an_unopenable_version_file(tmp_path):
    """Every command: "a path that ... cannot be opened exits 2 with one line on stderr": the path named here
    opens; what a walk below it meets that cannot be read is a finding of check (issue 14), exit 1 with its
    position, like "a file that is read but is not a valid policy"."""
    (tmp_path / POLICY_ID / "1.0.0.yaml").mkdir(parents=True)
    r = cli("check", tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stdout.endswith("1.0.0.yaml:1:1: FILE is a folder, not a regular file; a policy is a YAML file\n")


def test_cli_test_folder_holding_an_unopenable_scenario_file(tmp_path):
    """Every command: "a path that does not exist or cannot be opened exits 2 with one line on stderr that says
    what is wrong; never a traceback." (test: a folder named like a scenario file)"""
    (tmp_path / "tests" / "office.yaml").mkdir(parents=True)
    r = cli("test", tmp_path / "tests")
    assert "Traceback" not in r.stderr
    assert_error(r, 2)


LONG = "x" * 5000


@pytest.mark.parametrize("args", [["check", LONG], ["evaluate", POLICY_ID, "--context", LONG]], ids=lambda a: a[0])
def test_cli_path_too_long_exit_2(args):
    """Every command: "a path that does not exist or cannot be opened exits 2 ...; never a traceback." (ENAMETOOLONG)"""
    assert_error(cli(*args), 2)


def test_cli_test_path_too_long_exit_2():
    """Every command: "a path that does not exist or cannot be opened exits 2 with one line on stderr that says
    what is wrong; never a traceback." (test, ENAMETOOLONG)"""
    assert_error(cli("test", LONG), 2)


def test_cli_evaluate_policy_path_too_long_exit_2():
    """Every command: "a path that does not exist or cannot be opened exits 2 ...; never a traceback." (evaluate
    accepts a policy file path as POLICY -- an extension -- and that path cannot be opened)"""
    assert_error(cli("evaluate", LONG + ".yaml"), 2)


# =============================================================================================
# Command line: check
# =============================================================================================

def test_cli_check_shipped_policies_clean():
    """Command line: "`check [PATH...]` | schema and graph checks of policy files; no PATH: every shipped
    policy | 0 clean" """
    r = cli("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("path", [SEED, POLICY_DIR, ROOT / "policies"])
def test_cli_check_clean_paths(path):
    """Command line: "`check [PATH...]` | schema and graph checks of policy files | 0 clean" (file or folder)"""
    r = cli("check", path)
    assert r.returncode == 0, r.stdout + r.stderr


BROKEN = [
    ("goto: office_new_company", "goto: no_such_node"),          # graph: dangling edge
    ("    status: not_covered\n    title: A new company", "    status: done\n    title: A new company"),  # schema
    ("start: channel", "start: nowhere"),                          # graph: unknown start
    ("documents: [id_card]", "documents: [passport_card]"),       # unknown document id
    ("action: contact_office", "action: phone_office"),            # unknown action
    ("goto: office_individual_id_card", "goto: channel"),          # graph: a cycle
    ("when: citizenship == 'foreign'", "when: citizenship == 'french'"),   # a value outside the enum
    ("when: citizenship == 'foreign'", "when: citizenshipp == 'foreign'"),  # an undeclared field
    ('- "The subscriber should approach Azercell Exclusive offices with his / her ID card."',
     '- "The subscriber should approach Azercell offices with an ID card."'),  # citation not verbatim
]


@pytest.mark.parametrize("old,new", BROKEN, ids=lambda x: x[:30])
def test_cli_check_findings_exit_1_with_positions(old, new, tmp_path):
    """Command line: "`check [PATH...]` | schema and graph checks of policy files | 0 clean; 1 with findings as
    `path:line:col: CODE message`" """
    f = seed_copy(tmp_path, replacements=[(old, new)])
    expected_line = f.read_text().splitlines().index(next(ln for ln in f.read_text().splitlines()
                                                            if new.splitlines()[0] in ln)) + 1
    r = cli("check", f)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert lines
    for ln in lines:
        m = FINDING.match(ln)
        assert m, ln
        assert m["path"] == str(f)
    if "goto: channel" not in new:     # a cycle is reported where the loop starts, not at the edited edge
        assert any(int(FINDING.match(ln)["line"]) == expected_line for ln in lines), (expected_line, lines)


NOT_POLICIES = {
    "garbage.yaml": b"id: [unterminated\n",
    "latin1.yaml": "id: caf\u00e9\n".encode("latin-1"),
    "empty.yaml": b"",
    "list.yaml": b"- 1\n- 2\n",
    "scalar.yaml": b"just text\n",
    "tabs.yaml": b"id:\n\tx: 1\n",
    "dupes.yaml": b"id: a\nid: b\n",
    "scenario.yaml": (POLICY_DIR / "tests" / "office.yaml").read_bytes(),
}


@pytest.mark.parametrize("name", NOT_POLICIES)
def test_cli_check_file_that_is_not_a_policy_is_a_finding(name, tmp_path):
    """Every command: "A file that is read but is not a valid policy ... is a finding of `check` ...: exit 1,
    with its position." """
    f = tmp_path / name
    f.write_bytes(NOT_POLICIES[name])
    r = cli("check", f)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert lines and all(FINDING.match(ln) for ln in lines), lines
    assert all(FINDING.match(ln)["path"] == str(f) for ln in lines)


def _checkout(tmp_path: Path) -> Path:
    """A copy of the repository's code, schema and policies: what `python -m asanimza_policy` run from a
    checkout sees as the shipped policies."""
    co = tmp_path / "checkout"
    co.mkdir()
    shutil.copytree(ROOT / "asanimza_policy", co / "asanimza_policy",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    shutil.copytree(ROOT / "schema", co / "schema")
    shutil.copytree(ROOT / "policies", co / "policies")
    return co


def _in_checkout(co: Path, *args):
    env = clean_env(PYTHONPATH=co)
    where = run_python("import asanimza_policy; print(asanimza_policy.__file__)", env=env, cwd=co)
    assert where.stdout.strip().startswith(str(co)), where.stdout + where.stderr
    return subprocess.run([sys.executable, "-m", "asanimza_policy", *args], capture_output=True, text=True,
                          cwd=co, env=env, timeout=120)


def test_cli_check_no_path_checks_every_shipped_policy(tmp_path):
    """Command line: "`check [PATH...]` | ...; no PATH: every shipped policy" -- a shipped tree with a broken
    second version of the seed and a broken second policy: both are reported."""
    co = _checkout(tmp_path)
    clean = _in_checkout(co, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    seed_copy(co / "policies", version="1.1.0",
              replacements=[("version: 1.0.0", "version: 1.1.0"), ("goto: office_new_company", "goto: nowhere"),
                            ('effective_from: "2026-01-01"', 'effective_from: "2030-01-01"')])
    other = co / "policies" / "other-policy"
    other.mkdir()
    (other / "1.0.0.yaml").write_text("id: other-policy\nversion: 1.0.0\n")
    r = _in_checkout(co, "check")
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    paths = {FINDING.match(ln)["path"] for ln in r.stdout.splitlines() if FINDING.match(ln)}
    assert any(p.endswith(os.path.join(POLICY_ID, "1.1.0.yaml")) for p in paths), paths
    assert any(p.endswith(os.path.join("other-policy", "1.0.0.yaml")) for p in paths), paths


# =============================================================================================
# Command line: test
# =============================================================================================

def _scenario_count(root: Path) -> int:
    return sum(len(yaml.safe_load(f.read_text(encoding="utf-8"))["scenarios"])
               for f in sorted(root.glob("*/tests/*.yaml")))


def test_cli_test_no_path_runs_all_scenario_files():
    """Command line: "`test [PATH...]` | runs the scenario files (`policies/<id>/tests/*.yaml`; no PATH: all) and
    reports node and edge coverage as percentages | 0 all pass" """
    r = cli("test")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    n = _scenario_count(ROOT / "policies")
    assert n > 0
    assert re.search(rf"\b{n} passed\b", r.stdout), (n, r.stdout[-500:])


def test_cli_test_reports_node_and_edge_coverage_as_percentages():
    """Command line: "`test` ... reports node and edge coverage as percentages" """
    r = cli("test", POLICY_DIR / "tests" / "office.yaml")
    assert r.returncode == 0, r.stdout
    assert re.search(r"nodes?\b[^\n]*\d+(\.\d+)?\s?%", r.stdout, re.I), r.stdout
    assert re.search(r"edges?\b[^\n]*\d+(\.\d+)?\s?%", r.stdout, re.I), r.stdout


def test_cli_test_explicit_paths_file_and_folder():
    """Command line: "`test [PATH...]` | runs the scenario files | 0 all pass" (explicit file and folder)"""
    r = cli("test", POLICY_DIR / "tests" / "sms.yaml", POLICY_DIR / "tests")
    assert r.returncode == 0, r.stdout[-2000:]


def _scenario(tmp_path, expect: str, name="s.yaml") -> Path:
    f = tmp_path / name
    f.write_text(textwrap.dedent(f"""\
        policy: asan-imza-renewal
        scenarios:
          - name: a citizen at the office
            as_of: "2026-11-24"
            context: {{channel: office, subscriber_type: individual, appears_in_person: true,
                       citizenship: azerbaijan}}
            expect: {expect}
        """))
    return f


def test_cli_test_pass_and_fail_exit_codes(tmp_path):
    """Command line: "`test [PATH...]` | ... | 0 all pass; 1 otherwise" """
    good = _scenario(tmp_path, "{status: complete, outcome: office_individual_id_card, documents: [id_card]}",
                     "good.yaml")
    bad = _scenario(tmp_path, "{status: complete, outcome: office_foreign_citizen}", "bad.yaml")
    assert cli("test", good).returncode == 0
    r = cli("test", good, bad)
    assert r.returncode == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("content", [
    b"policy: asan-imza-renewal\nscenarios: [1\n",
    b"\xff\xfepolicy",
    b"- just\n- a list\n",
    b"policy: asan-imza-renewal\nscenarios:\n  - name: x\n    as_of: \"2026-11-24\"\n    expect: {statuz: complete}\n",
    SEED.read_bytes(),
], ids=["syntax", "not-utf8", "list", "unknown-expectation", "a-policy-file"])
def test_cli_test_file_that_is_not_a_scenario_file_fails_with_position(content, tmp_path):
    """Every command: "A file that is read but is not a valid policy (or scenario file) is a finding of `check`
    (or a failure of `test`): exit 1, with its position." """
    f = tmp_path / "scn.yaml"
    f.write_bytes(content)
    r = cli("test", f)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(rf"{re.escape(str(f))}:\d+:\d+:", r.stdout + r.stderr), r.stdout + r.stderr


def test_cli_test_no_path_runs_every_policys_scenario_files(tmp_path):
    """Command line: "`test [PATH...]` | runs the scenario files (`policies/<id>/tests/*.yaml`; no PATH: all)" --
    a failing scenario file added to the shipped tree makes `test` exit 1."""
    co = _checkout(tmp_path)
    ok = _in_checkout(co, "test")
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr
    assert re.search(rf"\b{_scenario_count(co / 'policies')} passed\b", ok.stdout)
    _scenario(co / "policies" / POLICY_ID / "tests", "{status: not_covered}", "zz-added.yaml")
    r = _in_checkout(co, "test")
    assert r.returncode == 1, r.stdout[-2000:]
    assert "zz-added.yaml" in r.stdout


# =============================================================================================
# Output that cannot be written
# =============================================================================================

def _with_closed_stdout(*args) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader has already gone (``cmd | head`` after head exits)."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run([*INVOKERS["python -m asanimza_policy"], *map(str, args)], stdout=w,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=ROOT,
                              env=clean_env(), timeout=120)
    finally:
        os.close(w)


def test_cli_check_findings_exit_1_even_when_stdout_is_gone():
    """Command line: check "| 0 clean; 1 with findings" -- `set -o pipefail; asanimza-policy check | head -1`
    must not report success for a broken policy."""
    r = _with_closed_stdout("check", POLICY_DIR / "tests" / "sms.yaml")     # not a policy: findings
    assert "Traceback" not in r.stderr
    assert r.returncode == 1


def test_cli_test_failure_exit_1_even_when_stdout_is_gone(tmp_path):
    """Command line: test "| 0 all pass; 1 otherwise" -- `set -o pipefail; asanimza-policy test | head -1` must
    not report success when a scenario fails."""
    bad = _scenario(tmp_path, "{status: complete, outcome: office_foreign_citizen}", "bad.yaml")
    r = _with_closed_stdout("test", bad)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["evaluate", POLICY_ID, "--as-of", "2026-11-24"],
                                  ["check", POLICY_DIR / "tests" / "sms.yaml"],
                                  ["test", POLICY_DIR / "tests" / "office.yaml"]], ids=lambda a: a[0])
def test_cli_output_that_cannot_be_written_is_not_a_traceback(args):
    """Every command: "... exits 2 with one line on stderr that says what is wrong; never a traceback." (stdout on a
    full device: the exit code for this case is not in the contract, so only non-zero, one line and no traceback
    are asserted)"""
    with open("/dev/full", "w") as full:
        r = subprocess.run([*INVOKERS["python -m asanimza_policy"], *map(str, args)], stdout=full,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=ROOT, env=clean_env(),
                           timeout=120)
    assert "Traceback" not in r.stderr, r.stderr[-500:]
    assert r.returncode != 0
    assert len(r.stderr.splitlines()) == 1, r.stderr
