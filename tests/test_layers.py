"""The architecture as a test: each module belongs to a layer, and no module imports from a
layer above its own (lazy imports inside functions count too). docs/architecture.md draws it."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

# Lowest first. A module may import from its own layer and any layer below.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundation", {"errors", "paths", "phases", "results"}),
    ("definitions", {"questionnaire", "rule_language", "knowledge_models", "knowledge",
                     "knowledge_checks", "models", "intake_io", "schema"}),
    ("inference", {"facts", "engine"}),
    ("assessment", {"plan_models", "session", "plan", "audit", "audit_language", "pipeline",
                    "screen_now", "catalogue"}),
    ("rendering", {"report", "chart", "letter"}),
    ("files", {"outputs", "batch"}),
    ("interfaces", {"cli", "interview", "explain"}),
]
PACKAGE = ROOT / "assess"


def _layer_of(module: str) -> int:
    top = module.split(".")[0]
    for n, (_, members) in enumerate(LAYERS):
        if top in members:
            return n
    raise AssertionError(f"assess.{module} belongs to no layer: add it to LAYERS and to docs/architecture.md")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__").removesuffix(".__main__")
        if name in ("__init__", "__main__"):
            continue  # the package's public API re-exports names lazily
        out.append((name, path))
    return out


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assess."):
            found.add(node.module.removeprefix("assess."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("assess.") for a in node.names if a.name.startswith("assess.")}
    return found


def test_every_module_has_a_layer() -> None:
    for name, _ in _modules():
        _layer_of(name)


def test_no_module_imports_from_a_higher_layer() -> None:
    wrong = []
    for name, path in _modules():
        mine = _layer_of(name)
        for imported in _imports(path):
            if _layer_of(imported) > mine:
                wrong.append(f"assess.{name} ({LAYERS[mine][0]}) imports assess.{imported} "
                             f"({LAYERS[_layer_of(imported)][0]})")
    assert wrong == []


def test_only_the_engine_imports_experta_and_only_the_renderer_weasyprint() -> None:
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        roots |= {n.module.split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module}
        if "experta" in roots:
            assert name == "engine", name
        if "weasyprint" in roots:
            assert name == "report", name


def test_the_architecture_document_names_every_layer() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    for layer, members in LAYERS:
        assert layer in text, layer
        for member in members:
            assert f"`{member}" in text, f"docs/architecture.md does not place {member}"
