"""The matched state of experta's RETE network, kept and put back. The catalogue's facts (tags,
progressions, what each precaution restricts) are the same for every client: an engine declares
and matches them once, keeps the state of every node, fact list and agenda, and starts each run
from a copy of it instead of from empty. This saves matching about 200 facts per assessment;
tests/inference/test_rete_index.py checks that the results equal a run declared from scratch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from experta.factlist import FactList

from assess.inference.rete_index import network_nodes

# The attributes in which experta's nodes keep their memory (lists, dicts and sets of immutable
# tokens and activations: a shallow copy is a full copy of the state).
_MEMORY = ("left_memory", "right_memory", "memory", "added", "removed")
# And the recorder's own: the record of each fact and who declared it.
_RECORDER = ("records", "by_id")


@dataclass(frozen=True)
class Kept:
    nodes: tuple[tuple[Any, str, Any], ...]  # node, attribute, its memory
    facts: tuple[tuple[int, Any], ...]
    last_index: int
    references: Counter[Any]
    agenda: tuple[Any, ...]
    recorder: tuple[tuple[str, dict[Any, Any]], ...]


def keep(engine: Any) -> Kept:
    """The state of `engine` (a KnowledgeEngine at rest, between runs)."""
    nodes = tuple((node, name, getattr(node, name).copy()) for node in network_nodes(engine.matcher.root_node)
                  for name in _MEMORY if name in vars(node))
    facts = engine.facts
    return Kept(nodes, tuple(facts.items()), facts.last_index, Counter(facts.reference_counter),
                tuple(engine.agenda.activations),
                tuple((name, dict(getattr(engine, name))) for name in _RECORDER))


def put_back(engine: Any, kept: Kept) -> None:
    """Return `engine` to the state `kept` (each memory a fresh copy: `kept` stays as it was)."""
    for node, name, memory in kept.nodes:
        setattr(node, name, memory.copy())
    facts = FactList()
    facts.update(kept.facts)
    facts.last_index = kept.last_index
    facts.reference_counter = Counter(kept.references)
    engine.facts = facts
    engine.agenda.activations = list(kept.agenda)
    engine.running = False
    for name, value in kept.recorder:
        setattr(engine, name, dict(value))
