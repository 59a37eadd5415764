"""``glassnet.ops`` functions with no gradient (creation, tests, integer ops) against NumPy, and their errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import ops

X = np.array([[1.5, -np.inf, np.nan], [-0.5, 2.5, np.inf]])
INTS = np.array([[6, 3, 12], [5, 0, 7]])


@pytest.mark.parametrize(("name", "args", "expected"), [
    ("isnan", (X,), np.isnan(X)), ("isinf", (X,), np.isinf(X)), ("isfinite", (X,), np.isfinite(X)),
    ("isneginf", (X,), np.isneginf(X)), ("isposinf", (X,), np.isposinf(X)), ("signbit", (X,), np.signbit(X)),
    ("floor", (X,), np.floor(X)), ("ceil", (X,), np.ceil(X)), ("trunc", (X,), np.trunc(X)),
    ("round", (X,), np.round(X)), ("isclose", (X, X), np.isclose(X, X)), ("isin", (INTS, [3, 7]), np.isin(INTS, [3, 7])),
    ("floor_divide", (INTS, 4), INTS // 4), ("gcd", (INTS, 4), np.gcd(INTS, 4)), ("lcm", (INTS, 4), np.lcm(INTS, 4)),
    ("bitwise_and", (INTS, 5), INTS & 5), ("bitwise_or", (INTS, 5), INTS | 5), ("bitwise_xor", (INTS, 5), INTS ^ 5),
    ("bitwise_not", (INTS,), ~INTS), ("left_shift", (INTS, 1), INTS << 1), ("right_shift", (INTS, 1), INTS >> 1),
    ("logical_xor", (INTS > 4, INTS > 6), (INTS > 4) ^ (INTS > 6)), ("argsort", (INTS,), np.argsort(INTS, kind="stable")),
    ("digitize", (INTS, [2, 6]), np.digitize(INTS, [2, 6])), ("searchsorted", ([1, 3, 5], [0, 4]), [0, 2]),
    ("count_nonzero", (INTS,), 5), ("all", (INTS > 0,), False), ("any", (INTS > 11,), True),
    ("heaviside", (np.array([-1.0, 0.0, 2.0]), 0.5), [0.0, 0.5, 1.0]),
    ("eye", (3, 4, 1), np.eye(3, 4, 1)), ("tri", (3,), np.tri(3)), ("identity", (2,), np.eye(2)),
    ("full", ((2, 2), 7.0), np.full((2, 2), 7.0)), ("linspace", (0, 1, 5), np.linspace(0, 1, 5)),
    ("logspace", (0, 2, 3), [1.0, 10.0, 100.0]), ("geomspace", (1, 8, 4), [1.0, 2.0, 4.0, 8.0]),
    ("arange", (5,), np.arange(5)), ("arange", (1, 2, 0.5), [1.0, 1.5]), ("hamming", (5,), np.hamming(5)),
    ("kaiser", (4, 2.0), np.kaiser(4, 2.0)), ("bincount", ([0, 2, 2, 5],), [1, 0, 2, 0, 0, 1]),
    ("one_hot", ([2, 0, 5], 3), [[0, 0, 1], [1, 0, 0], [0, 0, 0]]),
    ("multi_hot", ([[0, 2], [1, 1]], 3), [[1, 0, 1], [0, 1, 0]]),
    ("in_top_k", ([1, 0], np.array([[0.1, 0.7, 0.2], [0.1, 0.7, 0.2]]), 2), [True, False]),
])
def test_matches_numpy(name: str, args: tuple, expected: object) -> None:
    out = getattr(ops, name)(*args)
    assert isinstance(out, gn.Tensor)
    np.testing.assert_allclose(out.numpy(), expected)


def test_dtypes_follow_keras() -> None:
    assert ops.arange(4).dtype == np.int32
    assert ops.arange(0, 1, 0.5).dtype == np.float32
    assert ops.eye(2).dtype == np.float32 and ops.one_hot([1], 2).dtype == np.float32
    assert ops.argsort(np.array([3, 1])).dtype == np.int32
    assert ops.full_like(np.zeros(2, dtype="int64"), 3).dtype == np.int64
    assert ops.zeros_like(np.ones(2), dtype="int32").dtype == np.int32


def test_one_hot_on_another_axis_and_facts() -> None:
    assert ops.one_hot(np.array([[0, 1, 2]]), 3, axis=1).shape == (1, 3, 3)
    np.testing.assert_array_equal(ops.one_hot([0, 2], 3, axis=0).numpy(), np.eye(3)[[0, 2]].T)
    x = gn.Tensor(np.zeros((2, 3), dtype="float32"))
    assert (ops.ndim(x), ops.size(x), ops.dtype(x), ops.is_tensor(x), ops.is_tensor(1.0)) == (2, 6, "float32", True,
                                                                                              False)
    rows, cols = ops.nonzero(np.array([[0, 1], [2, 0]]))
    np.testing.assert_array_equal(rows.numpy(), [0, 1])
    np.testing.assert_array_equal(cols.numpy(), [1, 0])
    assert [t.numpy().tolist() for t in ops.unravel_index([5], (2, 3))] == [[1], [2]]
    assert bool(ops.allclose([1.0, 2.0], [1.0, 2.0 + 1e-9]).numpy())


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ops.one_hot([1], 3, sparse=True), "one_hot: sparse=True"),
    (lambda: ops.bincount([1, -1]), "bincount: x must be non-negative"),
    (lambda: ops.bincount([1], sparse=True), "bincount: sparse=True"),
])
def test_bad_arguments_are_named(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
