"""gradcheck(): passes on correct layers, catches a wrong backward, leaves the model untouched, names bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import backend
from glassnet.engine.gradcheck import GradientCheckError
from glassnet.engine.tensor import record


class ScaledMatmul(gn.layers.Layer):
    """x @ kernel as a custom op; ``wrong`` scales the kernel's gradient by 1.5 (a planted bug)."""

    def __init__(self, units: int, wrong: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.units, self.wrong = units, wrong

    def build(self, input_shape: tuple) -> None:
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")

    def call(self, x: gn.Tensor) -> gn.Tensor:
        kernel, factor = self.kernel, 1.5 if self.wrong else 1.0
        return record(x.data @ kernel.data, (x, kernel),
                      lambda g: (g @ kernel.data.T, factor * (x.data.T @ g)))


def compiled(model: gn.Model, loss: str = "mse") -> gn.Model:
    model.compile(optimizer="sgd", loss=loss)
    return model


def test_dense_model_passes_including_the_input(rng: np.random.Generator) -> None:
    model = compiled(gn.Sequential([gn.Input((3,)), gn.layers.Dense(4, activation="tanh"),
                                    gn.layers.Dense(2, activation="sigmoid")]))
    result = gn.gradcheck(model, rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), wrt_input=True)
    assert result and result.passed and result.max_relative_error < 1e-6
    assert [e.name for e in result.entries] == [w.path for w in model.trainable_weights] + ["x"]
    assert "passed" in str(result) and "dense/kernel" in str(result)


def test_conv_and_batchnorm_model_passes_in_training_mode(rng: np.random.Generator) -> None:
    model = compiled(gn.Sequential([
        gn.Input((6, 6, 2)), gn.layers.Conv2D(3, 3, activation="relu"), gn.layers.MaxPooling2D(2),
        gn.layers.BatchNormalization(), gn.layers.Flatten(), gn.layers.Dropout(0.3),
        gn.layers.Dense(3, activation="softmax")]), "sparse_categorical_crossentropy")
    result = gn.gradcheck(model, rng.normal(size=(4, 6, 6, 2)), np.array([0, 2, 1, 1]))
    assert result.passed, str(result)
    assert len(result.entries) == 6


def test_single_layers_pass(rng: np.random.Generator) -> None:
    for layer, shape in ((gn.layers.Dense(3, activation="softplus"), (2, 4)),
                         (gn.layers.Conv2D(2, 2, padding="same"), (2, 4, 4, 1)),
                         (gn.layers.BatchNormalization(), (5, 3))):
        result = gn.gradcheck(layer, rng.normal(size=shape), wrt_input=True)
        assert result.passed, str(result)
        assert layer.built and result.target == f"layer '{layer.name}'"


def test_a_wrong_backward_is_caught(rng: np.random.Generator) -> None:
    good = gn.gradcheck(ScaledMatmul(2, name="mm"), rng.normal(size=(3, 4)), wrt_input=True)
    assert good.passed
    bad = gn.gradcheck(ScaledMatmul(2, wrong=True, name="mm_bad"), rng.normal(size=(3, 4)), wrt_input=True)
    assert not bad and not bad.passed
    by_name = {e.name: e for e in bad.entries}
    assert not by_name["mm_bad/kernel"].passed and by_name["x"].passed
    assert by_name["mm_bad/kernel"].max_relative_error == pytest.approx(1 / 3, rel=1e-4)  # |1.5 - 1| / 1.5
    assert "FAIL" in str(bad) and "mm_bad/kernel" in str(bad) and "FAIL" in bad._repr_html_()


def test_a_wrong_backward_inside_a_model_fails_and_can_raise(rng: np.random.Generator) -> None:
    model = compiled(gn.Sequential([gn.Input((4,)), gn.layers.Dense(3, activation="tanh"),
                                    ScaledMatmul(2, wrong=True, name="mm")]))
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    result = gn.gradcheck(model, x, y)
    assert [e.passed for e in result.entries] == [True, True, False]
    with pytest.raises(GradientCheckError, match=r"mm/kernel .*FAIL"):
        gn.gradcheck(model, x, y, raise_on_failure=True)


def test_the_model_comes_back_bitwise_in_float32(rng: np.random.Generator) -> None:
    model = compiled(gn.Sequential([gn.Input((3,)), gn.layers.Dense(2), gn.layers.BatchNormalization(),
                                    gn.layers.Dropout(0.5)]))
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    model.train_on_batch(x, y)  # packed optimizer buffers: the variables are views into them
    arrays = [v.data for v in model.weights]
    values = [a.copy() for a in arrays]
    state = backend.rng().bit_generator.state
    assert gn.gradcheck(model, x, y).passed
    assert [v.data for v in model.weights] == arrays and all(a.dtype == np.float32 for a in arrays)
    for a, b in zip(arrays, values):
        np.testing.assert_array_equal(backend.to_numpy(a), backend.to_numpy(b))
    assert gn.floatx() == "float32" and backend.rng().bit_generator.state == state
    assert all(g.still_packed() for g in model.optimizer._groups)


def test_to_dict_and_html(rng: np.random.Generator) -> None:
    result = gn.gradcheck(gn.layers.Dense(2), rng.normal(size=(2, 2)))
    d = result.to_dict()
    assert d["passed"] is True and d["entries"][0]["name"].endswith("/kernel")
    assert "<table>" in result._repr_html_()


def test_bad_arguments_are_named(rng: np.random.Generator) -> None:
    layer = gn.layers.Dense(2)
    x = rng.normal(size=(2, 3))
    with pytest.raises(TypeError, match="model_or_layer must be a glassnet Model or Layer, got function"):
        gn.gradcheck(lambda v: v, x)
    with pytest.raises(ValueError, match="eps"):
        gn.gradcheck(layer, x, eps=0)
    with pytest.raises(ValueError, match="rtol"):
        gn.gradcheck(layer, x, rtol=-1)
    with pytest.raises(ValueError, match="y is only used with a compiled model"):
        gn.gradcheck(layer, x, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"x must be a non-empty numeric array with a batch axis"):
        gn.gradcheck(layer, np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"x must be a non-empty numeric array"):
        gn.gradcheck(layer, np.float64(1.0))
    with pytest.raises(RuntimeError, match=r"gradcheck\(\): model 'sequential' is not compiled"):
        gn.gradcheck(gn.Sequential([gn.Input((3,)), gn.layers.Dense(1)]), x, np.ones((2, 1)))
    model = compiled(gn.Sequential([gn.Input((3,)), gn.layers.Dense(1)]))
    with pytest.raises(ValueError, match=r"gradcheck\(\): x has shape \(2, 4\)"):
        gn.gradcheck(model, np.ones((2, 4)), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"gradcheck\(\): y does not fit"):
        gn.gradcheck(model, x, np.ones((2, 5)))
    with pytest.raises(ValueError, match="no trainable weights"):
        gn.gradcheck(gn.layers.Flatten(), x)
