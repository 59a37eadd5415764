"""Activation ops at their edges: overflow, the softmax Jacobian, ELU's and ReLU's negative side."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn


def test_relu_prints_plain_zeros() -> None:
    out = gn.activations.relu(np.array([-1.0, 0.5], "float32")).numpy()
    assert np.signbit(out).sum() == 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_is_finite_at_plus_minus_1000(dtype: str) -> None:
    z = np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise"):
        s = nn.softmax(gn.Tensor(z)).numpy()
        log_s = nn.log_softmax(gn.Tensor(z)).numpy()
    assert s.dtype == dtype and np.all(np.isfinite(s)) and np.all(np.isfinite(log_s))
    np.testing.assert_allclose(s, [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-7)
    np.testing.assert_allclose(log_s[0], [0.0, -2000.0, -1000.0], rtol=1e-6)


def test_softmax_gradient_is_the_full_jacobian_product() -> None:
    rng = np.random.default_rng(0)
    z = gn.Tensor(rng.normal(size=(2, 4)), requires_grad=True)
    g = rng.normal(size=(2, 4))
    with gn.GradientTape() as tape:
        s = nn.softmax(z)
        target = m.sum(m.multiply(s, gn.Tensor(g)))
    got = tape.gradient(target, z)
    p = s.numpy()
    for row in range(2):
        jacobian = np.diag(p[row]) - np.outer(p[row], p[row])  # ds_i/dz_j = s_i (1[i=j] - s_j)
        np.testing.assert_allclose(got[row], jacobian.T @ g[row], rtol=1e-12)
    assert not np.allclose(got, g * p * (1 - p))  # the peers' diagonal-only "gradient"


@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_elu_negative_side_derivative(alpha: float) -> None:
    x = gn.Tensor(np.array([-2.0, -0.5, 0.5]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = nn.elu(x, alpha)
    grad = tape.gradient(y, x)
    np.testing.assert_allclose(grad, [alpha * np.exp(-2.0), alpha * np.exp(-0.5), 1.0], rtol=1e-12)
    np.testing.assert_allclose(y.numpy()[:2], alpha * np.expm1([-2.0, -0.5]), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_does_not_overflow(dtype: str) -> None:
    x = gn.Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise"), gn.GradientTape() as tape:
        y = nn.softplus(x)
        grad = tape.gradient(y, x)
    np.testing.assert_allclose(y.numpy(), [0.0, np.exp(-50.0), np.log(2.0), 50.0, 1000.0], rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(grad, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-7)
    assert y.dtype == dtype
