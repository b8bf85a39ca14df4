"""The PDF and its HTML: content, page numbers, metadata, attachment, and safe rendering."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW, ROOT, load_example
from pypdf import PdfReader

from assess.domain.assessment import Assessment
from assess.rendering.pdf import asset_fetcher
from assess.rendering.report import render_html, render_pdf
from assess.services.pipeline import assess_file, assess_intake

SNAPSHOTS = ROOT / "tests" / "snapshots"


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW)


@pytest.fixture(scope="module")
def demo_pdf(demo: Assessment) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf(demo)))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_plan_pdf_carries_the_plan(demo: Assessment, demo_pdf: PdfReader) -> None:
    text = _text(demo_pdf)
    assert "Your hip and back plan" in text and "Sam Carter" in text
    for block in demo.plan.blocks:
        for e in block.exercises:
            assert e.name in text
    assert "Stop or change the exercise if" in text and "Session log" in text
    assert "Your goals" in text and "Deadlift 180 kg again" in text and "Deadlift lockout" in text
    assert f"Page 1 of {len(demo_pdf.pages)}" in text
    assert "Clinician appendix" in text and "FND-EXT-01" in text


def test_pdf_metadata_and_bookmarks(demo_pdf: PdfReader) -> None:
    meta = demo_pdf.metadata
    assert meta is not None
    assert meta.title == "Your hip and back plan - Sam Carter"
    assert meta.author == "A. Physio"
    assert meta.get("/CreationDate")
    titles = [o.title for o in demo_pdf.outline if not isinstance(o, list)]
    assert "Your hip and back plan" in titles
    root: Any = demo_pdf.trailer["/Root"]
    assert root.get("/Lang") == "en" and "/StructTreeRoot" in root  # tagged for screen readers


def test_the_assessment_json_is_attached(demo: Assessment, demo_pdf: PdfReader) -> None:
    attached = demo_pdf.attachments["assessment.json"][0]
    assert json.loads(attached) == json.loads(demo.to_json())


def test_no_audit_leaves_every_clinician_datum_out(demo: Assessment) -> None:
    raw = render_pdf(demo, with_audit=False)
    reader = PdfReader(io.BytesIO(raw))
    text = _text(reader)
    assert "Clinician appendix" not in text and "Your plan" in text
    # Nothing embedded: no attachment, and none of the screen's answers or rule ids anywhere
    # in the file (streams are compressed, so also look in the decoded text).
    assert reader.attachments == {}
    assert b"assessment.json" not in raw and b"EmbeddedFile" not in raw
    assert "rf_" not in text and "RX-EXT" not in text


def test_letter_size_and_archival(demo: Assessment) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(demo, page_size="letter", archival=True)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    root: Any = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"pdfaid:conformance" in xmp
    assert "assessment.json" in reader.attachments  # PDF/A-3 allows the embedded data


def test_the_referral_letter_has_no_exercise() -> None:
    a = assess_file(ROOT / "examples" / "red_flag.yaml", now=NOW)
    text = _text(PdfReader(io.BytesIO(render_pdf(a))))
    assert "Referral letter" in text and "Emergency - today" in text
    assert "No exercise plan has been issued" in text
    assert "saddle" in text.lower()
    assert "Your plan" not in text and "Session log" not in text


def test_the_referral_letter_gives_a_doctor_what_they_need(intake: Any) -> None:
    doc = intake(base="red_flag", answers={"rf_bladder_bowel": False, "rf_saddle_numbness": False,
                                           "rf_both_legs": False, "rf_fever": True,
                                           "rf_immunosuppression": True})
    doc["clinician_contact"] = "Riverside Clinic, 01632 960001"
    a = assess_intake(doc, now=NOW)
    assert a.plan.referral and a.plan.referral_detail
    assert a.plan.referral_detail.urgency != "emergency"
    text = " ".join(_text(PdfReader(io.BytesIO(render_pdf(a, with_audit=False)))).split())
    # Reason and urgency first, then the screen (yes and no), the history, and who to contact.
    assert text.index("Reason for referral") < text.index("Red-flag screen") < text.index("History")
    assert "To the doctor who sees" in text and "emergency clinician" not in text
    assert "fever" in text.lower() and "(no)" in text
    assert "8 out of 10" in text and "9 out of 10" in text and "below knee" in text
    assert "A. Physio" in text and "Riverside Clinic, 01632 960001" in text


def test_an_emergency_letter_tells_the_client_to_go_now_and_is_not_signed_blank(intake: Any) -> None:
    doc = intake(base="red_flag")
    doc.pop("clinician", None)
    a = assess_intake(doc, now=NOW)
    text = " ".join(_text(PdfReader(io.BytesIO(render_pdf(a, with_audit=False)))).split())
    assert "To the emergency clinician who sees" in text
    assert "Go to an emergency department today" in text
    assert "no clinician has examined the client" in text
    assert "Clinician:" not in text


HOSTILE = ('<img src="file:///etc/passwd"><a href="http://example.invalid/x">x</a>'
           '<link rel="attachment" href="file:///etc/hostname">'
           '<style>body{background:url(file:///etc/passwd)}</style>'
           '<script>alert(1)</script>')


def test_hostile_text_is_shown_literally_and_nothing_is_fetched(intake: Any) -> None:
    doc = intake(base="deadlift_lockout", answers={"name": HOSTILE[:80], "goal_text": HOSTILE,
                                                   "easers": HOSTILE[:500]})
    doc["clinician"] = '<img src="file:///etc/shadow">'
    a = assess_intake(doc, now=NOW)
    html = render_html(a)
    assert "<img src=\"file:" not in html and "<script>" not in html and "<style>body" not in html
    fetcher = asset_fetcher()
    reader = PdfReader(io.BytesIO(render_pdf(a, fetcher=fetcher)))
    assert fetcher.refused == [] and fetcher.served == []
    assert '<img src="file:///etc/passwd">' in _text(reader)
    assert list(reader.attachments) == ["assessment.json"]


def test_the_fetcher_serves_only_its_own_assets(tmp_path: Path) -> None:
    fetcher = asset_fetcher()
    for url in ("file:///etc/passwd", "http://example.invalid/", "assess-asset:../print.css",
                "assess-asset:/etc/passwd", "data:text/plain,hi"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5


CASES = ["deadlift_lockout", "red_flag", "nothing_wrong", "overextension"]


@pytest.mark.parametrize("name", CASES)
def test_html_snapshot(name: str, request: pytest.FixtureRequest) -> None:
    a = assess_file(ROOT / "examples" / f"{name}.yaml", now=NOW)
    html = render_html(a)
    # The rule set hash changes with every edit of rules/; the snapshot is about layout and text.
    html = re.sub(r"[0-9a-f]{64}", "<sha256>", html)
    html = re.sub(r"\(([0-9a-f]{12})\)", "(<sha12>)", html)
    html = re.sub(r"assess \d+\.\d+\.\d+\S*", "assess <version>", html)
    snap = SNAPSHOTS / f"{name}.html"
    # Written only on request, and never compared in the run that writes it: a new or
    # changed snapshot is reviewed (git diff) and checked by the next run.
    if request.config.getoption("--update-snapshots"):
        snap.parent.mkdir(exist_ok=True)
        snap.write_text(html)
        pytest.skip(f"wrote {snap.name}; review it with git diff, then run the tests again")
    assert snap.exists(), f"{snap} is missing; write it with pytest --update-snapshots -k snapshot"
    assert html == snap.read_text(), f"{snap} differs; run pytest --update-snapshots -k snapshot if intended"


def _runs_off_the_page(pdf: bytes) -> list[str]:
    import pdfplumber

    problems = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages, 1):
            for ch in page.chars:
                if ch["x0"] < 0 or ch["x1"] > page.width - 20 or ch["top"] < 0 or ch["bottom"] > page.height:
                    problems.append(f"page {n}: {ch['text']!r} at x {ch['x0']:.0f}-{ch['x1']:.0f}")
    return problems


@pytest.mark.parametrize("base", ["deadlift_lockout", "red_flag"])
def test_long_unbroken_words_stay_on_the_page(intake: Any, base: str) -> None:
    word = "W" * 80
    doc = intake(base=base, answers={"name": word, "goal_text": ("G" * 400 + " ") * 2,
                                     "psfs": [{"activity": "A" * 120, "score": 3}],
                                     "hip_problems": True, "hip_problems_detail": "H" * 500})
    doc["clinician"] = "C" * 120
    pdf = render_pdf(assess_intake(doc, now=NOW))
    assert _runs_off_the_page(pdf) == []


def test_the_page_edge_check_can_fail() -> None:
    """The check above finds text that does run off the page."""
    from weasyprint import HTML

    pdf = HTML(string="<p style='white-space: nowrap'>" + "W" * 300 + "</p>").write_pdf()
    assert _runs_off_the_page(pdf)


def test_the_same_assessment_renders_to_the_same_bytes(tmp_path: Path) -> None:
    """Reproducible: two processes, different hash seeds, the same SOURCE_DATE_EPOCH."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1763596800", "PYTHONHASHSEED": seed}
        pdf, js = tmp_path / f"p{seed}.pdf", tmp_path / f"a{seed}.json"
        example = str(ROOT / "examples" / "overextension.yaml")
        command = [sys.executable, "-m", "assess.cli", "run", example, "-o", str(pdf), "--json", str(js)]
        subprocess.run(command, check=True, env=env, capture_output=True)
        outputs.append((pdf.read_bytes(), js.read_bytes()))
    assert outputs[0][1] == outputs[1][1], "the JSON differs"
    assert outputs[0][0] == outputs[1][0], "the PDF differs"
    assert b'"generated_at": "2025-11-20T00:00:00+00:00"' in outputs[0][1]


def _rows(a: Assessment) -> dict[str, dict[str, Any]]:
    from assess.definitions.knowledge import load_knowledge
    from assess.rendering.chart import chart_rows

    return {r["name"]: r for r in chart_rows(load_knowledge(), a)}


def test_the_chart_draws_the_bands_the_words_were_read_against(intake: Any) -> None:
    prone = _rows(assess_file(ROOT / "examples" / "deadlift_lockout.yaml", now=NOW))
    ext = prone["Hip extension"]
    assert [(b["kind"], b["limit"]) for b in ext["bands"]] == [("borderline", 10), ("limited", 0)]
    # The right side at 4 deg sits in the "below normal" band, as the text says.
    assert any(b["kind"] == "borderline" and b["from"] <= 4 < b["to"] for b in ext["bands"])
    # Seated rotation has no normal range here: no band, not all green.
    seated = prone["Hip internal rotation, seated"]
    assert seated["no_norm"] and not seated["bands"]
    doc = load_example("deadlift_lockout")
    doc["measurements"]["hip_extension"]["method"] = "thomas"
    thomas = _rows(assess_intake(doc, now=NOW))["Hip extension"]
    assert [(b["kind"], b["limit"]) for b in thomas["bands"]] == [("limited", 0)]
    doc = load_example("deadlift_lockout")
    doc["answers"]["age"] = 68
    older = _rows(assess_intake(doc, now=NOW))
    assert [b["kind"] for b in older["Hip extension"]["bands"]] == ["limited"]
    # From 60 hip flexion is read against its own band.
    assert [b["limit"] for b in older["Hip flexion"]["bands"]] != \
        [b["limit"] for b in prone["Hip flexion"]["bands"]]
