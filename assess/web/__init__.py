"""The web layer: `assess serve`'s clinician desk (Starlette, server-rendered jinja2 pages),
over the same store, rules and words as the command line. Imported only by `assess serve`."""
