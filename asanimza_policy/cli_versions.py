"""The commands about versions: ``lock``, ``new-version`` and ``diff``.

Kept apart from :mod:`asanimza_policy.cli` (which only registers them) so that
module stays about argument parsing; each handler returns (output, exit code)
like the others, and raises ``cli.UsageError`` for bad input (exit 2).
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path


def add_version_commands(sub, date_arg) -> None:
    lk = sub.add_parser("lock", help="record published versions in the policy folder's versions.lock")
    lk.add_argument("policy", metavar="POLICY", help="a policy id, or a policy folder")
    lk.add_argument("--version", metavar="V", help="only this version (default: every version not yet locked)")

    nv = sub.add_parser("new-version", help="copy the newest version of a policy to the next one, for editing")
    nv.add_argument("policy", metavar="POLICY", help="a policy id, or a policy folder")
    nv.add_argument("--effective-from", type=date_arg, metavar="DATE", help="the day the new version takes "
                    "effect, after the newest one's (default: today in the policy's time zone)")
    nv.add_argument("--patch", action="store_true", help="a wording-only change: 1.1.0 -> 1.1.1 (default: 1.2.0)")

    df = sub.add_parser("diff", help="what changes between two versions of a policy: structure and decisions")
    df.add_argument("policy", metavar="POLICY", help="a policy id, or a policy folder")
    df.add_argument("a", metavar="A", help="the old version")
    df.add_argument("b", metavar="B", help="the new version")
    df.add_argument("--format", choices=("text", "json"), default="text")
    df.add_argument("--population", metavar="FILE", help="also run both versions over every row of a CSV or "
                    "JSON Lines file and count the decisions that change")
    df.add_argument("--as-of", type=date_arg, metavar="DATE", help="with --population: the evaluation date "
                    "(default: today in the policy's time zone)")
    df.add_argument("--max-examples", type=int, default=5, metavar="N", help="example rows per class (default 5)")


def _usage(message: str) -> Exception:
    from .cli import UsageError
    return UsageError(message)


def version_paths(arg: str) -> tuple[str, list[Path]]:
    """(how to name the policy, its version files in semantic order) for an id or a folder."""
    from .model import SEMVER, semver_key
    from .registry import version_files

    p = Path(arg)
    if p.is_dir():
        files = [f for f in p.iterdir() if f.suffix == ".yaml" and SEMVER.match(f.stem) and f.is_file()]
        if not files:
            raise _usage(f"{arg}: no <version>.yaml file in this folder")
        return p.name, sorted(files, key=lambda f: semver_key(f.stem))
    files = version_files(arg)
    if not files:
        from .errors import PolicyNotFound
        raise PolicyNotFound(f"unknown policy {arg!r} (and no such folder)")
    return arg, files


def cmd_lock(args) -> tuple[str, int]:
    from .check import check_file
    from .findings import ERROR
    from .lock import LockError, read_lock, record, write_lock
    from .registry import display_path, load_policy, today

    name, files = version_paths(args.policy)
    if args.version is not None:
        files = [f for f in files if f.stem == args.version]
        if not files:
            raise _usage(f"{name} has no version {args.version}")
    folder = files[0].parent
    try:
        locked = read_lock(folder)
    except LockError as e:
        raise _usage(f"{display_path(folder / 'versions.lock')}: {e}") from None
    out, bad, added = [], 0, 0
    for f in files:
        shown = display_path(f)
        errors = [x for x in check_file(f, shown) if x.severity == ERROR]
        if errors:
            out += [x.format() for x in errors]
            out.append(f"{shown}: not locked: fix what check reports first")
            bad += 1
            continue
        policy = load_policy(f, shown)
        entry = record(f, policy, today(policy))
        old = locked.get(policy.version)
        if old is not None:
            if old["digest"] == entry["digest"]:
                out.append(f"{shown}: {policy.version} already locked")
            else:
                out.append(f"{shown}: {policy.version} is locked and its content changed; a published version "
                           f"never changes: make a new version (asanimza-policy new-version {name})")
                bad += 1
            continue
        locked[policy.version] = entry
        added += 1
        out.append(f"{shown}: {policy.version} locked (digest {entry['digest'][:12]})")
    if added:
        write_lock(folder, locked)
    return "\n".join(out) + "\n", (1 if bad else 0)


_VERSION_LINE = re.compile(r"^version:[^\n]*$", re.M)
_EFFECTIVE_LINE = re.compile(r"^effective_from:[^\n]*$", re.M)


def cmd_new_version(args) -> tuple[str, int]:
    from .atomic import write_text
    from .lock import next_version
    from .registry import display_path, load_policy, today

    name, files = version_paths(args.policy)
    newest = files[-1]
    policy = load_policy(newest, display_path(newest))
    version = next_version(policy.version, "patch" if args.patch else "minor")
    target = newest.with_name(f"{version}.yaml")
    if target.exists():
        raise _usage(f"{display_path(target)} exists already; edit it, or lock it once published")
    day = args.effective_from or today(policy)
    if day <= policy.effective_from:
        raise _usage(f"--effective-from {day.isoformat()} is not after {policy.version}'s effective_from "
                     f"{policy.effective_from.isoformat()}; a new version supersedes the old one from a later day")
    text = newest.read_text(encoding="utf-8")
    if not _VERSION_LINE.search(text):
        raise _usage(f"{display_path(newest)}: no top-level 'version:' line to change")
    text = _VERSION_LINE.sub(f"version: {version}", text, count=1)
    effective = f'effective_from: "{day.isoformat()}"'
    if _EFFECTIVE_LINE.search(text):
        text = _EFFECTIVE_LINE.sub(effective, text, count=1)
    else:
        text = _VERSION_LINE.sub(f"version: {version}\n{effective}", text, count=1)
    write_text(target, text)
    shown = display_path(target)
    # the commands suggested name the policy as it was given: a folder outside the shipped
    # policies is not found by its id
    ref = shlex.quote(display_path(target.parent)) if Path(args.policy).is_dir() else name
    return (f"wrote {shown} (version {version}, effective from {day.isoformat()}), a copy of {policy.version}\n"
            f"next: edit it; asanimza-policy check {shlex.quote(shown)}; add scenarios pinned to version {version}; "
            f"asanimza-policy diff {ref} {policy.version} {version}; make docs; and once published, "
            f"asanimza-policy lock {ref} --version {version}\n"), 0


def cmd_diff(args) -> tuple[str, int]:
    from .diff import diff_versions, format_json, format_text, population_diff
    from .registry import display_path, load_policy

    name, files = version_paths(args.policy)
    by_version = {f.stem: f for f in files}
    pair = []
    for v in (args.a, args.b):
        if v not in by_version:
            raise _usage(f"{name} has no version {v}; versions: {', '.join(by_version)}")
        pair.append(load_policy(by_version[v], display_path(by_version[v])))
    a, b = pair
    result = diff_versions(a, b, by_version[args.a], by_version[args.b])
    population = None
    if args.population:
        population = population_diff(a, b, args.population, args.as_of, max(1, args.max_examples))
    text = format_json(result, population) if args.format == "json" else format_text(result, population)
    changed = result.changed or (population is not None and population.changed)
    return text, (1 if changed else 0)


VERSION_COMMANDS = {"lock": cmd_lock, "new-version": cmd_new_version, "diff": cmd_diff}
