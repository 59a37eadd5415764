"""Ctrl-C during fit: stop at the end of the current batch, keep the weights, History holds the
finished epochs, checkpoints are whole, and the message says how to resume."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

import glassnet as gn
from glassnet import callbacks, layers


def _setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = gn.Sequential([gn.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, x, y


class Recorder(callbacks.Callback):
    """Remembers the weights after every finished batch, and interrupts at (epoch, batch)."""

    def __init__(self, at, how):
        super().__init__()
        self.at, self.how = at, how
        self.epoch = 0
        self.after_batch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.how == "sigint" and (self.epoch, batch) == self.at:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, arriving before this batch's step

    def on_train_batch_end(self, batch, logs=None):
        self.after_batch = self.model.get_weights()
        if self.how == "raise" and (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


@pytest.fixture(autouse=True)
def _ctrl_c_raises():
    """Ctrl-C as in a terminal: a process started in the background (nohup, `cmd &` in a script) inherits
    SIGINT ignored, and then Python never installs its KeyboardInterrupt handler."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("how", ["raise", "sigint"])
def test_interrupt_mid_epoch(how, tmp_path, capsys):
    if how == "sigint" and threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    model, x, y = _setup()
    rec = Recorder(at=(2, 3), how=how)
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch}.keras"))
    csv_path = tmp_path / "log.csv"
    history = model.fit(x, y, batch_size=10, epochs=6, verbose=0,
                        callbacks=[ckpt, callbacks.CSVLogger(str(csv_path)), rec])
    # The batch in progress finished (its update is whole), nothing after it ran.
    assert model.optimizer.iterations == 2 * 5 + 4
    for a, b in zip(model.get_weights(), rec.after_batch):
        np.testing.assert_array_equal(a, b)
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2
    assert history.interrupted and model.history is history
    err = capsys.readouterr().err
    assert "initial_epoch=2" in err and "epoch 3" in err
    # Checkpoints of the finished epochs are whole and load; no temporary files are left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-1.keras", "ckpt-2.keras", "log.csv"]
    gn.models.load_model(tmp_path / "ckpt-2.keras")
    assert len(csv_path.read_text().splitlines()) == 3  # header + 2 finished epochs, file closed
    # The Ctrl-C handler is removed after fit: the default one is back.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_second_ctrl_c_stops_at_once():
    model, x, y = _setup()

    class DoubleCtrlC(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)  # impatient user: raises inside this hook

    history = model.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[DoubleCtrlC()])
    assert history.interrupted and history.epoch == []
    assert model.optimizer.iterations == 1  # batch 1 never ran


def test_resume_after_interrupt_continues_numbering(capsys):
    model, x, y = _setup()
    rec = Recorder(at=(1, 0), how="raise")
    model.fit(x, y, batch_size=10, epochs=4, verbose=0, callbacks=[rec])
    history = model.fit(x, y, batch_size=10, epochs=4, initial_epoch=1, verbose=0)
    assert history.epoch == [1, 2, 3] and not history.interrupted
