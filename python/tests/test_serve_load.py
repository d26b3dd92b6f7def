"""A load test of `alssim serve` on this machine's loopback: 32 concurrent clients for 30
seconds of mixed requests (pages, the drug library, small what-if runs, and bad requests that
must be refused with 4xx). No 5xx and no connection error is allowed, every good request
succeeds, and the server's memory stays flat. ALSSIM_LOAD_SECONDS changes the duration; the
figures are printed (pytest -s) and recorded in docs/SERVE.md."""

from __future__ import annotations

import json
import os
import random
import statistics
import threading
import time

from conftest import _binary
from serve_helpers import request, rss_kib, server

CLIENTS = 32
SECONDS = float(os.environ.get("ALSSIM_LOAD_SECONDS", "30"))

GOOD_RUN = {"arms": [{}, {"drugs": [{"drug": "riluzole"}]}], "patients": 200}
BAD = [
    ("malformed JSON", b"{\"arms\": [", None),
    ("wrong type", json.dumps({"arms": "riluzole"}).encode(), None),
    ("unknown drug", json.dumps({"arms": [{"drugs": [{"drug": "unobtainium"}]}]}).encode(), None),
    ("negative size", json.dumps({"arms": [{}], "patients": -5}).encode(), None),
    ("too many patients", json.dumps({"arms": [{}], "patients": 10**9}).encode(), None),
    ("five arms", json.dumps({"arms": [{}] * 5}).encode(), None),
    ("unknown key", json.dumps({"arms": [{}], "colour": "red"}).encode(), None),
    ("huge body", b"{\"arms\": [" + b"{}," * 40000 + b"{}]}", None),
]


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def test_32_clients_mixed_requests():
    with server(_binary()) as (url, proc):
        # Warm up, then measure memory under load.
        assert request(url, "/api/whatif", GOOD_RUN)[0] == 200
        rss_start = rss_kib(proc.pid)
        stop = time.monotonic() + SECONDS
        lock = threading.Lock()
        latencies = {"page": [], "drugs": [], "whatif": [], "bad": []}
        failures = []
        peak = [rss_start]

        def client(k):
            rng = random.Random(k)
            while time.monotonic() < stop:
                kind = rng.choices(["page", "drugs", "whatif", "bad"], [3, 2, 3, 2])[0]
                t = time.monotonic()
                try:
                    if kind == "page":
                        status, _ = request(url, rng.choice(["/", "/app.js", "/style.css"]))
                        ok = status == 200
                    elif kind == "drugs":
                        status, body = request(url, "/api/drugs")
                        ok = status == 200 and any(d["name"] == "riluzole" for d in body)
                    elif kind == "whatif":
                        run = dict(GOOD_RUN, seed=rng.randrange(1000))
                        status, body = request(url, "/api/whatif", run, timeout=120)
                        ok = status == 200 and len(body["arms"]) == 2
                    else:
                        what, raw, _ = rng.choice(BAD)
                        status, body = request(url, "/api/whatif", raw=raw)
                        ok = 400 <= status < 500 and bool(body)
                        kind = "bad"
                except Exception as e:  # a refused or broken connection is a failure
                    status, ok = repr(e), False
                elapsed = time.monotonic() - t
                with lock:
                    latencies[kind].append(elapsed)
                    if not ok:
                        failures.append((kind, status))

        def sample_memory():
            while time.monotonic() < stop:
                peak[0] = max(peak[0], rss_kib(proc.pid))
                time.sleep(0.5)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        threads.append(threading.Thread(target=sample_memory))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rss_end = rss_kib(proc.pid)
        # The server is still healthy after the load.
        assert request(url, "/api/whatif", GOOD_RUN)[0] == 200

    total = sum(len(v) for v in latencies.values())
    print(f"\n{CLIENTS} clients, {SECONDS:.0f} s: {total} requests, {len(failures)} failures")
    for kind, xs in latencies.items():
        if xs:
            print(f"  {kind:7s} n={len(xs):6d}  p50={1000 * statistics.median(xs):8.1f} ms  "
                  f"p95={1000 * percentile(xs, 0.95):8.1f} ms")
    print(f"  memory: {rss_start / 1024:.1f} MiB after warm-up, peak {peak[0] / 1024:.1f} MiB, "
          f"{rss_end / 1024:.1f} MiB at the end")
    assert failures == [], failures[:10]
    assert all(latencies[k] for k in latencies), "every kind of request was made"
    # Flat memory: the load adds at most a few simulations' worth of working memory.
    assert peak[0] - rss_start < 200 * 1024, (rss_start, peak[0])
    assert rss_end - rss_start < 100 * 1024, (rss_start, rss_end)
