"""callbacks.Inspector: what it records (checked against NumPy), when, and that it leaves the model as it was."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as keras
from glassnet import callbacks, layers
from glassnet.callbacks.inspector import SIGMOID_SATURATION, TANH_SATURATION


def _data(n: int = 40, d: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def _mlp(optimizer: object = "sgd", **dense: object) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8, activation="relu", name="hidden", **dense),
                              layers.Dense(6, activation="tanh", name="squash"),
                              layers.Dense(2, activation="softmax", name="out")])
    model.compile(optimizer, "sparse_categorical_crossentropy")
    return model


def _conv_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(3, 3, activation="relu", name="conv"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_records_have_one_value_per_inspection_per_layer_and_weight() -> None:
    x, y = _data()
    inspector = callbacks.Inspector(every=3)
    _mlp().fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[inspector])
    assert inspector.steps == [0, 3, 6] and inspector.epochs == [0, 0, 1]  # 4 batches per epoch
    assert list(inspector.records) == ["hidden", "squash", "out"]
    assert "dead_fraction" in inspector.records["hidden"] and "saturated_fraction" not in inspector.records["hidden"]
    assert "saturated_fraction" in inspector.records["squash"]
    assert not {"dead_fraction", "saturated_fraction"} & set(inspector.records["out"])
    for entry in inspector.records.values():
        assert set(entry["weights"]) == {"kernel", "bias"}
        for key in ("activation_mean", "activation_std"):
            assert len(entry[key]) == 3 and np.all(np.isfinite(entry[key]))
        for row in entry["weights"].values():
            assert all(len(v) == 3 for v in row.values())
    assert len(inspector.gradient_norm) == len(inspector.learning_rate) == 3
    as_dict = json.loads(json.dumps(inspector.to_dict()))  # plain, JSON-able
    assert as_dict["steps"] == [0, 3, 6] and as_dict["layers"]["hidden"]["weights"]["kernel"]["weight_norm"]


def test_every_epoch_inspects_the_last_batch_of_each_epoch() -> None:
    x, y = _data()
    inspector = callbacks.Inspector()
    _mlp().fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[inspector])
    assert inspector.steps == [3, 7, 11] and inspector.epochs == [0, 1, 2]


def test_activation_statistics_match_numpy() -> None:
    x, y = _data()
    model = _mlp(optimizer=keras.optimizers.SGD(learning_rate=0.0))  # the weights stay as we read them
    hidden, squash = model.get_layer("hidden"), model.get_layer("squash")
    hidden.bias.assign(np.array([-9, -9, -9, 0, 0, 0, 0, 0], "float32"))  # 3 of 8 units dead on every sample
    squash.kernel.assign(squash.kernel.numpy() * 40)                      # tanh pushed into saturation
    inspector = callbacks.Inspector(every=1)
    model.fit(x, y, epochs=1, batch_size=40, shuffle=False, verbose=0, callbacks=[inspector])
    h = np.maximum(x @ hidden.kernel.numpy() + hidden.bias.numpy(), 0)
    t = np.tanh(h @ squash.kernel.numpy() + squash.bias.numpy())
    rec = inspector.records
    np.testing.assert_allclose(rec["hidden"]["activation_mean"], [h.mean()], rtol=1e-5)
    np.testing.assert_allclose(rec["hidden"]["activation_std"], [h.std()], rtol=1e-5)
    assert rec["hidden"]["dead_fraction"] == [np.mean(~(h != 0).any(axis=0))] and rec["hidden"]["dead_fraction"][0] >= 3 / 8
    np.testing.assert_allclose(rec["squash"]["saturated_fraction"], [np.mean(np.abs(t) > TANH_SATURATION)], atol=1e-6)
    assert rec["squash"]["saturated_fraction"][0] > 0.5 and SIGMOID_SATURATION == 0.01


def test_gradient_weight_norms_and_update_ratio_match_plain_sgd() -> None:
    # Plain SGD: W_after - W_before = -lr * g, so ||dW|| / ||W_before|| = lr * ||g|| / ||W_before||.
    x, y = _data()
    model = _mlp(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    before = model.get_layer("hidden").kernel.numpy().copy()
    inspector = callbacks.Inspector(every=1)
    model.fit(x, y, epochs=1, batch_size=40, verbose=0, callbacks=[inspector])
    row = inspector.records["hidden"]["weights"]["kernel"]
    after = model.get_layer("hidden").kernel.numpy()
    np.testing.assert_allclose(row["weight_norm"], [np.linalg.norm(after)], rtol=1e-5)
    np.testing.assert_allclose(row["update_ratio"], [np.linalg.norm(after - before) / np.linalg.norm(before)], rtol=1e-4)
    np.testing.assert_allclose(row["gradient_norm"], [np.linalg.norm(after - before) / 0.1], rtol=1e-4)
    assert np.isnan(inspector.records["hidden"]["weights"]["bias"]["update_ratio"][0])  # a zero bias: no ratio
    grads = [g for _, g in model.optimizer.last_gradients()]
    np.testing.assert_allclose(inspector.gradient_norm, [np.sqrt(sum(float((g ** 2).sum()) for g in grads))], rtol=1e-5)


def test_uninspected_batches_run_the_layers_untouched_and_fit_restores_everything() -> None:
    _, y = _data()
    model = _conv_model()
    conv = model.get_layer("conv")
    seen: list[tuple[bool, bool]] = []

    class Spy(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(("call" in conv.__dict__, model.fuse_layers))

    inspector = callbacks.Inspector(every=2)
    xi = np.random.default_rng(1).normal(size=(40, 6, 6, 1)).astype("float32")
    model.fit(xi, y, epochs=1, batch_size=10, verbose=0, callbacks=[inspector, Spy()])
    assert seen == [(True, False), (False, True), (True, False), (False, True)]
    assert "call" not in conv.__dict__ and model.fuse_layers is True
    assert np.isfinite(inspector.records["conv"]["dead_fraction"]).all()  # the conv's own output, unfused


def test_a_fused_pair_trains_the_same_with_an_inspector() -> None:
    xi = np.random.default_rng(1).normal(size=(40, 6, 6, 1)).astype("float32")
    y = (xi.mean(axis=(1, 2, 3)) > 0).astype("int64")
    trained = []
    for cbs in ([], [callbacks.Inspector(every=1)]):
        model = _conv_model()
        model.fit(xi, y, epochs=2, batch_size=10, shuffle=False, verbose=0, callbacks=cbs)
        trained.append([w.numpy() for w in model.weights])
    for a, b in zip(*trained):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_the_layers_are_restored_when_training_stops_on_an_error() -> None:
    xi = np.random.default_rng(1).normal(size=(20, 6, 6, 1)).astype("float32")
    y = np.zeros(20, "int64")
    model = _conv_model()

    class Boom(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        model.fit(xi, y, epochs=1, batch_size=10, verbose=0, callbacks=[callbacks.Inspector(every=1), Boom()])
    assert all("call" not in layer.__dict__ for layer in model.layers) and model.fuse_layers is True


def test_layers_can_be_chosen_by_name_or_object_and_activations_turned_off() -> None:
    x, y = _data()
    model = _mlp()
    inspector = callbacks.Inspector(every=2, layers=["out", model.get_layer("hidden")], activations=False)
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, callbacks=[inspector])
    assert list(inspector.records) == ["out", "hidden"]
    assert set(inspector.records["hidden"]) == {"weights"}
    assert "hidden:" in inspector.summary() and "update/weight" in inspector.summary()


def test_a_second_fit_starts_fresh_records() -> None:
    x, y = _data()
    model, inspector = _mlp(), callbacks.Inspector(every=1)
    model.fit(x, y, epochs=1, batch_size=20, verbose=0, callbacks=[inspector])
    model.fit(x, y, epochs=1, batch_size=40, verbose=0, callbacks=[inspector])
    assert inspector.steps == [0] and len(inspector.records["hidden"]["activation_mean"]) == 1


def test_summary_before_any_inspection_says_so() -> None:
    assert "nothing recorded" in callbacks.Inspector().summary()
    assert "every='epoch'" in repr(callbacks.Inspector())


@pytest.mark.parametrize("every", [0, -3, 2.5, True, "batch"])
def test_bad_every_is_refused_by_name(every: object) -> None:
    with pytest.raises((TypeError, ValueError), match="every"):
        callbacks.Inspector(every=every)


@pytest.mark.parametrize("chosen", ["hidden", [3], 7])
def test_bad_layers_argument_is_refused_by_name(chosen: object) -> None:
    with pytest.raises(TypeError, match="layers"):
        callbacks.Inspector(layers=chosen)


def test_an_unknown_layer_name_is_refused_at_fit() -> None:
    x, y = _data()
    with pytest.raises(ValueError, match="layers names 'nope'.*hidden"):
        _mlp().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.Inspector(layers=["nope"])])


def test_bad_activations_flag_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="activations"):
        callbacks.Inspector(activations="yes")
