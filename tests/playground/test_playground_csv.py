"""CSV uploads: the three kinds of labels, the split, and errors that name the line and the column."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.playground import Limits, ProtocolError, Session
from glassnet.playground.csv_upload import parse_csv

LIMITS = Limits()
RNG = np.random.default_rng(1)
POINTS = RNG.uniform(-5, 5, (40, 2))


def _csv(labels, header="x1,x2,label") -> str:
    return header + "\n" + "\n".join(f"{x:.4f},{y:.4f},{t}" for (x, y), t in zip(POINTS, labels)) + "\n"


def test_two_labels_become_minus_one_and_plus_one():
    data = parse_csv(_csv(np.where(POINTS[:, 0] > 0, "7", "3")), LIMITS)
    assert data.kind == "binary" and data.classes == [-1, 1] and data.original_labels == [3.0, 7.0]
    assert np.array_equal(data.y, np.where(POINTS[:, 0] > 0, 1.0, -1.0))
    assert np.allclose(data.x, POINTS, atol=1e-4) and data.columns == ["x1", "x2"]


def test_a_few_integer_labels_are_classes_and_the_rest_is_regression():
    multi = parse_csv(_csv(np.arange(40) % 4 * 10), LIMITS)
    assert multi.kind == "multiclass" and multi.classes == [0, 1, 2, 3]
    assert np.array_equal(multi.y, np.arange(40) % 4)
    regression = parse_csv(_csv(np.round(POINTS[:, 0] * 0.1, 3)), LIMITS)
    assert regression.kind == "regression" and regression.classes == []
    assert np.allclose(regression.y, np.round(POINTS[:, 0] * 0.1, 3))
    assert parse_csv(_csv(np.arange(40) % 11), LIMITS).kind == "regression"  # 11 classes: too many


def test_the_label_column_is_found_by_name_and_every_other_column_is_a_feature():
    text = "target,a,b,c\n" + "\n".join(f"{i % 2},{x},{y},5" for i, (x, y) in enumerate(POINTS))
    data = parse_csv(text, LIMITS)
    assert data.label_column == "target" and data.columns == ["a", "b", "c"] and data.ignored == []
    assert data.raw_columns and np.allclose(data.x[:, :2], POINTS) and np.all(data.x[:, 2] == 5)


@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n" + "1,2,0\n" * 12 + "1,abc,1\n", 'line 14, column "x2": "abc" is not a number'),
    ("x1,x2,label\n" + "1,2,0\n" * 12 + "1,nan,1\n", 'line 14, column "x2": "nan" is not a finite number'),
    ("x1,x2,label\n" + "1,2,0\n" * 5 + "1,2\n" + "1,2,1\n" * 6, "line 7: 2 values, but the header has 3"),
    ("1,2,0\n" * 12, "line 1: the first row must be a header"),
    ("x1,label\n" + "1,0\n" * 12, "line 1: the header names 2 columns"),
    ("x1,x2,label\n" + "1,2,0\n" * 3, "3 data rows; at least 10"),
    ("x1,x2,label\n" + "1,2,1\n" * 12, 'column "label": every label is 1'),
    ("", "the file is empty"),
])
def test_bad_files_name_the_line_and_column(text, message):
    with pytest.raises(ProtocolError, match="^upload_csv.text: .*" + message.replace("(", r"\(")):
        parse_csv(text, LIMITS)


def test_size_and_row_caps():
    with pytest.raises(ProtocolError, match="over the limit of 100 bytes"):
        parse_csv(_csv(np.arange(40) % 2), Limits(max_csv_bytes=100))
    with pytest.raises(ProtocolError, match="40 rows is over the limit of 30"):
        parse_csv(_csv(np.arange(40) % 2), Limits(max_samples=30))


def test_an_upload_through_the_session():
    s = Session(seed=2)
    labels = np.where(np.hypot(POINTS[:, 0], POINTS[:, 1]) < 3, "in", "out")
    bad = s.handle({"type": "upload_csv", "name": "p.csv", "text": _csv(labels)})
    assert bad[0]["type"] == "error" and 'column "label"' in bad[0]["message"] and s.config["dataset"] == "circle"
    state, frame = s.handle({"type": "upload_csv", "name": "p.csv", "text": _csv(np.where(labels == "in", 1, 0))})
    assert state["config"]["dataset"] == "upload" and state["upload"]["name"] == "p.csv"
    assert state["n_train"] == 20 and state["n_test"] == 20 and state["classes"] == [-1, 1]
    train = np.array(state["points"]["train"] + state["points"]["test"])
    assert np.allclose(np.sort(train[:, :2], axis=0), np.sort(POINTS, axis=0), atol=1e-4)  # every point, once
    assert frame["type"] == "frame"
    state, _ = s.handle({"type": "config", "config": {"train_ratio": 80, "seed": 9}})
    assert state["n_train"] == 32 and state["config"]["dataset"] == "upload"  # re-split, same upload
    assert s.handle({"type": "config", "config": {"problem": "regression"}})[0]["type"] == "error"
    state, _ = s.handle({"type": "config", "config": {"dataset": "xor"}})
    assert state["config"]["dataset"] == "xor" and state["n_train"] == 400  # 80 % of 500
    state, _ = s.handle({"type": "upload_csv", "name": "r.csv", "text": _csv(np.round(POINTS[:, 0] / 5, 3))})
    assert state["config"]["problem"] == "regression" and state["classes"] == []
    assert s.advance()["test_accuracy"] is None
