"""Imports point inward: no module of the package imports, directly or through others,
a module that imports it back, and nothing below the faces imports a face.

The graph counts every ``import`` and ``from ... import`` in the source, those inside
functions (lazy imports) included, because a lazy import is still a dependency: a circle
through one is the kind that grows until a refactor cannot untangle it
(shared/design/ARCHITECTURE.md). ``from pkg import sub`` counts as a dependency on the
submodule only, since Python runs the package's ``__init__`` for any import below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import buildrace

ROOT = Path(buildrace.__file__).parent
FACES = ("buildrace", "buildrace.api", "buildrace.cli", "buildrace.web")
"""The faces users call; they may import anything, and nothing below them imports them."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (lazy imports included)."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in paths)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module not in paths:
                    continue
                subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in paths]
                out.update(subs)
                if len(subs) < len(node.names):  # a name defined in the module itself
                    out.add(module)
        graph[name] = out - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan 1972), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    component.append(x)
                    if x == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _is_face(name: str) -> bool:
    return name == "buildrace" or any(name == f or name.startswith(f + ".") for f in FACES[1:])


def test_no_import_circle():
    found = circles(import_graph())
    assert not found, "import circles (break them so imports point inward):\n" + "\n".join(" <-> ".join(c) for c in found)


def test_nothing_below_the_faces_imports_a_face():
    bad = sorted(f"{m} -> {t}" for m, targets in import_graph().items() if not _is_face(m)
                 for t in targets if _is_face(t))
    assert not bad, "modules below the faces import a face:\n" + "\n".join(bad)


@pytest.mark.parametrize("graph", [{"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}])
def test_the_check_finds_a_circle(graph):
    assert circles(graph) == [["a", "b", "c"]]
