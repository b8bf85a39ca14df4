"""Where the server's heavy work runs, so that pages stay quick beside it.

Assessing runs the rule engine, whose network is built once per thread (a second or so) and
holds the interpreter while it runs: it has one thread of its own, warmed at start, instead of
a network in each of the server's forty worker threads. A PDF takes a second or more of CPU:
it is rendered in one helper process (started on first use, at the lowest CPU priority) and
kept in the store. A web intake is saved first and its PDF waits until this server process has
answered no request for a moment (QUIET), so that it never slows the pages of the clients still
filling in; the desk renders one at once when the store has none yet."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

from assess.rendering.letterhead import Letterhead
from assess.store.accounts import pdf_of

QUIET = 1.0  # seconds without a request before a waiting PDF is rendered


def _render_and_keep(url: str, assessment_id: str, document: str, by: str, head: Letterhead | None,
                     copy: str = "clinician", keep: bool = True) -> bytes:
    """In the helper process: render the stored assessment's PDF (the clinician copy, or the
    client copy without appendix or attachment) and keep it in the store when asked."""
    from assess.domain.assessment import Assessment
    from assess.services.render import rendered
    from assess.store.database import open_store
    from assess.store.records import add_pdf

    a = Assessment.model_validate_json(document)
    pdf = rendered(a, with_audit=copy == "clinician", letterhead=head).pdf
    if keep:
        add_pdf(open_store(url), assessment_id, pdf, by, copy)
    return pdf


class PdfMaker:
    """The helper process that renders PDFs for one app (its store at `url`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: asyncio.Queue[tuple[str, str, str, Letterhead | None]] = asyncio.Queue()
        self.in_flight = 0  # requests being answered now (counted by Busy)
        self.last_answered = time.monotonic()

    def _ready(self) -> ProcessPoolExecutor:
        if self._pool is None:  # spawned, not forked: the server runs threads
            # At the lowest CPU priority: a PDF can wait a moment, a client's page should not.
            self._pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"),
                                             initializer=os.nice, initargs=(19,))
        return self._pool

    async def keep(self, assessment_id: str, document: str, by: str, head: Letterhead | None = None,
                   copy: str = "clinician", keep: bool = True) -> bytes:
        """Render the assessment's PDF in the helper process and keep it."""
        future = self._ready().submit(_render_and_keep, self.url, assessment_id, document, by, head, copy,
                                      keep)
        return await asyncio.wrap_future(future)

    def later(self, assessment_id: str, document: str, by: str, head: Letterhead | None = None) -> None:
        """Render and keep the assessment's PDF when the server is next quiet (`drain`)."""
        self._waiting.put_nowait((assessment_id, document, by, head))

    async def drain(self, store: Any) -> None:
        """Render the waiting PDFs, one at a time, each after QUIET seconds without a request;
        runs for the app's life. A PDF the desk has rendered meanwhile is not rendered again,
        and those still waiting at shutdown are left to the desk (it renders on demand)."""
        from starlette.concurrency import run_in_threadpool

        while True:
            assessment_id, document, by, head = await self._waiting.get()
            while self.in_flight or time.monotonic() - self.last_answered < QUIET:
                await asyncio.sleep(QUIET / 4)
            try:
                if await run_in_threadpool(pdf_of, store, assessment_id) is None:
                    await self.keep(assessment_id, document, by, head)
            except Exception:  # one PDF that fails is left to the desk; the others still come
                logging.getLogger(__name__).exception("the PDF of %s was not rendered", assessment_id)

    async def pdf_for(self, store: Any, assessment_id: str, document: str, by: str,
                      head: Letterhead | None = None) -> bytes:
        """The newest stored PDF of the assessment, rendered and kept first if there is none."""
        from starlette.concurrency import run_in_threadpool

        stored: bytes | None = await run_in_threadpool(pdf_of, store, assessment_id)
        return stored if stored is not None else await self.keep(assessment_id, document, by, head)

    async def client_copy(self, store: Any, assessment_id: str, document: str, head: Letterhead | None = None,
                          *, by: str = "", keep: bool = False) -> bytes:
        """The client copy: the one kept when the plan was released, else rendered now (and kept
        only when `keep`: at the release, signed by who released it)."""
        from starlette.concurrency import run_in_threadpool

        if not keep:
            stored: bytes | None = await run_in_threadpool(pdf_of, store, assessment_id, "client")
            if stored is not None:
                return stored
        return await self.keep(assessment_id, document, by, head, "client", keep)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class Busy:
    """Counts the requests in flight and when the last one was answered, for PdfMaker.drain."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pdfs: PdfMaker = scope["app"].state.pdfs
        pdfs.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            pdfs.in_flight -= 1
            pdfs.last_answered = time.monotonic()


T = TypeVar("T")


class Assessor:
    """The one thread in which the server assesses (and re-assesses) intakes."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="assess")

    def warm(self) -> None:
        """Build the engine's network and load the definitions now, not at the first client."""
        from assess.definitions.questionnaire import battery, questionnaire
        from assess.inference.engine import default_engine

        self._thread.submit(lambda: (default_engine()._instance(), questionnaire(), battery())).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._thread.submit(fn, *args, **kwargs))

    def close(self) -> None:
        self._thread.shutdown(wait=True)
