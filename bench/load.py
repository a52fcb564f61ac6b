"""A bounded load test of `POST /v1/policies/{id}/evaluate` on loopback.

    .venv/bin/python bench/load.py [--requests N] [--clients C] [--seconds S]

Starts the real server (`asanimza-policy serve --port 0`, one uvicorn worker),
then C client threads, each with its own keep-alive connection, send the
example contexts in turn until N requests are done or S seconds have passed,
whichever comes first.  Prints requests per second and latency percentiles
(p50, p90, p99, max) of the requests that completed; any non-200 answer is
counted and reported.  The clients run on the same machine as the server and
share its cores, so the figures are a floor, not a capacity plan.
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/policies/asan-imza-renewal/evaluate"
AS_OF = "2026-11-24"


def bodies() -> list[bytes]:
    out = []
    for f in sorted((ROOT / "examples").glob("*.yaml")):
        ctx = yaml.safe_load(f.read_text(encoding="utf-8"))
        out.append(json.dumps({"context": ctx, "as_of": AS_OF}, default=str).encode())
    return out


def connect(port: int) -> http.client.HTTPConnection:
    """A keep-alive connection with Nagle off: http.client sends the headers and
    the body in two writes, and Nagle plus delayed ACKs would add 40 ms to each."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=5000, help="stop after this many requests (default 5000)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    ap.add_argument("--seconds", type=float, default=60.0, help="stop after this long at most (default 60)")
    args = ap.parse_args()

    server = subprocess.Popen([sys.executable, "-m", "asanimza_policy", "serve", "--port", "0"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline())
        if not found:
            print("the server did not start", file=sys.stderr)
            return 1
        port = int(found.group(1))
        payloads = bodies()
        lock = threading.Lock()
        issued = 0
        latencies: list[float] = []
        failures: dict[str, int] = {}
        deadline = time.monotonic() + args.seconds

        def client(index: int) -> None:
            nonlocal issued
            conn = connect(port)
            mine: list[float] = []
            n = index
            while True:
                with lock:
                    if issued >= args.requests or time.monotonic() > deadline:
                        break
                    issued += 1
                body = payloads[n % len(payloads)]
                n += 1
                t0 = time.perf_counter()
                try:
                    conn.request("POST", PATH, body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                    status = r.status
                except (OSError, http.client.HTTPException) as e:
                    status = type(e).__name__
                    conn.close()
                    conn = connect(port)
                elapsed = time.perf_counter() - t0
                if status == 200:
                    mine.append(elapsed)
                else:
                    with lock:
                        failures[str(status)] = failures.get(str(status), 0) + 1
            conn.close()
            with lock:
                latencies.extend(mine)

        # warm up: the first request loads and compiles the policy
        warm = connect(port)
        warm.request("POST", PATH, payloads[0], {"Content-Type": "application/json"})
        assert warm.getresponse().read()
        warm.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=10)

    lat = sorted(latencies)
    ms = [x * 1000 for x in lat]
    print(f"POST {PATH} on 127.0.0.1, {args.clients} clients, {len(lat)} answered 200 in {wall:.2f} s")
    print(f"  throughput  {len(lat) / wall:8.0f} requests/s")
    print(f"  latency ms  p50 {percentile(ms, 50):.2f}  p90 {percentile(ms, 90):.2f}  "
          f"p99 {percentile(ms, 99):.2f}  max {max(ms) if ms else float('nan'):.2f}  "
          f"mean {statistics.fmean(ms) if ms else float('nan'):.2f}")
    if failures:
        print(f"  not 200: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
