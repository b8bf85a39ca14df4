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
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("assess")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

# Public name -> the module that defines it.
_EXPORTS = {
    "Assessment": "assess.pipeline",
    "assess_intake": "assess.pipeline",
    "assess_file": "assess.pipeline",
    "validate_intake": "assess.models",
    "render_pdf": "assess.report",
    "render_html": "assess.report",
    "InvalidInput": "assess.errors",
    "KnowledgeBaseError": "assess.errors",
    "load_knowledge": "assess.knowledge",
}
__all__ = ["__version__", "Assessment", "assess_intake", "assess_file", "validate_intake",  # noqa: RUF022
           "render_pdf", "render_html", "InvalidInput", "KnowledgeBaseError", "load_knowledge"]

if TYPE_CHECKING:
    from assess.errors import InvalidInput, KnowledgeBaseError
    from assess.knowledge import load_knowledge
    from assess.models import validate_intake
    from assess.pipeline import Assessment, assess_file, assess_intake
    from assess.report import render_html, render_pdf


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assess' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
