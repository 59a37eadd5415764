"""The layering docs/architecture.md describes holds: no two packages import each other at module level,
and no module grows into two rooms."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "glassnet"
MAX_LINES = 450  # "about 400": a module past this holds two rooms


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: glassnet.models.trainer -> glassnet.models."""
    return ".".join(module.split(".")[:2])


def _module_level_imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:  # module level only: an import inside a function runs at call time
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("glassnet")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("glassnet"):
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            found |= set(subs) if subs and len(subs) == len(node.names) else {target, *subs}
    return found


def _package_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for target in _module_level_imports(module, path, modules):
            a, b = _unit(module), _unit(target)
            if a != b and "glassnet" not in (a, b):  # the top-level __init__ only assembles the public names
                graph[a].add(b)
    return graph


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                return path + [start]
            if nxt not in path:
                stack.append((nxt, path + [nxt]))
    return None


def test_no_two_packages_import_each_other_at_module_level():
    graph = _package_graph()
    cycles = [c for c in (_cycle_from(p, graph) for p in sorted(graph)) if c]
    assert not cycles, f"import cycles between packages: {cycles[0]}"


def test_the_low_levels_import_nothing_above_them():
    graph = _package_graph()
    assert graph.get("glassnet.backend", set()) == set()
    # glassnet.jit (compiled kernels beside their NumPy references) sits with the backend, below the engine.
    # It reads the thread count in force from glassnet.config, which itself imports only the backend.
    assert graph.get("glassnet.jit", set()) <= {"glassnet.backend", "glassnet.config"}
    assert graph.get("glassnet.config", set()) <= {"glassnet.backend"}
    assert graph.get("glassnet.engine", set()) <= {"glassnet.backend", "glassnet.jit"}
    assert graph.get("glassnet.serialization", set()) <= {"glassnet.registry"}
    for low in ("glassnet.layers", "glassnet.losses", "glassnet.metrics", "glassnet.optimizers",
                "glassnet.callbacks"):
        assert not graph.get(low, set()) & {"glassnet.models", "glassnet.saving", "glassnet.plotting"}, low
    assert "glassnet.saving" not in graph.get("glassnet.models", set())


def test_no_module_holds_two_rooms():
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
