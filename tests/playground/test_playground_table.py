"""Uploads with more than two feature columns: the columns are the inputs, the heatmap is a slice, the frame
has a table of test points, and the exported script and .keras file reproduce the run."""

from __future__ import annotations

import base64

import numpy as np
import pytest

import glassnet as keras
from glassnet.playground import Limits, ProtocolError, Session
from glassnet.playground.csv_upload import MAX_FEATURE_COLUMNS, parse_csv
from glassnet.playground.frames import TABLE_ROWS, predicted_class, true_class

RNG = np.random.default_rng(7)
X = RNG.uniform(-3, 3, (600, 4))
RULE = np.where(X[:, 2] * X[:, 3] > 0, "yes", "no")  # needs columns 3 and 4 (c, d) and nothing else


def _csv(x: np.ndarray, labels, header: str = "a,b,c,d,label") -> str:
    return header + "\n" + "\n".join(",".join(f"{v:.4f}" for v in row) + f",{t}" for row, t in zip(x, labels)) + "\n"


def _four_columns(seed: int = 3, **config) -> tuple[Session, dict, dict]:
    s = Session(seed=seed)
    state, frame = s.handle({"type": "upload_csv", "name": "four.csv", "text": _csv(X, (RULE == "yes").astype(int))})
    if config:
        state, frame = s.handle({"type": "config", "config": config})
    return s, state, frame


def test_four_columns_are_the_inputs_and_the_state_says_so():
    s, state, frame = _four_columns()
    assert state["features"] == ["a", "b", "c", "d"] and state["crosses"] is False
    assert state["upload"]["columns"] == ["a", "b", "c", "d"] and state["upload"]["ignored_columns"] == []
    held = state["slice"]["held"]
    assert state["slice"]["axes"] == ["a", "b"] and list(held) == ["c", "d"]
    assert held["c"] == pytest.approx(float(np.mean(s.data.x_train[:, 2])), abs=1e-5)
    assert all(len(p) == 3 for p in state["points"]["train"])  # the scatter: a, b and the label
    assert s.model.layers[0].kernel.shape[0] == 4  # no FeatureCross: Dense straight on the 4 columns
    assert len(frame["neurons"][0]) == 4 and len(frame["weights"][0]) == 4
    assert frame["heatmap"]["size"] == 100 and frame["table"]["columns"] == ["a", "b", "c", "d"]
    # The crosses do not apply: a features change is accepted and changes nothing.
    state, _ = s.handle({"type": "config", "config": {"features": ["x1^2"]}})
    assert state["features"] == ["a", "b", "c", "d"] and s.model.layers[0].kernel.shape[0] == 4
    # Two columns: the playground's crosses, no table, no slice.
    two = Session(seed=1)
    state, frame = two.handle({"type": "upload_csv", "name": "two.csv", "text": _csv(X[:, :2], (RULE == "yes").astype(int), "p,q,label")})
    assert state["crosses"] is True and state["slice"] is None and frame["table"] is None
    assert state["features"] == ["x1", "x2"]
    assert Session(seed=1).frame()["table"] is None


def test_a_rule_on_columns_three_and_four_is_learned():
    s, _, frame = _four_columns(hidden=[{"units": 8}, {"units": 4}], optimizer="adam", learning_rate=0.03)
    assert frame["test_accuracy"] < 0.8
    for _ in range(60):
        frame = s.advance()
    assert frame["test_accuracy"] > 0.9
    assert np.mean(frame["table"]["correct"]) > 0.9


def test_the_table_rows_are_the_models_predictions():
    s, _, _ = _four_columns(seed=5)
    for _ in range(3):
        s.advance()
    table = s.frame()["table"]
    n = min(TABLE_ROWS, len(s.data.x_test))
    assert table["n_test"] == len(s.data.x_test) == 300 and len(table["x"]) == n == 200
    assert np.allclose(table["x"], s.data.x_test[:n], atol=1e-6)
    out = s.model.predict(s.data.x_test[:n], verbose=0)
    predicted = predicted_class(out, s.head)
    assert table["prediction"] == [[0, 1][i] for i in predicted]  # the file's labels, 0 and 1
    assert table["label"] == [[0, 1][i] for i in true_class(s.data.y_test[:n], s.head)]
    assert all(type(v) is int for v in table["label"] + table["prediction"])
    assert table["correct"] == (np.array(table["prediction"]) == np.array(table["label"])).tolist()
    assert table["error"] is None


def test_regression_tables_show_the_error():
    s = Session(seed=2)
    y = np.round(X[:, 2] - 0.5 * X[:, 3], 3)
    _, frame = s.handle({"type": "upload_csv", "name": "r.csv", "text": _csv(X, y, "a,b,c,d,target")})
    table = frame["table"]
    out = s.model.predict(s.data.x_test[:TABLE_ROWS], verbose=0)[:, 0]
    assert np.allclose(table["prediction"], out, atol=1e-5) and table["correct"] is None
    assert np.allclose(table["error"], np.array(table["prediction"]) - np.array(table["label"]), atol=1e-9)


def test_focus_and_edits_reach_every_column():
    s, _, _ = _four_columns()
    assert s.handle({"type": "focus", "layer": -1, "neuron": 3})[0]["type"] == "frame"
    assert s.handle({"type": "focus", "layer": -1, "neuron": 4})[0]["type"] == "error"
    frame = s.handle({"type": "set_weight", "layer": 0, "from": 3, "to": 0, "value": 0.75})[0]
    assert frame["weights"][0][3][0] == 0.75


@pytest.mark.parametrize("text, message", [
    ("a,b,c,label\n" + "1,2,3,0\n" * 12 + "1,2,x,1\n", 'line 14, column "c": "x" is not a number'),
    ("a,b,c,label\n" + "1,2,3,0\n" * 5 + "1,2,3\n" + "1,2,3,1\n" * 6, "line 7: 3 values, but the header has 4"),
    ("a,b,a,label\n" + "1,2,3,0\n" * 12, 'line 1: column "a" is named twice'),
    ("a,,c,label\n" + "1,2,3,0\n" * 12, "line 1: column 2 has no name"),
    (",".join(f"f{i}" for i in range(MAX_FEATURE_COLUMNS + 1)) + ",label\n"
     + ("1," * (MAX_FEATURE_COLUMNS + 1) + "0\n") * 12, f"{MAX_FEATURE_COLUMNS + 1} feature columns is over the limit"),
])
def test_bad_wide_files_name_the_line_and_column(text, message):
    with pytest.raises(ProtocolError, match="^upload_csv.text: .*" + message):
        parse_csv(text, Limits())
    s = Session(seed=1)
    reply = s.handle({"type": "upload_csv", "name": "bad.csv", "text": text})
    assert reply[0]["type"] == "error" and message in reply[0]["message"] and s.config["dataset"] == "circle"


def test_the_frame_stays_fast():
    import time

    s, _, _ = _four_columns()
    plain = Session(seed=1)
    for session in (s, plain):
        session.frame()
    start = time.perf_counter()
    for _ in range(20):
        s.frame()
    wide = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        plain.frame()
    assert wide < 3 * (time.perf_counter() - start) + 0.2


def test_the_export_reproduces_a_run_on_four_columns(tmp_path, run_exported_script):
    s, _, _ = _four_columns(seed=8, hidden=[{"units": 5, "dropout": 0.1}], optimizer="momentum", train_ratio=60)
    for _ in range(3):
        frame = s.advance()
    script = s.handle({"type": "export", "format": "python"})[0]["content"]
    assert "keras.Input((4,))" in script and "FeatureCross" not in script.split("model = keras.Sequential")[1]
    result = run_exported_script(script, tmp_path, 3)
    assert result["train_loss"] == pytest.approx(frame["train_loss"], rel=1e-5, abs=1e-7)
    assert result["test_loss"] == pytest.approx(frame["test_loss"], rel=1e-5, abs=1e-7)
    for (kernel, bias), w, b in zip(result["weights"], frame["weights"], frame["biases"]):
        assert np.allclose(kernel, w, atol=1e-6) and np.allclose(bias, b, atol=1e-6)
    reply = s.handle({"type": "export", "format": "keras"})[0]
    path = tmp_path / "m.keras"
    path.write_bytes(base64.b64decode(reply["content"]))
    loaded = keras.models.load_model(path)
    x = s.data.x_test
    assert np.allclose(loaded.predict(x, verbose=0), s.model.predict(x, verbose=0), atol=1e-6)
