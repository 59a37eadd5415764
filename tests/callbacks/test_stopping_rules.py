"""StopAtThreshold and StopOnSmallGradient: scripted logs and norms, then inside real fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as keras
from glassnet.callbacks import StopAtThreshold, StopOnSmallGradient
from glassnet.checks import ArgumentTypeError


class ScriptedOptimizer:
    """Answers last_gradient_norm() from a script, one value per batch."""

    def __init__(self, norms):
        self.norms = list(norms)
        self.step = -1

    def last_gradient_norm(self):
        return self.norms[self.step]


class FakeModel:
    def __init__(self, norms=()):
        self.stop_training = False
        self.optimizer = ScriptedOptimizer(norms)


def run_epochs(cb, values, key="val_loss"):
    """One logged value per epoch; the epoch after which training stopped, or None."""
    model = FakeModel()
    cb.set_model(model)
    cb.on_train_begin({})
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch, {})
        cb.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            return epoch
    return None


def run_batches(cb, norms_per_epoch):
    """Feed scripted gradient norms batch by batch; (epoch, batch) where training stopped, and the logs."""
    model = FakeModel([n for epoch in norms_per_epoch for n in epoch])
    cb.set_model(model)
    cb.on_train_begin({})
    all_logs = []
    for epoch, norms in enumerate(norms_per_epoch):
        cb.on_epoch_begin(epoch, {})
        for batch in range(len(norms)):
            model.optimizer.step += 1
            cb.on_train_batch_end(batch, {"loss": 1.0})
            if model.stop_training:
                return (epoch, batch), all_logs
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        all_logs.append(logs)
        if model.stop_training:
            return (epoch, None), all_logs
    return None, all_logs


# -- StopAtThreshold --------------------------------------------------------------------------------
def test_stops_at_the_first_epoch_strictly_below_the_threshold(capsys) -> None:
    rule = StopAtThreshold(monitor="val_loss", threshold=0.05)
    assert rule.mode == "below"
    assert run_epochs(rule, [0.3, 0.1, 0.05, 0.049, 0.01]) == 3  # 0.05 itself is not below 0.05
    assert rule.stopped_epoch == 3 and rule.stopped_value == pytest.approx(0.049)
    assert "Epoch 4: val_loss = 0.049 < 0.05, stopping" in capsys.readouterr().out


def test_accuracy_like_monitors_stop_above_and_modes_can_be_forced(capsys) -> None:
    rule = StopAtThreshold(monitor="val_accuracy", threshold=0.9, verbose=0)
    assert rule.mode == "above"
    assert run_epochs(rule, [0.5, 0.9, 0.95], key="val_accuracy") == 2
    assert run_epochs(StopAtThreshold("loss", 0.5, mode="above", verbose=0), [0.2, 0.4, 0.6], key="loss") == 2
    assert capsys.readouterr().out == ""  # verbose=0 is silent


def test_never_crossing_never_stops_and_a_missing_key_warns() -> None:
    rule = StopAtThreshold(threshold=0.01, verbose=0)
    assert run_epochs(rule, [0.5, 0.4, 0.3]) is None and rule.stopped_epoch is None
    with pytest.warns(UserWarning, match="StopAtThreshold is conditioned on metric 'val_loss'.*Available metrics are: loss"):
        assert run_epochs(StopAtThreshold(verbose=0), [0.0], key="loss") is None


def test_stops_a_real_fit_after_the_epoch_that_crossed() -> None:
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    rule = StopAtThreshold(monitor="loss", threshold=0.5, verbose=0)
    history = model.fit(x, y, epochs=200, batch_size=32, verbose=0, callbacks=[rule])
    losses = history.history["loss"]
    assert rule.stopped_epoch == len(losses) - 1 < 199
    assert losses[-1] < 0.5 and all(v >= 0.5 for v in losses[:-1])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"threshold": "low"}, ArgumentTypeError, r"StopAtThreshold: threshold must be a number, got 'low'"),
    ({"threshold": math.nan}, ValueError, r"StopAtThreshold: threshold must be a finite number"),
    ({"mode": "min"}, ValueError, r"StopAtThreshold: mode must be one of 'auto', 'below', 'above', got 'min'"),
    ({"monitor": 3}, ArgumentTypeError, r"StopAtThreshold: monitor must be a log key"),
])
def test_threshold_bad_arguments_are_refused_by_name(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        StopAtThreshold(**kwargs)


# -- StopOnSmallGradient ----------------------------------------------------------------------------
def test_per_batch_stops_after_the_first_small_batch(capsys) -> None:
    rule = StopOnSmallGradient(epsilon=1e-4, per="batch")
    where, _ = run_batches(rule, [[1.0, 0.5], [0.2, 5e-5, 1.0]])
    assert where == (1, 1) and (rule.stopped_epoch, rule.stopped_batch) == (1, 1)
    assert "Epoch 2, batch 2: gradient norm 5e-05 < epsilon 0.0001, stopping" in capsys.readouterr().out


def test_per_epoch_needs_every_batch_small_and_logs_the_largest_norm() -> None:
    rule = StopOnSmallGradient(epsilon=1e-4, verbose=0)
    # Epoch 0 has one small batch (not enough); epoch 1 has only small ones.
    where, logs = run_batches(rule, [[1.0, 1e-6], [2e-5, 3e-5], [1e-6, 1e-6]])
    assert where == (1, None) and rule.stopped_epoch == 1
    assert rule.norms == [1.0, 3e-5]
    assert [entry["gradient_norm"] for entry in logs] == [1.0, 3e-5]


def test_a_nan_gradient_is_not_small() -> None:
    rule = StopOnSmallGradient(epsilon=1e-4, verbose=0)
    where, _ = run_batches(rule, [[math.nan, 1e-6]])
    assert where is None and rule.norms == [math.inf]


def test_stops_a_real_fit_once_the_gradient_vanishes() -> None:
    # A linear model on consistent data: full-batch gradient descent drives the gradient to zero.
    x = np.random.default_rng(1).normal(size=(16, 2)).astype("float32")
    y = x @ np.array([[2.0], [-1.0]], "float32") + 0.5
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.3), "mse")
    rule = StopOnSmallGradient(epsilon=1e-3, verbose=0)
    history = model.fit(x, y, epochs=500, batch_size=16, verbose=0, callbacks=[rule])
    norms = history.history["gradient_norm"]
    assert len(norms) < 500 and rule.stopped_epoch == len(norms) - 1
    assert norms[-1] < 1e-3 <= min(norms[:-1])
    assert norms[-1] == pytest.approx(model.optimizer.last_gradient_norm())


def test_gradient_rule_needs_a_compiled_model_and_valid_arguments() -> None:
    rule = StopOnSmallGradient()
    model = FakeModel()
    model.optimizer = None
    rule.set_model(model)
    with pytest.raises(RuntimeError, match="compile the model"):
        rule.on_train_begin({})
    with pytest.raises(ValueError, match=r"StopOnSmallGradient: epsilon must be > 0, got 0"):
        StopOnSmallGradient(epsilon=0)
    with pytest.raises(ArgumentTypeError, match=r"StopOnSmallGradient: epsilon must be a number > 0, got 'tiny'"):
        StopOnSmallGradient(epsilon="tiny")
    with pytest.raises(ValueError, match=r"per must be 'epoch' or 'batch', got 'step'"):
        StopOnSmallGradient(per="step")
