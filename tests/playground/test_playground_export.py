"""The exported script reproduces the session's run in a fresh interpreter; the .keras file loads and predicts
the same."""

from __future__ import annotations

import base64

import numpy as np
import pytest

import glassnet as keras
from glassnet.playground import Session

EPOCHS = 4
CSV = "a,b,label\n" + "\n".join(f"{x:.3f},{y:.3f},{int(np.hypot(x, y) // 2)}"
                                  for x, y in np.random.default_rng(5).uniform(-5, 5, (120, 2)))


def _sessions() -> list[Session]:
    plain = Session(seed=21)
    plain.handle({"type": "config", "config": {"noise": 15}})
    rich = Session(seed=22)
    rich.handle({"type": "config", "config": {
        "dataset": "xor", "noise": 20, "batch_size": 7, "features": ["x1", "x2", "x1*x2", "sin(x1)"],
        "hidden": [{"units": 5, "activation": "relu", "dropout": 0.2}, {"units": 3, "activation": "sigmoid"}],
        "optimizer": "adam", "learning_rate": 0.01, "regularization": "l2", "regularization_rate": 0.003,
        "loss": "crossentropy"}})
    rich.handle({"type": "reset", "seed": 99})  # weights from 99, data still from 22
    upload = Session(seed=23)
    upload.handle({"type": "upload_csv", "name": "rings.csv", "text": CSV})
    upload.handle({"type": "config", "config": {"optimizer": "momentum", "regularization": "l1",
                                                "regularization_rate": 0.001, "train_ratio": 70}})
    return [plain, rich, upload]


def test_the_exported_script_reproduces_the_run(tmp_path, run_exported_script):
    sessions = _sessions()
    assert sessions[2].head == "softmax" and sessions[2].data.n_classes == 4
    for i, session in enumerate(sessions):
        for _ in range(EPOCHS):
            frame = session.advance()
        reply = session.handle({"type": "export", "format": "python"})[0]
        assert reply["type"] == "export" and reply["filename"] == "playground.py"
        folder = tmp_path / str(i)
        folder.mkdir()
        result = run_exported_script(reply["content"], folder, EPOCHS)
        assert result["epochs"] == EPOCHS
        assert result["train_loss"] == pytest.approx(frame["train_loss"], rel=1e-5, abs=1e-7)
        assert result["test_loss"] == pytest.approx(frame["test_loss"], rel=1e-5, abs=1e-7)
        for (kernel, bias), w, b in zip(result["weights"], frame["weights"], frame["biases"]):
            assert np.allclose(kernel, w, atol=1e-6) and np.allclose(bias, b, atol=1e-6)


def test_the_script_stops_where_the_session_stops(tmp_path, run_exported_script):
    session = Session(seed=3)
    session.handle({"type": "config", "config": {"noise": 10, "features": ["x1^2", "x2^2"], "hidden": [],
                                                 "stop_test_loss": 0.05}})
    session.handle({"type": "play"})
    while session.playing:
        frame = session.advance()
    script = session.handle({"type": "export", "format": "python"})[0]["content"]
    result = run_exported_script(script, tmp_path, 1000)
    assert result["epochs"] == frame["epoch"] and result["test_loss"] == pytest.approx(frame["test_loss"], rel=1e-5)


def test_an_edited_network_exports_its_weights(tmp_path, run_exported_script):
    session = Session(seed=4)
    session.handle({"type": "set_weight", "layer": 0, "from": 1, "to": 3, "value": 1.25})
    frame = session.frame()
    script = session.handle({"type": "export", "format": "python"})[0]["content"]
    assert "1.25" in script
    result = run_exported_script(script, tmp_path, 0)
    assert np.allclose(result["weights"][0][0], frame["weights"][0], atol=1e-7)


def test_the_keras_file_loads_and_predicts_the_same(tmp_path):
    session = Session(seed=5)
    session.handle({"type": "config", "config": {"hidden": [{"units": 3, "dropout": 0.1}]}})
    session.advance()
    reply = session.handle({"type": "export", "format": "keras"})[0]
    assert reply["filename"] == "playground.keras"
    path = tmp_path / "m.keras"
    path.write_bytes(base64.b64decode(reply["content"]))
    loaded = keras.models.load_model(path)
    x = session.data.x_test
    assert np.allclose(loaded.predict(x, verbose=0), session.model.predict(x, verbose=0), atol=1e-6)


def test_the_script_reproduces_carried_batches_l1_freezes_init_zero_and_cos(tmp_path, run_exported_script):
    l1 = Session(seed=31)
    l1.handle({"type": "config", "config": {
        "batch_size": 7, "learning_rate": 0.1, "regularization": "l1", "regularization_rate": 0.03,
        "features": ["x1", "x2", "cos(x1)", "cos(x2)"], "hidden": [{"units": 3}]}})
    zero = Session(seed=32)
    zero.handle({"type": "config", "config": {"init_zero": True, "batch_size": 9, "dataset": "gauss"}})
    for i, session in enumerate([l1, zero]):
        for _ in range(EPOCHS + 2):
            frame = session.advance()
        if i == 0:
            assert any(frame["dead"]) and len(session.carry) > 0
        script = session.handle({"type": "export", "format": "python"})[0]["content"]
        assert ("class L1Freeze" in script) == (i == 0) and ("initZero" in script) == (i == 1)
        folder = tmp_path / str(i)
        folder.mkdir()
        result = run_exported_script(script, folder, EPOCHS + 2)
        assert result["train_loss"] == pytest.approx(frame["train_loss"], rel=1e-5, abs=1e-7)
        for (kernel, bias), w, b in zip(result["weights"], frame["weights"], frame["biases"]):
            assert np.allclose(kernel, w, atol=1e-6) and np.allclose(bias, b, atol=1e-6)
        for (kernel, _), pairs in zip(result["weights"], frame["dead"]):
            assert all(kernel[f][t] == 0.0 for f, t in pairs)
