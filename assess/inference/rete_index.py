"""Two indexes experta's RETE network lacks: hashed alpha memory, and the rules a change touched.

experta's alpha network offers every fact to every sibling test in turn: an `Answer` fact is
compared with each of the hundred-odd `item == ...` tests written in the rules, and each
comparison copies the token first. Nine in ten of the tests an assessment runs fail. This is
the indexing of Doorenbos (1995, "Production matching for large learning systems", 2.2.3):
siblings that test the same field against a literal are replaced by one node that looks the
fact's value up in a dict and offers the fact only to the tests that can pass.

After every change experta also asks each of its ~240 conflict-set nodes (one per rule) for new
activations, though a change reaches a few. Each node now notes that it was reached, and only
those are asked, in experta's own order.

The network's nodes, memories and results are unchanged; tests/inference/test_rete_index.py
runs both networks over random intakes and compares every firing and fact.

Every alpha test copies the token it is offered, and experta's `Token.copy` re-checks the type
of the tag, of every fact and of the context each time, though a copy's parts are the token's
own, already checked: `fast_token_copy` makes the same copy without the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from experta.matchers.rete.check import FeatureCheck, TypeCheck
from experta.matchers.rete.mixins import ChildNode
from experta.matchers.rete.nodes import ConflictSetNode, FeatureTesterNode
from experta.matchers.rete.token import Token

# Literal types whose `==` agrees with dict look-up (floats are left alone: NaN).
_INDEXABLE = (str, int, bool)
_PLAIN = (str, int, bool, float)  # values whose hash agrees with `==` across these types
_TYPE = ("type",)  # the group of type tests under the root


class _Dispatch:
    """Stands in for a group of sibling alpha nodes that each test one field against a literal
    (or the fact's type): the fact goes only to the nodes whose literal equals its value, and
    each of those still runs its own test."""

    def __init__(self, group: tuple[str, ...], children: list[ChildNode]) -> None:
        self.children = children  # experta walks these (reset, the conflict-set nodes)
        self.field = group[-1]
        self.by_type = group == _TYPE
        self.index: dict[Any, list[Callable[[Any], None]]] = {}  # literal (or type) -> its tests
        for child in children:
            self.index.setdefault(_literal(child.node), []).append(child.callback)

    def activate(self, token: Any) -> None:
        fact = next(iter(token.data))
        if self.by_type:
            callbacks = self.index.get(type(fact), [])
        elif self.field not in fact:
            return
        elif type(value := fact[self.field]) in _PLAIN:
            callbacks = self.index.get(value, [])
        else:  # a value whose hash may disagree with its `==` (an enum member): ask every node
            callbacks = [c.callback for c in self.children]
        for callback in callbacks:
            callback(token)

    def reset(self) -> None:
        for child in self.children:
            child.node.reset()


def _group(node: Any) -> tuple[str, ...] | None:
    """Which dispatch a child alpha node can join, if any."""
    if not isinstance(node, FeatureTesterNode):
        return None
    check = node.matcher
    if isinstance(check, TypeCheck):
        return _TYPE
    if isinstance(check, FeatureCheck) and isinstance(check.what, str) and "__" not in check.what \
            and type(check.how).__name__ == "L" and check.how.__bind__ is None \
            and type(check.how.value) in _INDEXABLE:
        return ("field", check.what)
    return None


def _literal(node: Any) -> Hashable:
    check = node.matcher
    value: Hashable = check.fact_type if isinstance(check, TypeCheck) else check.how.value
    return value


_EXPERTA_COPY = Token.copy  # kept for the test that compares the two


def _copy(token: Any) -> Any:
    """The token with its own set of facts and context, as `Token.copy` makes it, unchecked."""
    return tuple.__new__(type(token), (token.tag, set(token.data), dict(token.context)))


def fast_token_copy() -> None:
    """Copy tokens without re-checking their parts (for every network in this process: a
    token's class is experta's own). The copy is equal to experta's, part by part."""
    Token.copy = _copy


def index_alpha(node: Any) -> None:
    """Replace, below `node`, each group of two or more sibling literal tests on the same field
    by one `_Dispatch`, recursively through the alpha network (beta nodes are left as built)."""
    groups: dict[tuple[str, ...], list[ChildNode]] = {}
    order: list[ChildNode | tuple[str, ...]] = []  # a group sits where its first node was
    for child in node.children:
        if isinstance(child.node, FeatureTesterNode):
            index_alpha(child.node)
        group = _group(child.node)
        if group is None:
            order.append(child)
        else:
            if group not in groups:
                order.append(group)
            groups.setdefault(group, []).append(child)
    children: list[ChildNode] = []
    for entry in order:
        if isinstance(entry, ChildNode):
            children.append(entry)
        elif len(members := groups[entry]) == 1:
            children.append(members[0])
        else:
            dispatch = _Dispatch(entry, members)
            children.append(ChildNode(dispatch, dispatch.activate))
    node.children[:] = children


def network_nodes(root: Any) -> list[Any]:
    """Every node reachable from `root`, each once (a node may have several parents)."""
    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(child.node for child in node.children)
    return list(seen.values())


def index_conflict_sets(matcher: Any) -> None:
    """Make `matcher.changes` ask only the conflict-set nodes that a change reached."""
    nodes = matcher._get_conflict_set_nodes()
    position = {node: i for i, node in enumerate(nodes)}
    reached: set[Any] = set()

    def noting(node: Any) -> Callable[[Any], None]:
        def activate(token: Any) -> None:
            reached.add(node)
            node.activate(token)
        return activate

    for parent in network_nodes(matcher.root_node):
        for i, child in enumerate(parent.children):
            if isinstance(child.node, ConflictSetNode):
                parent.children[i] = ChildNode(child.node, noting(child.node))

    def changes(adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
        for fact in deleting or ():
            matcher.root_node.remove(fact)
        for fact in adding or ():
            matcher.root_node.add(fact)
        added: list[Any] = []
        removed: list[Any] = []
        for node in sorted(reached, key=position.__getitem__):
            now_added, now_removed = node.get_activations()
            added.extend(now_added)
            removed.extend(now_removed)
        reached.clear()
        return added, removed

    matcher.changes = changes
