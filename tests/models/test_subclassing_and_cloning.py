"""Subclassed models built from (inputs, outputs), refused train_step overrides, and clone_model."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers


def test_subclass_called_with_inputs_and_outputs_is_functional_and_keeps_its_methods() -> None:
    class WithHelper(gn.Model):
        def describe(self) -> str:
            return f"{len(self.layers)} layers"

    inputs = gn.Input(shape=(3,))
    model = WithHelper(inputs, layers.Dense(2)(inputs))
    assert isinstance(model, WithHelper) and isinstance(model, gn.Functional)
    assert model.describe() == "2 layers"
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), verbose=0)


def test_an_overridden_train_step_is_refused_rather_than_ignored() -> None:
    class CustomStep(gn.Model):
        def train_step(self, data):  # noqa: ANN001 - the Keras signature
            return {}

    inputs = gn.Input(shape=(3,))
    model = CustomStep(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    with pytest.raises(NotImplementedError, match="overrides train_step"):
        model.fit(np.ones((4, 3)), np.zeros((4, 1)), verbose=0)


def test_clone_model_has_the_architecture_and_new_weights() -> None:
    inputs = gn.Input(shape=(3,))
    model = gn.Model(inputs, layers.Dense(2, activation="relu")(layers.Dense(4)(inputs)))
    clone = gn.models.clone_model(model)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
