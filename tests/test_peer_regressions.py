"""Regression tests for the bugs that survived for years in other NumPy-from-scratch libraries
(``/work/shared/design/lessons-from-peers.md``): each one written so the peer's bug would fail it."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers, losses, optimizers
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn


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


def test_adam_bias_correction_uses_the_step() -> None:
    """With a constant gradient, every bias-corrected Adam step moves each weight by lr exactly."""
    c = np.array([3.0, -0.01, 250.0, -7.0])
    w = gn.Variable(np.zeros(4), dtype="float64")
    opt = optimizers.Adam(0.1, epsilon=1e-12)
    for step in range(1, 6):
        with gn.GradientTape() as tape:
            loss = m.sum(m.multiply(w, gn.Tensor(c)))
        opt.apply([tape.gradient(loss, w)], [w])
        np.testing.assert_allclose(w.numpy(), -0.1 * step * np.sign(c), rtol=1e-7, err_msg=f"step {step}")


def test_dropout_is_inverted_and_its_backward_applies_the_mask() -> None:
    layer = layers.Dropout(0.25, seed=0)
    x = gn.Tensor(np.ones((200, 50)), requires_grad=True)
    with gn.GradientTape() as tape:
        y = layer(x, training=True)
        total = m.sum(y)
    out = y.numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.75)  # survivors scaled up while training
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    assert out.mean() == pytest.approx(1.0, abs=0.03)
    grad = tape.gradient(total, x)
    np.testing.assert_array_equal(grad, np.where(kept, 1 / 0.75, 0.0))  # same mask, same scale
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x.numpy())  # inference: identity
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_dropout_rate_checks() -> None:
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.0)
    with pytest.raises(ValueError, match="rate"):
        nn.dropout(gn.Tensor(np.ones(3)), 1.0)


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


@pytest.mark.parametrize("loss", [losses.CategoricalCrossentropy(), losses.BinaryCrossentropy(),
                                  losses.MeanSquaredError()], ids=["cce", "bce", "mse"])
def test_losses_are_means_over_the_batch_not_sums(loss: losses.Loss) -> None:
    y = np.array([[0.0, 1.0, 0.0]])
    p = np.array([[0.2, 0.7, 0.1]])
    one = float(loss(y, p).data)
    ten = float(loss(np.repeat(y, 10, 0), np.repeat(p, 10, 0)).data)
    assert ten == pytest.approx(one, rel=1e-6)
    if isinstance(loss, losses.CategoricalCrossentropy):
        assert one == pytest.approx(-np.log(0.7), rel=1e-6)  # summed over classes, averaged over the batch


def test_sparse_cross_entropy_from_softmax_is_a_mean() -> None:
    z = gn.Tensor(np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]), requires_grad=True)
    labels = np.array([0, 2])
    with gn.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy()(labels, nn.softmax(z))
    p = nn.softmax(gn.Tensor(z.data)).numpy()
    assert float(loss.data) == pytest.approx(-np.log(p[[0, 1], labels]).mean(), rel=1e-12)
    np.testing.assert_allclose(tape.gradient(loss, z), (p - np.eye(3)[labels]) / 2, rtol=1e-10)  # (p - y) / N


def test_a_tensor_used_twice_accumulates_gradients() -> None:
    x = gn.Tensor(np.array([1.5, -2.0]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = m.add(m.multiply(x, x), m.multiply(x, 3.0))  # x^2 + 3x
    np.testing.assert_allclose(tape.gradient(y, x), 2 * x.numpy() + 3)


def test_a_layer_called_twice_accumulates_its_weight_gradients() -> None:
    gn.set_floatx("float64")
    layer = layers.Dense(1, use_bias=False, kernel_initializer="ones")
    a, b = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]])
    with gn.GradientTape() as tape:
        total = m.add(m.sum(layer(a)), m.sum(layer(b)))
    np.testing.assert_allclose(tape.gradient(total, layer.kernel), (a + b).T)


def test_deep_graphs_do_not_hit_the_recursion_limit() -> None:
    x = gn.Tensor(np.array([1.0]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = x
        for _ in range(5000):
            y = m.multiply(y, 1.0001)
    np.testing.assert_allclose(tape.gradient(y, x), [1.0001**5000], rtol=1e-10)


def test_non_persistent_tape_raises_on_second_use() -> None:
    x = gn.Tensor(np.array([2.0]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = m.square(x)
    np.testing.assert_allclose(tape.gradient(y, x), [4.0])
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_gives_the_same_gradients_again() -> None:
    x = gn.Tensor(np.array([2.0]), requires_grad=True)
    with gn.GradientTape(persistent=True) as tape:
        y = m.square(x)
        z = m.exp(x)
    first = tape.gradient(y, x)
    np.testing.assert_allclose(tape.gradient(y, x), first)
    np.testing.assert_allclose(tape.gradient(z, x), np.exp([2.0]))


def test_unconnected_source_gets_none_and_watch_makes_constants_differentiable() -> None:
    x = gn.Tensor(np.array([1.0, 2.0]))
    other = gn.Tensor(np.array([5.0]), requires_grad=True)
    with gn.GradientTape() as tape:
        tape.watch(x)
        y = m.sum(m.square(x))
    grad_x, grad_other = tape.gradient(y, [x, other])
    np.testing.assert_allclose(grad_x, [2.0, 4.0])
    assert grad_other is None
    with pytest.raises(TypeError, match="Tensor"):
        gn.GradientTape().watch(np.ones(2))


def test_returned_gradients_can_be_updated_in_place() -> None:
    x = gn.Tensor(np.ones((2, 3)), requires_grad=True)
    with gn.GradientTape() as tape:
        y = m.mean(x)  # its backward is a read-only broadcast view
    grad = tape.gradient(y, x)
    grad *= 2.0
    np.testing.assert_allclose(grad, np.full((2, 3), 2 / 6))
