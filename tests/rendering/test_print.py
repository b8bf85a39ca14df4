"""Print quality, read back from the PDFs of every example and golden case as a reader meets
them: no heading left at the foot of a page without its content, no exercise card split across
pages, no page that holds only boilerplate, no list item or table row split across pages, no
file names or hashes on the client's pages."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from conftest import EXAMPLES, NOW, ROOT
from golden import assess_case, load_case

from assess.domain.assessment import Assessment
from assess.rendering.report import render_pdf
from assess.services.pipeline import assess_file

# Every example and every golden case: plans of every length and dose, each pathway, with and
# without measurements, referrals and withheld plans, so that page breaks fall in many places.
SAMPLES = [*EXAMPLES, *sorted(p for p in (ROOT / "tests" / "cases").rglob("*.yaml")
                              if p.parent.name != "examples")]


def _assessment(path: Path) -> Assessment:
    if path.parent.name == "examples":
        return assess_file(path, now=NOW)
    return assess_case(load_case(path))

FOOTER_PT = 7.6  # the running footer is 7.5 pt
HEADING_PT = 9.9  # h2 12.5, h3 10.5, exercise names 10; body text is 9.5 or smaller


@dataclass
class Line:
    text: str
    size: float
    top: float
    x0: float


def _lines(page: pdfplumber.page.Page) -> list[Line]:
    """The page's text lines, top to bottom, without the running footer."""
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=True)
    rows: dict[int, list[dict[str, object]]] = {}
    for w in words:
        rows.setdefault(round(float(w["top"]) / 3), []).append(w)
    out = []
    for key in sorted(rows):
        ws = sorted(rows[key], key=lambda w: float(w["x0"]))  # type: ignore[arg-type]
        size = max(float(w["size"]) for w in ws)  # type: ignore[arg-type]
        if size < FOOTER_PT and float(ws[0]["top"]) > page.height - 60:  # type: ignore[arg-type]
            continue
        out.append(Line(" ".join(str(w["text"]) for w in ws), size, float(ws[0]["top"]),  # type: ignore[arg-type]
                        float(ws[0]["x0"])))  # type: ignore[arg-type]
    return out


def _pages(path: Path, with_audit: bool) -> list[list[Line]]:
    pdf = render_pdf(_assessment(path), with_audit=with_audit)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [_lines(p) for p in doc.pages]


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda p: p.stem)
def pages(request: pytest.FixtureRequest) -> list[list[Line]]:
    return _pages(request.param, with_audit=True)


def test_no_heading_is_left_at_the_foot_of_a_page(pages: list[list[Line]]) -> None:
    """A heading must have its content with it: a page may not end with a heading, nor with a
    heading and a line or three of introduction whose section goes on over the page."""
    for n, (lines, after) in enumerate(itertools.pairwise(pages), 1):
        assert lines, f"page {n} is empty"
        headings = [i for i, line in enumerate(lines) if line.size >= HEADING_PT]
        if not headings:
            continue
        last = headings[-1]
        below = len(lines) - 1 - last
        assert below > 0, f"page {n} ends with the heading {lines[last].text!r}"
        head, first = lines[last], after[0] if after else None
        # The section goes on over the page when the next page opens with one of its
        # subheadings, or with more of the same column of text (a table, a list) as the
        # lines under the heading - not with a separate box or a section of its own.
        continues = first is not None and (
            HEADING_PT <= first.size < head.size - 0.5
            or (first.size < HEADING_PT and abs(first.x0 - lines[last + 1].x0) < 1))
        assert below >= 4 or not continues, (
            f"page {n} leaves {lines[last].text!r} with only {below} line(s); its section "
            f"goes on at the top of page {n + 1} ({after[0].text!r})")


EXERCISE_PT = (9.9, 10.2)  # an exercise card's name (h4, 10 pt); h3 is 10.5 and h2 12.5


def test_no_exercise_card_is_split_across_pages(pages: list[list[Line]]) -> None:
    """A card runs from the exercise's name to its "Too hard?" line: both on one page."""
    open_card: tuple[int, str] | None = None
    for n, lines in enumerate(pages, 1):
        for line in lines:
            if EXERCISE_PT[0] <= line.size <= EXERCISE_PT[1] and not line.text.startswith(("Start", "End")):
                open_card = (n, line.text)
            elif "Too hard?" in line.text and open_card is not None:
                start, name = open_card
                assert start == n, f"the card {name!r} starts on page {start}, ends on {n}"
                open_card = None


def test_no_page_holds_only_boilerplate(pages: list[list[Line]]) -> None:
    for n, lines in enumerate(pages, 1):
        # Small print alone (a disclaimer, a source line) is boilerplate; a page of the
        # clinician's appendix tables is small print too, but it is not short.
        small = all(line.size < 9 for line in lines)
        text = " ".join(line.text for line in lines)
        assert not (small and ("rule-based assessment" in text or "rule-based screen" in text)), (
            f"page {n} holds only the disclaimer: {text[:120]!r}")


def test_no_list_item_is_split_across_pages(pages: list[list[Line]]) -> None:
    """A page that ends inside a bulleted item would leave the next page starting with the
    rest of it: an indented line that is not a bullet, a heading or a table row."""
    for n, (lines, after) in enumerate(itertools.pairwise(pages), 1):
        if not lines or not after:
            continue
        bullets = [line for line in lines if line.text.startswith("•")]
        if bullets and bullets[-1] is lines[-1]:
            continue  # the item ends on its own line
        if bullets and lines[-1].x0 > bullets[-1].x0 + 4 and lines[-1].top > bullets[-1].top:
            first = after[0]
            assert first.text.startswith("•") or first.size >= HEADING_PT or first.x0 <= bullets[-1].x0, (
                f"a list item runs from page {n} onto page {n + 1}: {lines[-1].text!r} / {first.text!r}")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_clients_pages_show_no_file_names_or_hashes(example: Path) -> None:
    text = " ".join(line.text for page in _pages(example, with_audit=False) for line in page)
    for leak in (".txt", ".yaml", "rules/", "sha256", "clinical-reference"):
        assert leak not in text, f"{leak!r} on the client's pages"
