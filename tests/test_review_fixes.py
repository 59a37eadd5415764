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


def test_generators_and_sequences_feed_fit_evaluate_and_predict() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")

    def batches():  # an endless generator, as in Keras tutorials: steps_per_epoch bounds each epoch
        while True:
            for start in range(0, 40, 10):
                yield x[start:start + 10], y[start:start + 10]

    class Batches:  # a keras.utils.Sequence-like object: len() batches, [i] -> (x, y)
        epochs_seen = 0

        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

        def on_epoch_end(self) -> None:
            Batches.epochs_seen += 1

    keras.utils.set_random_seed(3)
    from_arrays = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    from_arrays.compile(keras.optimizers.SGD(0.05), "mse")
    from_arrays.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    for source, kwargs in ((batches(), {"steps_per_epoch": 4}), (Batches(), {"shuffle": False})):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.05), "mse")
        history = model.fit(source, epochs=3, verbose=0, validation_data=Batches(), **kwargs)
        assert history.params["steps"] == 4 and "val_loss" in history.history
        for a, b in zip(model.get_weights(), from_arrays.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert Batches.epochs_seen >= 3
    assert model.evaluate(Batches(), verbose=0) == pytest.approx(from_arrays.evaluate(x, y, verbose=0), rel=1e-6)
    np.testing.assert_allclose(model.predict(Batches(), verbose=0), from_arrays.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(batches(), steps=2, verbose=0), from_arrays.predict(x[:20], verbose=0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="must come from its batches"):
        model.fit(batches(), y, steps_per_epoch=1, verbose=0)


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
