"""Load on the dashboard's API: concurrent clients over loopback, for a bounded time.

Not a test: prints a table (or ``--json``) and never fails on a time. It starts
``buildrace serve`` on 127.0.0.1 and a free port (its own process, so the clients do not
share the server's interpreter), sends one warm-up request, then runs ``--clients``
clients (default 20) for ``--seconds`` (default 30; ``--smoke``: 3). Each client holds
one HTTP/1.1 keep-alive connection and sends ``POST /api/race`` in a closed loop: half
the requests are the dashboard's default request (answered from the cache after the
first) and half move a lever to a value drawn at random (a solar tariff rate, a
decoupling start year, a green-lane permit cut: nearly all cache misses). It reports
throughput, p50 and p99 latency and errors, overall and by how the server found the
answer (``X-Cache``: hit, shared, miss). The server is stopped at the end, whatever happens.

Usage::

    python benchmarks/load.py                   # 20 clients, 30 s
    python benchmarks/load.py --smoke --json    # 3 s
    python benchmarks/load.py --clients 5 --seconds 10 --workers 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
TIMEOUT_S = 120.0
"""Longest a request may take before it counts as an error."""
DEFAULT_BODY = {"scenario": "race", "policies": [], "remove": [], "draws": 1}
_TARIFF = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": "solar_pv.module"}


def varied_body(rng: random.Random) -> dict:
    """The dashboard's request with one lever moved to a random value (a cache miss)."""
    kind = rng.choice(("tariff", "decoupling", "green_lane"))
    if kind == "tariff":
        rate = round(rng.uniform(0.0, 2.5), 4)
        return {**DEFAULT_BODY, "remove": [_TARIFF], "policies": [
            {"lever": "tariff", "importer": "US", "exporter": "CN", "start": 2024, "rate": rate,
             "stages": ["solar_pv.cell", "solar_pv.module"]}]}
    if kind == "decoupling":
        start = rng.randint(2026, 2040)
        return {**DEFAULT_BODY, "remove": [{"lever": "decoupling"}], "policies": [
            {"lever": "decoupling", "importer": "US", "exporter": "CN", "start": start,
             "stages": ["li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"]}]}
    cut = round(rng.uniform(0.05, 0.9), 4)
    return {**DEFAULT_BODY, "remove": [{"lever": "green_lane", "economy": "US"}], "policies": [
        {"lever": "green_lane", "economy": "US", "start": 2026, "permit_cut": cut}]}


@dataclass
class Sample:
    kind: str  # "default" or "varied"
    seconds: float
    status: int  # 0: no answer (connection error, timeout)
    cache: str


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, s: Sample) -> None:
        with self.lock:
            self.samples.append(s)


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    """``buildrace serve`` on a free loopback port; the process and its port."""
    cmd = [sys.executable, "-m", "buildrace.cli.main", "serve", "--host", HOST, "--port", "0",
           "--workers", str(workers), "--quiet"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    m = re.search(rf"http://{re.escape(HOST)}:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"load.py: the server did not start: {line.strip() or proc.stderr.read()[-500:]}")
    port = int(m.group(1))
    deadline = time.monotonic() + 60
    while True:  # uvicorn binds before it answers: wait for the first answer
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/levers")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("load.py: the server did not answer within 60 s") from None
            time.sleep(0.1)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def post(conn: http.client.HTTPConnection, body: dict) -> tuple[int, str]:
    data = json.dumps(body).encode("utf-8")
    conn.request("POST", "/api/race", body=data, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    return resp.status, resp.getheader("X-Cache", "")


def client(port: int, until: float, seed: int, run: Run) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    try:
        while time.monotonic() < until:
            kind = "default" if rng.random() < 0.5 else "varied"
            body = DEFAULT_BODY if kind == "default" else varied_body(rng)
            t0 = time.perf_counter()
            try:
                status, cache = post(conn, body)
            except (OSError, http.client.HTTPException):
                status, cache = 0, ""
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
            run.add(Sample(kind, time.perf_counter() - t0, status, cache))
    finally:
        conn.close()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarise(samples: list[Sample], seconds: float) -> dict:
    ok = [s.seconds for s in samples if s.status == 200]
    return {
        "requests": len(samples),
        "ok": len(ok),
        "errors": len(samples) - len(ok),
        "throughput_per_s": round(len(samples) / seconds, 2) if seconds > 0 else None,
        "p50_ms": None if not ok else round(1000 * statistics.median(ok), 1),
        "p99_ms": None if not ok else round(1000 * percentile(ok, 99), 1),  # type: ignore[operator]
        "max_ms": None if not ok else round(1000 * max(ok), 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=30.0, help="how long the clients send (default 30)")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--workers", type=int, default=2, help="the server's simulations at once (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the lever values (default 0)")
    p.add_argument("--smoke", action="store_true", help="a 3 s run")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    seconds = 3.0 if args.smoke else args.seconds
    if not 0 < seconds <= 600:
        p.error("--seconds must be more than 0 and at most 600")
    if not 1 <= args.clients <= 200:
        p.error("--clients must be from 1 to 200")

    proc, port = start_server(args.workers)
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        t0 = time.perf_counter()
        status, _ = post(conn, DEFAULT_BODY)  # the first run fits the base year
        warmup = time.perf_counter() - t0
        conn.close()
        if status != 200:
            raise SystemExit(f"load.py: the warm-up request answered {status}")
        run = Run()
        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(port, start + seconds, args.seed + i, run), daemon=True)
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + TIMEOUT_S + 10)
        elapsed = time.monotonic() - start  # the requests in flight at the end included
    finally:
        stop_server(proc)

    samples = list(run.samples)
    report = {
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "server_workers": args.workers,
        "warmup_first_request_s": round(warmup, 3),
        "all": summarise(samples, elapsed),
        "default request": summarise([s for s in samples if s.kind == "default"], elapsed),
        "varied levers": summarise([s for s in samples if s.kind == "varied"], elapsed),
        **{f"X-Cache {c}": summarise([s for s in samples if s.cache == c], elapsed) for c in ("hit", "shared", "miss")},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.clients} clients for {elapsed:.1f} s on {HOST}:{port}, {args.workers} server workers;"
          f" first request (warm-up) {warmup:.2f} s")
    cols = ["requests", "errors", "throughput_per_s", "p50_ms", "p99_ms", "max_ms"]
    print(f"{'':18}" + "".join(f"{c:>18}" for c in cols))
    for name, row in report.items():
        if isinstance(row, dict):
            print(f"{name:18}" + "".join(f"{'-' if row[c] is None else row[c]!s:>18}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
