"""The rule language fails loudly: a typo in rules/ stops `assess` at start-up, naming the
file, the rule id and the key, instead of loading a rule that silently never fires."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from assess.definitions.knowledge import load_knowledge
from assess.definitions.rule_conclusions import parse_action
from assess.definitions.rule_language import RuleSyntaxError, parse_condition
from assess.domain.errors import KnowledgeBaseError

# (file, text to replace, replacement, what the message must name)
TYPOS = [
    ("patterns.yaml", "when: [{finding: limited_hip_extension, side: $side}]\n    then: [{pattern:",
     "when: [{finding: limited_hip_extension, side: $side}]\n    then: [{patern:",
     ["rules/patterns.yaml", "CLS-EXT-01", "then[0]", "unknown conclusion kind 'patern'"]),
    ("patterns.yaml", "when: [{finding: limited_hip_extension, side: $side}]",
     "when: [{finding: limited_hip_extension, sdie: $side}]",
     ["rules/patterns.yaml", "CLS-EXT-01", "when[0]", "unknown key 'sdie'"]),
    ("patterns.yaml", "when: [{finding: limited_hip_extension, side: $side}]",
     "when: [{findng: limited_hip_extension, side: $side}]",
     ["rules/patterns.yaml", "CLS-EXT-01", "unknown condition kind 'findng'"]),
    ("plan.yaml", "    max_per_block: 1\n", "    max_per_blok: 1\n",
     ["rules/plan.yaml", "dose_levels.high.max_per_blok: unknown key",
      "dose_levels.high.max_per_block: Field required"]),
    ("precautions.yaml", "    excludes: [neural_tension, loaded_spinal_flexion]",
     "    excludes: [neural_tension, loaded_spinal_flexon]",
     ["rules/precautions.yaml", "nerve_root", "unknown tag loaded_spinal_flexon"]),
    ("safety.yaml", "{restricts: $precaution, tag: $tag}", "{restricts: $precaution, tags: $tag}",
     ["rules/safety.yaml", "SAF-PRE-01", "unknown key 'tags'"]),
    ("findings.yaml", "norm: hip_extension_prone_limited}]\n    then: [{finding: limited_hip_extension",
     "norm: hip_extension_prone_limitd}]\n    then: [{finding: limited_hip_extension",
     ["FND-EXT-01", "unknown norm hip_extension_prone_limitd"]),
    # A key given twice: YAML would keep the second silently.
    ("exercises.yaml", "    progression: band_resisted_hinge\n",
     "    progression: band_resisted_hinge\n    progression: db_kb_hinge\n",
     ["exercises.yaml", "line", "duplicate key 'progression'"]),
    ("plan.yaml", "{provoker: 3,", "{provoker: 3, provoker: 1,", ["duplicate key 'provoker'"]),
    # A letter is headed "Letter to the {to}": an addressee that says its own "the" reads twice.
    ("plan.yaml", "to: surgical team (orthopaedics)", "to: the surgical team (orthopaedics)",
     ["letters.surgical_team", "drop its own"]),
    # A priority must name what it is about, and that must be a finding or pattern.
    ("prescription.yaml", "because: provoker, about: pain_deadlift_top}",
     "because: provoker, about: pain_deadlift_tpo}",
     ["RX-PRI-01", "unknown finding or pattern pain_deadlift_tpo"]),
]


def _broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / name).read_text()
    assert text.count(old) == 1, f"the test's anchor is not in {name}"
    (rules / name).write_text(text.replace(old, new))
    return rules


@pytest.mark.parametrize("name, old, new, expected", TYPOS, ids=[t[3][-1] for t in TYPOS])
def test_a_typo_fails_at_load_naming_file_rule_and_key(tmp_path: Path, name: str, old: str, new: str,
                                                       expected: list[str]) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(_broken(tmp_path, name, old, new))
    for part in expected:
        assert part in str(info.value)


def test_the_command_stops_at_start_up_with_the_rule_named(tmp_path: Path) -> None:
    name, old, new, expected = TYPOS[1]
    env = {**os.environ, "ASSESS_RULES": str(_broken(tmp_path, name, old, new))}
    command = [sys.executable, "-m", "assess.cli", "run", str(ROOT / "examples" / "deadlift_lockout.yaml"),
               "-o", str(tmp_path / "p.pdf")]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for part in expected:
        assert part in result.stderr
    assert not (tmp_path / "p.pdf").exists()


@pytest.mark.parametrize("raw, message", [
    ({"finding": "x", "basis": "measured", "colour": "red"}, "unknown key 'colour' for a finding condition"),
    ({"answer": "age", "is": 3, "norm": "older_adult"}, "use one of is, includes, any_of, norm"),
    ("finding x", "expected a mapping"),
    ({}, "unknown condition kind None"),
])
def test_conditions_are_checked(raw: object, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_condition(raw, "when[0]")
    assert message in str(info.value)


@pytest.mark.parametrize("raw, message", [
    ({"exclude": "$e", "kind": "safety"}, "a safety exclusion names the precaution"),
    ({"prescribe": "hinge", "exercises": []}, "exercises"),
    ({"session": "brisk"}, "session"),
    ({"halt": False}, "halt"),
])
def test_conclusions_are_checked(raw: object, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_action(raw, "then[0]")
    assert message in str(info.value)
