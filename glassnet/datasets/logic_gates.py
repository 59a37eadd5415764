"""The truth tables of the two-input logic gates: the perceptron's first exercise.

Each gate is four samples ``(x1, x2) -> t`` in the order 00, 01, 10, 11.  AND, OR, NAND and NOR
are *linearly separable* (one straight line splits the 1s from the 0s), so a single perceptron
learns them; XOR and XNOR are not, which is why they need a hidden layer.

Examples
--------
>>> from glassnet.datasets import logic_gates
>>> x, y = logic_gates.load_data("and")
>>> x.tolist(), y.tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 0.0, 0.0, 1.0])
>>> logic_gates.is_linearly_separable("xor")
False
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The outputs for the inputs 00, 01, 10, 11.
TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "xnor": (1, 0, 0, 1),
}
GATES = tuple(TRUTH_TABLES)
"""The gates :func:`load_data` knows."""

_NOT_SEPARABLE = frozenset({"xor", "xnor"})
_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def _gate(gate: Any, owner: str) -> str:
    if not isinstance(gate, str) or gate.strip().lower() not in TRUTH_TABLES:
        raise ValueError(f"{owner}: unknown gate {gate!r}; known gates: {', '.join(GATES)}")
    return gate.strip().lower()


def load_data(gate: str = "and", dtype: Any = "float32") -> tuple[np.ndarray, np.ndarray]:
    """The truth table of ``gate`` as ``(x, y)``.

    Parameters
    ----------
    gate : {"and", "or", "nand", "nor", "xor", "xnor"}
        Case-insensitive.
    dtype : str or numpy dtype
        Of both arrays (float32 by default, ready for a model).

    Returns
    -------
    x : array (4, 2)
        The inputs 00, 01, 10, 11, each component 0 or 1.
    y : array (4,)
        The gate's output for each row of ``x``: 0 or 1.

    Raises
    ------
    ValueError
        ``gate`` is not one of :data:`GATES` (the message lists them).
    """
    gate = _gate(gate, "logic_gates.load_data")
    return _INPUTS.astype(dtype), np.array(TRUTH_TABLES[gate], dtype=dtype)


def is_linearly_separable(gate: str) -> bool:
    """Whether one line separates the gate's 1s from its 0s (so that a lone perceptron can learn it)."""
    return _gate(gate, "logic_gates.is_linearly_separable") not in _NOT_SEPARABLE
