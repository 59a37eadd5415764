"""logic_gates: the six truth tables, written out by hand, and the error for an unknown gate."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets import logic_gates

# Inputs 00, 01, 10, 11 -> output, from the gates' definitions.
EXPECTED = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
    "nor": [1, 0, 0, 0],
    "xor": [0, 1, 1, 0],
    "xnor": [1, 0, 0, 1],
}


@pytest.mark.parametrize("gate", sorted(EXPECTED))
def test_each_gate_is_its_truth_table(gate: str) -> None:
    x, y = logic_gates.load_data(gate)
    assert x.shape == (4, 2) and y.shape == (4,)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == EXPECTED[gate]


def test_names_are_case_insensitive_and_dtype_is_honoured() -> None:
    x, y = logic_gates.load_data(" XOR ", dtype="int64")
    assert y.tolist() == EXPECTED["xor"] and x.dtype == np.int64
    assert set(logic_gates.GATES) == set(EXPECTED)


def test_only_xor_and_xnor_are_not_linearly_separable() -> None:
    assert [g for g in logic_gates.GATES if not logic_gates.is_linearly_separable(g)] == ["xor", "xnor"]


@pytest.mark.parametrize("bad", ["implies", "", 3, None])
def test_an_unknown_gate_is_refused_listing_the_known_ones(bad) -> None:
    with pytest.raises(ValueError, match=r"unknown gate .*known gates: and, or, nand, nor, xor, xnor"):
        logic_gates.load_data(bad)
    with pytest.raises(ValueError, match="is_linearly_separable: unknown gate"):
        logic_gates.is_linearly_separable(bad)
