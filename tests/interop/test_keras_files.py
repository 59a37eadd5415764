"""Model files move both ways between glassnet and real Keras 3 (PyTorch backend).

Each model is built the same way in both libraries; one saves it (``.keras``, ``.h5`` or
``.weights.h5``), the other loads it, and the predictions must agree to 1e-5.  After a few
training steps, the loaded model must also take the same next step as the original, which
checks that the optimizer state lands in the right places.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from tests.interop import builders

FORMATS = [".keras", ".h5", ".weights.h5"]


def _predict(model, x) -> np.ndarray:
    return np.asarray(model.predict(x, verbose=0))


def _load(lib, path):
    return lib.saving.load_model(path) if lib is not gn else gn.models.load_model(path)


def _move(src, dst, build, path):
    model, x = build(src)
    builders.randomise_weights(model)
    model.compile("adam", "mse")
    if str(path).endswith(".weights.h5"):
        model.save_weights(path)
        loaded, _ = build(dst)
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = _load(dst, path)
    return model, loaded, x


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("build", builders.MODELS, ids=[b.__name__ for b in builders.MODELS])
def test_glassnet_files_load_in_keras(keras, tmp_path, build, ext):
    model, loaded, x = _move(gn, keras, build, tmp_path / f"m{ext}")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("build", builders.MODELS, ids=[b.__name__ for b in builders.MODELS])
def test_keras_files_load_in_glassnet(keras, tmp_path, build, ext):
    model, loaded, x = _move(keras, gn, build, tmp_path / f"m{ext}")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("label,make,inputs", builders.LAYERS, ids=[row[0] for row in builders.LAYERS])
def test_every_shared_layer_moves_both_ways(keras, tmp_path, label, make, inputs):
    x = builders.sample_inputs(inputs)
    for src, dst, name in ((gn, keras, "g.keras"), (keras, gn, "k.keras")):
        model = builders.one_layer_model(src, make, inputs)
        builders.randomise_weights(model)
        model.save(tmp_path / name)
        loaded = _load(dst, tmp_path / name)
        np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), atol=1e-5, rtol=1e-5,
                                   err_msg=f"{label}: {name}")


@pytest.mark.parametrize("build", builders.MODELS, ids=[b.__name__ for b in builders.MODELS])
def test_layers_are_listed_in_keras_order(keras, build):
    """Keras numbers saved weights in model.layers order (by depth in a branching graph): so must glassnet."""
    def kinds(model):
        return [type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"]

    assert kinds(build(gn)[0]) == kinds(build(keras)[0])


OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
]


def _train(model, x, y, steps: int) -> None:
    for _ in range(steps):
        model.train_on_batch(x, y)


# Keras 3.15 restores no optimizer state from an .h5 file, its own included (its loader builds the
# optimizer on the model's own variables, an empty list, then training fails with "Unknown variable"):
# from Keras, training resumes from .keras files.
RESUMES = [("glassnet->keras", ".keras"), ("keras->glassnet", ".keras"), ("keras->glassnet", ".h5"),
           ("glassnet->glassnet", ".h5")]


@pytest.mark.parametrize("direction,ext", RESUMES, ids=[f"{d}{e}" for d, e in RESUMES])
@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}{'-' + '-'.join(k) if len(k) > 1 else ''}"
                                                         for n, k in OPTIMIZERS])
def test_training_resumes_in_the_other_library(keras, tmp_path, name, kwargs, direction, ext):
    src, dst = {"glassnet->keras": (gn, keras), "keras->glassnet": (keras, gn), "glassnet->glassnet": (gn, gn)}[direction]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")

    def build(k):
        model = k.Sequential([k.Input((5,)), k.layers.Dense(4, activation="tanh"), k.layers.BatchNormalization(),
                              k.layers.Dense(2)])
        model.compile(getattr(k.optimizers, name)(**kwargs), "mse")
        return model

    model = build(src)
    builders.randomise_weights(model)
    _train(model, x, y, 3)
    model.save(tmp_path / f"m{ext}")
    loaded = _load(dst, tmp_path / f"m{ext}")
    assert int(np.asarray(loaded.optimizer.iterations)) == 3
    _train(model, x, y, 2)
    _train(loaded, x, y, 2)
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=1e-4)


def test_compile_settings_arrive_in_keras(keras, tmp_path):
    model, x = builders.mlp(gn)
    y = np.eye(3, dtype="float32")[np.arange(len(x)) % 3]
    model.compile(gn.optimizers.RMSprop(0.005, rho=0.8), gn.losses.Huber(delta=0.5),
                  metrics=["mae", gn.metrics.AUC(name="auc")])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer).__name__ == "RMSprop"
    assert loaded.optimizer.get_config()["rho"] == pytest.approx(0.8)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)
    # the same loss (Huber with delta 0.5) and metrics, by their values
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5)
