"""How the code is shaped: imports run one way (README, "Architecture").

The graph is every import in every module of the kernel, the project package and the
apps (migrations and management commands aside), including imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "kernel",
    "radicals",
    "members",
    "notifications",
    "communities",
    "pledges",
    "stories",
    "learning",
    "reports",
]
# What each may import, besides itself and Django's and other libraries' modules.
MAY_IMPORT = {
    "kernel": set(),
    "members": {"kernel"},
    "notifications": {"kernel"},
    "communities": {"kernel", "members", "notifications"},
    "pledges": {"kernel", "members", "notifications", "communities"},
    "stories": {"kernel", "members", "notifications", "communities", "pledges"},
    "learning": {"kernel", "members", "notifications", "communities", "pledges", "stories"},
    "reports": {
        "kernel",
        "members",
        "notifications",
        "communities",
        "pledges",
        "stories",
        "learning",
    },
    "radicals": set(PACKAGES),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if {"migrations", "management"} & set(path.parts):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                targets = [resolve(f"{base}.{alias.name}") or resolve(base) for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [resolve(alias.name) for alias in node.names]
            graph[name].update(t for t in targets if t and t != name)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return circles


@pytest.fixture(scope="module")
def graph():
    return _graph()


def test_no_module_imports_in_a_circle_but_a_service_and_its_tasks(graph):
    allowed = [{f"{app}.services", f"{app}.tasks"} for app in PACKAGES]
    assert [circle for circle in _circles(graph) if circle not in allowed] == []


def test_no_app_and_not_the_kernel_imports_one_above_it(graph):
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        for target in targets
        if target.split(".")[0] != name.split(".")[0]
        and target.split(".")[0] not in MAY_IMPORT[name.split(".")[0]]
    )
    assert upward == []


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
