"""The phases of a run, as named salience bands defined once.

screen > triage > interpret > classify > summarise > prescribe > safety. Higher salience fires first;
triage sits between screening and interpretation so that every red flag is recorded
before a referral ends the run.
"""

from __future__ import annotations

from typing import Literal

Phase = Literal["screen", "triage", "interpret", "classify", "summarise", "prescribe", "safety"]

SALIENCE: dict[str, int] = {
    "screen": 100,
    "triage": 90,
    "interpret": 80,
    "classify": 60,
    # Rules that depend on what classification did NOT conclude (pain with a normal range of
    # motion, say) run after every classification rule has had its turn.
    "summarise": 50,
    "prescribe": 40,
    "safety": 20,
}

# Decision rules match findings and patterns only and never compare numbers.
DECISION_PHASES: frozenset[str] = frozenset({"classify", "summarise", "prescribe", "safety"})
