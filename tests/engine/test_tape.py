"""The GradientTape: accumulation, deep graphs, persistence, unconnected sources, in-place updates."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.engine.ops import math as m


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


def test_a_variable_is_row_major_whatever_it_is_given() -> None:
    # Optimizers pack variables into flat buffers by reshaping views; a Fortran-ordered array would be
    # copied instead of viewed, and the update would silently miss the variable.
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    var = gn.Variable(fortran)
    assert var.data.flags.c_contiguous
    np.testing.assert_array_equal(var.numpy(), fortran)
