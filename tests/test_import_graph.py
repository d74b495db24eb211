"""The import graph of the package, read from the source with ``ast`` (nothing is imported): no
module reaches itself through imports, counting the ones inside functions and under
``TYPE_CHECKING``, and the packages point one way (DESIGN.md, section 10: cli -> server ->
distributed -> project -> engine, store, providers, timeline -> graph -> config -> errors)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "moviebuild"

#: How high each part of the package stands: a module may import only what stands lower, or
#: modules of its own part. The longest matching prefix names a module's part. Parts on one
#: level (engine, store, providers, timeline) may not import each other.
LAYERS: dict[str, float] = {
    "moviebuild": 9,  # the package's public names, loaded lazily
    "moviebuild.__main__": 10,
    "moviebuild.cli": 9,
    "moviebuild.client": 8,  # the HTTP client speaks the server's documents
    "moviebuild.studio.local": 8,  # `moviebuild studio` runs a server for one folder
    "moviebuild.server": 7,
    "moviebuild.distributed": 6,  # the server may hand builds to workers, never the reverse
    "moviebuild.project": 5,
    "moviebuild.testing": 4,  # fakes of the interfaces the engine and providers define
    "moviebuild.producers": 4,  # producers' requests, built for the providers' adapters
    "moviebuild.engine": 3,
    "moviebuild.store": 3,
    "moviebuild.providers": 3,
    "moviebuild.timeline": 3,
    "moviebuild.media": 2.5,  # ffmpeg and fonts, for providers, timeline and project alike
    "moviebuild.graph": 2,
    "moviebuild.studio": 1.5,  # the built page's files
    "moviebuild.config": 1,
    "moviebuild.errors": 0,
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({module_path(self.source)}:{self.line})"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def module_path(name: str) -> str:
    return str(MODULES[name].relative_to(PACKAGE.parent))


def _known(name: str) -> str | None:
    """The module ``name`` loads: itself, or the nearest package above it."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str) -> list[Edge]:
    """Every moviebuild module ``name`` imports, wherever the import statement stands."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges: dict[str, Edge] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from package import module`` imports the module; ``from module import name``
            # the module.
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
            targets = submodules or [base]
        for target in targets:
            if not target.startswith("moviebuild"):
                continue
            known = _known(target)
            if known and known != name and known not in edges:
                edges[known] = Edge(name, known, node.lineno)
    return list(edges.values())


GRAPH = {name: imports_of(name) for name in MODULES}


def circles(graph: dict[str, list[Edge]]) -> list[list[Edge]]:
    """One circle through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in graph[node]:
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in graph:
        if name not in index:
            visit(name)
    return [_circle_in(graph, group) for group in groups]


def _circle_in(graph: dict[str, list[Edge]], group: set[str]) -> list[Edge]:
    """A shortest way from the group's first module back to itself, edge by edge."""
    start = min(group)
    paths: dict[str, list[Edge]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in graph[node]:
            if edge.target == start:
                return [*paths[node], edge]
            if edge.target in group and edge.target not in paths:
                paths[edge.target] = [*paths[node], edge]
                queue.append(edge.target)
    raise AssertionError(f"no circle in {group}")


def layer_of(name: str) -> tuple[str, float]:
    part = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return part, LAYERS[part]


def test_no_module_imports_itself_through_others() -> None:
    found = circles(GRAPH)
    assert not found, "import circles (a third, lower module should hold what they share):\n" + (
        "\n".join("  " + "\n    ".join(str(e) for e in circle) for circle in found)
    )


def test_packages_point_one_way() -> None:
    upward = []
    for edges in GRAPH.values():
        for edge in edges:
            (source_part, source_level), (target_part, target_level) = (
                layer_of(edge.source), layer_of(edge.target)
            )
            if source_part != target_part and source_level <= target_level:
                upward.append(f"  {edge}: {source_part} may not import {target_part}")
    assert not upward, "imports against the dependency direction:\n" + "\n".join(upward)


def test_every_module_has_a_layer() -> None:
    assert all(layer_of(name) for name in MODULES)
    assert len(MODULES) > 100, "the package was not found where the test looks"


def test_imports_inside_functions_and_type_checking_count() -> None:
    folder = {e.target: e.line for e in GRAPH["moviebuild.project.folder"]}
    # Inside MovieFolder._read_overrides and under TYPE_CHECKING.
    assert "moviebuild.project.prompts" in folder
    assert "moviebuild.store" in folder


def test_a_circle_is_found_and_named() -> None:
    graph = {
        "a": [Edge("a", "b", 1)],
        "b": [Edge("b", "c", 2)],
        "c": [Edge("c", "a", 3), Edge("c", "d", 4)],
        "d": [],
    }
    assert [[(e.source, e.target) for e in circle] for circle in circles(graph)] == [
        [("a", "b"), ("b", "c"), ("c", "a")]
    ]
