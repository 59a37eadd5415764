"""Helpers for the tests that read glassnet's source instead of running it (the backend-seam checks)."""

from __future__ import annotations

import ast


def numpy_imports(source: str) -> list[int]:
    """Line numbers of every ``import numpy...`` / ``from numpy... import`` in ``source`` (any depth)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "numpy" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "numpy":
            lines.append(node.lineno)
    return lines
