"""Keras tutorial patterns found by reading tutorials against glassnet (each once failed or surprised)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers


def test_subclass_called_with_inputs_and_outputs_is_functional_and_keeps_its_methods() -> None:
    class WithHelper(keras.Model):
        def describe(self) -> str:
            return f"{len(self.layers)} layers"

    inputs = keras.Input(shape=(3,))
    model = WithHelper(inputs, layers.Dense(2)(inputs))
    assert isinstance(model, WithHelper) and isinstance(model, keras.Functional)
    assert model.describe() == "2 layers"
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), verbose=0)


def test_an_overridden_train_step_is_refused_rather_than_ignored() -> None:
    class CustomStep(keras.Model):
        def train_step(self, data):  # noqa: ANN001 - the Keras signature
            return {}

    inputs = keras.Input(shape=(3,))
    model = CustomStep(inputs, layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    with pytest.raises(NotImplementedError, match="overrides train_step"):
        model.fit(np.ones((4, 3)), np.zeros((4, 1)), verbose=0)


def test_generators_get_a_clear_error() -> None:
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile("sgd", "mse")

    def batches():
        while True:
            yield np.zeros((2, 3)), np.zeros((2, 1))

    with pytest.raises(TypeError, match="generator or Sequence of batches"):
        model.fit(batches(), verbose=0)


def test_loss_names_work_as_metrics() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 3)), (rng.random((32, 1)) > 0.5).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_crossentropy", "mape"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["binary_crossentropy"] == pytest.approx(logs["loss"], rel=1e-5)
    p = model.predict(x, verbose=0)
    expected = 100 * np.mean(np.abs(y - p) / np.maximum(np.abs(y), 1e-7))
    assert logs["mape"] == pytest.approx(expected, rel=1e-4)


def test_relu_prints_plain_zeros() -> None:
    out = keras.activations.relu(np.array([-1.0, 0.5], "float32")).numpy()
    assert np.signbit(out).sum() == 0


def test_keras2_decay_and_input_shape() -> None:
    opt = keras.optimizers.SGD(lr=0.1, decay=0.5)
    assert opt.get_config()["decay"] == 0.5
    opt.iterations = 2
    assert opt.learning_rate == pytest.approx(0.1 / (1 + 0.5 * 2))
    model = keras.Sequential([layers.Dense(3, input_dim=4)])
    assert model.layers[0].input_shape == (None, 4)


def test_clone_model_has_the_architecture_and_new_weights() -> None:
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(2, activation="relu")(layers.Dense(4)(inputs)))
    clone = keras.models.clone_model(model)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras2_import_paths_and_legacy_optimizers() -> None:
    from glassnet.utils.np_utils import to_categorical

    assert to_categorical([1], 2).tolist() == [[0.0, 1.0]]
    assert keras.optimizers.legacy.Adam is keras.optimizers.Adam


def test_fashion_mnist_reads_local_idx_files_and_explains_when_missing(tmp_path) -> None:
    import shutil

    with pytest.raises(keras.datasets.mnist.DatasetError, match="not bundled"):
        keras.datasets.fashion_mnist.load_data()
    shutil.copytree(keras.datasets.mnist.DATA_DIR, tmp_path / "f")  # same IDX layout
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data(path=tmp_path / "f")
    assert x.shape == (60000, 28, 28) and yt.shape == (10000,)
