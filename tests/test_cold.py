"""The cache of compiled walks (cold.py, cold_write.py): a cold ``evaluate`` answered
from it prints exactly what the ordinary path prints, on every scenario of every
policy and on generated complete contexts; an entry that is missing, stale,
damaged, edited, foreign-owned or writable by others is never used but written
again; and whatever it does not answer, the ordinary path answers."""
from __future__ import annotations

import io
import json
import os
import random
import shutil
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from asanimza_policy import cli, cold, cold_write, loader, provenance, registry
from asanimza_policy.cold_yaml import flat_yaml
from asanimza_policy.loader import load_text
from asanimza_policy.registry import load_policy, resolve_policy
from asanimza_policy.scenarios import load_scenarios

from .conftest import ROOT, run_cli
from .policies import FIXTURE_ROOT, all_policy_files, all_scenario_files, policy_param_ids
from .test_compile import _good_and_bad

SEED = "asan-imza-renewal"
FIXTURE_IDS = sorted(d.name for d in FIXTURE_ROOT.iterdir() if d.is_dir())


@pytest.fixture(scope="module")
def warm_folder(tmp_path_factory):
    """A private cache folder of these tests with an entry for every policy (the
    fixture policies on the policy path), written once."""
    folder = tmp_path_factory.mktemp("cold") / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASANIMZA_POLICY_CACHE", str(folder))
        mp.setenv("ASANIMZA_POLICY_PATH", str(FIXTURE_ROOT))
        registry.clear_cache()
        for pid in [SEED, *FIXTURE_IDS]:
            cold_write.refresh(pid)
        assert len(entries(folder)) == 1 + len(FIXTURE_IDS)
    yield folder
    registry.clear_cache()


@pytest.fixture
def cache(warm_folder, monkeypatch):
    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", str(warm_folder))
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(FIXTURE_ROOT))
    return warm_folder


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*" + cold.SUFFIX))


def answer(*args: str) -> tuple[str | None, cold.Handoff]:
    """What the cached path prints for ``args`` (``None``: it hands over), on the
    kind of stream ``run_cli`` gives the ordinary path."""
    handoff = cold.Handoff()
    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        return cold._answer(list(args), handoff), handoff
    finally:
        sys.stdout = saved


def same_as_ordinary(*args: str) -> bool:
    """Whether the cached path answered; when it did, its bytes are the ordinary path's."""
    got, _ = answer(*args)
    if got is None:
        return False
    want = run_cli(*args)
    assert (want.returncode, want.stderr) == (0, ""), want.stderr
    assert got == want.stdout, f"evaluate {' '.join(args)}"
    return True


def context_file(tmp_path: Path, context: dict, name: str = "ctx.json") -> str:
    f = tmp_path / name
    try:
        f.write_text(json.dumps(context, default=str, ensure_ascii=False), encoding="utf-8")
    except UnicodeEncodeError:      # half a surrogate pair: written as an escape
        f.write_text(json.dumps(context, default=str), encoding="utf-8")
    return str(f)


# -- the same bytes ---------------------------------------------------------------------

def _scenarios():
    for f in all_scenario_files():
        doc, problems = load_scenarios(f)
        if problems:
            continue
        for i, sc in enumerate(doc.data["scenarios"]):
            yield pytest.param(doc.data["policy"], sc, sc.get("version", doc.data.get("version")),
                               id=f"{f.parent.parent.name}/{f.stem}#{i + 1}")


@pytest.mark.parametrize("policy_id,scenario,version", list(_scenarios()))
def test_every_scenario_prints_the_same_bytes(cache, tmp_path, policy_id, scenario, version):
    args = ["evaluate", policy_id, "--context", context_file(tmp_path, scenario.get("context") or {}),
            "--format", "json"]
    if scenario.get("as_of"):
        args += ["--as-of", str(scenario["as_of"])]
    if version is not None:
        args += ["--version", str(version)]
    answered = same_as_ordinary(*args)
    want = run_cli(*args)
    if want.returncode == 0 and json.loads(want.stdout)["status"] != "needs_input":
        assert answered, "a decided scenario is answered from the cache"
    else:
        assert not answered


@pytest.mark.parametrize("path", all_policy_files(), ids=policy_param_ids)
def test_generated_complete_contexts_print_the_same_bytes(cache, tmp_path, path):
    policy = load_policy(path)
    rng = random.Random(f"cold/{policy.id}/{policy.version}")
    answered = 0
    for _ in range(120):
        day = policy.effective_from + timedelta(days=rng.randint(0, 900))
        if policy.effective_until is not None:
            day = min(day, policy.effective_until)
        context = {name: rng.choice(_good_and_bad(inp, rng, day)[0]) for name, inp in policy.inputs.items()}
        f = context_file(tmp_path, context)
        answered += same_as_ordinary("evaluate", policy.id, "--context", f, "--as-of", day.isoformat(),
                                     "--version", policy.version, "--format", "json")
    assert answered > 90


def test_random_policies_print_the_same_bytes(tmp_path, monkeypatch):
    """Policies written at random (tests/policygen.py: every function and operator,
    tables, templates with gaps, caveats, hostile names), each from a root of its own."""
    from .policygen import random_contexts, random_policy
    from .test_compile_random import days

    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", str(tmp_path / "cache"))
    counts = {"policies": 0, "answered": 0, "decided": 0, "fast": 0}
    for i in range(int(os.environ.get("RANDOM_POLICIES", "40")) // 3):
        rng = random.Random(f"cold/{i}")
        text, source, writer = random_policy(rng)
        folder = tmp_path / f"p{i}" / "random-policy"
        (folder / "source").mkdir(parents=True)
        (folder / "source" / "rules.txt").write_text(source, encoding="utf-8")
        (folder / "1.0.0.yaml").write_text(text, encoding="utf-8")
        monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(folder.parent))
        registry.clear_cache()
        try:
            policy = load_policy(folder / "1.0.0.yaml")
        except Exception:       # noqa: BLE001 - a policy the generator got wrong: not this test's
            continue
        cold_write.refresh("random-policy")
        counts["policies"] += 1
        for day in days(rng):
            for context, _ in random_contexts(policy, writer, rng, day, 9):
                try:
                    f = context_file(tmp_path, context)
                except TypeError:       # not JSON
                    continue
                args = ("evaluate", "random-policy", "--context", f, "--as-of", day.isoformat(), "--format", "json")
                answered = same_as_ordinary(*args)
                counts["answered"] += answered
                want = run_cli(*args)
                decided = want.returncode == 0 and json.loads(want.stdout)["status"] != "needs_input"
                counts["decided"] += decided
                counts["fast"] += decided and not _fast_declines(policy, f, day)
    registry.clear_cache()
    print(counts)
    # it may also leave to the ordinary path an explanation that reads a derived value
    # its known inputs do not decide (the general rules for the unknown apply there)
    assert counts["policies"] > 5 and counts["answered"] >= 0.9 * counts["fast"], counts


def _fast_declines(policy, context_path: str, day) -> bool:
    """Whether the compiled fast walk hands this context over, or needs the general
    validation (a text that is not ASCII, say), which the cached walk leaves to the
    ordinary path."""
    from asanimza_policy.compile import build

    context = json.loads(Path(context_path).read_text(encoding="utf-8"))
    module = build(policy).__globals__          # a namespace of its own

    def validate(policy, context):
        raise LookupError("the general validation")
    module["validate"] = validate
    try:
        module["fast"](context, day)
    except Exception:       # noqa: BLE001 - Bail, OutOfRange, or an error the general walk reports
        return True
    return False


def test_a_yaml_context_in_the_plain_form_is_answered_too(cache):
    for f in sorted((ROOT / "examples").glob("*.yaml")):
        answered = same_as_ordinary("evaluate", SEED, "--context", str(f), "--as-of", "2026-11-24")
        assert answered == (f.name != "incomplete.yaml"), f.name


def test_the_version_in_effect_and_today_are_resolved_as_the_registry_does(cache, tmp_path):
    f = context_file(tmp_path, {"channel": "office", "subscriber_type": "individual", "citizenship": "azerbaijan",
                                "appears_in_person": True})
    versions = registry.versions(SEED)
    days = [v.effective_from + timedelta(days=d) for v in versions for d in (-1, 0, 1)]
    for day in days:
        args = ("evaluate", SEED, "--context", f, "--as-of", day.isoformat())
        want = run_cli(*args)
        got, _ = answer(*args)
        assert got == (want.stdout if want.returncode == 0 else None), day
    assert same_as_ordinary("evaluate", SEED, "--context", f)          # today, in the policy's time zone
    _, day = resolve_policy(SEED)
    assert json.loads(answer("evaluate", SEED, "--context", f)[0] or "")["as_of"] == day.isoformat()


# -- what it leaves to the ordinary path ----------------------------------------------

@pytest.mark.parametrize("args", [
    ["evaluate", SEED, "--context", "CTX", "--format", "text"],
    ["evaluate", SEED, "--context", "CTX", "--format=json"],
    ["evaluate", SEED, "--cont", "CTX", "--format", "json"],
    ["evaluate", SEED, "--context", "CTX", "--context", "CTX"],
    ["evaluate", SEED, SEED, "--context", "CTX"],
    ["evaluate", SEED, "--context", "CTX", "--as-of", "2026-02-30"],
    ["evaluate", SEED, "--context", "CTX", "--as-of", "24.11.2026"],
    ["evaluate", SEED, "--context", "CTX", "--version", "9.9.9"],
    ["evaluate", SEED, "--context", "CTX", "--version", "a96b6381fc07"],
    ["evaluate", "no-such-policy", "--context", "CTX"],
    ["evaluate", str(ROOT / "policies" / SEED / "1.0.0.yaml"), "--context", "CTX"],
    ["evaluate", SEED, "--context", "./CTX"],
    ["evaluate", SEED, "--context", "missing.json"],
    ["evaluate", SEED],
    ["check"],
])
def test_what_it_does_not_answer_it_hands_over(cache, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    context_file(tmp_path, {"channel": "office", "subscriber_type": "legal_entity", "legal_entity_status": "new"},
                 "CTX")
    got, handoff = answer(*args)
    assert got is None
    assert handoff.refresh == ("no-such-policy" in args)      # no entry for it: the ordinary path says why


@pytest.mark.parametrize("context", [
    '{"channel": "fax"}', '{"channel": "office", "channel": "sms"}', '{"chanel": "office"}', "[1]",
    '{"channel": "office", "subscriber_type": "individual", "appears_in_person": 1}', "{", "channel: [office]",
    '{"certificate_expires_on": "2026-12-01\\n", "channel": "sms"}', "", "# nothing\n", "\ufeffchannel: office\n",
])
def test_bad_input_gets_the_contracts_error_from_the_installed_command(cache, tmp_path, context):
    """The real command, cache warm: the same stdout, stderr and exit code as ``cli.main``."""
    f = tmp_path / "ctx.yaml"
    f.write_bytes(context.encode("utf-8"))
    for ctx_args in (["--context", str(f)], ["--context", "-"]):
        args = ["evaluate", SEED, *ctx_args, "--as-of", "2026-11-24", "--format", "json"]
        stdin = f.read_bytes()
        got = subprocess.run([sys.executable, "-m", "asanimza_policy", *args], input=stdin, capture_output=True,
                             timeout=60, env=os.environ)
        want = subprocess.run([sys.executable, "-c", "import sys; from asanimza_policy.cli import main; "
                               "sys.exit(main(sys.argv[1:]))", *args], input=stdin, capture_output=True,
                              timeout=60, env=os.environ)
        assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
        assert got.returncode in (0, 2) and len(got.stderr.splitlines()) <= 1


def test_a_piped_context_is_read_once_whoever_answers(cache):
    ctx = b'{"channel": "office"}'          # needs input: the ordinary path answers, from the bytes read
    r = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", SEED, "--context", "-",
                        "--as-of", "2026-11-24", "--format", "json"], input=ctx, capture_output=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["missing"] == ["subscriber_type"]


def test_a_cold_answer_imports_neither_yaml_nor_the_model(cache, tmp_path):
    f = context_file(tmp_path, {"channel": "office", "subscriber_type": "individual", "citizenship": "foreign",
                                "appears_in_person": True})
    code = ("import sys; from asanimza_policy.cold import main; main(sys.argv[1:]); print(sorted(m for m in "
            "sys.modules if m in ('yaml', 'typing', 'dataclasses', 'argparse', 'inspect') or m.startswith("
            "('asanimza_policy.model', 'asanimza_policy.cli', 'asanimza_policy.registry'))), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, "evaluate", SEED, "--context", f, "--as-of", "2026-11-24",
                        "--format", "json"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "[]", r.stderr
    assert json.loads(r.stdout)["outcome"]


# -- entries that are never used ----------------------------------------------------------

def run_cold(*args: str) -> subprocess.CompletedProcess:
    """``cold.main`` in this process, as ``run_cli`` runs ``cli.main``."""
    out, err = io.StringIO(), io.StringIO()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = cold.main(list(args))
    finally:
        sys.stdout, sys.stderr = streams
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture
def copied(tmp_path, monkeypatch):
    """The seed policy copied to a root of its own, first on the policy path, with a warm entry."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "policies" / SEED, root / SEED)
    folder = tmp_path / "cache"
    monkeypatch.setenv("ASANIMZA_POLICY_CACHE", str(folder))
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", str(root))
    registry.clear_cache()
    cold_write.refresh(SEED)
    ctx = context_file(tmp_path, {"channel": "office", "subscriber_type": "individual", "citizenship": "azerbaijan",
                                  "appears_in_person": True})
    args = ("evaluate", SEED, "--context", ctx, "--as-of", "2026-11-24", "--format", "json")
    assert answer(*args)[0] is not None
    yield root / SEED, folder, args
    registry.clear_cache()


def assert_rebuilt(folder: Path, args: tuple) -> str:
    """The entry is not used, the ordinary path answers and writes it again, and the next run uses it."""
    got, handoff = answer(*args)
    assert got is None and handoff.refresh
    r = run_cold(*args)
    assert r.returncode == 0, r.stderr
    registry.clear_cache()
    again, _ = answer(*args)
    assert again == r.stdout
    [entry] = entries(folder)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    return again


def test_a_missing_entry_is_written_by_the_first_evaluate(copied):
    _, folder, args = copied
    for e in entries(folder):
        e.unlink()
    assert_rebuilt(folder, args)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "edit"])
def test_a_damaged_or_edited_entry_is_not_used(copied, damage):
    _, folder, args = copied
    [entry] = entries(folder)
    data = entry.read_bytes()
    data = {"truncate": data[: len(data) // 2], "garbage": b"\x00" * 100, "empty": b"",
            "edit": data.replace(b"Extend at an office", b"Extend at a garage ")}[damage]
    entry.write_bytes(data)
    assert "garage" not in assert_rebuilt(folder, args)


def test_an_entry_others_may_write_is_not_used(copied):
    _, folder, args = copied
    [entry] = entries(folder)
    os.chmod(entry, 0o666)
    assert_rebuilt(folder, args)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away needs root")
def test_an_entry_owned_by_someone_else_is_not_used(copied):
    _, folder, args = copied
    [entry] = entries(folder)
    os.chown(entry, 65534, 65534)
    assert_rebuilt(folder, args)
    assert entries(folder)[0].stat().st_uid == os.getuid()


@pytest.mark.parametrize("change", ["policy", "source", "another file", "package"])
def test_a_stale_entry_is_not_used(copied, monkeypatch, change):
    policy_dir, folder, args = copied
    if change == "policy":
        f = policy_dir / "1.0.0.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("Extend at an office", "Extend at the office"),
                     encoding="utf-8")
    elif change == "source":
        [src] = sorted((policy_dir / "source").glob("*.txt"))
        src.write_bytes(src.read_bytes() + b"\n")
    elif change == "another file":
        (policy_dir / "notes.yaml").write_text("not a version\n", encoding="utf-8")
    else:
        printed = cold.fingerprint()
        monkeypatch.setattr(cold, "fingerprint", lambda: printed + ("another build",))
    out = assert_rebuilt(folder, args)
    assert ("Extend at the office" in out) == (change == "policy")
    if change == "source":
        assert json.loads(out)["policy_digest"] == provenance.hashes(
            policy_dir / "1.0.0.yaml", "source/" + src.name).digest


def test_a_policy_with_a_broken_version_is_left_to_the_ordinary_path(copied):
    policy_dir, folder, args = copied
    text = (policy_dir / "1.0.0.yaml").read_text(encoding="utf-8")
    broken = text.replace("version: 1.0.0", "version: 0.9.0").replace('effective_from: "2026-01-01"',
                                                                       'effective_from: "2025-01-01"')
    (policy_dir / "0.9.0.yaml").write_text(broken.replace("start: channel", "start: nowhere"), encoding="utf-8")
    r = run_cold(*args)
    assert r.returncode == 0, r.stderr        # the broken version breaks only its own dates
    got, handoff = answer(*args)
    assert got is None and not handoff.refresh        # recorded as left to the ordinary path, not rewritten


# -- the parts ------------------------------------------------------------------------

def test_the_roots_and_limits_are_the_ordinary_paths(monkeypatch, tmp_path):
    monkeypatch.delenv("ASANIMZA_POLICY_PATH", raising=False)
    assert cold.policy_roots() == [str(r) for r in registry.roots()]
    monkeypatch.setenv("ASANIMZA_POLICY_PATH", os.pathsep.join([str(FIXTURE_ROOT), str(tmp_path)]))
    assert cold.policy_roots() == [str(r) for r in registry.roots()]
    for unfollowed in ("relative/folder", str(tmp_path) + "/", str(tmp_path / "a" / ".." / "b")):
        monkeypatch.setenv("ASANIMZA_POLICY_PATH", unfollowed)
        assert cold.policy_roots() is None
    assert cold.MAX_POLICY_BYTES == loader.MAX_BYTES == provenance.MAX_POLICY_BYTES == provenance.MAX_SOURCE_BYTES
    assert cold.MAX_CONTEXT_BYTES == cli.MAX_CONTEXT_BYTES


def test_plain_dates_are_the_dates_the_context_accepts():
    from asanimza_policy.cold_runtime import plain_date
    from asanimza_policy.context import parse_date
    from asanimza_policy.errors import InvalidContext

    for text in ["2026-11-24", "2024-02-29", "2026-02-29", "0001-01-01", "9999-12-31", "2026-1-01", "20261124",
                 "2026-11-24\n", "２０２６-１１-２４", "2026-11-2x", "+026-11-24", "2026-W48-2", " 2026-11-24"]:
        try:
            want = parse_date(text, "d")
        except InvalidContext:
            want = None
        got = plain_date(text)
        assert got is None or got == want, text


LINES = ["channel: office", "channel: sms", "channel:  sms  # a comment", "subscriber_type: 'individual'",
         'subscriber_type: "legal_entity"', "appears_in_person: true", "appears_in_person: False",
         "appears_in_person: yes", "certificate_expires_on: 2026-12-01", "certificate_expires_on: 2026-12-01 #x",
         "age: 15", "age: -3", "age: 007", "age: 1e5", "age: 15.0", "age: 0x10", "age: 1234567890123456789",
         "note: null", "note: ~", "note:", "note: ", "note: a b", "note: a#b", "note: a: b", "note: [a]",
         "note: &x a", "note: !!str a", "note: -a", "note: 'it''s'", '"quoted": x', "true: x", "2: x",
         "# comment", "   # indented comment", "", "  ", "  continued", "---", "...", "note:\ta",
         "note: x\r", "note: é", "- item", "? key", "note: off", "note: NULL", "channel: office"]


def test_the_plain_yaml_reader_reads_what_the_loader_reads():
    rng = random.Random("flat-yaml")
    read = 0
    for _ in range(3000):
        text = "\n".join(rng.choice(LINES) for _ in range(rng.randint(0, 5))) + rng.choice(["", "\n"])
        got = flat_yaml(text.encode("utf-8"))
        if got is None:
            continue
        read += 1
        assert load_text(text.encode("utf-8"), "ctx.yaml", max_bytes=cold.MAX_CONTEXT_BYTES).data == got, text
    assert read > 300
