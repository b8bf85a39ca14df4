"""Malformed intakes: exit 2, a message naming the problem, no output, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.definitions.intake import validate_intake
from assess.domain.errors import InvalidInput
from assess.files.intake_io import parse_intake_text

CORPUS = ROOT / "tests" / "bad_inputs"
EXPECTED: dict[str, str] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
runner = CliRunner()


def test_the_corpus_is_complete() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.yaml"}
    assert files == set(EXPECTED) and len(files) >= 30


def _run(path: Path, tmp_path: Path) -> tuple[int, str]:
    tmp_path.mkdir(exist_ok=True)
    pdf, js = tmp_path / "out.pdf", tmp_path / "out.json"
    result = runner.invoke(app, ["run", str(path), "-o", str(pdf), "--json", str(js)])
    assert not pdf.exists() and not js.exists(), "something was written for a bad intake"
    assert list(tmp_path.iterdir()) == [], "a temporary file was left behind"
    return result.exit_code, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(name: str, tmp_path: Path) -> None:
    code, stderr = _run(CORPUS / name, tmp_path / "out")
    assert code == 2, stderr
    assert EXPECTED[name] in stderr, f"expected {EXPECTED[name]!r} in:\n{stderr}"
    assert "Traceback" not in stderr and "internal fault" not in stderr


def test_a_very_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("answers:\n  name: " + "x" * 2_000_000 + "\n")
    (tmp_path / "out").mkdir()
    code, stderr = _run(big, tmp_path / "out")
    assert code == 2 and "an intake is at most" in stderr


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    code, stderr = _run(tmp_path, tmp_path / "out")
    assert code == 2 and "is a folder" in stderr


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=25,
)


@given(JSON)
def test_arbitrary_documents_never_crash(doc: object) -> None:
    """Any JSON-shaped document is either a valid intake or an InvalidInput naming problems."""
    for text, as_json in ((json.dumps(doc), True), (yaml.safe_dump(doc), False)):
        try:
            validate_intake(parse_intake_text(text, source="fuzz", as_json=as_json))
        except InvalidInput as exc:
            assert exc.problems and all(p.message for p in exc.problems)


@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    for as_json in (True, False):
        try:
            validate_intake(parse_intake_text(text, source="fuzz", as_json=as_json))
        except InvalidInput as exc:
            assert exc.problems
