"""Starting and stopping `alssim serve` for the browser and load tests."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import urllib.error
import urllib.request


@contextlib.contextmanager
def server(binary, *args):
    """Runs `alssim serve --port 0` and yields (base URL, process)."""
    p = subprocess.Popen(
        [str(binary), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    try:
        line = p.stdout.readline()
        if "http://" not in line:
            p.kill()
            raise AssertionError(f"alssim serve did not start: {line}{p.stderr.read()}")
        url = line[line.index("http://"):].split()[0]
        yield url, p
    finally:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def request(url, path, body=None, raw=None, method=None, timeout=60):
    """(status, parsed JSON or text) of one request."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text, kind = r.status, r.read().decode(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, text, kind = e.code, e.read().decode(), e.headers.get("Content-Type", "")
    return status, (json.loads(text) if "json" in kind else text)


def rss_kib(pid):
    """Resident memory of a process, KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")
