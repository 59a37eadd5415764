"""Weight constraints: Keras' formulas, applied by the optimizer after each step, saved in configs."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import constraints, layers

EPS = 1e-7


def test_max_norm_rescales_only_long_columns() -> None:
    w = np.array([[3.0, 0.1], [4.0, 0.2]])  # column norms 5 and ~0.224
    out = constraints.MaxNorm(2.0)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, np.linalg.norm([0.1, 0.2])], rtol=1e-6)
    np.testing.assert_allclose(out[:, 0], w[:, 0] * 2.0 / (EPS + 5.0))


def test_non_neg_unit_norm_and_min_max_norm() -> None:
    w = np.array([[-1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(constraints.NonNeg()(w), [[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w), axis=0), 1.0, rtol=1e-6)
    half = constraints.MinMaxNorm(min_value=0.0, max_value=1.0, rate=0.5)(w)
    norms = np.linalg.norm(w, axis=0)
    np.testing.assert_allclose(np.linalg.norm(half, axis=0), 0.5 * np.clip(norms, 0, 1) + 0.5 * norms, rtol=1e-6)


def test_optimizer_applies_the_constraint_after_each_update() -> None:
    dense = layers.Dense(3, kernel_constraint=keras.constraints.MaxNorm(0.5), bias_constraint="non_neg")
    model = keras.Sequential([keras.Input(shape=(4,)), dense])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(32, 4)) * 10, rng.normal(size=(32, 3)) * 10, epochs=2, verbose=0)
    assert np.all(np.linalg.norm(dense.kernel.numpy(), axis=0) <= 0.5 + 1e-5)
    assert np.all(dense.bias.numpy() >= 0)


def test_constraints_round_trip_through_layer_configs() -> None:
    dense = layers.Dense(2, kernel_constraint=constraints.MaxNorm(3, axis=0))
    rebuilt = layers.Dense.from_config(dense.get_config())
    assert isinstance(rebuilt.kernel_constraint, constraints.MaxNorm) and rebuilt.kernel_constraint.max_value == 3
    conv = layers.Conv2D(2, 3, kernel_constraint="unit_norm")
    assert isinstance(layers.Conv2D.from_config(conv.get_config()).kernel_constraint, constraints.UnitNorm)


def test_unknown_constraint_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="Unknown constraint 'max'.*max_norm"):
        layers.Dense(2, kernel_constraint="max")
