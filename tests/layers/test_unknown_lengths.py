"""Unknown time lengths and image sizes (``keras.Input(shape=(None, 10))``) stay unknown through every layer."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers


def _sequence_model() -> keras.Model:
    inputs = keras.Input(shape=(None, 10))
    x = layers.Conv1D(4, 3, activation="relu")(inputs)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(5, 3, strides=2, padding="same")(x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(3)(x))


def test_conv1d_and_pooling_on_unknown_lengths_keep_the_axis_unknown() -> None:
    model = _sequence_model()
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(None, None, 10), (None, None, 4), (None, None, 4), (None, None, 5), (None, 5), (None, 3)]
    # Any length the kernels fit works, and the result matches running the layers one by one.
    for length in (5, 20, 77):
        x = np.random.default_rng(length).normal(size=(2, length, 10)).astype("float32")
        by_layer = x
        for layer in model.layers[1:]:
            by_layer = layer(by_layer).numpy()
        np.testing.assert_allclose(model.predict(x, verbose=0), by_layer, rtol=1e-6)


def test_images_of_any_size() -> None:
    inputs = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(4, 5, strides=2)(x)
    assert x.shape == (None, None, None, 4)
    model = keras.Model(inputs, layers.GlobalMaxPooling2D()(x))
    assert model.predict(np.ones((1, 40, 50, 3)), verbose=0).shape == (1, 4)
    assert model.predict(np.ones((2, 24, 24, 3)), verbose=0).shape == (2, 4)


def test_known_axes_are_unchanged_and_flatten_of_an_unknown_axis_is_unknown() -> None:
    inputs = keras.Input(shape=(None, 6))
    flat = layers.Flatten()(inputs)
    assert flat.shape == (None, None)
    with pytest.raises(ValueError, match="last axis of the input must be known"):
        layers.Dense(2)(flat)
    known = keras.Input(shape=(12, 6))
    assert layers.Conv1D(2, 3)(known).shape == (None, 10, 2)


def test_sequential_and_saved_models_keep_unknown_lengths(tmp_path) -> None:
    model = keras.Sequential([keras.Input((None, 10)), layers.Conv1D(4, 3), layers.GlobalMaxPooling1D(),
                              layers.Dense(2)])
    assert model.layers[0].output_shape == (None, None, 4)
    model = _sequence_model()
    x = np.random.default_rng(0).normal(size=(3, 30, 10)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[1].output_shape == (None, None, 4)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_kernel_longer_than_the_sequence_is_named_at_call_time() -> None:
    model = _sequence_model()
    with pytest.raises(ValueError, match="conv1d"):
        model.predict(np.ones((1, 2, 10)), verbose=0)
