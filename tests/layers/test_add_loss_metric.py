"""``add_loss`` in a layer's and in a subclassed model's ``call`` and ``activity_regularizer`` enter ``fit``'s
loss and gradients as in Keras 3 (the activity penalty divided by the batch size); Keras 2's ``add_metric``
logs its value."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn


def penalised_model(lib):
    ops = lib.ops

    class ActivityRegularizationLayer(lib.layers.Layer):  # from Keras' subclassing guide
        def call(self, inputs):
            self.add_loss(1e-2 * ops.sum(inputs))
            return inputs

    class Penalised(lib.Model):
        def __init__(self):
            super().__init__()
            self.d1 = lib.layers.Dense(4, activation="relu", activity_regularizer=lib.regularizers.L2(1e-3))
            self.act = ActivityRegularizationLayer()
            self.emb_like = lib.layers.Dense(3, activity_regularizer="l1")
            self.d2 = lib.layers.Dense(1)

        def call(self, x):
            h = self.act(self.d1(x))
            self.add_loss(0.1 * ops.mean(ops.square(h)))
            return self.d2(self.emb_like(h))

    return Penalised()


RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype(np.float32)
Y = RNG.normal(size=(32, 1)).astype(np.float32)


def test_added_losses_and_activity_penalties_match_keras(keras):
    theirs, ours = penalised_model(keras), penalised_model(gn)
    theirs(X[:1])
    ours(X[:1])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    results = []
    for lib, model in ((gn, ours), (keras, theirs)):
        model(X[:4])
        penalties = sorted(float(lib.ops.convert_to_numpy(p)) for p in model.losses)
        model.compile(lib.optimizers.SGD(0.05), "mse")
        hist = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append((penalties, hist.history["loss"], model.evaluate(X, Y, verbose=0)))
    (p_ours, h_ours, e_ours), (p_theirs, h_theirs, e_theirs) = results
    assert len(p_ours) == len(p_theirs) == 4
    np.testing.assert_allclose(p_ours, p_theirs, rtol=1e-5)
    np.testing.assert_allclose(h_ours, h_theirs, rtol=1e-5)
    np.testing.assert_allclose(e_ours, e_theirs, rtol=1e-5)


def test_a_model_trained_on_its_added_loss_alone():
    class Autoencoder(gn.Model):
        def __init__(self):
            super().__init__()
            self.code = gn.layers.Dense(2)
            self.back = gn.layers.Dense(3)

        def call(self, x):
            out = self.back(self.code(x))
            self.add_loss(gn.ops.mean(gn.ops.square(out - x)))
            return out

    model = Autoencoder()
    model.compile(gn.optimizers.SGD(0.1))
    hist = model.fit(X, epochs=5, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_keras2_add_metric_logs_the_mean_over_batches():
    class Probe(gn.layers.Layer):
        def call(self, inputs):
            self.add_metric(gn.ops.mean(inputs), name="mean_input")
            return inputs

    inp = gn.Input((3,))
    model = gn.Model(inp, gn.layers.Dense(1)(Probe()(inp)))
    model.compile("sgd", "mse")
    logs = model.evaluate(X, Y, batch_size=16, verbose=0, return_dict=True)
    expected = np.mean([X[:16].mean(), X[16:].mean()])
    assert logs["mean_input"] == pytest.approx(expected, rel=1e-5)
    assert "mean_input" in model.fit(X, Y, batch_size=16, verbose=0).history


def test_add_metric_failures_name_the_argument():
    layer = gn.layers.Layer(name="probe")
    with pytest.raises(ValueError, match="add_metric\\(\\) needs a name"):
        layer.add_metric(1.0)
    with pytest.raises(ValueError, match="aggregation='sum'.*Keras 3 removed add_metric"):
        layer.add_metric(1.0, name="x", aggregation="sum")
