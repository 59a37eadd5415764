"""The training doctor: each rule fires on a run that provokes it, and a healthy run gets no finding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as keras
from glassnet import callbacks, layers
from glassnet.callbacks import Finding, TrainingDoctor, diagnose_training
from glassnet.models import watching

RNG = np.random.default_rng(0)
X_BLOBS = RNG.normal(size=(320, 4)).astype("float32")
Y_BLOBS = RNG.integers(0, 2, 320)
X_BLOBS += (2 * Y_BLOBS[:, None] - 1).astype("float32")      # two well-separated classes
X_REG = RNG.normal(size=(200, 4)).astype("float32")
Y_REG = (X_REG @ np.array([1.0, 2.0, -1.0, 0.5])).astype("float32")


def _mlp(hidden: tuple[int, ...] = (16,), activation: str = "relu", units: int = 2, out: str | None = "softmax",
         inputs: int = 4, **dense: object) -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input(shape=(inputs,))]
                            + [layers.Dense(h, activation=activation, **dense) for h in hidden]
                            + [layers.Dense(units, activation=out)])


def _codes(model: keras.Model, optimizer: object, loss: str, x: np.ndarray, y: np.ndarray, **fit: object) -> list[str]:
    model.compile(optimizer, loss)
    doctor = TrainingDoctor(verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pre-flight hints and NaN warnings are not what is tested here
        model.fit(x, y, verbose=0, callbacks=[doctor], **{"batch_size": 32, "epochs": 2, **fit})
    assert all(isinstance(f, Finding) and f.message and f.advice for f in doctor.findings)
    return [f.code for f in doctor.findings]


def test_a_healthy_run_has_no_finding_and_prints_nothing_extra(capsys: pytest.CaptureFixture[str]) -> None:
    assert _codes(_mlp(), keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", X_BLOBS, Y_BLOBS,
                  epochs=5, validation_split=0.25) == []
    model = _mlp()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(X_BLOBS, Y_BLOBS, epochs=3, batch_size=32, verbose=2)
    assert "doctor" not in capsys.readouterr().out.lower()


def test_learning_rate_too_high_when_the_loss_becomes_nan() -> None:
    codes = _codes(_mlp(units=1, out=None), keras.optimizers.SGD(1.0), "mse", X_REG, 10 * Y_REG, batch_size=20)
    assert codes[0] == "learning_rate_too_high"


def test_learning_rate_too_high_when_the_loss_explodes_without_nan() -> None:
    x = np.repeat(X_BLOBS, 2, axis=0)
    y = np.repeat(Y_BLOBS, 2)
    assert "learning_rate_too_high" in _codes(_mlp(hidden=(64, 32)), keras.optimizers.Adam(1.0),
                                              "sparse_categorical_crossentropy", x, y, batch_size=16, epochs=1)


def test_learning_rate_too_low_when_the_loss_stays_flat() -> None:
    assert _codes(_mlp(), keras.optimizers.SGD(1e-5), "sparse_categorical_crossentropy", X_BLOBS, Y_BLOBS,
                  epochs=3) == ["learning_rate_too_low"]


def test_a_resumed_run_with_a_flat_loss_is_not_blamed_on_the_learning_rate() -> None:
    model = _mlp()
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(X_BLOBS, Y_BLOBS, epochs=10, verbose=0, doctor=False)
    model.optimizer.learning_rate = 1e-6  # a converged model fine-tuned: the loss stays flat, rightly
    doctor = TrainingDoctor(verbose=0)
    model.fit(X_BLOBS, Y_BLOBS, epochs=3, verbose=0, callbacks=[doctor])
    assert doctor.findings == []


def test_dead_relus() -> None:
    codes = _codes(_mlp(bias_initializer=keras.initializers.Constant(-20.0)), "adam",
                   "sparse_categorical_crossentropy", X_BLOBS, Y_BLOBS)
    assert codes[0] == "dead_relus" and "zero_gradients" in codes


def test_vanishing_gradients_in_a_deep_sigmoid_stack() -> None:
    assert _codes(_mlp(hidden=(32,) * 10, activation="sigmoid"), "sgd", "sparse_categorical_crossentropy",
                  X_BLOBS, Y_BLOBS) == ["vanishing_gradients"]


def test_exploding_gradients_from_a_huge_initialisation() -> None:
    # A tiny learning rate keeps the weights (and the loss) finite: only the gradients are huge.
    model = _mlp(hidden=(64,) * 6, units=1, out=None, kernel_initializer=keras.initializers.RandomNormal(stddev=1.0))
    assert "exploding_gradients" in _codes(model, keras.optimizers.SGD(1e-12), "mse", X_REG, Y_REG, epochs=1)


def test_overfitting_when_validation_loss_rises_as_training_loss_falls() -> None:
    x = RNG.normal(size=(40, 10)).astype("float32")
    y = RNG.integers(0, 2, 40)  # random labels: memorised, never generalised
    assert _codes(_mlp(hidden=(128,), inputs=10), keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  x, y, epochs=30, batch_size=20, validation_split=0.5) == ["overfitting"]


def test_inputs_far_from_unit_scale() -> None:
    assert "input_scale" in _codes(_mlp(), "adam", "sparse_categorical_crossentropy", X_BLOBS * 255 + 100, Y_BLOBS)


@pytest.mark.parametrize(("units", "out", "loss", "labels"), [
    (1, "sigmoid", "binary_crossentropy", Y_BLOBS + 1),                          # classes 1/2, not 0/1
    (2, "softmax", "categorical_crossentropy", np.eye(2)[Y_BLOBS] * 3),           # rows sum to 3
    (1, "sigmoid", "mse", 10 * X_BLOBS[:, 0]),                                   # targets beyond (0, 1)
])
def test_labels_that_do_not_fit_the_loss(units: int, out: str, loss: str, labels: np.ndarray) -> None:
    assert "labels_do_not_fit_loss" in _codes(_mlp(units=units, out=out), "adam", loss, X_BLOBS, labels)


def test_a_step_activation_gives_zero_gradients() -> None:
    codes = _codes(_mlp(activation="step", units=1, out="sigmoid"), "adam", "binary_crossentropy", X_BLOBS, Y_BLOBS)
    assert codes == ["zero_gradients"]


def test_fit_prints_the_findings_unless_doctor_is_off(capsys: pytest.CaptureFixture[str]) -> None:
    for doctor, verbose, expected in ((True, 2, True), (False, 2, False), (True, 0, False)):
        model = _mlp()
        model.compile(keras.optimizers.SGD(1e-5), "sparse_categorical_crossentropy")
        model.fit(X_BLOBS, Y_BLOBS, epochs=3, batch_size=32, verbose=verbose, doctor=doctor)
        out = capsys.readouterr().out
        assert ("Training doctor: 1 finding(s)\n  - learning_rate_too_low: " in out) is expected, (doctor, verbose)


def test_bad_doctor_argument_is_refused_by_name() -> None:
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="doctor"):
        model.fit(X_BLOBS, Y_BLOBS, verbose=0, doctor="yes")


def test_fit_reads_the_users_inspector_and_keeps_the_users_doctor() -> None:
    inspector = callbacks.Inspector(every=1)
    attached = watching.with_doctor([inspector], 1, True, ["x"], ["y"])
    assert attached[0] is inspector and attached[1].inspector is inspector and attached[1]._first_x == ["x"]
    mine = TrainingDoctor()
    assert watching.with_doctor([mine], 1, True, ["x"], None) == [mine] and mine._first_x == ["x"]
    assert watching.with_doctor(None, 1, False, ["x"], None) == [] and watching.with_doctor(None, 0, True, [], None) == []


def test_the_doctor_restores_the_model_when_training_stops_on_an_error() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), layers.Conv2D(2, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")

    class Boom(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

    x = np.zeros((10, 6, 6, 1), "float32")
    with pytest.raises(RuntimeError, match="boom"):  # one batch per epoch: the doctor inspects it
        model.fit(x, np.zeros(10, "int64"), batch_size=10, verbose=2, callbacks=[Boom()])
    assert model.fuse_layers is True and all("call" not in layer.__dict__ for layer in model.layers)


def test_diagnose_training_reads_a_plain_history() -> None:
    history = {"loss": [1.0, 0.6, 0.4, 0.3, 0.2], "val_loss": [0.9, 0.7, 0.8, 0.9, 1.1]}
    findings = diagnose_training(history)
    assert [f.code for f in findings] == ["overfitting"] and "epoch 2" in findings[0].message
    assert str(findings[0]).startswith("overfitting: ") and " Try: " in str(findings[0])
    assert diagnose_training({"loss": [1.0, float("nan")]})[0].code == "learning_rate_too_high"
    assert diagnose_training({"loss": [1.0, 0.5, 0.3]}) == []


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(TypeError, match="history"):
        diagnose_training([1.0, 2.0])
    with pytest.raises(TypeError, match="inspector"):
        diagnose_training({"loss": [1.0]}, inspector=[1, 2])
    with pytest.raises(TypeError, match="inspector"):
        TrainingDoctor(inspector="yes")
    with pytest.raises(ValueError, match="verbose"):
        TrainingDoctor(verbose=5)
