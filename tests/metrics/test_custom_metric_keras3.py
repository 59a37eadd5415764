"""Custom metrics written the Keras 3 way (``add_variable`` in ``__init__``, ``update_state`` with ops and
``assign_add``, ``result``, the default ``reset_state``) and the Keras 2 way (``add_weight(name, ...)``):
they work in compile/fit/evaluate and give the values real Keras gives."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


def metric_classes(lib):
    """The guide's metric ("Training & evaluation with the built-in methods") and a Keras 2-style one."""
    ops = lib.ops

    class CategoricalTruePositives(lib.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            # The guide writes `a == b`; glassnet tensors compare by identity, so ops.equal spells it here.
            values = ops.equal(ops.cast(y_true, "int32"), ops.cast(y_pred, "int32"))
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, ops.reshape(sample_weight, (-1, 1)))
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0.0)

    class MeanMaxError(lib.metrics.Metric):
        """Keras 2's add_weight (by keyword: Keras 3 refuses a positional name) and the default reset_state."""

        def __init__(self, name="mean_max_error", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.count = self.add_weight(name="count", shape=(), initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            err = ops.abs(ops.cast(y_true, "float32") - ops.max(y_pred, axis=-1, keepdims=True))
            self.total.assign_add(ops.sum(err))
            self.count.assign_add(ops.cast(ops.shape(err)[0], "float32"))

        def result(self):
            return self.total / self.count

    return CategoricalTruePositives, MeanMaxError


RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 8)).astype(np.float32)
Y = RNG.integers(0, 3, (64, 1))
SW = RNG.uniform(0.2, 2.0, 64).astype(np.float32)


def _run(lib, weights=None):
    """Fit and evaluate a small classifier with the custom metrics; return its starting weights and the logs."""
    ctp, mme = metric_classes(lib)
    inp = lib.Input((8,))
    model = lib.Model(inp, lib.layers.Dense(3, activation="softmax")(lib.layers.Dense(4)(inp)))
    if weights is not None:
        model.set_weights(weights)
    start = [np.asarray(w) for w in model.get_weights()]
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=[ctp(), mme()], weighted_metrics=[ctp(name="weighted_ctp")])
    # No validation_data: Keras' history would alias result()'s variable, reset by the validation pass.
    hist = model.fit(X, Y, sample_weight=SW, batch_size=16, epochs=2, shuffle=False, verbose=0)
    return start, hist.history, model.evaluate(X, Y, verbose=0, return_dict=True)


def test_custom_metrics_match_keras(keras):
    start, ours, ours_eval = _run(gn)
    _, theirs, theirs_eval = _run(keras, start)
    assert set(ours) == set(theirs) == {"loss", "categorical_true_positives", "mean_max_error", "weighted_ctp"}
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, err_msg=key)
    assert set(ours_eval) == set(theirs_eval)
    for key in theirs_eval:
        np.testing.assert_allclose(ours_eval[key], theirs_eval[key], rtol=1e-4, err_msg=key)


def test_default_reset_state_zeroes_every_variable_and_sub_metric():
    _, mme = metric_classes(gn)
    metric = mme()
    metric.update_state(np.ones((4, 1)), np.zeros((4, 3)))
    assert float(metric.result()) == pytest.approx(1.0)
    assert [v.path for v in metric.variables] == ["mean_max_error/total", "mean_max_error/count"]
    metric.reset_state()
    assert all(float(v.numpy()) == 0.0 for v in metric.variables)

    class Holder(gn.metrics.Metric):
        def __init__(self):
            super().__init__(name="holder")
            self.inner = mme()
            self.mean = gn.metrics.Mean()

    holder = Holder()
    holder.inner.update_state(np.ones((2, 1)), np.zeros((2, 3)))
    holder.mean.update_state([3.0])
    assert len(holder.variables) == 2
    holder.reset_state()
    assert float(holder.inner.count.numpy()) == 0.0 and holder.mean.result() == 0.0


def test_metric_add_variable_failures_name_the_argument():
    class Plain(gn.metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    with pytest.raises(NotImplementedError, match="Plain keeps no state variables"):
        Plain().reset_state()
    with pytest.raises(ValueError, match="aggregation='max'"):
        Plain().add_variable((), "zeros", aggregation="max")
    with pytest.raises(TypeError, match="unexpected keyword argument.*'colour'"):
        Plain().add_weight("w", colour="red")
    var = Plain(name="p").add_weight("w", (2,), initializer="ones")
    assert var.shape == (2,) and not var.trainable and var.path == "p/w"
