"""Train N epochs, save, load, train N more: bit-identical to an uninterrupted 2N-epoch run.

Resume reproduces the shuffling and dropout randomness because a saved model carries the
state of glassnet's random generator (and of seeded layer generators), which ``load_model``
restores along with the optimizer's step count and slots.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers

N = 2


def _data():
    rng = np.random.default_rng(42)
    x = rng.normal(size=(60, 6)).astype("float32")
    y = (x[:, 0] - x[:, 2] > 0).astype("int64")
    return x, y


def _fresh_model(optimizer):
    gn.clear_session()
    gn.utils.set_random_seed(2024)
    model = gn.Sequential([gn.Input((6,)), layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                           layers.Dense(8, activation="tanh"), layers.Dropout(0.2, seed=5),
                           layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("fmt", [".keras", ".h5"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum", "rmsprop"])
def test_resume_equals_uninterrupted(optimizer, fmt, tmp_path):
    def make_opt():
        if optimizer == "sgd_momentum":
            return gn.optimizers.SGD(0.05, momentum=0.9, nesterov=True)
        return optimizer

    x, y = _data()
    straight = _fresh_model(make_opt())
    h_straight = straight.fit(x, y, batch_size=8, epochs=2 * N, verbose=0)

    first = _fresh_model(make_opt())
    first.fit(x, y, batch_size=8, epochs=N, verbose=0)
    first.save(tmp_path / f"ckpt{fmt}")
    del first
    gn.utils.set_random_seed(999)  # whatever happened in between: the file carries the state
    layers.Dense(3)(np.ones((1, 2)))
    resumed = gn.models.load_model(tmp_path / f"ckpt{fmt}")
    h_resumed = resumed.fit(x, y, batch_size=8, epochs=2 * N, initial_epoch=N, verbose=0)

    assert resumed.optimizer.iterations == straight.optimizer.iterations
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h_resumed.epoch == [2, 3]
    assert h_resumed.history["loss"] == h_straight.history["loss"][N:]


def test_without_optimizer_state_the_run_differs(tmp_path):
    """The check above can fail: dropping the optimizer state changes the result."""
    x, y = _data()
    straight = _fresh_model("adam")
    straight.fit(x, y, batch_size=8, epochs=2 * N, verbose=0)
    first = _fresh_model("adam")
    first.fit(x, y, batch_size=8, epochs=N, verbose=0)
    first.save(tmp_path / "ckpt.keras", include_optimizer=False)
    resumed = gn.models.load_model(tmp_path / "ckpt.keras")
    resumed.fit(x, y, batch_size=8, epochs=2 * N, initial_epoch=N, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(straight.get_weights(), resumed.get_weights()))


def test_resume_from_checkpoint_after_interrupt(tmp_path, capsys):
    """A run killed by Ctrl-C in epoch N+1 resumes from the epoch-N checkpoint to the same weights."""
    x, y = _data()
    straight = _fresh_model("adam")
    straight.fit(x, y, batch_size=8, epochs=2 * N, verbose=0)

    class CtrlC(gn.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.params and self._epoch == N and batch == 3:
                raise KeyboardInterrupt

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch

    run = _fresh_model("adam")
    ckpt = gn.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}.keras"))
    history = run.fit(x, y, batch_size=8, epochs=2 * N, verbose=0, callbacks=[ckpt, CtrlC()])
    assert history.epoch == list(range(N))
    assert f"initial_epoch={N}" in capsys.readouterr().err
    resumed = gn.models.load_model(tmp_path / f"ckpt-{N:02d}.keras")
    resumed.fit(x, y, batch_size=8, epochs=2 * N, initial_epoch=N, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
