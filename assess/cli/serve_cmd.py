"""`assess serve`: the clinician desk on the web. Starlette and uvicorn load only here."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from assess.cli.common import DbOpt, app, errors, say


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    db: DbOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=64,
                                                show_default="one per core, at most 4",
                                                help="Server processes; each assesses intakes on its "
                                                     "own core.")] = None,
) -> None:
    """Serve the clinician desk: sign in, see your assessments, HOW and WHY NOT, download PDFs.

    Example: assess serve --port 8000 --db sqlite:///clinic.db

    Put it behind a TLS proxy to reach it from other machines: the session cookie is marked
    Secure when the request came over https.
    """
    with errors():
        import uvicorn

        from assess.store.database import open_store, resolve_url
        from assess.web.app import create_app

        url = resolve_url(db)
        count = workers or min(4, os.cpu_count() or 1)
        target: Any
        if count == 1:
            target = create_app(url)  # opens the store: a bad URL fails now
        else:
            # Opened and migrated here once, before any worker process opens it.
            open_store(url)
            os.environ["ASSESS_DB"] = url  # what each worker's app_from_environment opens
            target = "assess.web.app:app_from_environment"
        say(f"Serving the desk at http://{host}:{port}/ with {count} process{'es' if count > 1 else ''} "
            "(Ctrl-C stops)")
        uvicorn.run(target, factory=count > 1, workers=count if count > 1 else None, host=host, port=port,
                    log_level="warning", proxy_headers=True)
