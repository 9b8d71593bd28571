"""No import cycles in the source: formbuilder, schemas, renderers and workflows.

A cycle works only while the modules happen to be imported in a lucky order, and it hides who
depends on whom (``notifications`` -> ``webhooks`` -> ``routing`` -> ``notifications`` once
hid a status bug). Imports inside functions count too, since they are how such a loop is
usually hidden; only ``if TYPE_CHECKING:`` blocks, which never run, are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("formbuilder", "schemas", "renderers", "workflows")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, list[str]]]:
    """(imported module, names taken from it) for each import that can run."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base, [alias.name for alias in node.names]


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's edges to the modules of ours that importing it runs."""
    edges: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(), str(path))
        for base, names in _imports(tree, module, path.name == "__init__.py"):
            submodules = [f"{base}.{name}" for name in names if f"{base}.{name}" in modules]
            targets.update(submodules)
            if base in modules and (not names or len(submodules) < len(names)):
                targets.add(base)
        targets.discard(module)
        edges[module] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_source_has_no_import_cycles():
    assert cycles(graph(_modules())) == []


def test_a_cycle_is_found(tmp_path):
    for name, text in {"a": "from b import x\n", "b": "def f():\n    import c\n",
                       "c": "import a\n", "d": "import a\n"}.items():
        (tmp_path / f"{name}.py").write_text(text)
    modules = {name: tmp_path / f"{name}.py" for name in "abcd"}
    assert cycles(graph(modules)) == [["a", "b", "c"]]


def test_what_only_type_checkers_read_is_no_cycle(tmp_path):
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                   "    import a\n")
    assert cycles(graph({"a": tmp_path / "a.py", "b": tmp_path / "b.py"})) == []
