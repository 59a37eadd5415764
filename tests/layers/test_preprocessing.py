"""Rescaling, Normalization (against scikit-learn's StandardScaler), ELU and PReLU layers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

import glassnet as keras
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients


def test_rescaling() -> None:
    out = layers.Rescaling(1.0 / 127.5, offset=-1)(np.array([[0.0, 127.5, 255.0]], "float32"))
    np.testing.assert_allclose(out.numpy(), [[-1.0, 0.0, 1.0]], atol=1e-6)


def test_normalization_adapt_matches_standard_scaler() -> None:
    x = np.random.default_rng(0).normal(5, 3, size=(200, 4))
    layer = layers.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer(x.astype("float32")).numpy(), StandardScaler().fit_transform(x), rtol=1e-4,
                               atol=1e-5)
    back = layers.Normalization(mean=layer.mean.numpy(), variance=layer.variance.numpy(), invert=True)
    np.testing.assert_allclose(back(layer(x.astype("float32"))).numpy(), x, rtol=1e-4)
    assert len(layer.non_trainable_weights) == 3 and not layer.trainable_weights


def test_normalization_in_a_model_is_saved_with_its_statistics(tmp_path) -> None:
    x = np.random.default_rng(1).normal(2, 4, size=(64, 3)).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input(shape=(3,)), norm, layers.Dense(1)])
    model.compile("sgd", "mse")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_normalization_rejects_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        layers.Normalization().adapt(np.array([[1.0], [np.nan]]))


def test_elu_and_prelu_values_and_gradients() -> None:
    x = np.array([[-2.0, -0.5, 0.5, 3.0]])
    np.testing.assert_allclose(layers.ELU(0.5)(x).numpy(), [[0.5 * np.expm1(-2), 0.5 * np.expm1(-0.5), 0.5, 3.0]])
    prelu = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(prelu(x).numpy(), [[-0.5, -0.125, 0.5, 3.0]])
    keras.set_floatx("float64")
    layer = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.3))
    layer(np.zeros((1, 4)))
    errors = check_gradients(lambda inputs, alpha: (layer(inputs) ** 2).sum(),
                             [np.array([[-1.3, -0.4, 0.7, 2.1]]), layer.alpha])
    assert max(errors) < 1e-6
