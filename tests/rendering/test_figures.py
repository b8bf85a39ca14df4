"""Every exercise has its own figure: start and end (two panels, or an arrow of movement), the
equipment it uses, the side it works, and alt text in words."""

from __future__ import annotations

import re
from html import escape

import pytest

from assess.definitions.knowledge import load_knowledge
from assess.rendering.figures import EQUIPMENT_PROPS, alt_text, figure_ids, figure_svg, parts

KB = load_knowledge()
EXERCISES = list(KB.exercises.values())


def test_every_exercise_has_a_figure_and_every_figure_an_exercise() -> None:
    assert figure_ids() == set(KB.exercises)


def test_no_two_exercises_share_a_figure() -> None:
    # The drawing itself, without the words that name it: two exercises drawn alike would
    # show a client the wrong movement for one of them.
    drawings: dict[str, str] = {}
    for ex in EXERCISES:
        svg = figure_svg(ex.id)
        body = re.sub(r'aria-label="[^"]*"|<title>.*?</title>', "", svg)
        assert body not in drawings, f"{ex.id} is drawn like {drawings.get(body)}"
        drawings[body] = ex.id


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_a_figure_draws_the_equipment_its_exercise_uses(ex) -> None:  # type: ignore[no-untyped-def]
    drawn = parts(ex.id)
    # Any one of an exercise's equipment is enough for it, so the figure draws at least one.
    if ex.equipment:
        assert any(set(EQUIPMENT_PROPS[e]) & drawn for e in ex.equipment), (ex.equipment, drawn)
    # A figure never shows equipment the exercise does not use.
    shown = {e for e, props in EQUIPMENT_PROPS.items() if set(props) & drawn} - {"wall", "chair"}
    assert shown <= set(ex.equipment), shown - set(ex.equipment)


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_a_figure_shows_start_and_end_the_side_and_says_it_in_words(ex) -> None:  # type: ignore[no-untyped-def]
    svg = figure_svg(ex.id)
    two_panels = svg.count(">Start<") == 1 and svg.count(">End<") == 1
    assert two_panels or "arrow" in parts(ex.id), "neither start and end nor an arrow of movement"
    alt = alt_text(ex.id)
    assert len(alt.split()) >= 8 and alt[0].isupper(), alt
    assert f'aria-label="{escape(alt)}"' in svg
    assert 'role="img"' in svg and "<title>" in svg
    # A one-sided exercise marks the side it works in the accent colour, and says so.
    if ex.side_specific:
        assert "the side you work" in svg, ex.id


def test_the_figure_of_a_named_exercise_shows_what_the_card_says() -> None:
    # The three half-kneeling drills of one rotation are three different drawings, the couch
    # stretch's back shin goes up the wall, and the banded hinge has its band.
    assert "box" in parts("hip_ir_ext_box_eccentric") and "box" not in parts("hip_ir_ext_pails_rails")
    assert "wall" in parts("couch_stretch")
    assert {"band"} <= parts("banded_hip_hinge") and {"weight"} <= parts("db_kb_hinge")
    assert "turns in" in alt_text("hip_ir_ext_pails_rails") and "turns out" in alt_text(
        "hip_er_ext_pails_rails"
    )
