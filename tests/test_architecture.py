"""Feature boundaries that hold: no import cycles between the packages of src/feynlab (imports
inside functions included: hiding a cycle in a function does not remove it)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "feynlab"


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def package_graph() -> nx.DiGraph:
    graph: nx.DiGraph = nx.DiGraph()
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    graph.add_nodes_from(packages)
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).parts
        if len(parts) < 2 or parts[0] not in packages:
            continue
        tree = ast.parse(path.read_text())
        skip = _type_checking_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if node.lineno in skip:
                continue
            for name in names:
                bits = name.split(".")
                inside = bits[0] == "feynlab" and len(bits) > 1 and bits[1] in packages
                if inside and bits[1] != parts[0]:
                    graph.add_edge(parts[0], bits[1], module=str(path.relative_to(SRC)))
    return graph


def test_feature_packages_import_each_other_without_cycles() -> None:
    graph = package_graph()
    cycles = list(nx.simple_cycles(graph))
    where = {
        " -> ".join([*cycle, cycle[0]]): [
            graph.edges[a, b]["module"] for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        ]
        for cycle in cycles
    }
    assert not cycles, f"import cycles between packages: {where}"


def test_the_queue_and_the_sandbox_know_nothing_of_the_web_features() -> None:
    graph = package_graph()
    for low in ("grading", "sandbox", "datasets", "envs"):
        above = set(nx.descendants(graph, low)) & {"submissions", "accounts", "authoring"}
        assert not above, f"{low} imports {above}"
