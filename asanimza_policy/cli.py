"""The command line: argument parsing and exit codes only.

Exit codes (the contract's): 0 success; 1 findings (check) or a policy file
that cannot be used; 2 bad input (arguments, context, dates, unknown policy or
version, paths that cannot be read), always as one line on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from .cli_versions import VERSION_COMMANDS, add_version_commands
from .cold import Handoff
from .errors import InvalidContext, PolicyError
from .scaffold import NEW_COMMANDS, add_new_command
from .status import HANDLED, status_of
from .streams import PROG
from .streams import emit as _emit
from .streams import fail as _fail
from .streams import isatty as _isatty
from .streams import silence as _silence
from .streams import tolerant_streams as _tolerant_streams
from .streams import utf8 as _utf8

MAX_CONTEXT_BYTES = 1_000_000


class UsageError(Exception):
    """Bad input to report on one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, instead of usage + message
        raise UsageError(message)


def _date_arg(text: str) -> date:
    from .context import parse_date

    try:
        return parse_date(text, "--as-of")
    except InvalidContext as e:
        raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None


def _port_arg(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535; got {text!r}")
    return int(text)


def _workers_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 256:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to 256; got {text!r}")
    return n


def _percent_arg(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if not 0 <= n <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100; got {text!r}")
    return n


def _parser() -> _Parser:
    from . import __version__

    p = _Parser(prog=PROG, description="Public-service procedures as YAML decision graphs: evaluate and check them.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    e = sub.add_parser("evaluate", help="print the decision for one context")
    e.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    e.add_argument("--context", metavar="FILE", help="YAML or JSON mapping of fields; - for stdin")
    e.add_argument("--as-of", type=_date_arg, metavar="DATE", help="evaluation date YYYY-MM-DD "
                   "(default: today in the policy's time zone)")
    e.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    e.add_argument("--format", choices=("json", "text", "ics"),
                   help="default: text on a terminal, json otherwise; ics: the dated steps as a calendar")

    c = sub.add_parser("check", help="schema, reference, expression and citation checks of policy files")
    c.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: every shipped policy)")
    c.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="text (default; a summary line on a terminal), json, sarif (SARIF 2.1.0, for code "
                   "scanning) or github (GitHub Actions annotations)")
    c.add_argument("--strict", action="store_true", help="warnings are errors")
    c.add_argument("--write-baseline", action="store_true", help="record the warnings of superseded versions "
                   "in check-baseline.json beside them, so they no longer fail --strict")
    c.add_argument("--max-combinations", type=int, metavar="N", default=None,
                   help="combinations of input values the logic analysis may try per file (default 2,000,000)")

    a = sub.add_parser("ask", help="ask the missing questions one by one, then print the plan")
    a.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    a.add_argument("--context", metavar="FILE", help="YAML or JSON answers known already")
    a.add_argument("--as-of", type=_date_arg, metavar="DATE", help="evaluation date YYYY-MM-DD "
                   "(default: today in the policy's time zone)")
    a.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    a.add_argument("--save", metavar="FILE", help="also write the answers to FILE, as a context file")

    r = sub.add_parser("render", help="the flowchart of a policy version (DOT, SVG or Mermaid)")
    r.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    r.add_argument("--format", choices=("dot", "svg", "mermaid"), required=True)
    r.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    r.add_argument("--context", metavar="FILE", help="highlight the path walked for this context; - for stdin")
    r.add_argument("--as-of", type=_date_arg, metavar="DATE", help="date for the version and the walk "
                   "(default: today in the policy's time zone)")
    r.add_argument("-o", "--output", metavar="OUT", help="write to this file (default: standard output)")

    s = sub.add_parser("serve", help="the HTTP API and the assistant web page (needs asanimza-policy[server])")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=_port_arg, default=8000, help="TCP port (default: 8000; 0: any free port)")

    k = sub.add_parser("context-schema", help="the JSON Schema of the context a policy version accepts")
    k.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    k.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    k.add_argument("--as-of", type=_date_arg, metavar="DATE", help="pick the version in effect on DATE")

    g = sub.add_parser("compile", help="print the Python source a policy version is compiled to")
    g.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    g.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    g.add_argument("--as-of", type=_date_arg, metavar="DATE", help="pick the version in effect on DATE")

    d = sub.add_parser("docs", help="write the documentation generated from the policies")
    d.add_argument("-o", "--output", metavar="DIR", default="docs", help="the folder (default: docs)")

    b = sub.add_parser("batch", help="one decision (or error row) per row of a CSV or JSON Lines file")
    b.add_argument("policy", metavar="POLICY", help="a policy id (or a path to a policy file)")
    b.add_argument("--input", required=True, metavar="FILE", help="CSV (with a header) or JSON Lines; - for stdin")
    b.add_argument("--output", required=True, metavar="FILE", help="JSON Lines or CSV, written whole or not at "
                   "all; - for stdout")
    b.add_argument("--input-format", choices=("csv", "jsonl"), help="default: from the file name")
    b.add_argument("--output-format", choices=("csv", "jsonl"), help="default: from the file name")
    b.add_argument("--as-of", type=_date_arg, metavar="DATE", help="evaluation date YYYY-MM-DD "
                   "(default: today in the policy's time zone)")
    b.add_argument("--version", metavar="V", help="a version of the policy (default: the one in effect)")
    b.add_argument("--workers", type=_workers_arg, default=1, metavar="N", help="processes (default 1)")
    b.add_argument("--id-column", metavar="NAME", help="a column copied to the output untouched (e.g. a subscriber id)")
    b.add_argument("--ignore-unknown", action="store_true", help="skip columns the policy does not declare "
                   "(default: such a row is an error row)")
    b.add_argument("--full", action="store_true", help="the whole decision document in each row")

    t = sub.add_parser("test", help="run scenario files (policies/<id>/tests/*.yaml)")
    t.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or folders (default: all shipped)")
    t.add_argument("-v", "--verbose", action="store_true", help="list passing scenarios too")
    t.add_argument("--min-coverage", type=_percent_arg, metavar="N", help="fail when the node or edge coverage "
                   "of a policy version is below N percent")
    add_version_commands(sub, _date_arg)
    add_new_command(sub)
    return p


def _read_context(arg: str | None, handoff: Handoff | None = None):
    from .loader import load_text

    if arg is None:
        return {}
    if handoff is not None and handoff.context_arg == arg and handoff.error is not None:
        raise UsageError(f"--context -: cannot read standard input ({handoff.error})")
    if handoff is not None and handoff.context_arg == arg and handoff.raw is not None:
        raw, name = handoff.raw, ("<stdin>" if arg == "-" else arg)     # read already, once
    elif arg == "-":
        try:
            raw = sys.stdin.buffer.read(MAX_CONTEXT_BYTES + 1) if sys.stdin else b""
        except (OSError, ValueError) as e:
            raise UsageError(f"--context -: cannot read standard input ({e})") from None
        name = "<stdin>"
    else:
        path = Path(arg)
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_CONTEXT_BYTES + 1)
        except IsADirectoryError:
            raise UsageError(f"--context {arg}: is a folder, not a file") from None
        except OSError as e:
            raise UsageError(f"--context {arg}: {e.strerror or e}") from None
        name = arg
    data = _parse_json(raw, name)
    if data is not _NOT_JSON:
        return data
    try:
        doc = load_text(raw, name, max_bytes=MAX_CONTEXT_BYTES, max_nodes=10_000, max_depth=16)
    except PolicyError as e:
        f = e.findings[0]
        raise UsageError(f"{f.path}:{f.line}:{f.col}: {f.message}") from None
    if doc.data is None:
        raise UsageError(f"{name}: empty; a context is a mapping of field names to values")
    return doc.data


_NOT_JSON = object()


def _parse_json(raw: bytes, name: str):
    """Strict JSON (duplicate keys and NaN refused) when the text is JSON; YAML
    reads the rest, and JSON escapes YAML lacks (surrogate pairs) still work."""
    if raw.lstrip()[:1] not in (b"{", b"["):
        return _NOT_JSON

    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise UsageError(f"{name}: duplicate key {k!r}")
            out[k] = v
        return out

    def constant(c):
        raise UsageError(f"{name}: {c} is not a value a context can hold")

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError):
        return _NOT_JSON      # not JSON after all: the YAML reader says what is wrong


def _load_policy_arg(arg: str, as_of, version):
    """An id through the registry, or a file path."""
    from .registry import load_policy, resolve_policy

    if arg.endswith((".yaml", ".yml")) or os.sep in arg:
        path = Path(arg)
        if not path.is_file():
            raise UsageError(f"{arg}: no such policy file")
        return resolve_policy(load_policy(path, arg), as_of, version)
    return resolve_policy(arg, as_of, version)


# Each command returns (output, exit code); main() writes the output, so a
# reader that goes away (`| head`) cannot change the exit code.

def _cmd_evaluate(args) -> tuple[str, int]:
    from . import evaluate  # the public path, as integrators call it

    handoff = getattr(args, "handoff", None)
    context = _read_context(args.context, handoff)
    policy, as_of = _load_policy_arg(args.policy, args.as_of, args.version)
    if handoff is not None and handoff.refresh:
        from .cold_write import refresh

        refresh(args.policy)        # the cached walks of this policy, for the next cold evaluate
    decision = evaluate(policy, context, as_of=as_of)
    fmt = args.format or ("text" if _isatty(sys.stdout) else "json")
    if fmt == "ics":
        from .ics import events, to_ics

        if not events(decision, policy) and sys.stderr is not None:
            # an empty calendar is a valid answer, but say why it is empty
            why = ("the decision needs input first: " + ", ".join(decision.missing) if decision.missing
                   else f"no step of the plan ({decision.outcome}) has a date")
            print(f"{PROG}: the calendar has no events: {why}", file=sys.stderr)
        return to_ics(decision, policy), 0
    if fmt == "text":
        from .textfmt import render

        return render(decision, policy), 0
    # JSON escapes what the output's encoding cannot carry (PYTHONIOENCODING=latin-1, a Windows console)
    return (decision.to_json() if _utf8(sys.stdout) else
            json.dumps(decision.to_dict(), indent=2, ensure_ascii=True)) + "\n", 0


def _cmd_ask(args) -> tuple[str, int]:
    from .atomic import write_text
    from .interview import InterviewEnded, as_context_text, interview
    from .textfmt import render

    if args.context == "-":
        raise UsageError("--context -: ask reads the answers from standard input; give the known ones in a file")
    context = _read_context(args.context)
    policy, as_of = _load_policy_arg(args.policy, args.as_of, args.version)
    echo = not sys.stdin.isatty()

    def read(prompt: str) -> str:
        if not echo:
            return input(prompt)
        _emit(prompt)
        line = sys.stdin.readline()
        if not line:
            _emit("\n")
            raise EOFError
        line = line.rstrip("\r\n")
        _emit(line + "\n")          # a transcript that reads like the terminal session
        return line

    def write(line: str) -> None:
        _emit(line + "\n")

    try:
        decision, answers = interview(policy, context, as_of, read, write)
    except InterviewEnded as e:
        raise UsageError(str(e)) from None
    saved = as_context_text(policy, answers)
    if args.save:
        try:
            write_text(args.save, saved)
        except OSError as e:
            raise UsageError(f"--save {args.save}: {e.strerror or e}") from None
    import shlex

    where = shlex.quote(args.save) if args.save else "FILE"
    out = ["", render(decision, policy).rstrip("\n"), "",
           "Your answers as a context file" + (f" (saved to {args.save})" if args.save else "")
           + f"; reuse them with: {PROG} evaluate {shlex.quote(args.policy)} --context {where}", saved]
    return "\n".join(out), 0


def _cmd_render(args) -> tuple[str, int]:
    from .render import DotMissing, render, walk

    context = _read_context(args.context) if args.context is not None else None
    policy, as_of = _load_policy_arg(args.policy, args.as_of, args.version)
    path = walk(policy, context, as_of) if context is not None else None
    try:
        text = render(policy, args.format, path)
    except DotMissing as e:
        raise UsageError(f"render --format svg: {e}") from None
    if args.output:
        from .atomic import write_text

        try:
            write_text(args.output, text)
        except OSError as e:
            raise UsageError(f"-o {args.output}: {e.strerror or e}") from None
        return "", 0
    return text, 0

def _cmd_context_schema(args) -> tuple[str, int]:
    from .catalog import context_schema

    policy, _ = _load_policy_arg(args.policy, args.as_of, args.version)
    return json.dumps(context_schema(policy), indent=2, ensure_ascii=False) + "\n", 0


def _cmd_compile(args) -> tuple[str, int]:
    from .compile import readable_source

    policy, _ = _load_policy_arg(args.policy, args.as_of, args.version)
    return readable_source(policy), 0


def _cmd_serve(args) -> tuple[str, int]:
    try:
        from .server import ServerMissing, serve
    except ImportError as e:   # pragma: no cover - the server module itself imports nothing optional
        raise UsageError(str(e)) from None
    try:
        serve(args.host, args.port, announce=_emit)
    except ServerMissing as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    return "", 0


def _cmd_docs(args) -> tuple[str, int]:
    from .docs import generate

    root = Path(args.output)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{args.output}: not a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{args.output}: {e.strerror or e}") from None
    return generate(root) + "\n", 0


def _cmd_batch(args) -> tuple[str, int]:
    from .batch import BadInput, format_of, run_batch
    from .rows import Job

    try:
        in_fmt = format_of(args.input, args.input_format, "--input")
        out_fmt = format_of(args.output, args.output_format, "--output")
    except BadInput as e:
        raise UsageError(str(e)) from None
    policy, as_of = _load_policy_arg(args.policy, args.as_of, args.version)
    job = Job(policy=args.policy, as_of=as_of, version=policy.version, input_format=in_fmt, output_format=out_fmt,
              header=(), id_column=args.id_column, ignore_unknown=args.ignore_unknown, full=args.full)
    progress = sys.stderr if _isatty(sys.stderr) else None
    try:
        summary = run_batch(job, policy, args.input, args.output, args.workers, progress)
    except BadInput as e:
        raise UsageError(str(e)) from None
    if summary.errors:
        rows = f"{summary.errors} of {summary.rows} row{'' if summary.rows == 1 else 's'}"
        verb = "is an error row" if summary.errors == 1 else "are error rows"
        _fail(f"{rows} {verb} (first: {summary.first_error})", 1)
        return "", 1
    return "", 0


def _cmd_check(args) -> tuple[str, int]:
    from .check import run
    from .findings import ERROR
    from .report import render

    try:
        report = run(args.paths, strict=args.strict, write_baseline=args.write_baseline,
                     max_combinations=args.max_combinations)
    except OSError as e:
        raise UsageError(_os_message(e)) from None
    for shown, count in report.baselines_written:
        note = f"{count} warning{'s' if count != 1 else ''} recorded" if count else \
            "removed (no warnings of superseded versions)"
        if sys.stderr is not None:
            print(f"{shown}: {note}", file=sys.stderr)
    text = render(report.findings, args.format, files=report.files, terminal=_isatty(sys.stdout),
                  baselined=report.baselined, ascii=not _utf8(sys.stdout))
    return text, (1 if any(f.severity == ERROR for f in report.findings) else 0)


def _os_message(e: OSError) -> str:
    """``path: reason`` for a path that cannot be used, whatever raised it."""
    if e.filename is not None:
        return f"{e.filename}: {e.strerror or e}"
    return e.strerror or str(e)


def scenario_files(paths: Sequence[str], unreadable: list | None = None) -> list[tuple[Path, str]]:
    """The files named, and the ``*.yaml`` files in ``tests`` folders under the
    folders named; folders that cannot be listed go to ``unreadable``."""
    from .registry import display_path, expand_paths, roots

    if not paths:
        return [(f, display_path(f)) for root in roots() for f in _glob(root, "*/tests/*.yaml") if f.is_file()]
    try:
        return expand_paths(paths, lambda f, parts: "tests" in parts[:-1], unreadable)
    except OSError as e:
        raise UsageError(_os_message(e)) from None


def _glob(root: Path, pattern: str) -> list[Path]:
    """The matches under a root; none when the root is missing or cannot be read."""
    try:
        return sorted(root.glob(pattern)) if root.is_dir() else []
    except OSError:
        return []


def _cmd_test(args) -> tuple[str, int]:
    from .coverage import Coverage
    from .findings import Finding
    from .scenarios import run_file

    out: list[str] = []
    passed = failed = 0
    coverage = Coverage()
    unreadable: list[tuple[str, str]] = []
    files = scenario_files(args.paths, unreadable)
    for shown, reason in unreadable:
        out.append(Finding("FILE", f"cannot be read ({reason}); the scenarios in it were not run", shown).format())
        failed += 1
    for path, shown in files:
        try:
            results, problems = run_file(path, shown, (coverage,))
        except OSError as e:
            raise UsageError(f"{shown}: {e.strerror or e}") from None
        for f in problems:
            out.append(f.format())
            failed += 1
        tested = sorted({r.tested for r in results if r.tested})
        if tested:
            out.append(f"{shown}: tested against {', '.join(tested)}")
        for r in results:
            if not r.ok or args.verbose:
                out.append(r.format())
            passed += r.ok
            failed += not r.ok
    below = 0
    for report in coverage.reports():
        out.append(report.format())
        if args.min_coverage is not None and min(report.node_percent, report.edge_percent) < args.min_coverage:
            out.append(f"coverage {report.policy} {report.version} is below --min-coverage {args.min_coverage:g}%")
            below += 1
    out.append(f"{passed} passed, {failed} failed")
    return "\n".join(out) + "\n", (0 if failed == 0 and passed and not below else 1)


def main(argv: Sequence[str] | None = None, *, handoff: Handoff | None = None) -> int:
    """Run one command; ``handoff``: what the cached path of a cold ``evaluate``
    (``cold.main``, the installed command's entry point) read before handing over."""
    code = 0
    _tolerant_streams()
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as e:     # --help, --version: printed already
            return e.code if isinstance(e.code, int) else 0
        args.handoff = handoff
        text, code = {"evaluate": _cmd_evaluate, "ask": _cmd_ask, "check": _cmd_check,
                       "test": _cmd_test, "render": _cmd_render, "serve": _cmd_serve,
                       "context-schema": _cmd_context_schema, "docs": _cmd_docs, "compile": _cmd_compile,
                       "batch": _cmd_batch, **VERSION_COMMANDS, **NEW_COMMANDS}[args.command](args)
        _emit(text)
        return code
    except UsageError as e:
        return _fail(str(e), 2)
    except HANDLED as e:
        status = status_of(e)
        assert status is not None          # HANDLED lists exactly the exceptions it maps
        if isinstance(e, PolicyError):
            f = e.findings[0]
            more = f" (and {len(e.findings) - 1} more; run {PROG} check)" if len(e.findings) > 1 else ""
            return _fail(f"{f.format()}{more}", status.exit)
        return _fail(str(e), status.exit)
    except BrokenPipeError:
        # the reader stopped early (`| head`): not an error of ours, and the
        # command's own exit code still tells whether it found something
        _silence(sys.stdout)
        return code
    except OSError as e:
        _silence(sys.stdout)
        what = e.filename if e.filename is not None else "output"
        return _fail(f"{what}: {e.strerror or e}", 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
