"""assess: rule-based assessment of hip mobility and low back pain.

The public API, for use from Python::

    from assess import assess_intake, render_pdf
    a = assess_intake({"answers": {...}, "measurements": {...}})
    pdf_bytes = render_pdf(a)

Names are loaded on first use, so `import assess` (and `assess --help`) stays light: the rule
engine and the PDF renderer load only when an assessment or a PDF is asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it.
_EXPORTS = {
    "Assessment": "assess.domain.assessment",
    "Intake": "assess.domain.assessment",
    "assess_and_render": "assess.services.render",
    "assess_intake": "assess.services.pipeline",
    "assess_file": "assess.services.pipeline",
    "validate_intake": "assess.definitions.intake",
    "render_pdf": "assess.rendering.report",
    "render_html": "assess.rendering.report",
    "InvalidInput": "assess.domain.errors",
    "KnowledgeBaseError": "assess.domain.errors",
    "load_knowledge": "assess.definitions.knowledge",
}
__all__ = ["__version__", "Assessment", "Intake", "assess_intake", "assess_and_render",  # noqa: RUF022
           "assess_file", "validate_intake", "render_pdf", "render_html", "InvalidInput",
           "KnowledgeBaseError", "load_knowledge"]

if TYPE_CHECKING:
    __version__: str
    from assess.definitions.intake import validate_intake
    from assess.definitions.knowledge import load_knowledge
    from assess.domain.assessment import Assessment, Intake
    from assess.domain.errors import InvalidInput, KnowledgeBaseError
    from assess.rendering.report import render_html, render_pdf
    from assess.services.pipeline import assess_file, assess_intake
    from assess.services.render import assess_and_render


def _version() -> str:
    # importlib.metadata costs 50 ms to import: paid when the version is asked for, not by
    # every `assess --help`.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assess")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = value = _version()
        return value
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assess' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
