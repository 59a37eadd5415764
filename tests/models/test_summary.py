"""model.summary() reproduces Keras 3's table (layout, counts, memory sizes, optimizer line)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers
from glassnet.models.summary import readable_memory

# Lines of a real Keras 3 summary (keras-reference.md, A2).
KERAS_HEADER = [
    "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
    "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
    "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
]
KERAS_SEPARATOR = "├─────────────────────────────────┼────────────────────────┼───────────────┤"
KERAS_FOOTER = "└─────────────────────────────────┴────────────────────────┴───────────────┘"


def _lines(model: keras.Model, **kwargs) -> list[str]:
    out: list[str] = []
    model.summary(print_fn=out.append, **kwargs)
    return out


def test_sequential_summary_matches_keras_layout() -> None:
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(64, activation="relu"),
                              layers.Dense(10)], name="demo")
    lines = _lines(model)
    assert lines[0] == 'Model: "demo"'
    assert lines[1:4] == KERAS_HEADER
    assert lines[4] == "│ flatten (Flatten)               │ (None, 784)            │             0 │"
    assert lines[5] == KERAS_SEPARATOR
    assert lines[6] == "│ dense (Dense)                   │ (None, 64)             │        50,240 │"
    assert lines[8] == "│ dense_1 (Dense)                 │ (None, 10)             │           650 │"
    assert lines[9] == KERAS_FOOTER
    assert lines[10:] == [" Total params: 50,890 (198.79 KB)", " Trainable params: 50,890 (198.79 KB)",
                          " Non-trainable params: 0 (0.00 B)"]


def test_summary_after_fit_counts_optimizer_state_like_keras_with_an_opt_out() -> None:
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
    model.compile("adam", "mse")
    model.fit(np.zeros((8, 4)), np.zeros((8, 3)), verbose=0)
    lines = _lines(model)
    # Adam keeps m and v per weight, plus the iteration count and learning rate: 2 * 15 + 2.
    assert " Optimizer params: 32 (128.00 B)" in lines
    assert " Total params: 47 (188.00 B)" in lines
    clearer = _lines(model, optimizer_in_total=False)
    assert " Total params: 15 (60.00 B)" in clearer


def test_unbuilt_sequential_shows_question_marks() -> None:
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    lines = _lines(model)
    assert any("│ ?" in line and "0 (unbuilt)" in line for line in lines)
    assert " Total params: 0 (unbuilt)" in lines


def test_long_layer_names_wrap_inside_the_column() -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1, name="a_very_long_layer_name_for_wrapping")])
    lines = _lines(model)
    body = [line for line in lines if line.startswith("│")]
    assert len(body) == 2 and all(len(line) == len(KERAS_FOOTER) for line in body)


@pytest.mark.parametrize("nbytes,text", [(256, "256.00 B"), (218152, "213.04 KB"), (1024 ** 2 * 1.5, "1.50 MB")])
def test_readable_memory(nbytes: float, text: str) -> None:
    assert readable_memory(nbytes) == text
