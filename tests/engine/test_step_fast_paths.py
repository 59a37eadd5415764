"""The shortcuts a training step takes for speed give exactly what the plain NumPy calls give.

A step of a small model is mostly per-call overhead, so a few ops skip NumPy's slower entry points:
the row max of softmax and cross-entropy as the value at argmax, a mean as sum / n, a shuffled
batch gathered with np.take. Each is checked bit for bit against the call it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn
from glassnet.engine.tensor import Tensor
from glassnet.models.data_adapters.array_adapter import ArrayAdapter


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(128, 10), (3, 4, 7), (5, 1), (0, 3), (9,)])
def test_row_max_is_numpys_max_over_the_last_axis(shape, dtype):
    rng = np.random.default_rng(0)
    z = rng.normal(size=shape).astype(dtype)
    if z.size > 4:
        flat = z.reshape(-1)
        flat[1], flat[2], flat[3] = np.nan, -np.inf, np.inf  # NaN propagates; infinities are values
        flat[-1] = flat[-2]                                   # a tie
    expected = z.max(axis=-1, keepdims=True)
    got = nn._row_max(z)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_row_max_over_another_axis_is_numpys():
    z = np.random.default_rng(1).normal(size=(4, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(nn._row_max(z, axis=1), z.max(axis=1, keepdims=True))


def test_softmax_and_sparse_cross_entropy_with_a_nan_logit_stay_nan():
    z = np.array([[1.0, np.nan, 0.0], [0.5, 0.2, 0.1]], dtype=np.float32)
    assert np.isnan(nn.softmax(Tensor(z)).data[0]).all()
    loss = nn.sparse_softmax_cross_entropy(Tensor(z), np.array([0, 1])).data
    assert np.isnan(loss[0]) and np.isfinite(loss[1])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.bool_])
@pytest.mark.parametrize("shape,axis,keepdims", [((128,), None, False), ((7, 5), 0, False), ((3, 4, 5), (1, 2), True),
                                                 ((1000, 33), None, False), ((0, 4), 1, False)])
def test_mean_is_numpys_mean_bit_for_bit(shape, axis, keepdims, dtype):
    a = (np.random.default_rng(2).normal(size=shape) * 3).astype(dtype)
    got = m.mean(Tensor(a), axis=axis, keepdims=keepdims).data
    with np.errstate(invalid="ignore"):
        expected = a.mean(axis=axis, keepdims=keepdims)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


def test_a_shuffled_batch_is_the_rows_it_names():
    adapter = ArrayAdapter.__new__(ArrayAdapter)  # only the slicing is under test
    x = np.arange(60, dtype=np.float32).reshape(20, 3)
    sw = np.linspace(0, 1, 20)
    names = np.array([f"s{i}" for i in range(20)])  # a string column: gathered like the numbers
    adapter.xs, adapter.ys, adapter.sws = [x, names], [np.arange(20)], [sw]
    index = np.array([7, 3, 19, 0])
    xs, ys, sws = adapter._slice(index)
    np.testing.assert_array_equal(xs[0], x[index])
    assert xs[1].tolist() == ["s7", "s3", "s19", "s0"]
    np.testing.assert_array_equal(ys[0], index)
    np.testing.assert_array_equal(sws[0], sw[index])
    xs, _, _ = adapter._slice(slice(2, 5))
    assert np.shares_memory(xs[0], x)  # a plain slice stays a view


@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 7)])
def test_cross_entropy_of_a_softmax_output_reuses_its_numbers_exactly(shape):
    from glassnet.engine.tensor import GradientTape

    rng = np.random.default_rng(3)
    z = Tensor(rng.normal(size=shape).astype(np.float32) * 4, requires_grad=True)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    results = []
    for reuse in (False, True):
        with GradientTape() as tape:
            probabilities = nn.softmax(z)
            loss = nn.sparse_softmax_cross_entropy(z, labels, probabilities if reuse else None)
            total = m.sum(loss)
        results.append((loss.data, tape.gradient(total, z)))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    np.testing.assert_array_equal(results[1][1], results[0][1])
