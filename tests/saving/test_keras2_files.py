"""Files written by tf.keras 2.15 (Keras 2) load in glassnet with the same predictions.

The files were made once with TensorFlow (see fixtures/keras2/README.md); these tests read
them without it.  Each comes with the input batch and tf.keras' own predictions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

HERE = Path(__file__).parent / "fixtures" / "keras2"
MODELS = ["mlp", "mlp_no_optimizer", "mlp_legacy_optimizer", "cnn", "functional", "rnn", "bidir", "simple_rnn",
          "nested"]


def _inputs(name: str):
    data = np.load(HERE / f"{name}.npz")
    return ([data["x0"], data["x1"]] if "x0" in data else data["x"]), data["y"]


@pytest.mark.parametrize("name", MODELS)
def test_keras2_model_files_predict_as_tf_keras_did(name):
    model = gn.models.load_model(HERE / f"{name}.h5")
    x, y = _inputs(name)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name,optimizer", [("mlp", "Adam"), ("cnn", "SGD"), ("functional", "RMSprop"),
                                            ("rnn", "Adam"), ("bidir", "Adagrad"), ("simple_rnn", "Adamax"),
                                            ("nested", "Nadam"), ("mlp_legacy_optimizer", "Adam")])
def test_keras2_files_come_back_compiled_with_their_optimizer_state(name, optimizer):
    model = gn.models.load_model(HERE / f"{name}.h5")
    assert type(model.optimizer).__name__ == optimizer
    assert model.optimizer.iterations == 1  # one fit step was taken before saving
    slots = model.optimizer.get_slot_arrays()
    assert slots and all(any(np.any(a != 0) for a in arrays) for arrays in slots.values())  # the saved moments
    x, _ = _inputs(name)
    y = model.predict(x, verbose=0)
    target = y.argmax(axis=-1) if name.startswith("mlp") else y + 0.1  # the mlp's loss takes class indices
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, target)  # training continues from the saved moments
    assert model.optimizer.iterations == 2
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_keras2_file_without_optimizer_loads_uncompiled_weights():
    model = gn.models.load_model(HERE / "mlp_no_optimizer.h5")
    assert getattr(model, "optimizer", None) is None


@pytest.mark.parametrize("weights", ["mlp_weights.h5", "mlp.weights.h5"])
def test_keras2_weight_files_load_into_the_same_model_built_in_glassnet(weights):
    model = gn.Sequential([gn.Input((8,)), gn.layers.Dense(16, activation="relu"), gn.layers.Dropout(0.2),
                           gn.layers.Dense(3, activation="softmax")])
    model.load_weights(HERE / weights)
    x, y = _inputs("mlp")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=1e-5, rtol=1e-5)


def test_keras2_weights_into_a_different_model_are_refused_and_change_nothing():
    model = gn.Sequential([gn.Input((8,)), gn.layers.Dense(16), gn.layers.Dense(4)])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(gn.saving.SavedModelError, match="dense_1"):
        model.load_weights(HERE / "mlp_weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
