"""No import cycle anywhere in the package ``conv_lint``.

Every module is parsed (never imported), and every import of a ``conv_lint`` module is an
edge: ``import conv_lint.x``, ``from conv_lint.x import y``, ``from conv_lint import x`` (when
``x`` is a module), and relative imports, at any depth (an import inside a function still
runs, only later: a cycle through it is still a cycle). Then the graph is searched for a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conv_lint"


def module_names(root: Path) -> dict[str, Path]:
    """Each module of the package under ``root`` by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module name a ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules ``name`` imports: the module itself, or for ``from m import x``
    the submodule ``m.x`` when ``x`` is one (else ``m``)."""
    edges = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            edges.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, name, path.name == "__init__.py")
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                edges.add(submodule if submodule in modules else source)
    # Importing a.b.c runs a and a.b first; those edges are the packages', not the importer's.
    return {edge for edge in edges if edge in modules and edge != name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle in ``graph`` as the modules along it (first repeated at the end), or []."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "conv_lint.cli" in graph and "conv_lint.verify.command" in graph  # the walk found the package
    cycle = find_cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize(
    ("files", "cycle"),
    [
        # a function-level import closing the loop, as verify's command and exec mode once did
        ({"a.py": "from pkg.b import x\n", "b.py": "x = 1\ndef f():\n    from pkg.a import y\n"}, True),
        ({"a.py": "from . import b\n", "b.py": "from .c import z\n", "c.py": "import pkg.a\n"}, True),
        ({"sub/__init__.py": "", "sub/m.py": "from .. import a\n", "a.py": "from pkg.sub import m\n"}, True),
        ({"a.py": "from pkg.b import x\n", "b.py": "import os\nfrom pkg import c\n", "c.py": "x = 1\n"}, False),
    ],
)
def test_a_cycle_is_found_however_it_is_written(tmp_path, files, cycle):
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    assert bool(find_cycle(import_graph(root))) is cycle
