"""HTTP load for figures 6 and 7: gunicorn on a free port, and wrk or, without it, a
small threaded Python load generator."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, env: dict | None = None):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def warm_up(url: str, workers: int, *, cookie=None, bodies=None, headers=None) -> None:
    """A few requests on `2 x workers` connections at once (GETs with the session cookie, or
    POSTs of `bodies`), waiting as long as it takes, so every worker has loaded the URLconf,
    its templates and caches before anything is timed: a fresh worker's first answer takes
    seconds on a loaded machine, longer than a short timed run."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = f"sessionid={cookie}"
    if bodies:
        sent["Content-Type"] = "application/x-www-form-urlencoded"

    def send(i):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        if bodies:
            conn.request("POST", path, body=bodies[i % len(bodies)], headers=sent)
        else:
            conn.request("GET", path, headers=sent)
        conn.getresponse().read()
        conn.close()

    with ThreadPoolExecutor(2 * workers) as pool:
        list(pool.map(send, range(6 * workers)))


def _wrk_script(bodies: list[str], headers: dict) -> str:
    """A wrk Lua script POSTing `bodies` in turn (form-encoded) with `headers`."""
    quoted = ", ".join(json.dumps(b) for b in bodies)
    hdrs = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    table = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in hdrs.items())
    return (
        f"local bodies = {{{quoted}}}\nlocal headers = {{{table}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        '  return wrk.format("POST", nil, headers, bodies[i])\nend\n'
    )


def _wrk(url: str, cookie, seconds: int, connections: int, bodies=None, headers=None) -> dict:
    import tempfile

    cmd = [shutil.which("wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        cmd += ["-H", f"Cookie: sessionid={cookie}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if bodies:
            script.write(_wrk_script(bodies, headers or {}))
            script.flush()
            cmd += ["-s", script.name]
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    p50 = re.search(r"50%\s+([\d.]+\w+)", text)
    return {
        "rps": rps,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "p50": p50.group(1) if p50 else None,
    }


def _pyload(url: str, cookie, seconds: float, connections: int, bodies=None, headers=None) -> dict:
    """A small threaded HTTP load generator, for machines without wrk (CI's small run): GETs
    with the session cookie, or POSTs of `bodies` in turn (form-encoded) with `headers`."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.perf_counter() + seconds
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()

    sent = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    if bodies:
        sent.update({"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def one(conn, n) -> bool:
        if bodies:
            conn.request("POST", path, body=bodies[n % len(bodies)], headers=sent)
        else:
            conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        response.read()
        return response.status < 400

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n = 0
        while time.perf_counter() < deadline:
            try:
                ok = one(conn, n)
            except OSError:  # a timeout or a dropped connection counts, and the load goes on
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            n += 1
            with lock:
                counts["ok" if ok else "bad"] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = counts["ok"] + counts["bad"]
    return {"rps": total / (time.perf_counter() - started), "non_2xx": counts["bad"], "p50": None}


def load_tool():
    """wrk when installed, else the Python load generator: (name, function)."""
    return ("wrk", _wrk) if shutil.which("wrk") else ("python", _pyload)
