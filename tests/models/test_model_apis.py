"""The three Keras model APIs (Sequential, Functional, subclassing) and their shared behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers


def _xy(n: int = 64, features: int = 4, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x, np.minimum(y, classes - 1)


# --- Sequential ------------------------------------------------------------------------------------
def test_sequential_with_input_is_built_and_counts_params() -> None:
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(256, activation="relu"), layers.Dense(10)])
    assert model.built
    assert model.count_params() == 784 * 256 + 256 + 256 * 10 + 10
    assert [w.shape for w in model.get_weights()] == [(784, 256), (256,), (256, 10), (10,)]
    assert model.layers[0].output_shape == (None, 256)


def test_sequential_keras2_input_dim_and_input_shape() -> None:
    a = keras.Sequential([layers.Dense(8, input_dim=5), layers.Dense(1)])
    b = keras.Sequential([layers.Dense(8, input_shape=(5,)), layers.Dense(1)])
    assert a.count_params() == b.count_params() == 5 * 8 + 8 + 8 + 1


def test_sequential_add_pop_and_lazy_build() -> None:
    model = keras.Sequential()
    model.add(layers.Dense(4, activation="relu"))
    model.add(layers.Dense(2))
    assert not model.built or not model.weights
    out = model.predict(np.ones((3, 7), "float32"), verbose=0)
    assert out.shape == (3, 2)
    assert model.layers[0].kernel.shape == (7, 4)
    popped = model.pop()
    assert popped.units == 2 and len(model.layers) == 1


def test_sequential_add_accepts_input_tensor_and_rejects_non_layers() -> None:
    model = keras.Sequential()
    model.add(keras.Input(shape=(3,)))
    model.add(layers.Dense(2))
    assert model.count_params() == 8
    with pytest.raises(TypeError, match="Only instances of keras.layers.Layer"):
        model.add("dense")


def test_dense_applies_to_last_axis_of_nd_input() -> None:
    model = keras.Sequential([keras.Input(shape=(5, 3)), layers.Dense(4)])
    assert model.predict(np.ones((2, 5, 3), "float32"), verbose=0).shape == (2, 5, 4)
    assert model.count_params() == 3 * 4 + 4


# --- Functional --------------------------------------------------------------------------------------
def test_functional_multi_input_multi_output_shared_layer() -> None:
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = layers.Dense(3, activation="tanh", name="shared")
    merged = layers.Concatenate()([shared(a), shared(b)])
    summed = layers.Add()([shared(a), shared(b)])
    out1 = layers.Dense(1, name="regress")(merged)
    out2 = layers.Dense(3, activation="softmax", name="classify")(summed)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    assert isinstance(model, keras.Model) and type(model).__name__ == "Functional"
    assert model.output_names == ["regress", "classify"]
    assert model.count_params() == (4 * 3 + 3) + (6 + 1) + (3 * 3 + 3)
    x1, y_cls = _xy(40)
    x2 = x1[::-1].copy()
    y_reg = x1[:, :1]
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 1.0],
                  metrics={"classify": ["accuracy"]})
    history = model.fit([x1, x2], [y_reg, y_cls], epochs=2, batch_size=8, verbose=0)
    assert {"loss", "regress_loss", "classify_loss", "classify_accuracy"} <= set(history.history)
    p1, p2 = model.predict({"a": x1, "b": x2}, verbose=0)
    assert p1.shape == (40, 1) and p2.shape == (40, 3)
    # The total loss is the weighted sum of the outputs' losses.
    logs = model.evaluate([x1, x2], [y_reg, y_cls], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(0.5 * logs["regress_loss"] + logs["classify_loss"], rel=1e-5)


def test_functional_arithmetic_on_symbolic_tensors() -> None:
    inp = keras.Input(shape=(3,))
    h = layers.Dense(3, use_bias=False, kernel_initializer="identity")(inp)
    out = (h + inp) * 2.0 - 1.0
    model = keras.Model(inp, out)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), (x + x) * 2 - 1)


def test_functional_disconnected_graph_is_reported() -> None:
    a = keras.Input(shape=(2,), name="first")
    b = keras.Input(shape=(2,), name="second")
    out = layers.Add()([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(inputs=a, outputs=out)


def test_functional_dict_outputs_and_loss_dict() -> None:
    inp = keras.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")(inp)
    model = keras.Model(inp, {"value": layers.Dense(1)(hidden), "label": layers.Dense(2, activation="softmax")(hidden)})
    x, y = _xy(32, classes=2)
    model.compile("sgd", loss={"value": "mae", "label": "sparse_categorical_crossentropy"})
    model.fit(x, {"value": x[:, :1], "label": y}, epochs=1, verbose=0)
    out = model.predict(x, verbose=0)
    assert set(out) == {"value", "label"}


# --- Subclassing -----------------------------------------------------------------------------------
class ResidualMLP(keras.Model):
    def __init__(self, units: int = 8, classes: int = 3) -> None:
        super().__init__()
        self.inp = layers.Dense(units, activation="relu")
        self.block = layers.Dense(units, activation="relu")
        self.drop = layers.Dropout(0.2)
        self.out = layers.Dense(classes, activation="softmax")

    def call(self, inputs, training=None):
        h = self.inp(inputs)
        h = h + 0.5 * self.block(h)  # plain arithmetic between layer outputs
        return self.out(self.drop(h, training=training))


def test_subclassed_model_trains_and_tracks_layers() -> None:
    model = ResidualMLP()
    x, y = _xy(96)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.7
    assert len(model.layers) == 4
    assert len(model.trainable_weights) == 6
    assert model.count_params() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3


def test_subclassed_summary_before_and_after_build(capsys: pytest.CaptureFixture[str]) -> None:
    model = ResidualMLP()
    model.summary()
    text = capsys.readouterr().out
    assert "0 (unbuilt)" in text
    model.predict(np.ones((2, 4), "float32"), verbose=0)
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 8)" in text
    assert f"Total params: {model.count_params():,}" in text


# --- compile / fit semantics --------------------------------------------------------------------------
def test_validation_split_takes_the_last_fraction_before_shuffling() -> None:
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.arange(10, dtype="float32").reshape(10, 1)
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")  # the weights stay: val_loss can be recomputed
    history = model.fit(x, y, validation_split=0.25, epochs=1, verbose=0)
    # floor(10 * 0.75) = 7: train on 0..6, validate on 7..9, as Keras does.
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[7:], y[7:], verbose=0), rel=1e-6)
    assert history.params == {"verbose": 0, "epochs": 1, "steps": 1}


def test_validation_split_warns_when_the_tail_is_one_class() -> None:
    x = np.random.default_rng(0).normal(size=(100, 2)).astype("float32")
    y = np.repeat([0, 1], 50)
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.warns(UserWarning, match="labels look sorted"):
        model.fit(x, y, validation_split=0.2, epochs=1, verbose=0)


def test_history_params_epochs_and_initial_epoch() -> None:
    x, y = _xy(70)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 3}  # ceil(70 / 32)
    assert set(history.history) == {"loss", "acc"}
    assert model.history is history


def test_evaluate_return_forms() -> None:
    x, y = _xy()
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": loss, "accuracy": acc}


def test_loss_as_one_element_list_and_string_aliases() -> None:
    x, y = _xy()
    for loss in (["sparse_categorical_crossentropy"], "SparseCategoricalCrossentropy",
                 keras.losses.SparseCategoricalCrossentropy()):
        model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="RMSprop", loss=loss, metrics=["accuracy"])
        model.fit(x, y, epochs=1, verbose=0)


@pytest.mark.parametrize("loss,labels,expected", [
    ("sparse_categorical_crossentropy", "sparse", "SparseCategoricalAccuracy"),
    ("categorical_crossentropy", "onehot", "CategoricalAccuracy"),
    ("binary_crossentropy", "binary", "BinaryAccuracy"),
])
def test_accuracy_string_resolves_by_loss_and_shapes(loss: str, labels: str, expected: str) -> None:
    x, y = _xy(classes=3)
    units, activation = (1, "sigmoid") if labels == "binary" else (3, "softmax")
    target = {"sparse": y, "onehot": keras.utils.to_categorical(y, 3), "binary": (y > 0).astype("float32")}[labels]
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(units, activation=activation)])
    model.compile("adam", loss, metrics=["accuracy"])
    model.fit(x, target, epochs=1, verbose=0)
    metric = model._tracker.compiled_metrics[0].metrics[0]
    assert type(metric).__name__ == expected and metric.name == "accuracy"


def test_predict_is_batched_and_matches_call() -> None:
    x, _ = _xy(100)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(5, activation="relu"), layers.Dense(2)])
    full = model(x).numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), full, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), full, rtol=1e-6)


def test_train_and_test_on_batch() -> None:
    x, y = _xy()
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y)
    for _ in range(20):
        model.train_on_batch(x, y)
    after = model.test_on_batch(x, y)
    assert after[0] < before[0]


def test_set_weights_uses_keras_layouts_and_checks_shapes() -> None:
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    model.set_weights([kernel, np.array([1.0, -1.0], "float32")])
    np.testing.assert_allclose(model.predict(np.eye(3, dtype="float32"), verbose=0), kernel + [1, -1])
    with pytest.raises(ValueError, match=r"has shape \(3, 2\).*\(2, 3\)"):
        model.set_weights([kernel.T, np.zeros(2, "float32")])
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        model.set_weights([kernel])


def test_sample_weight_and_class_weight_scale_the_loss() -> None:
    x, y = _xy(32)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    base = model.evaluate(x, y, verbose=0)
    doubled = model.evaluate(x, y, sample_weight=np.full(32, 2.0), verbose=0)
    assert doubled == pytest.approx(2 * base, rel=1e-5)


def test_frozen_layer_is_not_updated() -> None:
    x, y = _xy()
    first = layers.Dense(4)
    model = keras.Sequential([keras.Input(shape=(4,)), first, layers.Dense(3, activation="softmax")])
    first.trainable = False
    before = first.get_weights()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(before, first.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_regularizer_penalty_is_added_to_the_loss() -> None:
    x, y = _xy(16)
    dense = layers.Dense(3, activation="softmax", kernel_regularizer=keras.regularizers.l2(0.1))
    model = keras.Sequential([keras.Input(shape=(4,)), dense])
    model.compile("sgd", "sparse_categorical_crossentropy")
    plain = keras.losses.sparse_categorical_crossentropy(y, model(x)).numpy().mean()
    penalty = 0.1 * float((dense.kernel.numpy().astype(np.float64) ** 2).sum())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain + penalty, rel=1e-5)


def test_gradient_tape_custom_training_loop() -> None:
    x, y = _xy()
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    losses = []
    for _ in range(30):
        with keras.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss))
    assert losses[-1] < losses[0] * 0.8
