"""The private cache of parsed policy files: a cold command skips YAML, and a
changed file, a changed package or a damaged entry never gives a stale policy."""
from __future__ import annotations

import marshal
import os
import stat
import subprocess
import sys
from datetime import date

import pytest

import asanimza_policy as ap
from asanimza_policy import cache, cachedir, registry

from .conftest import AS_OF, ROOT


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "c"
    monkeypatch.setenv(cache.ENV_FOLDER, str(where))
    registry.clear_cache()
    yield where
    registry.clear_cache()


def entries(folder):
    return sorted(p for p in folder.iterdir() if p.suffix == ".parsed")


def test_the_folder_is_created_private(folder):
    assert cache.cache_dir() == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770, 0o722])
def test_a_folder_others_can_write_is_not_used_and_not_changed(folder, mode):
    folder.mkdir()
    os.chmod(folder, mode)
    assert cache.cache_dir() is None and stat.S_IMODE(folder.stat().st_mode) == mode


def test_a_folder_others_can_only_read_is_used_as_it_is(folder):
    folder.mkdir()
    os.chmod(folder, 0o755)
    assert cache.cache_dir() == folder and stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_a_changed_package_module_means_a_new_parse(folder, policy_copy, monkeypatch):
    path, _ = policy_copy()
    cache.load_document(path, "p.yaml")
    [entry] = entries(folder)
    before = entry.read_bytes()
    files = cachedir.package_files()
    assert any(name == "loader.py" for name, _, _ in files)
    changed = tuple((n, size + 1, t) if n == "loader.py" else (n, size, t) for n, size, t in files)
    monkeypatch.setattr(cache, "package_files", lambda: changed)      # as an edit of loader.py would
    cache.load_document(path, "p.yaml")
    assert entry.read_bytes() != before


def test_off_means_no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV_FOLDER, "off")
    assert cache.cache_dir() is None


def test_the_platform_folder_is_under_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV_FOLDER)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache.cache_dir() == tmp_path / "xdg" / "asanimza-policy"


def test_a_parse_is_kept_and_read_back_equal(folder, policy_copy):
    path, _ = policy_copy()
    first = cache.load_document(path, "p.yaml")
    [entry] = entries(folder)
    assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0
    again = cache.load_document(path, "shown.yaml")
    assert (again.data, again.positions, again.key_positions, again.styles) == (
        first.data, first.positions, first.key_positions, first.styles)
    assert again.path == "shown.yaml"
    assert entries(folder) == [entry]


def test_a_changed_file_is_parsed_again(folder, policy_copy):
    path, _ = policy_copy()
    cache.load_document(path, "p.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Changed ", 1), encoding="utf-8")
    doc = cache.load_document(path, "p.yaml")
    assert doc.data["title"].startswith("Changed ")
    assert len(entries(folder)) == 1                  # rewritten, not piled up


def test_another_package_version_is_parsed_again(folder, policy_copy, monkeypatch):
    path, _ = policy_copy()
    cache.load_document(path, "p.yaml")
    [entry] = entries(folder)
    before = entry.read_bytes()
    monkeypatch.setattr(cache, "_version", lambda: "9.9.9")
    cache.load_document(path, "p.yaml")
    assert entry.read_bytes() != before


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_damaged_entry_is_parsed_again(folder, policy_copy, damage):
    path, _ = policy_copy()
    good = cache.load_document(path, "p.yaml")
    [entry] = entries(folder)
    entry.write_bytes(entry.read_bytes()[:100] if damage is None else damage)
    assert cache.load_document(path, "p.yaml").data == good.data
    assert marshal.loads(entry.read_bytes())[0] == cache.FORMAT      # rewritten whole


def test_the_cache_stays_bounded_and_keeps_what_was_written_last(folder, policy_copy):
    folder.mkdir(mode=0o700)
    for i in range(cachedir.MAX_ENTRIES + 40):          # older entries, oldest first
        old = folder / f"{i:040x}.parsed"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    tmp = cachedir.TMP_PREFIX + "{}" + cachedir.TMP_SUFFIX    # as the cache's writers name them
    left = folder / tmp.format("abc12345")               # a killed writer's leftover, and one being written now
    left.write_bytes(b"x")
    os.utime(left, (1_000_000, 1_000_000))
    fresh_tmp = folder / tmp.format("def67890")
    fresh_tmp.write_bytes(b"x")
    # not the cache's (a folder named by ASANIMZA_POLICY_CACHE may hold the user's files): never touched
    mine = [folder / "notes.txt", folder / "report.compiled", folder / "old.parsed", folder / ".notes.tmp"]
    for p in mine:
        p.write_bytes(b"x")
        os.utime(p, (1_000_000, 1_000_000))
    path, _ = policy_copy()
    cache.load_document(path, "p.yaml")
    kept = [p for p in entries(folder) if p not in mine]
    assert len(kept) == cachedir.MAX_ENTRIES
    assert folder / f"{0:040x}.parsed" not in kept and folder / f"{cachedir.MAX_ENTRIES + 39:040x}.parsed" in kept
    assert any(p.stat().st_mtime > 2_000_000 for p in kept)     # the entry just written
    assert not left.exists() and fresh_tmp.exists()
    assert [p for p in mine if not p.exists()] == []


def test_a_broken_policy_is_not_cached_and_still_reports_its_position(folder, policy_copy):
    path, line = policy_copy(("title: ", "title: [unclosed "))
    with pytest.raises(ap.PolicyError) as e:
        cache.load_document(path, "p.yaml")
    assert (e.value.findings[0].code, e.value.findings[0].path) == ("YAML_SYNTAX", "p.yaml")
    assert e.value.findings[0].line in (line, line + 1)
    assert entries(folder) == []


def test_a_cold_evaluate_reads_no_yaml_once_cached(folder):
    code = ("import sys; from asanimza_policy.cli import main; "
            "main(['evaluate', 'asan-imza-renewal', '--as-of', '2026-11-24', '--format', 'json']); "
            "print(sorted(m for m in ('yaml', 'jsonschema', 'networkx', 'graphviz') if m in sys.modules), "
            "file=sys.stderr)")
    env = dict(os.environ, **{cache.ENV_FOLDER: str(folder)})
    env.pop("ASANIMZA_POLICY_PATH", None)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                           timeout=60) for _ in range(2)]
    assert [r.stderr.strip() for r in runs] == ["['yaml']", "[]"]
    assert runs[0].stdout == runs[1].stdout
    assert '"status": "needs_input"' in runs[1].stdout


def test_the_package_imports_nothing_until_used():
    code = ("import sys, asanimza_policy as ap; n = sorted(m for m in sys.modules if m.startswith('asanimza')); "
            "print(n); ap.Decision; print('decision' in ' '.join(sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split("\n")[:2] == ["['asanimza_policy']", "True"], r.stderr


def test_the_public_names_are_all_there():
    for name in ap.__all__:
        assert getattr(ap, name) is not None
    assert set(ap.__all__) <= set(dir(ap))
    with pytest.raises(AttributeError):
        _ = ap.no_such_name
    assert ap.evaluate("asan-imza-renewal", {}, as_of=AS_OF).status == "needs_input"
    assert isinstance(ap.evaluate("asan-imza-renewal", {}, as_of=date(2026, 11, 24)), ap.Decision)
