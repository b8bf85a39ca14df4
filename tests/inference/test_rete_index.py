"""The indexes of rete_index change how fast the network matches, never what it concludes:
every random intake gives the same firings, facts and assessment with and without them."""

from __future__ import annotations

from typing import Any

from conftest import NOW
from hypothesis import given, settings
from strategies import intakes

from assess.inference.engine import Engine, default_engine, ex
from assess.inference.rete_index import _EXPERTA_COPY, _copy, _Dispatch
from assess.services.pipeline import assess_intake

Token = ex.matchers.rete.token.Token
INDEXED = default_engine()
PLAIN = Engine(INDEXED.kb, type("PlainHipEngine", (INDEXED._cls,), {"indexed": False}))


def _dispatches(node: Any, seen: set[int]) -> int:
    if id(node) in seen:
        return 0
    seen.add(id(node))
    return isinstance(node, _Dispatch) + sum(_dispatches(c.node, seen) for c in node.children)


def test_the_indexed_network_has_dispatch_nodes_and_the_plain_one_none() -> None:
    assert _dispatches(INDEXED._instance().matcher.root_node, set()) > 10
    assert _dispatches(PLAIN._instance().matcher.root_node, set()) == 0


@settings(max_examples=150, deadline=None)
@given(intakes())
def test_indexed_and_plain_networks_reach_the_same_assessment(doc: dict[str, Any]) -> None:
    indexed = assess_intake(doc, now=NOW, engine=INDEXED)
    Token.copy = _EXPERTA_COPY  # the plain network as experta ships it, checks and all
    try:
        plain = assess_intake(doc, now=NOW, engine=PLAIN)
    finally:
        Token.copy = _copy
    assert indexed.audit == plain.audit  # every firing, on which facts, with which bindings
    assert indexed.to_json() == plain.to_json()


def test_a_fast_token_copy_equals_experta_s_and_owns_its_parts() -> None:
    INDEXED._instance()
    assert Token.copy is _copy  # the indexed engine installed it
    token = Token.valid([ex.Fact(a=1), ex.Fact(b=2)], {"side": "left"})
    fast, slow = _copy(token), _EXPERTA_COPY(token)
    assert fast == slow and type(fast) is type(slow) is Token
    fast.data.add(ex.Fact(c=3))
    fast.context["side"] = "right"
    assert token.data == slow.data and token.context == {"side": "left"}
