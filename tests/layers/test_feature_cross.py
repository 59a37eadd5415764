"""FeatureCross: values by hand, gradients by finite differences, config and a save/load round trip."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet.checks import ArgumentTypeError
from glassnet.engine.gradcheck import check_gradients
from glassnet.engine.ops.math import cos, sin
from glassnet.engine.tensor import GradientTape, Tensor
from glassnet.layers import FeatureCross

ALL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)", "cos(x1)", "cos(x2)"]


def test_values_by_hand() -> None:
    out = FeatureCross(ALL)(np.array([[3.0, -2.0]], "float32")).numpy()
    expected = [3, -2, 9, 4, -6, np.sin(3), np.sin(-2), np.cos(3), np.cos(-2)]
    assert out.shape == (1, 9) and out.dtype == np.float32
    assert np.allclose(out[0], expected, atol=1e-6)


def test_playground_names_and_spellings_become_the_canonical_names() -> None:
    layer = FeatureCross(["x", "Y", "xSquared", "x2**2", "x1 x2", "sin_x1", "sinY"])
    assert layer.features == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert FeatureCross().features == ["x1", "x2"]  # the playground's default inputs


def test_compute_output_shape_and_use_in_a_functional_model() -> None:
    layer = FeatureCross(["x1^2", "x2^2", "x1*x2"])
    assert layer.compute_output_shape((None, 2)) == (None, 3)
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1)(layer(inputs))
    model = keras.Model(inputs, outputs)
    assert model.predict(np.ones((5, 2), "float32"), verbose=0).shape == (5, 1)
    assert layer.count_params() == 0


def test_gradients_reach_the_input_as_finite_differences_say() -> None:
    keras.set_floatx("float64")
    layer = FeatureCross(ALL)
    x = np.random.default_rng(0).uniform(-3, 3, (4, 2))
    errors = check_gradients(lambda t: layer(t), [x])
    assert errors[0] < 1e-6
    check_gradients(sin, [x])
    check_gradients(cos, [x])


def test_gradient_of_a_circle_boundary_by_hand() -> None:
    # d/dx (x1^2 + x2^2 + x1 x2) = (2 x1 + x2, 2 x2 + x1)
    keras.set_floatx("float64")
    x = Tensor(np.array([[1.0, 2.0], [-3.0, 0.5]]), requires_grad=True)
    with GradientTape() as tape:
        total = keras.ops.sum(FeatureCross(["x1^2", "x2^2", "x1*x2"])(x))
    grad = tape.gradient(total, x)
    assert np.allclose(grad, [[4.0, 5.0], [-5.5, -2.0]])


def test_save_and_load_round_trip(tmp_path) -> None:
    model = keras.Sequential([keras.Input((2,)), FeatureCross(["xSquared", "ySquared"]), keras.layers.Dense(1)])
    x = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    path = tmp_path / "circle.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], FeatureCross)
    assert loaded.layers[0].features == ["x1^2", "x2^2"]
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    config = FeatureCross(["x", "sinY"], name="fc").get_config()
    assert config["features"] == ["x1", "sin(x2)"]
    assert FeatureCross.from_config(config).features == ["x1", "sin(x2)"]


@pytest.mark.parametrize("features, error, message", [
    (["x1", "z"], ValueError, r"unknown feature 'z'; known features: x1, x2, x1\^2, x2\^2, x1\*x2, sin\(x1\)"),
    (["x1", "x"], ValueError, r"feature 'x1' is listed twice"),
    ([], ValueError, r"features must name at least one feature"),
    ("x1", ArgumentTypeError, r"features must be a list of feature names"),
    ([1], ArgumentTypeError, r"features must be feature names \(strings\), got 1"),
])
def test_bad_features_are_refused_by_name(features, error, message) -> None:
    with pytest.raises(error, match=r"FeatureCross '.*': " + message):
        FeatureCross(features)


def test_inputs_that_are_not_points_are_refused() -> None:
    with pytest.raises(ValueError, match=r"expects points \(x1, x2\).*got samples of shape \(None, 3\)"):
        FeatureCross(["x1"])(np.zeros((4, 3), "float32"))


def test_explained_derivatives_match_the_tape() -> None:
    # explain() states dC/dx1, dC/dx2 of each feature (layers.feature_cross.DERIVATIVES); evaluate each
    # statement with NumPy and compare with the engine's gradient of g * feature.
    from glassnet.layers.feature_cross import DERIVATIVES

    x = np.array([[0.7, -1.3], [2.1, 0.4]])
    g = np.array([[1.5], [-0.5]])
    for feature, (d1, d2) in DERIVATIVES.items():
        xt = Tensor(x.copy(), requires_grad=True)
        with GradientTape() as tape:
            out = FeatureCross([feature])(xt)
            total = (out * Tensor(g)).sum()
        got = tape.gradient(total, xt)
        scope = {"x1": x[:, :1], "x2": x[:, 1:], "g": g, "sin": np.sin, "cos": np.cos}
        expected = np.hstack([np.broadcast_to(eval(d.replace(" ", "*").replace("*-", "-").lstrip("*"), scope), g.shape)
                              for d in (d1, d2)])
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=feature)


def test_explain_names_every_feature() -> None:
    layer = FeatureCross(["x1^2", "x1*x2"])
    layer(np.zeros((3, 2)))
    text = str(layer.explain())
    assert "a = [x1^2, x1*x2]" in text and "(None, 2) -> (None, 2)" in text
    assert "dC/dx1 = 2 x1 g_1 + x2 g_2" in text and "dC/dx2 = x1 g_2" in text
