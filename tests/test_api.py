"""The public Python API: what `assess` exports, that it works, and that importing it is light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import NOW, load_example

import assess


def test_the_public_names() -> None:
    assert assess.__all__ == ["__version__", "Assessment", "Intake", "assess_intake", "assess_and_render",
                              "assess_file", "validate_intake", "render_pdf", "render_html", "InvalidInput",
                              "KnowledgeBaseError", "load_knowledge"]
    for name in assess.__all__:
        assert getattr(assess, name) is not None, name


def test_an_intake_to_a_pdf_through_the_api() -> None:
    from assess import Assessment, assess_intake, render_pdf

    a = assess_intake(load_example("deadlift_lockout"), now=NOW)
    assert isinstance(a, Assessment) and a.plan.blocks
    assert render_pdf(a, with_audit=False).startswith(b"%PDF-")


def test_an_invalid_intake_raises_with_every_problem() -> None:
    import pytest

    with pytest.raises(assess.InvalidInput) as caught:
        assess.assess_intake({"answers": {}})
    assert len(caught.value.problems) > 10


def test_importing_assess_loads_neither_the_engine_nor_the_renderer() -> None:
    code = ("import sys, assess; assess.__version__; "
            "print(sorted(m for m in ('weasyprint', 'experta', 'pydantic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_is_marked_typed() -> None:
    assert (Path(assess.__file__).parent / "py.typed").is_file()


def test_an_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        assess.nothing_here  # noqa: B018


def test_every_export_is_listed_once() -> None:
    from assess import _EXPORTS

    assert sorted(assess.__all__[1:]) == sorted(_EXPORTS)


def test_the_pipeline_plan_and_audit_load_without_the_engine() -> None:
    """Only assess.inference.engine imports experta: a store, a web page or an export that reads
    assessments never pays for the rule engine."""
    code = ("import sys, assess.services.pipeline, assess.reasoning.assemble, assess.reasoning.audit_trail, "
            "assess.reasoning.audit_words, assess.cli.explain; print('experta' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
