"""Callbacks against their documented Keras behaviour (scripted logs, then inside real fits)."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks, layers


class FakeModel:
    """Just what the monitoring callbacks touch: weights, stop_training and an optimizer."""

    def __init__(self):
        self.stop_training = False
        self.weights_now = 0
        self.optimizer = gn.optimizers.SGD(learning_rate=1.0)

    def get_weights(self):
        return [np.array(self.weights_now)]

    def set_weights(self, weights):
        self.weights_now = int(weights[0])


def drive(cb, values, key="val_loss", model=None):
    """Feed one monitored value per epoch; return the epoch index at which training stopped (or None)."""
    model = model or FakeModel()
    cb.set_model(model)
    cb.on_train_begin({})
    stopped = None
    for epoch, value in enumerate(values):
        model.weights_now = epoch
        cb.on_epoch_begin(epoch, {})
        cb.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            stopped = epoch
            break
    cb.on_train_end({})
    return stopped, model


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    return x, y


def _model(lr=0.01):
    model = gn.Sequential([gn.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")])
    model.compile(gn.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# -- EarlyStopping ------------------------------------------------------------------------------------
def test_early_stopping_patience():
    # Best at epoch 1; with patience 2 the stop comes 2 epochs later (Keras: wait >= patience).
    stopped, _ = drive(callbacks.EarlyStopping(patience=2), [1.0, 0.5, 0.6, 0.7, 0.1])
    assert stopped == 3


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    stopped, _ = drive(callbacks.EarlyStopping(), [1.0, 0.9, 0.95, 0.1])
    assert stopped == 2


def test_early_stopping_min_delta():
    # 0.95 improves by less than min_delta=0.1: it does not count, and patience 1 is used up.
    stopped, _ = drive(callbacks.EarlyStopping(min_delta=0.1, patience=1), [1.0, 0.95, 0.93, 0.5])
    assert stopped == 1
    stopped, _ = drive(callbacks.EarlyStopping(min_delta=0.01, patience=1), [1.0, 0.95, 0.90, 0.85])
    assert stopped is None


def test_early_stopping_mode_auto_and_max():
    stopped, _ = drive(callbacks.EarlyStopping(monitor="val_accuracy"), [0.5, 0.6, 0.55], key="val_accuracy")
    assert stopped == 2  # accuracy: larger is better
    stopped, _ = drive(callbacks.EarlyStopping(monitor="score", mode="max"), [1, 2, 3, 2], key="score")
    assert stopped == 3
    stopped, _ = drive(callbacks.EarlyStopping(monitor="score", mode="min"), [1, 2, 3, 2], key="score")
    assert stopped == 1


def test_early_stopping_baseline():
    # Keras 3: improvements that do not beat the baseline do not reset the wait, so the first
    # non-improving epoch stops at once; without a baseline patience 2 would allow it.
    stopped, _ = drive(callbacks.EarlyStopping(baseline=0.3, patience=2), [1.0, 0.9, 0.8, 0.85])
    assert stopped == 3
    stopped, _ = drive(callbacks.EarlyStopping(patience=2), [1.0, 0.9, 0.8, 0.85])
    assert stopped is None
    stopped, _ = drive(callbacks.EarlyStopping(baseline=0.3, patience=2), [0.2, 0.1, 0.05, 0.01])
    assert stopped is None


def test_early_stopping_restore_best_weights_even_without_stopping():
    cb = callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    stopped, model = drive(cb, [1.0, 0.2, 0.5, 0.6])
    assert stopped is None and model.weights_now == 1 and cb.best_epoch == 1  # Keras 3 behaviour
    cb = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    stopped, model = drive(cb, [1.0, 0.2, 0.5, 0.6])
    assert stopped == 2 and model.weights_now == 1


def test_early_stopping_start_from_epoch_and_missing_metric():
    stopped, _ = drive(callbacks.EarlyStopping(start_from_epoch=2), [1.0, 2.0, 3.0, 2.5, 2.6])
    assert stopped == 4
    with pytest.warns(UserWarning, match="val_loss.*not available.*loss"):
        drive(callbacks.EarlyStopping(), [1.0], key="loss")


def test_early_stopping_in_fit_prints_and_restores(capsys):
    x, y = _data()
    model = _model(lr=0.0)  # nothing improves: stops after patience+1 epochs
    es = callbacks.EarlyStopping(monitor="loss", patience=2, verbose=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, verbose=0, callbacks=[es], shuffle=False)
    assert len(history.epoch) == 3
    assert "Epoch 3: early stopping" in capsys.readouterr().out


# -- ModelCheckpoint ---------------------------------------------------------------------------------------
def test_checkpoint_filepath_template_and_every_epoch(tmp_path):
    x, y = _data()
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "model-{epoch:02d}-{val_loss:.2f}.keras"))
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[cb], warn_sorted_split=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = sorted(f"model-{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(history.history["val_loss"]))
    assert names == expected
    last = gn.models.load_model(tmp_path / names[-1])
    assert isinstance(last, gn.Sequential)


def test_checkpoint_save_best_only(tmp_path):
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), save_best_only=True, verbose=1)
    cb.set_model(model)
    saved_at = []
    for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.4]):
        before = (tmp_path / "best.h5").stat().st_mtime_ns if (tmp_path / "best.h5").exists() else None
        model.layers[0].bias.assign(np.full(8, epoch, "float32"))
        cb.on_epoch_end(epoch, {"val_loss": loss})
        if (tmp_path / "best.h5").exists() and (tmp_path / "best.h5").stat().st_mtime_ns != before:
            saved_at.append(epoch)
    loaded = gn.models.load_model(tmp_path / "best.h5")
    assert loaded.layers[0].bias.numpy()[0] == 3.0  # the last improvement (epoch 3)
    assert cb.best == 0.4 and 2 not in saved_at


def test_checkpoint_save_weights_only_and_bad_paths(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.txt"))
    x, y = _data()
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "sub" / "w-{epoch}.weights.h5"), save_weights_only=True,
                                   monitor="loss")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    fresh = _model()
    fresh.load_weights(tmp_path / "sub" / "w-2.weights.h5")
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    bad = callbacks.ModelCheckpoint(str(tmp_path / "m-{nope}.keras"))
    with pytest.raises(KeyError, match="nope"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[bad])


def test_checkpoint_save_freq_in_batches(tmp_path):
    x, y = _data()
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "b-{epoch}-{batch}.keras"), save_freq=2)
    model.fit(x, y, batch_size=10, epochs=1, verbose=0, callbacks=[cb])  # 4 batches
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b-1-2.keras", "b-1-4.keras"]


# -- learning-rate callbacks ----------------------------------------------------------------------------
def test_reduce_lr_on_plateau():
    model = FakeModel()
    cb = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.2, cooldown=1)
    lrs = []
    cb.set_model(model)
    cb.on_train_begin({})
    for epoch, loss in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]):
        logs = {"val_loss": loss}
        cb.on_epoch_end(epoch, logs)
        lrs.append(model.optimizer.learning_rate)
        assert logs["learning_rate"] == pytest.approx(lrs[-2] if epoch else 1.0)
    # Epoch 0 sets the best; reductions at the 2nd stale epoch, then cooldown 1 + patience 2; floor min_lr.
    assert lrs == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2])
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_min_delta():
    model = FakeModel()
    cb = callbacks.ReduceLROnPlateau(factor=0.1, patience=1, min_delta=0.05)
    drive(cb, [1.0, 0.99], model=model)  # 0.01 better is not better enough
    assert model.optimizer.learning_rate == pytest.approx(0.1)


def test_learning_rate_scheduler_in_fit(capsys):
    x, y = _data()
    model = _model(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 1 else lr, verbose=1)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05" in capsys.readouterr().out
    one_arg = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[one_arg])
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.02])
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")])


# -- CSVLogger, TerminateOnNaN, LambdaCallback, stop_training -----------------------------------------------
def test_csv_logger_and_append_for_resumed_runs(tmp_path):
    x, y = _data()
    model = _model()
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path))])
    model.fit(x, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path), append=True)])
    with open(path) as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["epoch", "accuracy", "loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]  # one header, four epochs
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(str(path), separator=";")])
    assert path.read_text().splitlines()[0] == "epoch;accuracy;loss"


def test_terminate_on_nan(capsys):
    x, y = _data()
    x[5:] = 1e30  # overflowing activations give a NaN loss quickly
    model = gn.Sequential([gn.Input((4,)), layers.Dense(2)])
    model.compile(gn.optimizers.SGD(1e10), "mse")
    with np.errstate(all="ignore"):
        history = model.fit(x, np.ones((40, 2)) * 1e30, batch_size=4, epochs=5, verbose=0, shuffle=False,
                            callbacks=[callbacks.TerminateOnNaN()])
    out = capsys.readouterr().out
    assert "Invalid loss, terminating training" in out
    # Stopped within the first epoch (10 batches), which still ends as in Keras.
    assert model.optimizer.iterations < 10 and history.epoch == [0]
    assert not math.isfinite(history.history["loss"][-1])


def test_lambda_callback_and_stop_training():
    x, y = _data()
    model = _model()
    seen = {"train_begin": 0, "epochs": [], "batches": 0, "train_end": 0}

    def on_epoch_end(epoch, logs):
        seen["epochs"].append(epoch)
        if epoch == 2:
            model.stop_training = True  # Keras' documented way to stop from a callback

    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.__setitem__("train_begin", seen["train_begin"] + 1),
        on_epoch_end=on_epoch_end,
        on_batch_end=lambda batch, logs: seen.__setitem__("batches", seen["batches"] + 1),
        on_train_end=lambda logs: seen.__setitem__("train_end", 1))
    history = model.fit(x, y, batch_size=10, epochs=10, verbose=0, callbacks=[cb])
    assert seen == {"train_begin": 1, "epochs": [0, 1, 2], "batches": 12, "train_end": 1}
    assert history.epoch == [0, 1, 2]
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_stop_training_mid_epoch_from_batch_hook():
    x, y = _data()
    model = _model()

    class StopAfterTwo(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    before = model.optimizer.iterations
    model.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[StopAfterTwo()])
    assert model.optimizer.iterations - before == 2


# -- progress output ------------------------------------------------------------------------------------------
def test_progress_bar_verbose_2_one_line_per_epoch(capsys):
    x, y = _data()
    _model().fit(x, y, batch_size=10, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "4/4" in out and "loss:" in out and "\r" not in out


def test_progress_bar_verbose_1_in_a_pipe_has_metrics(capsys):
    x, y = _data()
    _model().fit(x, y, batch_size=10, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "4/4" in out and "accuracy:" in out and "loss:" in out
