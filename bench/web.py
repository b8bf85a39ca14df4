"""The web bench, as users meet it: `assess serve --workers 2` in its own process on
127.0.0.1 and 20 simulated clients at once, each opening an intake link, filling it in and
sending it (with a pause between pages, as a person has), and a clinician's PDF downloads
beside them. The clients start within the first second and pause 0.25-0.75 s (seeded), as
people do not move in step; then, as the worst case, all 20 send an intake at the same instant.

    uv run python bench/web.py              # 20 clients, 5 intakes each
    uv run python bench/web.py 20 2         # 20 clients, 2 intakes each
    BENCH_WORKERS=1 uv run python bench/web.py

Prints p50 and p95 of the intake page, of a sent intake to its plan page (its PDF waits for a
quiet moment), of the same 20 sent at one instant, and of the PDF download (a stored one, and
the first download of a new intake's PDF, rendered then) against a bare WeasyPrint render of
the same assessment in this process; and `assess --help` beside `python -c pass`.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 1"
THINK = 0.5  # seconds a person spends on a page before the next request (on average)
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # assess serve --workers
DEADLINE = 240.0  # the whole load stops here, however far it got


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def _form(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """An example intake's answers as the web form posts them."""
    out: list[tuple[str, str]] = []
    for key, value in answers.items():
        if isinstance(value, bool):
            out.append((key, "yes" if value else "no"))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out += [(f"{key}.{n}.{sub}", str(v)) for n, row in enumerate(value) for sub, v in row.items()]
        elif isinstance(value, list):
            out += [(key, str(v)) for v in value]
        else:
            out.append((key, str(value)))
    return out


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    return {m.group(1): m.group(2) for h in response.headers.get_all("set-cookie") or []
            if (m := re.match(r"([^=]+)=([^;]*)", h))}


def _request(port: int, method: str, path: str, body: str | None = None,
             cookies: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str], float]:
    headers = {"cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    if body is not None:
        headers["content-type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read()
    took = time.perf_counter() - start
    conn.close()
    return response.status, content, _cookies(response), took


def _csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


def _without_pdf(store: Any) -> list[str]:
    """The stored assessments that have no PDF yet, newest first."""
    from sqlalchemy import select

    from assess.store.tables import assessments, pdfs

    with store.connect() as conn:
        return list(conn.execute(select(assessments.c.id)
                                 .where(assessments.c.id.not_in(select(pdfs.c.assessment_id)))
                                 .order_by(assessments.c.recorded_at.desc())).scalars())


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    from assess.services.pipeline import assess_file
    from assess.services.render import rendered
    from assess.store.accounts import add_clinician
    from assess.store.database import open_store
    from assess.store.links import make_link
    from assess.store.people import NewClient, add_client
    from assess.store.records import save_assessment

    example = ROOT / "examples" / "hinge_after_injury.yaml"
    answers = yaml.safe_load(example.read_text())["answers"]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/web.db"
        store = open_store(url)
        clinician = add_clinician(store, "bench", "B. Ench", PASSWORD)
        done = rendered(assess_file(example))
        saved = save_assessment(store, done.assessment, json_bytes=done.json_bytes, pdf=done.pdf,
                                recorded_by="bench")

        def link_for(name: str) -> str:
            with store.begin() as conn:
                record = add_client(conn, NewClient(name, "1980-06-15", phone="0113 496 0000"), by="bench",
                                    owner_id=clinician.id)
            return make_link(store, clinician, record.id)

        tokens = [link_for(f"client {n}") for n in range(clients * each)]
        burst_tokens = [link_for(f"at once {n}") for n in range(clients)]
        bare = []
        for _ in range(5):
            start = time.perf_counter()
            rendered(done.assessment)
            bare.append(time.perf_counter() - start)

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        command = [sys.executable, "-m", "assess.cli", "serve", "--db", url, "--port", str(port),
                   "--workers", str(WORKERS)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    _request(port, "GET", "/sign-in")
                    break
                except OSError:
                    time.sleep(0.1)
            status, page, jar, _ = _request(port, "GET", "/sign-in")
            body = urlencode({"csrf": _csrf(page), "username": "bench", "password": PASSWORD})
            status, _, session, _ = _request(port, "POST", "/sign-in", body, jar)
            assert status == 303 and session, "the bench could not sign in"
            pdf_path = f"/desk/assessments/{saved.assessment_id}/plan.pdf"

            pages: list[float] = []
            plans: list[float] = []
            pdfs: list[float] = []
            lock = threading.Lock()
            stop = time.monotonic() + DEADLINE

            def opened(token: str) -> tuple[str, dict[str, str], float]:
                status, page, jar, took = _request(port, "GET", f"/intake/{token}")
                assert status == 200, status
                form = [("csrf", _csrf(page)), ("confirm_identity", "yes"), *_form(answers)]
                return urlencode(form), jar, took

            def send(token: str, body: str, jar: dict[str, str]) -> float:
                # Sent: the client is sent on to their plan page (which waits for the clinician).
                status, _, _, sent = _request(port, "POST", f"/intake/{token}", body, jar)
                assert status == 303, status
                return sent

            def client(n: int) -> None:
                pause = random.Random(n)
                time.sleep(pause.uniform(0, 1))
                for token in tokens[n * each:(n + 1) * each]:
                    if time.monotonic() > stop:
                        return
                    body, jar, took = opened(token)
                    time.sleep(pause.uniform(THINK / 2, THINK * 1.5))
                    sent = send(token, body, jar)
                    status, pdf, _, got = _request(port, "GET", pdf_path, cookies=session)
                    assert status == 200 and pdf.startswith(b"%PDF"), status
                    with lock:
                        pages.append(took)
                        plans.append(sent)
                        pdfs.append(got)
                    time.sleep(pause.uniform(THINK / 2, THINK * 1.5))

            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(client, range(clients)))

            # The worst case: every client sends at the same instant.
            in_step = threading.Barrier(clients)

            def together(token: str) -> float:
                body, jar, _ = opened(token)
                in_step.wait()
                return send(token, body, jar)

            with ThreadPoolExecutor(clients) as pool:
                burst = list(pool.map(together, burst_tokens))

            # A new intake's first download: its PDF is rendered then (the server had no quiet
            # moment to render it before).
            first: list[float] = []
            for assessment_id in _without_pdf(store)[:5]:
                status, pdf, _, got = _request(port, "GET", f"/desk/assessments/{assessment_id}/plan.pdf",
                                               cookies=session)
                assert status == 200 and pdf.startswith(b"%PDF"), status
                first.append(got)
        finally:
            server.terminate()  # uvicorn finishes the PDFs still being rendered first
            try:
                server.wait(300)
            except subprocess.TimeoutExpired:
                server.kill()

    def whole(args: list[str]) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], check=True, capture_output=True, env=env)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    python, help_ = whole(["-c", "pass"]), whole(["-m", "assess.cli", "--help"])
    print(f"{clients} clients at once, {len(plans)} intakes sent ({THINK / 2}-{THINK * 1.5} s pause "
          f"between pages), assess serve --workers {WORKERS}, {os.cpu_count()} cores")
    aim = " (target p95 < 150)"
    rows = (("intake page", pages, aim), ("sent intake -> plan", plans, aim),
            (f"{clients} sent at once", burst, " (worst case)"),
            ("PDF download, stored", pdfs, ""), ("PDF first download", first, ""))
    for name, times, target in rows:
        print(f"{name + ':':22} p50 {p(times, .5):6.0f} ms  p95 {p(times, .95):6.0f} ms{target}")
    print(f"bare WeasyPrint render p50 {p(bare, .5):6.0f} ms; download / render: stored "
          f"{statistics.median(pdfs) / statistics.median(bare):.2f}x, first "
          f"{statistics.median(first) / statistics.median(bare):.2f}x (target <= 1.15x)")
    print(f"assess --help {help_ * 1000:.0f} ms (python -c pass {python * 1000:.0f} ms); "
          f"web modules load only for serve")


if __name__ == "__main__":
    main()
