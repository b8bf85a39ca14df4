"""Safety invariants over random valid intakes (hypothesis), each checked with its own oracle.

The oracle (tests/oracle.py) reads the raw answers directly, not the engine's findings, so a
rule that failed to fire cannot hide itself. `safety_violations` is shared with the bench,
which runs it over 10,000 intakes and prints the count (it must be 0).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from conftest import NOW
from golden import client_exercises
from hypothesis import event, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from oracle import forbidden_tags, red_flag, sign_off_expected, unscreened, visit_date, withheld_expected
from strategies import intakes

from assess.definitions.knowledge import load_knowledge
from assess.domain.assessment import Assessment
from assess.rendering.report import render_html
from assess.services.pipeline import assess_intake

KB = load_knowledge()
# CI explores a few hundred intakes for the safety invariants; the long profile goes deeper.
SAFETY_EXAMPLES = max(300, settings().max_examples)


def safety_violations(doc: dict[str, Any], a: Assessment) -> list[str]:
    """Every way this assessment breaks a safety invariant; [] when it keeps them all."""
    answers = doc["answers"]
    out: list[str] = []
    readable = client_exercises(a)

    # A red flag always means a referral and no exercise at all.
    if a.plan.referral is not red_flag(answers, visit_date(doc)):
        out.append(f"referral {a.plan.referral} but red flag {red_flag(answers, visit_date(doc))}")
    if a.plan.referral:
        if readable or a.plan.blocks or a.plan.deferred or a.plan.left_out:
            out.append("a referral with exercises")
        return out

    # A cauda-equina "not sure", restrictions in force, a dislocation or revision: no plan by rule.
    if withheld_expected(doc) and (readable or a.plan.blocks or not a.plan.withheld):
        out.append(f"a plan made by rule despite {withheld_expected(doc)}")
    # No exercise a client reads carries a tag that an applicable screen rules out.
    for screen, tags in forbidden_tags(doc).items():
        bad = sorted(e for e in readable if tags & set(KB.exercises[e].tags))
        if bad:
            carried = sorted(tags & {t for e in bad for t in KB.exercises[e].tags})
            out.append(f"{screen}: {bad} carry {carried}")
    # What the client is told to leave out is never also given.
    both = {x.id for x in a.plan.left_out} & readable
    if both:
        out.append(f"left out and given: {sorted(both)}")
    # A screen that needs a clinician makes the plan need one; a missing screen is reported.
    if sign_off_expected(doc) and not a.plan.clinician_review.required:
        out.append(f"no review after {sign_off_expected(doc)}")
    reported = {r.id for r in a.plan.clinician_review.reasons if r.kind == "not_screened"}
    if unscreened(doc) and not reported:
        out.append(f"{unscreened(doc)} missing but not reported as not screened")
    # A straight leg raise that brings on leg pain is never read as hamstring length.
    slr = (doc.get("measurements") or {}).get("slr_reproduces_leg_pain") or {}
    for side in ("left", "right"):
        read_as_hamstrings = any(f.id == "hamstring_restriction" and f.side == side for f in a.findings)
        if slr.get(side) is True and read_as_hamstrings:
            out.append(f"straight leg raise read as hamstring length on the {side} despite leg pain")
    # Nothing that needs equipment the person does not have.
    have = set(answers["equipment"])
    for ex_id in readable - {e.regression_id for b in a.plan.blocks for e in b.exercises}:
        needs = KB.exercises[ex_id].equipment
        if needs and not have & set(needs):
            out.append(f"{ex_id} needs {needs}, has {sorted(have)}")
    # No exercise twice in one plan, and the session cap holds.
    ids = a.plan.exercise_ids()
    if len(ids) != len(set(ids)):
        out.append(f"an exercise twice: {ids}")
    # The cap follows the dose level, and the dose level follows irritability.
    level = KB.plan.dose_levels.level(a.plan.dose_level)
    # A walk on other days is outside the session: it takes no place in the cap.
    in_session = [e for e in ids if KB.exercises[e].minutes]
    if len(in_session) > level.max_exercises:
        out.append(f"{len(in_session)} exercises, cap {level.max_exercises} at dose {a.plan.dose_level}")
    if a.plan.session_minutes > level.max_minutes:
        out.append(f"{a.plan.session_minutes} minutes, cap {level.max_minutes}")
    # Someone in pain with no red flag always has something to do, unless the clinician is to
    # write the plan (withheld): a session is never empty.
    if any(f.id == "pain_present" for f in a.findings) and not a.plan.withheld and not a.plan.blocks:
        out.append("someone in pain with no red flag was given an empty plan")
    # A pathway's sentence ("your plan starts with ...") comes only with that pathway's work:
    # its block's exercises, or what stands in for them, in the session or waiting for it
    # (another pathway's block may hold them: the exercise belongs to the first).
    given = set(ids) | {d.id for d in a.plan.deferred}
    for advice, block in PATHWAY_BLOCKS.items():
        if KB.plan.advice[advice] in a.plan.advice:
            work = set(next(b.priority for b in KB.plan.blocks if b.id == block))
            work |= {sub for e in work if (sub := KB.exercises[e].substitute)}
            if not work & given:
                out.append(f"{advice} is said but the plan holds none of its {block} work")
    worst = max(answers.get("pain_now", 0), answers.get("pain_worst", 0))
    high = KB.norms["irritability_high_pain"].at_least or 0
    if not a.plan.referral and a.plan.exercise_ids() and worst >= high and a.plan.dose_level != "high":
        out.append(f"pain {worst}/10 dosed {a.plan.dose_level}")
    return out


# What the client is told NOT to do: the "left out" list and "(instead of ...)" notes.
_NOT_TO_DO = re.compile(r'<ul class="small left-out">.*?</ul>|<span class="instead-of">.*?</span>', re.S)


def client_text_violations(a: Assessment) -> list[str]:
    """Names of excluded exercises anywhere in the client's pages, outside what they are told
    not to do (the clinician appendix is left out of this rendering); and no page or letter
    claiming a plan the client was not given."""
    html = render_html(a, with_audit=False)
    text = _NOT_TO_DO.sub("", html)
    excluded = {w.exercise for w in a.audit.why_not if w.kind == "safety"}
    out = [f"{KB.exercises[e].name!r} is in the client's text" for e in sorted(excluded)
           if str(escape(KB.exercises[e].name)) in text]
    claims = ("has been given an exercise plan", "Do the blocks in this order")
    if not a.plan.blocks and any(c in html for c in claims):
        out.append("a page or letter claims an exercise plan that was not given")
    if a.plan.blocks and "No exercise plan has been issued" in html:
        out.append("a letter says no plan was issued, but the client has one")
    return out


# Each pathway's sentence for the client, and the block of work it speaks of.
PATHWAY_BLOCKS = {"pathway_falls": "strength_balance", "pathway_bone": "bone_strength",
                  "pathway_hip_replacement": "early_hip_replacement", "pathway_pregnancy": "pelvic_floor",
                  "pathway_hip_joint": "hip_joint_strength", "pathway_nerve_root": "nerve_root_ease"}


@settings(max_examples=SAFETY_EXAMPLES)
@given(intakes())
def test_safety_invariants(doc: dict[str, Any]) -> None:
    a = assess_intake(doc, now=NOW)
    event("referral" if a.plan.referral else f"{len(a.precautions)} precautions")
    for screen in forbidden_tags(doc):
        event(f"screen {screen}")
    assert safety_violations(doc, a) + client_text_violations(a) == []


STAGED = sorted(e.id for e in KB.exercises.values() if e.retest)


@settings(max_examples=SAFETY_EXAMPLES // 2)
@given(intakes(), intakes(),
       st.dictionaries(st.sampled_from(STAGED), st.sampled_from(["passed", "not_passed"])),
       st.integers(min_value=0, max_value=12))
def test_safety_holds_at_a_review(first: dict[str, Any], again: dict[str, Any], retests: dict[str, str],
                                  weeks: int) -> None:
    """A review (any later intake, any re-test results, any interval) is held to the same
    invariants: a progression never moves into what this visit's screen leaves out, and a red
    flag at the review is a referral whatever the last plan was."""
    a1 = assess_intake(first, now=NOW)
    visit = (a1.assessed_on + dt.timedelta(weeks=weeks)).isoformat()
    again = {**again, "date": visit, "retests": retests}
    # A remembered date (an operation) drawn for another visit date may fall after this one.
    when = again["answers"].get("hip_replacement_date")
    if isinstance(when, str) and when > visit[:len(when)]:
        again["answers"] = {**again["answers"], "hip_replacement_date": visit[:7]}
    a2 = assess_intake(again, now=NOW, history=[a1])
    event("referral" if a2.plan.referral else f"{len(a2.review.stages) if a2.review else 0} stage decisions")
    assert safety_violations(again, a2) + client_text_violations(a2) == []


@given(intakes())
def test_runs_are_deterministic_and_every_plan_renders(doc: dict[str, Any]) -> None:
    first = assess_intake(doc, now=NOW)
    second = assess_intake(doc, now=NOW)
    assert first.to_json() == second.to_json()
    html = render_html(first)
    assert html.startswith("<!DOCTYPE html>") and escape(first.client.name) in html
    for block in first.plan.blocks:
        for e in block.exercises:
            assert e.rules, f"{e.id} has no rule behind it"


@given(intakes())
def test_pelvic_tilt_alone_never_marks_overextension(doc: dict[str, Any]) -> None:
    """Anterior tilt counts only with rib flare, a back that lifts, or pain leaning back."""
    m = doc.get("measurements") or {}
    second_sign = (
        (m.get("rib_flare") or {}).get("value") is True
        or (m.get("low_back_flat_crunch") or {}).get("value") is False
        or "leaning_back" in doc["answers"].get("provokers", [])
    )
    a = assess_intake(doc, now=NOW)
    if not second_sign:
        assert "lumbar_overextension" not in {p.id for p in a.patterns}


@settings(max_examples=4)
@given(intakes())
def test_random_plans_render_to_pdf(doc: dict[str, Any]) -> None:
    import io

    from pypdf import PdfReader

    from assess.rendering.report import render_pdf

    a = assess_intake(doc, now=NOW)
    reader = PdfReader(io.BytesIO(render_pdf(a)))
    # pypdf returns some fallback-font runs as UTF-16 with NUL bytes (poppler reads them
    # cleanly); the NULs are an artefact of extraction, not of the PDF.
    text = " ".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")
    assert ("Referral letter" if a.plan.referral else "Your hip and back plan") in text
