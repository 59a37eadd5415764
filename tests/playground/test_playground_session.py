"""A session trains as the playground does and its frames show what the network computes (oracles:
NumPy on the same grid, the model's own predict, the course's circle exercise)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as keras
from glassnet.datasets import playground as pg_data
from glassnet.playground import Session, decode_grid
from glassnet.playground.frames import GRID


def _session(**config) -> Session:
    s = Session(seed=3)
    replies = s.handle({"type": "config", "config": config})
    assert [r["type"] for r in replies] == ["state", "frame"], replies
    return s


def test_state_and_frame_have_the_documented_fields():
    s = Session(seed=1)
    state, frame = s.handle({"type": "config", "config": {"noise": 10}})
    assert state["n_train"] == len(state["points"]["train"]) == 250 and state["n_test"] == 250
    assert state["classes"] == [-1, 1] and state["features"] == ["x1", "x2"]
    assert state["limits"]["max_layers"] == 6 and state["config"]["noise"] == 10
    assert {p[2] for p in state["points"]["train"]} == {-1.0, 1.0}
    assert frame["epoch"] == 0 and frame["heatmap"]["size"] == 100 and frame["playing"] is False
    assert [len(layer) for layer in frame["neurons"]] == [2, 4, 2]  # features, then each hidden layer
    assert all(t["size"] == 10 for layer in frame["neurons"] for t in layer)
    assert [np.shape(w) for w in frame["weights"]] == [(2, 4), (4, 2), (2, 1)]
    assert frame["biases"] == [[0.1] * 4, [0.1] * 2, [0.1]]  # the playground's initial bias
    assert all(-0.5 <= w <= 0.5 for layer in frame["weights"] for row in layer for w in row)
    assert sum(map(sum, frame["confusion"])) == 250
    assert frame["test_accuracy"] == pytest.approx(np.trace(frame["confusion"]) / 250)
    json.dumps([state, frame], allow_nan=False)  # plain JSON: no NumPy types, no NaN


def test_the_heatmap_has_x2_up_and_x1_right():
    s = _session(features=["x2"], hidden=[])
    s.handle({"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1.0})
    heat = decode_grid(s.handle({"type": "set_bias", "layer": 0, "neuron": 0, "value": 0.0})[0]["heatmap"])
    assert heat[0, 50] == pytest.approx(np.tanh(6.0), abs=0.01)      # top row: x2 = +6
    assert heat[99, 50] == pytest.approx(np.tanh(-6.0), abs=0.01)
    assert np.ptp(heat[:, 50]) > 1.9 and np.ptp(heat[50, :]) == 0     # constant along x1
    s = _session(features=["x1"], hidden=[])
    s.handle({"type": "set_bias", "layer": 0, "neuron": 0, "value": 0.0})
    heat = decode_grid(s.handle({"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1.0})[0]["heatmap"])
    assert heat[50, 0] < -0.99 and heat[50, 99] > 0.99


def test_losses_match_the_models_own_prediction_and_thumbnails_are_block_means():
    s = _session(dataset="xor", noise=20, hidden=[{"units": 3, "activation": "relu"}])
    for _ in range(3):
        frame = s.advance()
    d = s.data
    out = s.model.predict(d.x_test, verbose=0)[:, 0]
    assert frame["test_loss"] == pytest.approx(np.mean(0.5 * (out - d.y_test) ** 2), rel=1e-5)
    hidden = np.maximum(pg_data.features(GRID, ["x1", "x2"]) @ frame["weights"][0] + frame["biases"][0], 0)
    blocks = np.clip(hidden[:, 1].reshape(10, 10, 10, 10).mean(axis=(1, 3)), -1, 1)
    assert np.allclose(decode_grid(frame["neurons"][1][1]), blocks, atol=1 / 255 + 1e-9)


def test_focus_shows_one_neuron_and_null_goes_back():
    s = _session()
    whole = s.frame()["heatmap"]
    focused = s.handle({"type": "focus", "layer": 0, "neuron": 2})[0]["heatmap"]
    hidden = np.tanh(GRID @ np.array(s.frame()["weights"][0]) + 0.1)[:, 2].reshape(100, 100)
    assert np.allclose(decode_grid(focused), hidden, atol=1 / 255 + 1e-9)
    feature = decode_grid(s.handle({"type": "focus", "layer": -1, "neuron": 1})[0]["heatmap"])
    assert feature[0, 0] == pytest.approx(1.0) and feature[99, 0] == pytest.approx(-1.0)  # x2 / 6
    assert s.handle({"type": "focus", "layer": 0, "neuron": None})[0]["heatmap"] == whole
    assert s.handle({"type": "focus", "layer": 2, "neuron": 0})[0]["heatmap"] == whole  # the output itself
    assert s.handle({"type": "focus", "layer": 3, "neuron": 0})[0]["type"] == "error"


def test_edits_change_only_the_named_weight():
    s = _session()
    before = s.frame()["weights"]
    after = s.handle({"type": "set_weight", "layer": 1, "from": 3, "to": 1, "value": 2.5})[0]["weights"]
    before[1][3][1] = 2.5
    assert after == before
    assert s.handle({"type": "set_bias", "layer": 2, "neuron": 0, "value": -0.7})[0]["biases"][2] == [-0.7]


def test_play_pause_and_the_stop_condition_on_the_course_exercise():
    # examples/playground_exercise.py: circle, noise 10, seed 3, one neuron on x1^2 and x2^2 gets the test
    # loss under 0.05; here with the playground's own tanh output and 0.5 (o - t)^2.
    s = _session(noise=10, features=["x1^2", "x2^2"], hidden=[], stop_test_loss=0.05)
    assert s.handle({"type": "play"}) == [] and s.playing
    frames = []
    while s.playing and len(frames) < 300:
        frames.append(s.advance())
    last = frames[-1]
    assert last["stopped"] and "< 0.05" in last["stopped"] and last["playing"] is False
    assert last["test_loss"] < 0.05 and last["epoch"] == len(frames) < 300
    assert all(f["stopped"] is None for f in frames[:-1])
    s.handle({"type": "play"})
    assert s.handle({"type": "pause"})[0]["playing"] is False and not s.playing


def test_the_spiral_needs_hidden_layers():
    flat = _session(dataset="spiral", hidden=[], learning_rate=0.1)
    for _ in range(20):
        frame = flat.advance()
    assert frame["test_accuracy"] < 0.75  # a straight line through a spiral


def test_the_same_seed_gives_the_same_run():
    config = {"dataset": "gauss", "noise": 30, "optimizer": "momentum", "regularization": "l2",
              "regularization_rate": 0.01, "hidden": [{"units": 5, "dropout": 0.3}, {"units": 3}]}
    a = _session(**config)
    keras.utils.set_random_seed(99)  # glassnet's global generator plays no part
    b, c = _session(**config), _session(**dict(config, seed=4))
    for _ in range(4):
        fa, fb, fc = a.advance(), b.advance(), c.advance()
    assert fa == fb
    assert fa["weights"] != fc["weights"]


def test_reset_draws_new_weights_and_keeps_the_data_unless_told():
    s = _session(noise=5)
    points, weights = s.state()["points"], s.frame()["weights"]
    s.advance()
    frame = s.handle({"type": "reset", "seed": 11})[0]
    assert frame["epoch"] == 0 and frame["weights"] != weights and s.state()["points"] == points
    assert s.handle({"type": "reset", "seed": 3})[0]["weights"] == weights  # the seed decides the weights
    state, _ = s.handle({"type": "reset", "seed": 12, "regenerate": True})
    assert state["points"] != points and state["config"]["seed"] == 12


def test_regression_crossentropy_and_nan():
    s = _session(dataset="plane", hidden=[{"units": 2, "activation": "linear"}])
    frame = s.advance()
    assert frame["test_accuracy"] is None and frame["confusion"] is None and s.state()["classes"] == []
    assert s.state()["n_train"] == 600  # 1200 regression points, half for training
    s = _session(loss="crossentropy")
    assert s.model.layers[-1].get_config()["activation"] == "sigmoid"
    frame = s.advance()
    out = s.model.predict(s.data.x_train, verbose=0)[:, 0]
    t = (s.data.y_train > 0)
    bce = -np.mean(np.where(t, np.log(out), np.log(1 - out)))
    assert frame["train_loss"] == pytest.approx(bce, rel=1e-4)
    s = _session(dataset="plane", learning_rate=10, hidden=[{"units": 8, "activation": "linear"}] * 2,
                 features=["x1^2", "x2^2"])
    s.handle({"type": "play"})
    for _ in range(30):
        frame = s.advance()
        if not s.playing:
            break
    assert frame["nan"] and "NaN" in frame["stopped"] and not s.playing
    assert list(frame["heatmap"]) == ["size", "data"] and frame["train_loss"] is None
    json.dumps(frame, allow_nan=False)  # a diverged network still makes valid JSON (None for NaN)
