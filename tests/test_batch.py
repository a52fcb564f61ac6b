"""`asanimza-policy batch`: a file of contexts in, a file of decisions out."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy import batch as batch_module
from asanimza_policy.cli import main

from .conftest import AS_OF

LIBRARY = Path(__file__).parent / "fixtures" / "policies" / "library-card" / "1.1.0.yaml"
DAY = "2026-11-24"


def batch(tmp_path, capsys, text: str, *args: str, name="in.csv", out="out.jsonl", policy=str(LIBRARY)):
    src = tmp_path / name
    src.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    dst = tmp_path / out
    code = main(["batch", policy, "--input", str(src), "--output", str(dst), "--as-of", DAY, *args])
    err = capsys.readouterr().err
    return code, dst, err


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_csv_cells_are_typed_by_the_declared_inputs(tmp_path, capsys):
    text = ("who,age,card_expires_on,has_fines,branch\n"
            "a,12,2026-12-01,false,east\n"          # integer, date, boolean
            "b,40,2026-12-01,FALSE,\n"               # booleans in any case; empty = not given
            "c,,2026-12-01,false,\n"                 # age not given: asked for
            "d,,,TRUE,central\n")
    code, dst, err = batch(tmp_path, capsys, text, "--id-column", "who")
    assert (code, err) == (0, "")
    rows = jsonl(dst)
    assert [(r["row"], r["id"], r["status"], r["outcome"]) for r in rows] == [
        (2, "a", "complete", "minor"), (3, "b", "complete", "adult"), (4, "c", "needs_input", None),
        (5, "d", "complete", "pay_first")]
    assert rows[0]["steps"] == [{"action": "go", "not_before": "2026-11-17"}]
    assert rows[0]["documents"] == ["card", "guardian_note"]
    assert rows[2]["missing"] == ["age"]
    assert set(rows[0]) == {"row", "id", "status", "outcome", "missing", "steps", "documents"}


@pytest.mark.parametrize("body,count", [
    ("a,12,2026-12-01,no,east\n", "1 of 1 row is an error row"),
    ("a,12,2026-12-01,no,east\nf,40,2026-12-01,false,east\n", "1 of 2 rows is an error row"),
])
def test_the_error_line_counts_in_plain_english(tmp_path, capsys, body, count):
    code, _, err = batch(tmp_path, capsys, "who,age,card_expires_on,has_fines,branch\n" + body, "--id-column", "who")
    assert code == 1 and err.startswith(f"asanimza-policy: {count} (first: row 2: ")


def test_bad_rows_are_error_rows_and_the_batch_goes_on(tmp_path, capsys):
    text = ("who,age,card_expires_on,has_fines,branch\n"
            "a,12,2026-12-01,no,east\n"              # not a boolean
            "b,twelve,2026-12-01,false,east\n"       # not a whole number
            "c,12,2026-02-30,false,east\n"           # no such day
            "d,12,2026-12-01,false,west\n"           # outside the enum
            "e,12\n"                                 # wrong width
            "f,40,2026-12-01,false,east\n")
    code, dst, err = batch(tmp_path, capsys, text, "--id-column", "who")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("asanimza-policy: 5 of 6 rows are error rows (first: row 2: "
                                                     "has_fines: expected true or false; got 'no')")
    rows = jsonl(dst)
    assert [(r["row"], r["id"], r.get("field")) for r in rows[:5]] == [
        (2, "a", "has_fines"), (3, "b", "age"), (4, "c", "card_expires_on"), (5, "d", "branch"), (6, "e", None)]
    assert rows[1]["error"] == "age: expected a whole number; got 'twelve'"
    assert rows[3]["error"].startswith("branch: expected one of central, east; got 'west'")
    assert rows[4]["error"] == "row has 2 cells; the header has 5"
    assert set(rows[0]) == {"row", "id", "error", "field"}
    assert rows[5]["status"] == "complete"


def test_an_undeclared_column_is_an_error_row_unless_ignored(tmp_path, capsys):
    text = "age,colour,has_fines,card_expires_on\n40,blue,false,2026-12-01\n"
    code, dst, err = batch(tmp_path, capsys, text)
    assert code == 1 and jsonl(dst)[0]["field"] == "colour"
    assert "not a field of policy library-card" in jsonl(dst)[0]["error"]
    code, dst, err = batch(tmp_path, capsys, text, "--ignore-unknown")
    assert code == 0 and jsonl(dst)[0]["outcome"] == "adult"


def test_json_lines_in_with_ids_copied_untouched(tmp_path, capsys):
    text = ('{"id": 7, "age": 40, "has_fines": false, "card_expires_on": "2026-12-01"}\n'
            "\n"                                                      # blank: no record
            '{"id": {"crm": "X-1"}, "has_fines": true, "branch": "east"}\n'
            '{"id": "m", "age": 40,\n'                               # malformed
            '["not", "an", "object"]\n'
            '{"id": "d", "age": 1, "age": 2}\n'                      # duplicate key
            '{"id": "u", "colour": "blue"}\n'                        # undeclared
            '{"id": "t", "has_fines": "yes"}\n')                     # wrong type
    code, dst, err = batch(tmp_path, capsys, text, "--id-column", "id", name="in.jsonl")
    assert code == 1
    rows = jsonl(dst)
    assert [r["row"] for r in rows] == [1, 3, 4, 5, 6, 7, 8]
    assert [r["id"] for r in rows] == [7, {"crm": "X-1"}, None, None, "d", "u", "t"]
    assert [r.get("outcome") for r in rows[:2]] == ["adult", "pay_first"]
    assert rows[2]["error"].startswith("not a JSON object") and rows[2]["field"] is None
    assert rows[3]["error"] == "a row must be a JSON object; got list"
    assert (rows[4]["field"], rows[5]["field"], rows[6]["field"]) == ("age", "colour", "has_fines")


def test_csv_output_puts_lists_in_one_cell_as_json(tmp_path, capsys):
    text = "id,age,card_expires_on,has_fines,branch\na,12,2026-12-01,false,east\nb,x,,,\n"
    code, dst, err = batch(tmp_path, capsys, text, "--id-column", "id", out="out.csv")
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(dst.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["row", "id", "status", "outcome", "missing", "steps", "documents", "error", "field"]
    assert rows[0]["status"] == "complete" and rows[0]["error"] == ""
    assert json.loads(rows[0]["steps"]) == [{"action": "go", "not_before": "2026-11-17"}]
    assert json.loads(rows[0]["documents"]) == ["card", "guardian_note"]
    assert (rows[1]["row"], rows[1]["id"], rows[1]["status"], rows[1]["field"]) == ("3", "b", "", "age")


def test_full_output_is_the_whole_decision_document(tmp_path, capsys):
    contexts = [{"channel": "office"},
                {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
                 "service_type": "business", "current_service_type": "business", "balance_covers_tariff": True}]
    text = "".join(json.dumps(c) + "\n" for c in contexts)
    code, dst, err = batch(tmp_path, capsys, text, "--full", name="in.jsonl", policy="asan-imza-renewal")
    assert code == 0
    for i, (row, ctx) in enumerate(zip(jsonl(dst), contexts, strict=True), 1):
        assert row == {"row": i, "id": None, **ap.evaluate("asan-imza-renewal", ctx, as_of=AS_OF).to_dict()}


def test_two_workers_keep_the_order_and_give_the_same_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(batch_module, "CHUNK", 64)   # many chunks in flight
    lines = ["n,age,card_expires_on,has_fines,branch"]
    for i in range(5000):                           # several chunks
        lines.append(f"{i},{i % 90},2026-{1 + i % 12:02d}-{1 + i % 28:02d},{'true' if i % 7 == 0 else 'false'},"
                     f"{'east' if i % 3 else ''}" + (",extra" if i % 997 == 5 else ""))
    text = "\n".join(lines) + "\n"
    code1, one, _ = batch(tmp_path, capsys, text, "--id-column", "n", out="one.jsonl")
    code2, two, _ = batch(tmp_path, capsys, text, "--id-column", "n", "--workers", "2", out="two.jsonl")
    assert code1 == code2 == 1                       # the extra cells make error rows
    assert one.read_bytes() == two.read_bytes()
    rows = jsonl(two)
    assert [r["id"] for r in rows] == [str(i) for i in range(5000)]
    assert [r["row"] for r in rows] == list(range(2, 5002))


def test_a_failed_batch_leaves_the_old_output_and_no_temporary_file(tmp_path, capsys):
    dst = tmp_path / "out.jsonl"
    dst.write_text("yesterday's results\n", encoding="utf-8")
    good = "age,has_fines\n" + "40,false\n" * 5000
    code, _, err = batch(tmp_path, capsys, good.encode() + b"40,\xff\xfe\n")   # not UTF-8 late in the file
    assert code == 2 and err.startswith("asanimza-policy: ") and "not UTF-8" in err and err.count("\n") == 1
    assert dst.read_text(encoding="utf-8") == "yesterday's results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.jsonl"]


@pytest.mark.parametrize("args, message", [
    (["--input", "{tmp}/in.txt", "--output", "{tmp}/o.jsonl"], "cannot tell the format"),
    (["--input", "{tmp}/none.csv", "--output", "{tmp}/o.jsonl"], "--input {tmp}/none.csv: No such file"),
    (["--input", "{tmp}/in.csv", "--output", "{tmp}/no/o.jsonl"], "no such folder"),
    (["--input", "{tmp}/in.csv", "--output", "{tmp}/o.jsonl", "--workers", "0"], "number of processes"),
    (["--input", "{tmp}/in.csv", "--output", "{tmp}/o.jsonl", "--id-column", "who"], "no such column"),
    (["--input", "{tmp}/in.csv", "--output", "{tmp}/o.jsonl", "--version", "9.9.9"], "no version"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    (tmp_path / "in.csv").write_text("age\n40\n", encoding="utf-8")
    (tmp_path / "in.txt").write_text("age\n40\n", encoding="utf-8")
    args = [a.format(tmp=tmp_path) for a in args]
    code = main(["batch", "asan-imza-renewal", *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message.format(tmp=tmp_path) in err, err
    assert not (tmp_path / "o.jsonl").exists()


def test_full_csv_has_a_column_for_every_key_of_the_document(tmp_path, capsys):
    ctx = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": "false",
           "service_type": "business", "current_service_type": "business", "balance_covers_tariff": "true"}
    text = ",".join(ctx) + "\n" + ",".join(ctx.values()) + "\n"
    code, dst, err = batch(tmp_path, capsys, text, "--full", out="out.csv", policy="asan-imza-renewal")
    assert code == 0, err
    [row] = list(csv.DictReader(io.StringIO(dst.read_text(encoding="utf-8"))))
    typed = dict(ctx, online_renewal_submitted=False, balance_covers_tariff=True)
    doc = ap.evaluate("asan-imza-renewal", typed, as_of=AS_OF).to_dict()
    assert list(row) == ["row", "id", *doc, "error", "field"]
    for key, value in doc.items():
        assert row[key] == (value if isinstance(value, str) else "" if value is None else
                            json.dumps(value, ensure_ascii=False, separators=(",", ":"))), key


def _stderr_of_batch(tmp_path, on_terminal: bool) -> tuple[int, str]:
    import os
    import pty
    import subprocess
    import sys

    src = tmp_path / "in.csv"
    src.write_text("age,has_fines\n" + "40,false\n" * 3000, encoding="utf-8")
    cmd = [sys.executable, "-m", "asanimza_policy", "batch", str(LIBRARY), "--input", str(src),
           "--output", str(tmp_path / "out.jsonl"), "--as-of", DAY]
    if not on_terminal:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return r.returncode, r.stderr
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:          # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_only(tmp_path):
    code, err = _stderr_of_batch(tmp_path, on_terminal=True)
    assert code == 0 and "3,000 rows" in err and "rows/s" in err, err
    code, err = _stderr_of_batch(tmp_path, on_terminal=False)
    assert (code, err) == (0, "")
