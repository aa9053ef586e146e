"""The package has no import cycle: the graph of its modules' imports is acyclic."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "qpv_analytics"

pytestmark = pytest.mark.unit


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of a module, wherever it is.

    Imports inside functions and under ``if TYPE_CHECKING:`` count too: Python tolerates a
    cycle through them, but it still ties two modules to each other.
    """
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def import_graph() -> dict[str, set[str]]:
    """Map each ``qpv_analytics`` module to the ``qpv_analytics`` modules it imports."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
                continue
            base = node.module or ""
            if node.level:
                package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
                package = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{package}.{base}" if base else package
            targets.add(base)
            targets |= {f"{base}.{a.name}" for a in node.names}
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle per strongly connected group of modules (empty when acyclic)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_graph_sees_the_imports():
    graph = import_graph()
    assert "qpv_analytics.quality.model" in graph["qpv_analytics.quality.gate"]
    assert "qpv_analytics.quality.suites" in graph["qpv_analytics.quality.findings"]
    # inside a function, and under TYPE_CHECKING
    assert "qpv_analytics.quality.gate" in graph["qpv_analytics.publish.publication"]
    assert "qpv_analytics.ingest.loaders" in graph["qpv_analytics.quality.pages"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_every_quality_module_imports():
    quality = PACKAGE / "quality"
    names = sorted(p.stem for p in quality.glob("*.py") if p.stem != "__init__")
    assert {"model", "suites", "gx_run", "findings", "pages", "gate"} <= set(names)
    for name in names:
        importlib.import_module(f"qpv_analytics.quality.{name}")
