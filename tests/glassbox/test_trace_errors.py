"""trace() refuses what it cannot trace with a message naming the argument, and leaves the model as it was."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


def small(compiled: bool = True) -> gn.Sequential:
    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(2, name="d")])
    if compiled:
        model.compile(optimizer="sgd", loss="mse")
    return model


def test_an_uncompiled_model_is_refused_with_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"trace\(\): model 'sequential' is not compiled.*model\.compile\("):
        gn.trace(small(compiled=False), np.ones((1, 2)), np.ones((1, 2)))


def test_a_layer_is_not_a_model() -> None:
    with pytest.raises(TypeError, match=r"model must be a compiled glassnet Model, got Dense.*gradcheck"):
        gn.trace(gn.layers.Dense(2), np.ones((1, 2)), np.ones((1, 2)))


@pytest.mark.parametrize("x, message", [
    (np.ones((1, 3)), r"trace\(\): x has shape \(1, 3\), but model 'sequential' takes samples of shape \(2,\)"),
    (np.ones(2), r"batch axis is missing"),
    (np.ones((0, 2)), r"0 samples"),
])
def test_bad_x_is_named(x: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gn.trace(small(), x, np.ones((len(x) if x.ndim == 2 else 1, 2)))


@pytest.mark.parametrize("y, message", [
    (np.ones((1, 3)), r"trace\(\): y does not fit the model's output: .*labels of shape \(1, 3\)"),
    (None, r"trace\(\): y is missing"),
    (np.ones((2, 2)), r"x: 1, y: 2"),
])
def test_bad_y_is_named(y: object, message: str) -> None:
    model = small()
    weights = model.get_weights()
    with pytest.raises(ValueError, match=message):
        gn.trace(model, np.ones((1, 2)), y)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_a_model_without_trainable_weights_is_refused() -> None:
    model = small()
    model.trainable = False
    with pytest.raises(ValueError, match="no trainable weights"):
        gn.trace(model, np.ones((1, 2)), np.ones((1, 2)))


def test_a_failure_midway_restores_everything_and_unwraps_the_layers() -> None:
    class Broken(gn.layers.Layer):
        def call(self, x: gn.Tensor, training: object = None) -> gn.Tensor:
            if training:  # builds fine; breaks in the traced training step
                raise RuntimeError("broken on purpose")
            return x

    model = gn.Sequential([gn.Input((2,)), gn.layers.Dense(2), Broken()])
    model.compile(optimizer="sgd", loss="mse")
    model.fuse_layers = True
    with pytest.raises(RuntimeError, match="broken on purpose"):
        gn.trace(model, np.ones((1, 2)), np.ones((1, 2)))
    assert all("call" not in vars(layer) for layer in model.layers + [model])
    assert model.fuse_layers is True and not model.optimizer.built
