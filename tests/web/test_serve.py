"""`assess serve` as a clinic starts it: its own process, here with two worker processes over
one SQLite store, each making its app from ASSESS_DB; a store URL it cannot open fails at once
with exit 2, before anything listens."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import _free_port


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("location") or "", response.read()
    finally:
        conn.close()


def test_two_worker_processes_serve_the_desk(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "assess.cli", "serve", "--db", f"sqlite:///{tmp_path / 'clinic.db'}",
               "--port", str(port), "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_DB"}
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, page = _get(port, "/sign-in")
                break
            except OSError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert status == 200 and b"Sign in" in page
        # Several requests, so that both processes answer some.
        for _ in range(10):
            assert _get(port, "/") == (303, "/sign-in", b"")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=60)
    assert b"with 2 processes" in out, out
    assert b"Traceback" not in err, err


def test_a_store_it_cannot_open_fails_at_once(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "assess.cli", "serve", "--db", "mysql://nobody@nowhere/x",
                           "--port", str(_free_port()), "--workers", "2"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr and done.stderr.strip(), done.stderr
