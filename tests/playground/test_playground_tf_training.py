"""TF Playground's training loop: partial batches carried across epochs, the L1 zero-crossing freeze,
initZero and the cos features, checked against a plain NumPy re-implementation of its nn.ts/playground.ts."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet.playground import Session, network, training
from glassnet.playground.config import DEFAULT_CONFIG, Limits, from_url_hash, to_url_hash


def _tf_playground(x, y, weights, lr, batch_size, epochs, l1_rate=0.0, carry_over=True):
    """TF Playground's oneStep (tanh everywhere, loss 0.5 (o - t)^2) in float64: per-example accumulation,
    an update when (i + 1) % batch_size == 0, and updateWeights' L1 rule (a crossing kills the link)."""
    w = [k.astype(np.float64).copy() for k, _ in weights]
    b = [v.astype(np.float64).copy() for _, v in weights]
    dead = [np.zeros(k.shape, bool) for k in w]
    acc_w, acc_b, count = [np.zeros_like(k) for k in w], [np.zeros_like(v) for v in b], 0

    def update():
        nonlocal count
        for i in range(len(w)):
            stepped = w[i] - lr / count * acc_w[i]
            b[i] -= lr / count * acc_b[i]
            if l1_rate:
                after = stepped - lr * l1_rate * np.sign(w[i])
                crossed = stepped * after < 0
                after[crossed] = 0.0
                dead[i] |= crossed & ~dead[i]
                stepped = after
            w[i] = np.where(dead[i], 0.0, stepped)
            acc_w[i][:], acc_b[i][:] = 0.0, 0.0
        count = 0

    for _ in range(epochs):
        for i in range(len(x)):
            hs = [x[i]]
            for k, v in zip(w, b):
                hs.append(np.tanh(hs[-1] @ k + v))
            delta = (hs[-1] - y[i]) * (1 - hs[-1] ** 2)
            for layer in reversed(range(len(w))):
                acc_w[layer] += np.outer(hs[layer], delta)
                acc_b[layer] += delta
                delta = (w[layer] @ delta) * (1 - hs[layer] ** 2)
            count += 1
            if (i + 1) % batch_size == 0:
                update()
        if not carry_over and count:  # the old behaviour: the leftover as its own, smaller batch
            update()
    return w, b, dead


def _tiny(config: dict) -> Session:
    session = Session(seed=5)
    session.handle({"type": "config", "config": {"hidden": [{"units": 3, "activation": "tanh"}], **config}})
    return session


def _reference(session: Session, epochs: int, **kw):
    c = session.config
    x = network.input_features(session.data.x_train, c)
    weights = network.initial_weights(c, 1, c["seed"])
    return _tf_playground(x, session.data.y_train.astype(np.float64), weights, c["learning_rate"],
                          c["batch_size"], epochs, **kw)


def test_a_partial_batch_carries_into_the_next_epoch_as_in_tf_playground():
    session = _tiny({"batch_size": 7, "learning_rate": 0.3, "noise": 10})
    n = len(session.data.x_train)
    assert n % 7 != 0
    for _ in range(3):
        frame = session.advance()
    assert session.carry.tolist() == list(range(n - n % 7, n))
    w, b, _ = _reference(session, 3)
    old_w, _, _ = _reference(session, 3, carry_over=False)
    for got, want, old in zip(frame["weights"], w, old_w):
        assert np.allclose(got, want, atol=2e-5)
        assert not np.allclose(got, old, atol=2e-4)  # the check tells the two loops apart
    for got, want in zip(frame["biases"], b):
        assert np.allclose(got, want, atol=2e-5)


def test_fewer_points_than_a_batch_never_update():
    session = _tiny({"batch_size": 30})
    before = [k.copy() for k, _ in network.read_weights(session.model)]
    carry = training.train_epoch(session.model, session.data.x_train[:20], session._y_model[:20], 30, session.carry)
    assert len(carry) == 0
    assert all(np.array_equal(a, k) for a, (k, _) in zip(before, network.read_weights(session.model)))


def test_the_l1_freeze_rule_on_a_hand_made_step():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    dense = network.dense_layers(model)
    freeze = training.L1Freeze(dense, 1.0, 0.1, plain_sgd=True)  # the L1 step is 0.1 * sign(w)
    old = np.array([[0.05], [0.5], [-0.05], [0.05]], np.float32)
    new = np.array([[-0.02], [0.38], [-0.2], [-0.3]], np.float32)
    dense[0].set_weights([old, np.zeros(1, np.float32)])
    freeze.on_train_begin()
    dense[0].set_weights([new, np.zeros(1, np.float32)])  # what the optimizer's step gave
    freeze.on_train_batch_end(0)
    # 0.05 -> 0.08 by the gradient, -0.02 by L1: crossed by L1, dead.  -0.05 -> -0.2 and 0.05 -> -0.3:
    # the gradient step crossed or moved it, L1 did not: alive.
    assert freeze.dead[0][:, 0].tolist() == [True, False, False, False]
    assert dense[0].kernel.numpy()[:, 0].tolist() == pytest.approx([0.0, 0.38, -0.2, -0.3])
    dense[0].set_weights([np.full((4, 1), 0.7, np.float32), np.zeros(1, np.float32)])
    freeze.on_train_batch_end(1)
    assert dense[0].kernel.numpy()[0, 0] == 0.0  # frozen from then on


def test_l1_matches_tf_playground_and_the_frame_lists_dead_links():
    session = _tiny({"batch_size": 10, "learning_rate": 0.1, "regularization": "l1", "regularization_rate": 0.03})
    for _ in range(8):
        frame = session.advance()
    w, b, dead = _reference(session, 8, l1_rate=0.03)
    assert any(d.any() for d in dead)
    assert frame["dead"] == [np.argwhere(d).tolist() for d in dead]
    for got, want, d in zip(frame["weights"], w, dead):
        assert np.allclose(got, want, atol=5e-5)
        assert all(v == 0.0 for v in np.asarray(got)[d])
    # Editing a dead weight brings it back to life.
    layer, (f, t) = next((i, pair) for i, pairs in enumerate(frame["dead"]) for pair in pairs)
    edited = session.handle({"type": "set_weight", "layer": layer, "from": f, "to": t, "value": 0.4})[0]
    assert [f, t] not in edited["dead"][layer]


def test_no_l1_no_dead_links():
    frame = Session(seed=1).frame()
    assert frame["dead"] == [[], [], []]


def test_init_zero_starts_every_weight_and_bias_at_zero():
    session = Session(seed=3)
    frame = session.handle({"type": "config", "config": {"init_zero": True}})[1]
    assert all(v == 0.0 for layer in frame["weights"] for row in layer for v in row)
    assert all(v == 0.0 for layer in frame["biases"] for v in layer)
    assert session.handle({"type": "config", "config": {"init_zero": "yes"}})[0]["type"] == "error"


def test_cos_features_are_inputs():
    session = Session(seed=3)
    state, frame = session.handle({"type": "config", "config": {"features": ["x1", "cos(x1)", "cos(x2)"]}})
    assert state["features"] == ["x1", "cos(x1)", "cos(x2)"]
    assert len(frame["weights"][0]) == 3 and len(frame["neurons"][0]) == 3
    x = session.data.x_train[:4].astype(np.float64)
    got = network.input_features(x, session.config)
    assert np.allclose(got, np.column_stack([x[:, 0], np.cos(x[:, 0]), np.cos(x[:, 1])]))
    assert session.advance()["train_loss"] is not None


def test_url_round_trip_of_init_zero_cos_and_collect_stats():
    limits = Limits()
    config = dict(DEFAULT_CONFIG, init_zero=True, collect_stats=True, features=["x1", "cos(x1)", "cos(x2)"])
    text = to_url_hash(config)
    assert "initZero=true" in text and "collectStats=true" in text and "cosX=true" in text and "cosY=true" in text
    assert from_url_hash(text, limits) == config
    tf = ("#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&"
          "regularizationRate=0&noise=0&networkShape=4,2&seed=0.59704&showTestData=false&discretize=false&"
          "percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=true&sinX=false&"
          "cosY=false&sinY=false&collectStats=false&problem=classification&initZero=true&hideText=false")
    read = from_url_hash(tf, limits)
    assert read["init_zero"] is True and read["collect_stats"] is False
    assert read["features"] == ["x1", "x2", "cos(x1)"]
    assert from_url_hash(to_url_hash(read), limits) == read
