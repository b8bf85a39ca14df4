"""The knowledge base: identities, citations, reachability, and no numbers in decisions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess.definitions.knowledge import KnowledgeBase, RuleDef, load_knowledge
from assess.definitions.knowledge_checks import cross_check
from assess.definitions.rule_conclusions import PrescribeAct
from assess.definitions.rule_language import AnswerCond, is_var
from assess.domain.phases import DECISION_PHASES

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
KB = load_knowledge()


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in KB.rules]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", KB.rules, ids=lambda r: r.id)
def test_every_rule_has_title_rationale_and_source(rule: RuleDef) -> None:
    assert rule.title.strip() and len(rule.rationale.split()) >= 5
    assert rule.source.seed or rule.source.ref
    if rule.source.seed:
        assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", rule.source.seed)


def test_the_knowledge_base_is_consistent() -> None:
    assert cross_check(KB) == []


def test_a_decision_rule_comparing_a_number_is_caught() -> None:
    compares = AnswerCond.model_validate({"answer": "pain_now", "norm": "severe_pain"})
    bad = KB.rules[0].model_copy(update={"id": "CLS-BAD-01", "phase": "classify", "when": (compares,)})
    first = KB.modules[0].model_copy(update={"rules": (*KB.modules[0].rules, bad)})
    broken = KB.model_copy(update={"modules": (first, *KB.modules[1:])})
    assert any("CLS-BAD-01: a decision rule compares a number" in p for p in cross_check(broken))


def test_decision_rules_mention_no_numbers_at_all() -> None:
    for rule in KB.rules:
        if rule.phase in DECISION_PHASES:
            text = repr((rule.when, rule.then))
            assert not re.search(r"(?<![\w$])\d+(\.\d+)?(?![\w])", text), rule.id


def _plain(text: str) -> str:
    """Whitespace folded and typographic quotes made straight, for comparing quotations."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).split())


def _reachable(kb: KnowledgeBase) -> set[str]:
    direct = {ex for r in kb.rules for a in r.then if isinstance(a, PrescribeAct)
              for ex in a.exercises if not is_var(ex)}
    seen = set(direct)
    frontier = list(direct)
    while frontier:
        ex = kb.exercises[frontier.pop()]
        for nxt in (ex.progression, ex.substitute, ex.regression.exercise):
            if nxt and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def test_every_exercise_is_reachable_by_some_rule() -> None:
    assert set(KB.exercises) - _reachable(KB) == set()


SEEDED = [e for e in KB.exercises.values() if e.seed]
PATHWAY = [e for e in KB.exercises.values() if e.guidelines]


@pytest.mark.parametrize("ex", SEEDED, ids=lambda e: e.id)
def test_every_seed_exercise_cites_a_seed_passage(ex) -> None:  # type: ignore[no-untyped-def]
    assert ex.seed and ex.passage
    assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", ex.seed)
    assert ex.passage.count(".") <= 2, "a passage is one sentence at most"
    assert ex.dose.source and ex.dose.frequency
    text = _plain((SEEDS / ex.seed).read_text(encoding="utf-8"))
    for part in ex.passage.split(" ... "):
        assert _plain(part) in text, f"{ex.id}: passage not found in {ex.seed}"


def test_the_catalogue_holds_seed_and_pathway_exercises() -> None:
    assert len(SEEDED) == 34 and len(PATHWAY) >= 20
    assert {e.id for e in SEEDED} | {e.id for e in PATHWAY} == set(KB.exercises)


@pytest.mark.parametrize("ex", PATHWAY, ids=lambda e: e.id)
def test_every_pathway_exercise_cites_its_guidelines_and_no_seed(ex) -> None:  # type: ignore[no-untyped-def]
    assert not ex.seed and not ex.passage
    assert set(ex.guidelines) <= set(KB.sources.references)
    # Its dose cites where the numbers come from: a guideline key, or says it is a design
    # choice or unverified - never a seed, which does not hold it.
    assert not re.search(r"\bseed\b", ex.dose.source, re.I)
    assert any(key in ex.dose.source for key in KB.sources.references) \
        or "design choice" in ex.dose.source or "[unverified]" in ex.dose.source, ex.dose.source


def test_every_pathway_rule_cites_the_guidelines_of_its_exercises() -> None:
    """A pathway rule (rules/pathways.yaml) cites at least one guideline each of its
    pathway exercises comes from, so the rule's source really holds what it prescribes (a seed
    exercise it borrows cites its seed)."""
    from assess.definitions.rule_conclusions import PrescribeAct
    missing = []
    for rule in (r for m in KB.modules if m.module == "pathways" for r in m.rules):
        cited = {key for key in KB.sources.references if key in (rule.source.ref or "")}
        for act in (a for a in rule.then if isinstance(a, PrescribeAct)):
            missing += [f"{rule.id}: {ex}" for ex in act.exercises
                        if KB.exercises[ex].guidelines and not cited & set(KB.exercises[ex].guidelines)]
    assert missing == []


def test_rule_passages_quote_their_seed() -> None:
    missing = []
    for rule in KB.rules:
        if rule.source.seed and rule.source.passage:
            text = _plain((SEEDS / rule.source.seed).read_text(encoding="utf-8"))
            missing += [f"{rule.id}: {part!r}" for part in rule.source.passage.split(" ... ")
                        if _plain(part) not in text]
    assert missing == []


def test_every_seed_is_covered() -> None:
    cited = {r.source.seed for r in KB.rules if r.source.seed} | {e.seed for e in SEEDED}
    assert len(cited) == 5


def test_every_norm_cites_a_source() -> None:
    for name, norm in KB.norms.items():
        assert len(norm.source.split()) >= 4, name


def test_the_ruleset_hash_changes_with_its_content(tmp_path: Path) -> None:
    import shutil

    from assess.definitions.knowledge import folder_sha256

    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    assert folder_sha256(copy) == KB.sha256
    (copy / "norms.yaml").write_text((copy / "norms.yaml").read_text().replace("below: 110", "below: 105"))
    assert folder_sha256(copy) != KB.sha256


def test_no_exercise_combines_the_hip_replacement_pose() -> None:
    """After the precaution window a hip replacement still avoids end-range flexion with
    adduction and internal rotation (Eannucci 2019); rules/precautions.yaml relies on no
    catalogue exercise combining all three."""
    pose = {"hip_flexion_deep", "hip_adduction_midline", "hip_ir_end_range"}
    assert [e.id for e in KB.exercises.values() if pose <= set(e.tags)] == []


def test_every_tag_is_used_or_restricted() -> None:
    """A tag no exercise carries and no precaution names is dead vocabulary."""
    used = {t for e in KB.exercises.values() for t in e.tags}
    named = {t for p in KB.precautions.values() for t in (*p.excludes, *p.modifies)}
    assert set(KB.catalogue.tags) <= used | named


def test_every_precaution_source_is_cited() -> None:
    for pid, p in KB.precautions.items():
        assert p.source.seed or (p.source.ref and len(p.source.ref.split()) >= 4), pid
        text = str(p.source).lower()
        if "design_choice" in p.caveats:
            # A reader of the source (the PDF appendix shows it) must see which part is a choice.
            assert "design choice" in text, pid


def test_every_seed_title_is_taken_from_the_seed() -> None:
    """A title in rules/sources.yaml is the seed's first line, or fragments of it ("..." marks
    a cut; a trailing bracket says what kind of text it is)."""
    assert {p.name for p in SEEDS.glob("*.txt")} == set(KB.sources.seeds)
    for name, seed in KB.sources.seeds.items():
        first = _plain((SEEDS / name).read_text(encoding="utf-8").splitlines()[0])
        title = re.sub(r"\s*\([^)]*\)$", "", seed.title)
        for part in title.split("..."):
            assert _plain(part.strip()) in first, f"{name}: {part!r} is not in its first line"


@pytest.mark.parametrize(("old", "new"), [
    ("next_step_when: at your review, if you can manage {retest}", "next_step_when: at your review"),
    ("go_back_to: Go back to {exercise}.", "go_back_to: Go back to {exercise} {level}."),
])
def test_the_plans_sentences_keep_their_placeholders(tmp_path: Path, old: str, new: str) -> None:
    import shutil

    from assess.definitions.knowledge import load_knowledge
    from assess.domain.errors import KnowledgeBaseError

    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    plan = copy / "plan.yaml"
    assert old in plan.read_text()
    plan.write_text(plan.read_text().replace(old, new))
    with pytest.raises(KnowledgeBaseError, match="wording"):
        load_knowledge(copy)
