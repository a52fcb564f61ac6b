"""Batch: a file of contexts in, a file of decisions out, streaming.

Records are read in chunks and each chunk is decided (rows.decide) here or, with
``workers > 1``, in a pool of processes; at most a few chunks are in flight, so
memory stays flat whatever the size of the input, and chunks are written in the
order they were read.  The output goes to a temporary file beside the target
that replaces it only when every row is written: a failed or interrupted batch
leaves the old file (or none), never a part.
"""
from __future__ import annotations

import csv
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .atomic import open_atomic
from .model import Policy
from .rows import Job, Reader, Writer, decide

CHUNK = 2000
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class BadInput(Exception):
    """An argument or file the batch cannot start with (exit 2)."""


@dataclass
class Summary:
    rows: int = 0
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0


def format_of(path: str, given: str | None, flag: str) -> str:
    if given is not None:
        return given
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise BadInput(f"{flag} {path}: cannot tell the format from the name; name it .csv or .jsonl "
                       f"or give {flag}-format csv|jsonl")
    return fmt


# -- the policy in each process ------------------------------------------------------

def load_job_policy(job: Job) -> Policy:
    """The policy version the job was resolved to (again, in a worker)."""
    from .registry import load_policy, resolve, resolve_policy

    if job.policy.endswith((".yaml", ".yml")) or os.sep in job.policy:
        return resolve_policy(load_policy(Path(job.policy), job.policy), job.as_of, job.version)[0]
    return resolve(job.policy, job.as_of, job.version)[0]


_worker: tuple[Job, Policy, Reader, Writer] | None = None


def _init_worker(job: Job) -> None:
    global _worker
    policy = load_job_policy(job)
    _worker = (job, policy, Reader(job, policy), Writer(job))


def _decide_chunk(records: list) -> tuple[str, int, str | None]:
    assert _worker is not None
    return decide(*_worker, records)


# -- reading ---------------------------------------------------------------------------

def _csv_records(fh: IO[str], name: str) -> tuple[tuple[str, ...], Iterator[tuple[int, list[str]]]]:
    reader = csv.reader(fh, strict=False)
    try:
        header = tuple(next(reader, ()))
    except csv.Error as e:
        raise BadInput(f"{name}: line 1: {e}") from None
    seen = set()
    for col in header:
        if col in seen:
            raise BadInput(f"{name}: column {col!r} appears twice in the header")
        seen.add(col)

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise BadInput(f"{name}: line {reader.line_num}: {e}") from None
            if cells:        # a blank line is no record
                yield start, cells
            start = reader.line_num + 1
    return header, records()


def _json_records(fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for n, line in enumerate(fh, 1):
        if line.strip():
            yield n, line


def _chunks(records: Iterator) -> Iterator[list]:
    size = CHUNK
    chunk: list = []
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Progress:
    """A one-line progress report on a terminal (rows, rows/s, share of the file, ETA)."""

    def __init__(self, stream: IO[str] | None, raw: IO[bytes] | None):
        self.stream, self.raw = stream, raw
        self.read = 0        # records read so far (some still in flight)
        self.start = self.last = time.monotonic()
        try:
            self.size = os.fstat(raw.fileno()).st_size if raw is not None else 0
        except (OSError, ValueError):
            self.size = 0

    def update(self, rows: int, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.5:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        text = f"{rows:,} rows  {rows / elapsed:,.0f} rows/s"
        if final:
            text += f"  {elapsed:.1f} s"
        elif self.size and self.raw is not None:
            try:
                done = min(self.raw.tell() / self.size, 1.0)
            except (OSError, ValueError):
                done = 0.0
            if done > 0 and self.read and rows:
                # rows still to write: those read but not yet written, and the rest
                # of the file at the rows-per-byte seen so far
                left = (self.read / done - rows) * elapsed / rows
                text += f"  {rows * done / self.read:.0%}  ETA {int(left // 60)}:{int(left % 60):02d}"
        self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        self.stream.flush()


# -- the run -----------------------------------------------------------------------------

def run_batch(job: Job, policy: Policy, input_path: str, output_path: str, workers: int = 1,
              progress: IO[str] | None = None) -> Summary:
    """Decide every record of ``input_path`` into ``output_path`` (``-``: standard
    input / output).  ``BadInput`` when the batch cannot start or the input
    cannot be read as its format; the counts of rows and error rows otherwise."""
    if output_path != "-":
        folder = Path(output_path).parent
        if not folder.is_dir():
            raise BadInput(f"--output {output_path}: no such folder {str(folder)!r}")
        if Path(output_path).is_dir():
            raise BadInput(f"--output {output_path}: is a folder, not a file")
    raw = _open_input(input_path)
    with raw:
        if job.input_format == "csv":
            import io
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            header, rows = _csv_records(text, input_path)
            records: Iterator[tuple[int, list[str]]] | Iterator[tuple[int, bytes]] = rows
            if job.id_column is not None and header and job.id_column not in header:
                raise BadInput(f"--id-column {job.id_column}: no such column in {input_path} "
                               f"(columns: {', '.join(header)})")
            job = _with_header(job, header)
        else:
            records = _json_records(raw)
        try:
            if output_path == "-":
                return _run(job, policy, records, sys.stdout, workers, _Progress(progress, raw))
            with open_atomic(output_path) as out:
                return _run(job, policy, records, out, workers, _Progress(progress, raw))
        except UnicodeDecodeError as e:
            raise BadInput(f"{input_path}: not UTF-8 text ({e.reason} at byte {e.start} of a block)") from None


def _with_header(job: Job, header: tuple[str, ...]) -> Job:
    from dataclasses import replace
    return replace(job, header=header)


def _open_input(path: str) -> IO[bytes]:
    if path == "-":
        return os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    p = Path(path)
    if p.is_dir():
        raise BadInput(f"--input {path}: is a folder, not a file")
    try:
        return p.open("rb")
    except OSError as e:
        raise BadInput(f"--input {path}: {e.strerror or e}") from None


def _run(job: Job, policy: Policy, records: Iterator, out: IO[str], workers: int, bar: _Progress) -> Summary:
    summary = Summary()
    started = time.monotonic()
    writer = Writer(job)
    out.write(writer.header())

    def take(result: tuple[str, int, str | None], n: int) -> None:
        text, errors, first = result
        out.write(text)
        summary.rows += n
        summary.errors += errors
        if summary.first_error is None:
            summary.first_error = first
        bar.update(summary.rows)

    if workers <= 1:
        reader = Reader(job, policy)
        for chunk in _chunks(records):
            bar.read += len(chunk)
            take(decide(job, policy, reader, writer, chunk), len(chunk))
    else:
        import multiprocessing

        with multiprocessing.get_context().Pool(workers, initializer=_init_worker, initargs=(job,)) as pool:
            pending: deque[tuple[Any, int]] = deque()
            for chunk in _chunks(records):
                bar.read += len(chunk)
                pending.append((pool.apply_async(_decide_chunk, (chunk,)), len(chunk)))
                if len(pending) > 2 * workers:       # bounded: memory stays flat
                    result, n = pending.popleft()
                    take(result.get(), n)
            while pending:
                result, n = pending.popleft()
                take(result.get(), n)
    summary.seconds = time.monotonic() - started
    bar.update(summary.rows, final=True)
    return summary
