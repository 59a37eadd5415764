"""Any loss name works as a metric in compile()."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers


def test_loss_names_work_as_metrics() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 3)), (rng.random((32, 1)) > 0.5).astype("float32")
    model = gn.Sequential([gn.Input(shape=(3,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["binary_crossentropy", "mape"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["binary_crossentropy"] == pytest.approx(logs["loss"], rel=1e-5)
    p = model.predict(x, verbose=0)
    expected = 100 * np.mean(np.abs(y - p) / np.maximum(np.abs(y), 1e-7))
    assert logs["mape"] == pytest.approx(expected, rel=1e-4)
