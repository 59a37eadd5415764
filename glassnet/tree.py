"""Nested structures of leaves (lists, tuples, dicts), walked the same way everywhere.

Models take and return nests: a list of inputs, a dict of outputs by name.  These
helpers are the one definition of how a nest is walked (dicts in key order), so the
Functional graph, the trainer and saving agree on the order of the leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def flatten(structure: Any) -> list[Any]:
    """The leaves of nested lists, tuples and dicts (dicts in key order)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    """Apply ``fn`` to every leaf, keeping the nesting."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_shape(value: Any) -> bool:
    """Whether ``value`` is one shape (a tuple or list of sizes and ``None``), not a nest of shapes."""
    return isinstance(value, (tuple, list)) and all(n is None or not isinstance(n, (tuple, list, dict))
                                                     for n in value)


def map_shapes(fn: Callable[[Any], Any], shapes: Any) -> Any:
    """Apply ``fn`` to every shape of a nest of shapes (a shape, or dicts and lists of them)."""
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    if is_shape(shapes):
        return fn(shapes)
    return [map_shapes(fn, s) for s in shapes]
