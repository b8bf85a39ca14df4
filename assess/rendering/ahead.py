"""WeasyPrint made ready in a second process while this one assesses.

A single `assess run` spends about half a second importing WeasyPrint and loading fonts before
it lays out a page, and about as long reading the rules and reasoning; one after the other,
that is a third more than the PDF itself. A forked helper does the first while the parent does
the second, so the user waits for the longer of the two. Anything unusual (no fork on this
platform, other threads running, the helper failing or dying) renders in this process
instead: the same function, the same bytes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import threading
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the helper, after the fork: the parent forks first, at once
    from assess.rendering.pdf import PdfRequest


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The helper: warm up, then render the one request it is sent (or none)."""
    from assess.rendering.pdf import pdf_from_html, warm

    warm()
    try:
        req = pickle.load(requests)
    except EOFError:
        return  # the parent stopped before it had a page to render (an invalid intake)
    try:
        reply: tuple[str, Any] = ("pdf", pdf_from_html(req))
    except Exception as exc:  # reported to the parent, which renders itself and raises there
        reply = ("error", repr(exc))
    pickle.dump(reply, replies)
    replies.flush()


class RenderAhead:
    """One PDF, rendered by a helper forked now; `render` falls back to this process."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self._to: IO[bytes] | None = None
        self._from: IO[bytes] | None = None
        # fork copies only the calling thread: with others running, a lock one of them held
        # would stay locked in the child forever.
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper
            code = 0
            try:
                os.close(req_w)
                os.close(rep_r)
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):  # hold none of the parent's terminal or pipes open
                    os.dup2(devnull, fd)
                with os.fdopen(req_r, "rb") as requests, os.fdopen(rep_w, "wb") as replies:
                    _serve(requests, replies)
            except BaseException:
                code = 1
            finally:
                os._exit(code)  # never the parent's exit handlers or buffered output
        os.close(req_r)
        os.close(rep_w)
        self.pid = pid
        self._to = os.fdopen(req_w, "wb")
        self._from = os.fdopen(rep_r, "rb")

    def render(self, req: PdfRequest) -> bytes:
        if self._to is not None and self._from is not None:
            with contextlib.suppress(OSError, EOFError, pickle.PickleError):
                pickle.dump(req, self._to)
                self._to.close()
                kind, value = pickle.load(self._from)
                if kind == "pdf" and isinstance(value, bytes):
                    self.close()
                    return value
        self.close()
        from assess.rendering.pdf import pdf_from_html

        return pdf_from_html(req)

    def close(self) -> None:
        """Stop the helper if it is still running and reap it."""
        for stream in (self._to, self._from):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._to = self._from = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = None

    def __enter__(self) -> RenderAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()



_early: RenderAhead | None = None


def start_early() -> None:
    """Fork the helper now, before the command line is even parsed (`assess run` and `assess
    demo` call this first thing); `claim` hands it to the command. Killed at exit if unused."""
    global _early
    if _early is None:
        _early = RenderAhead()
        atexit.register(_early.close)


def claim() -> RenderAhead:
    """The helper started early, or a new one."""
    global _early
    helper, _early = _early, None
    return helper if helper is not None else RenderAhead()
