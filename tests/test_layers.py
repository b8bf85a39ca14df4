"""The architecture as a test: each module belongs to a layer, and no module imports from a
layer above its own (lazy imports inside functions count too). docs/architecture.md draws it."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

# Lowest first: each layer is a subpackage of assess/. A module may import from its own
# layer and any layer below.
LAYERS: list[str] = ["domain", "files", "definitions", "inference", "reasoning", "rendering", "fhir",
                     "services", "store", "web", "cli"]
PACKAGE = ROOT / "assess"


def _layer_of(module: str) -> int:
    top = module.split(".")[0]
    if top in LAYERS:
        return LAYERS.index(top)
    raise AssertionError(f"assess.{module} belongs to no layer: put it in a layer's subpackage "
                         "(docs/architecture.md)")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__").removesuffix(".__main__")
        if name in ("__init__", "__main__", "_version"):
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
                wrong.append(f"assess.{name} ({LAYERS[mine]}) imports assess.{imported} "
                             f"({LAYERS[_layer_of(imported)]})")
    assert wrong == []


def test_only_the_engine_imports_experta_and_only_the_renderer_weasyprint() -> None:
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        roots |= {n.module.split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module}
        if "experta" in roots:
            assert name in ("inference.engine", "inference.rete_index", "inference.rete_state"), name
        if "weasyprint" in roots:
            assert name == "rendering.pdf", name


def test_the_architecture_document_places_every_module() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    for name, _ in _modules():
        layer, _, module = name.partition(".")
        if module.startswith("migrations"):
            continue  # Alembic's scripts, placed as the folder `migrations/`
        assert f"`{layer}/`" in text, f"docs/architecture.md does not name the layer {layer}"
        if module:
            assert f"`{module}`" in text, f"docs/architecture.md does not place {name}"


def test_every_layer_says_what_it_owns_and_every_module_what_it_holds() -> None:
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"assess/{layer}/__init__.py has no docstring"
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"assess.{name} has no docstring"


def test_modules_stay_small() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules()}
    long = {name: n for name, n in sizes.items() if n >= 400}
    assert long == {}, "split these modules by what they hold"


def test_tests_mirror_the_layout() -> None:
    """A test module of a layer's code sits in that layer's folder under tests/."""
    for folder in sorted(p for p in (ROOT / "tests").iterdir() if p.is_dir() and any(p.glob("test_*.py"))):
        assert folder.name in LAYERS or folder.name == "end_to_end", folder
