"""Batch rows: an input record in, an output row out.

A record is a CSV row (a list of cells, read against the header) or one line of
JSON Lines.  CSV cells are typed by the policy's declared inputs: ``true`` /
``false`` for booleans (any case), whole numbers for integers, the text itself for
dates, enums and strings (the context rules check it then); an empty cell is a
field not given.  A record that cannot become a context (a bad value, an
undeclared column, a malformed line, a row of the wrong width) is an error row,
as is a context the policy refuses; the batch goes on.

Output rows carry ``row`` (the line of the input where the record starts) and
``id`` (the ``--id-column`` value, untouched; null without one).  The compact form
has ``status``, ``outcome``, ``missing``, ``steps`` (action and extra fields, no
text) and ``documents``; ``full`` has the whole decision document.  An error row
has ``error`` and ``field`` instead.  In CSV, lists are JSON text in one cell.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from . import evaluate_many
from .decision import Decision
from .encode import decision_json, steps_brief_json, strings_json, value_json
from .errors import InvalidContext
from .findings import did_you_mean
from .model import Policy

COMPACT_COLUMNS = ("row", "id", "status", "outcome", "missing", "steps", "documents", "error", "field")
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class RowError(Exception):
    """A record that cannot become a context; ``field`` as in InvalidContext."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Job:
    """What every worker needs to turn records into output rows (picklable)."""
    policy: str                 # an id, or a path to a policy file
    as_of: date
    version: str | None
    input_format: str           # csv | jsonl
    output_format: str          # csv | jsonl
    header: tuple[str, ...]     # CSV only
    id_column: str | None
    ignore_unknown: bool
    full: bool


def _boolean(name: str):
    def conv(cell: str) -> bool:
        low = cell.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        raise RowError(f"{name}: expected true or false; got {cell!r}", name)
    return conv


def _integer(name: str):
    def conv(cell: str) -> int:
        if _INTEGER.match(cell):
            return int(cell)
        raise RowError(f"{name}: expected a whole number; got {cell!r}", name)
    return conv


_CONVERTERS = {"boolean": _boolean, "integer": _integer}


class Reader:
    """Turns records into (row, id, context or RowError) for one policy."""

    def __init__(self, job: Job, policy: Policy):
        self.job = job
        self.policy = policy
        self.unknown_error: RowError | None = None
        if job.input_format == "csv":
            self._plan_csv(job.header)

    def _plan_csv(self, header: tuple[str, ...]) -> None:
        inputs = self.policy.inputs
        self.width = len(header)
        self.id_index = header.index(self.job.id_column) if self.job.id_column in header else None
        self.cells: list[tuple[int, str, Callable[[str], Any] | None]] = []
        for i, name in enumerate(header):
            inp = inputs.get(name)
            if inp is not None:
                make = _CONVERTERS.get(inp.type)
                self.cells.append((i, name, make(name) if make else None))
            elif i != self.id_index and not self.job.ignore_unknown and self.unknown_error is None:
                self.unknown_error = RowError(
                    f"{name}: not a field of policy {self.policy.id}{did_you_mean(name, inputs)}; its fields are "
                    f"{', '.join(inputs)} (--ignore-unknown skips other columns)", name)

    def csv_row(self, cells: list[str]) -> tuple[Any, dict | RowError]:
        ident = cells[self.id_index] if self.id_index is not None and self.id_index < len(cells) else None
        if len(cells) != self.width:
            return ident, RowError(f"row has {len(cells)} cells; the header has {self.width}")
        if self.unknown_error is not None:
            return ident, self.unknown_error
        ctx = {}
        try:
            for i, name, conv in self.cells:
                cell = cells[i]
                if cell:
                    ctx[name] = conv(cell) if conv is not None else cell
        except RowError as e:
            return ident, e
        return ident, ctx

    def json_row(self, line: bytes) -> tuple[Any, dict | RowError]:
        try:
            obj = json.loads(line, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except RowError as e:          # the line is JSON: its id can still be read
            return self._json_id(json.loads(line)), e
        except (ValueError, RecursionError) as e:
            return None, RowError(f"not a JSON object: {e}")
        if not isinstance(obj, dict):
            return None, RowError(f"a row must be a JSON object; got {type(obj).__name__}")
        id_column = self.job.id_column
        ident = self._json_id(obj)
        if id_column is not None and id_column not in self.policy.inputs:
            obj.pop(id_column, None)
        if self.job.ignore_unknown:
            inputs = self.policy.inputs
            obj = {k: v for k, v in obj.items() if k in inputs}
        return ident, obj


    def _json_id(self, obj: Any) -> Any:
        if self.job.id_column is None or not isinstance(obj, dict):
            return None
        return obj.get(self.job.id_column)


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise RowError(f"{k}: given twice in the row", k)
        out[k] = v
    return out


def _no_constant(name):
    raise RowError(f"{name} is not a value a context can hold")


def full_columns() -> tuple[str, ...]:
    """row, id, every key of the decision document in its order, error, field."""
    blank = Decision(policy="", version="", as_of=date.min, status="", outcome=None, missing=(), steps=(),
                     documents=(), trace=(), citations=(), assumptions=())
    return ("row", "id", *blank.to_dict(), "error", "field")


class Writer:
    """Output rows as text, compact or full, JSON Lines or CSV."""

    def __init__(self, job: Job):
        self.job = job
        self.columns = full_columns() if job.full else COMPACT_COLUMNS

    def header(self) -> str:
        if self.job.output_format != "csv":
            return ""
        return _csv_line(self.columns)

    def rows(self, results: Iterable[tuple[int, Any, Decision | Exception]]) -> str:
        if self.job.output_format == "csv":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerows(self._csv_row(*r) for r in results)
            return buf.getvalue()
        return "".join(self._json_row(*r) for r in results)

    def _json_row(self, row: int, ident: Any, result: Decision | Exception) -> str:
        head = '{"row":' + str(row) + ',"id":' + value_json(ident)
        if not isinstance(result, Decision):
            return head + ',"error":' + value_json(str(result)) + ',"field":' + value_json(
                getattr(result, "field", None)) + "}\n"
        if self.job.full:
            return head + "," + decision_json(result)[1:] + "\n"
        d = result
        return (head + ',"status":' + value_json(d.status) + ',"outcome":' + value_json(d.outcome)
                + ',"missing":' + strings_json(d.missing) + ',"steps":' + steps_brief_json(d)
                + ',"documents":' + strings_json(d.documents) + "}\n")

    def _csv_row(self, row: int, ident: Any, result: Decision | Exception) -> list:
        ident = "" if ident is None else ident if isinstance(ident, str) else value_json(ident)
        if not isinstance(result, Decision):
            return [row, ident] + [""] * (len(self.columns) - 4) + [str(result), getattr(result, "field", None) or ""]
        d = result
        if self.job.full:
            doc = d.to_dict()
            cells = [doc[c] for c in self.columns[2:-2]]
            return [row, ident] + [c if isinstance(c, str) else "" if c is None else
                                   json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in cells] + ["", ""]
        return [row, ident, d.status, d.outcome or "", strings_json(d.missing), steps_brief_json(d),
                strings_json(d.documents), "", ""]


def _csv_line(cells) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


def decide(job: Job, policy: Policy, reader: Reader, writer: Writer, records: list) -> tuple[str, int, str | None]:
    """Output text for a chunk of records [(row, raw)], the number of error rows
    and the first error (``row N: message``)."""
    parsed = [(row, *(reader.csv_row(raw) if job.input_format == "csv" else reader.json_row(raw)))
              for row, raw in records]
    contexts = [ctx for _, _, ctx in parsed if not isinstance(ctx, RowError)]
    decisions = iter(evaluate_many(policy, contexts, as_of=job.as_of, version=job.version, errors="return"))
    results = []
    errors, first = 0, None
    for row, ident, ctx in parsed:
        result = ctx if isinstance(ctx, RowError) else next(decisions)
        if isinstance(result, InvalidContext):
            result = RowError(_unprefixed(str(result)), result.field)
        if isinstance(result, RowError):
            errors += 1
            if first is None:
                first = f"row {row}: {result}"
        results.append((row, ident, result))
    return writer.rows(results), errors, first


def _unprefixed(message: str) -> str:
    """evaluate_many's message without its ``contexts[i]: `` (the row says where)."""
    return message.split(": ", 1)[1] if message.startswith("contexts[") else message
