"""Where the server's heavy work runs, so that pages stay quick beside it.

Assessing runs the rule engine, whose network is built once per thread (a second or so) and
holds the interpreter while it runs: it has one thread of its own, warmed at start, instead of
a network in each of the server's forty worker threads. A PDF takes a second or more of CPU:
it is rendered in one helper process (started on first use) and kept in the store; a web
intake is saved first and its PDF rendered after the client's page is sent, and the desk
renders one on demand when the store has none yet."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from assess.store.accounts import pdf_of


def _render_and_keep(url: str, assessment_id: str, document: str, by: str) -> bytes:
    """In the helper process: render the stored assessment's PDF and keep it in the store."""
    from assess.domain.assessment import Assessment
    from assess.services.render import rendered
    from assess.store.database import open_store
    from assess.store.records import add_pdf

    pdf = rendered(Assessment.model_validate_json(document), with_audit=True).pdf
    add_pdf(open_store(url), assessment_id, pdf, by)
    return pdf


class PdfMaker:
    """The helper process that renders PDFs for one app (its store at `url`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: ProcessPoolExecutor | None = None

    def _ready(self) -> ProcessPoolExecutor:
        if self._pool is None:  # spawned, not forked: the server runs threads
            self._pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
        return self._pool

    async def keep(self, assessment_id: str, document: str, by: str) -> bytes:
        """Render the assessment's PDF in the helper process and keep it."""
        future = self._ready().submit(_render_and_keep, self.url, assessment_id, document, by)
        return await asyncio.wrap_future(future)

    async def pdf_for(self, store: Any, assessment_id: str, document: str, by: str) -> bytes:
        """The newest stored PDF of the assessment, rendered and kept first if there is none."""
        from starlette.concurrency import run_in_threadpool

        stored: bytes | None = await run_in_threadpool(pdf_of, store, assessment_id)
        return stored if stored is not None else await self.keep(assessment_id, document, by)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


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
