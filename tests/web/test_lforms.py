"""A real outside client: LHC-Forms (the NLM's FHIR form renderer, npm `lforms` 40.1.3, loaded
offline from the package's dist/ in a page served as UTF-8) renders the Questionnaire that
`assess fhir questionnaire` writes, in Debian's headless Chromium. The test fills it in as a
person would, takes the QuestionnaireResponse from LHC-Forms' own API
(LForms.Util.getFormFHIRData), and runs it through `assess run` to a plan or a referral. No code
of ours shapes that response.

The package is fetched once from the npm registry into ~/.cache/assess-tests (or
$ASSESS_TEST_CACHE) and checked against its published sha512 integrity before use."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from npm_packages import npm_package
from playwright.sync_api import Browser, Page, expect
from test_desk import browser_type_launch_args, shots  # noqa: F401 - fixtures
from typer.testing import CliRunner

from assess.cli.commands import app
from assess.definitions.questionnaire import questionnaire
from assess.fhir.incoming import fhir_intake
from assess.fhir.questionnaires import option_system

VERSION = "40.1.3"
INTEGRITY = "sha512-WLruTm+BcVnafC0rSAQ3/cNqhxvclBUxyBG68aub/uha2NaK9H8ZZcEXTTuORuGzzCt0wa7fvhuieZtcDIdPzQ=="
WANTED = ("package/dist/lforms/webcomponent/", "package/dist/lforms/fhir/R4/")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="lforms/webcomponent/styles.css"></head>
<body><div id="form"></div>
<script src="lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="lforms/webcomponent/runtime.js"></script>
<script src="lforms/webcomponent/polyfills.js"></script>
<script src="lforms/webcomponent/main.js"></script>
<script src="lforms/fhir/R4/lformsFHIR.min.js"></script>
</body></html>
"""


def _dist() -> Path:
    """LHC-Forms' dist/lforms (web component and R4 support), fetched and checked once."""
    return npm_package("lforms", VERSION, INTEGRITY, WANTED) / "dist" / "lforms"


class _Utf8(SimpleHTTPRequestHandler):
    # LHC-Forms' FHIRPath parser fails to load from a script served in another charset.
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        kind = super().guess_type(path)
        return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def forms_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page loading LHC-Forms, and beside it our Questionnaire, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("lforms")
    (root / "lforms").symlink_to(_dist(), target_is_directory=True)
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    made = CliRunner().invoke(app, ["fhir", "questionnaire", "-o", str(root / "intake.json")])
    assert made.exit_code == 0, made.output
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Utf8, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _open(browser: Browser, forms_url: str) -> Page:
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{forms_url}/page.html")
    page.wait_for_function("() => typeof LForms !== 'undefined' && typeof LForms.Util !== 'undefined'")
    page.evaluate("async url => LForms.Util.addFormToPage(await (await fetch(url)).json(), 'form')",
                  f"{forms_url}/intake.json")
    expect(page.locator("[id='name/1/1']")).to_be_visible()
    assert errors == []
    return page


def _fill(page: Page, answers: dict[str, Any]) -> None:
    """Answer in LHC-Forms as a person would: type, click the radio buttons and check boxes."""
    q = questionnaire()
    items = q.by_id()
    for key, value in answers.items():
        if key == "psfs":  # the first row of the repeating group
            page.fill("[id='activity/1/1/1']", value[0]["activity"])
            page.fill("[id='score/1/1/1']", str(value[0]["score"]))
        elif items[key].unsure:  # yes, no or not sure: coded radio buttons
            code = {True: "yes", False: "no"}.get(value, value)
            page.click(f"[id='{key}/1/1|{option_system(q.id, key)}|{code}']")
        elif items[key].type == "boolean":
            page.click(f"[id='{key}/1/1|{'true' if value else 'false'}']")
        elif items[key].type == "choice":
            for v in value if isinstance(value, list) else [value]:
                page.click(f"[id='{key}/1/1|{option_system(q.id, key)}|{v}']")
        else:
            page.fill(f"[id='{key}/1/1']", str(value))


@pytest.mark.parametrize(("example", "said"), [("deadlift_lockout", "Plan: "), ("red_flag", "Referral (")])
def test_lhc_forms_fills_our_questionnaire_and_assess_runs_its_response(
        browser: Browser, forms_url: str, shots: Path, tmp_path: Path, example: str, said: str) -> None:
    answers = yaml.safe_load((ROOT / "examples" / f"{example}.yaml").read_text())["answers"]
    page = _open(browser, forms_url)
    # enableWhen survives: "Which side?" is asked only once the pain is somewhere.
    expect(page.locator("[id='item-pain_side/1/1']")).to_have_count(0)
    _fill(page, answers)
    if "pain_side" in answers:
        expect(page.locator("[id='item-pain_side/1/1']")).to_be_visible()
    page.screenshot(path=str(shots / f"lforms-{example}.png"), full_page=True)
    response = page.evaluate("() => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4')")
    page.close()
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["questionnaire"].endswith(f"/hip-lbp-intake|{questionnaire().version}")
    given = tmp_path / "response.json"
    given.write_text(json.dumps(response))
    typed = {**answers, **({"psfs": answers["psfs"][:1]} if "psfs" in answers else {})}
    assert fhir_intake(response, str(given))["answers"] == typed
    out = tmp_path / "plan.pdf"
    result = CliRunner().invoke(app, ["run", str(given), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert said in result.output and out.read_bytes().startswith(b"%PDF")
