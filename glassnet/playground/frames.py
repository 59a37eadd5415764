"""What one ``frame`` shows: losses, accuracy, confusion, the heatmap and every neuron's thumbnail.

Everything comes from one NumPy forward pass (:func:`network.forward`) of the 100 x 100 grid and the
train and test points stacked together.  Thumbnails are the playground's: the 100 x 100 map of each
neuron averaged over 10 x 10 blocks (its ``reduceMatrix``), not a separate 10 x 10 grid.

An upload with k > 2 feature columns has no picture of its whole input space: the grid is then a
2-D *slice*, the first two columns over [-6, 6]^2 with every other column held at its training
mean (:func:`held_means`); the input thumbnails of the held columns are flat (0, grey), and the frame
adds a ``table`` of the first :data:`TABLE_ROWS` test points with their label and prediction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import network
from .protocol import encode_grid

DENSITY = 100      # the heatmap's points per side (the playground's DENSITY)
THUMBNAIL = 10     # thumbnails are DENSITY / THUMBNAIL block averages
DOMAIN = 6.0
TABLE_ROWS = 200   # the table view's test points (the first ones of the test split)


def _grid_points() -> np.ndarray:
    axis = np.linspace(-DOMAIN, DOMAIN, DENSITY)
    x1, x2 = np.meshgrid(axis, axis[::-1])  # row 0 at the top: x2 = +6
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


GRID = _grid_points()
"""The heatmap's (x1, x2) points, row by row from the top left."""


@dataclass
class Data:
    """The session's points, split; labels as the page shows them (-1/+1, 0..K-1 or numbers)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[Any] = field(default_factory=list)  # empty for regression
    columns: list[str] | None = None  # an upload's k > 2 feature columns: the inputs are these, not crosses
    label_names: list[Any] = field(default_factory=list)  # the file's label of each class (the table shows these)

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def playground_loss(output: np.ndarray, y: np.ndarray, head: str) -> float:
    """The loss the page shows: mean 0.5 (o - t)^2, or the cross-entropy of a sigmoid/softmax output."""
    if len(y) == 0:
        return float("nan")
    with np.errstate(all="ignore"):
        if head == "sigmoid":
            p = np.clip(output[:, 0], 1e-7, 1 - 1e-7)
            t = (y > 0).astype(np.float64)
            return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
        if head == "softmax":
            p = np.clip(output[np.arange(len(y)), y.astype(np.int64)], 1e-7, 1.0)
            return float(-np.mean(np.log(p)))
        return float(np.mean(0.5 * (output[:, 0] - y) ** 2))


def predicted_class(output: np.ndarray, head: str) -> np.ndarray:
    """Index into the session's classes ([-1, +1] or 0..K-1) of each prediction."""
    if head == "softmax":
        return np.argmax(output, axis=1)
    threshold = 0.5 if head == "sigmoid" else 0.0
    return (output[:, 0] >= threshold).astype(np.int64)


def true_class(y: np.ndarray, head: str) -> np.ndarray:
    return y.astype(np.int64) if head == "softmax" else (y > 0).astype(np.int64)


def _scores(output: np.ndarray, y: np.ndarray, head: str, n_classes: int) -> tuple[float | None, list | None]:
    if head == "linear" or len(y) == 0:
        return None, None
    pred, true = predicted_class(output, head), true_class(y, head)
    confusion = np.bincount(true * n_classes + pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    return float(np.mean(pred == true)), confusion.tolist()


def output_map(output: np.ndarray, head: str, n_classes: int) -> np.ndarray:
    """The output on [-1, 1]: tanh as is, 2p - 1 for a sigmoid, the class index spread over [-1, 1] for softmax."""
    if head == "sigmoid":
        return 2.0 * output[:, 0] - 1.0
    if head == "softmax":
        return np.argmax(output, axis=1) / max(n_classes - 1, 1) * 2.0 - 1.0
    return output[:, 0]


def _thumbnails(values: np.ndarray) -> list[dict[str, Any]]:
    """10 x 10 block means of each column's 100 x 100 map (rows of ``values`` run along the grid's rows)."""
    k = DENSITY // THUMBNAIL
    # Sum the k columns of a block, then its k rows: two reductions over a middle axis, contiguous inside.
    blocks = values.reshape(DENSITY * THUMBNAIL, k, -1).sum(axis=1).reshape(THUMBNAIL, k, THUMBNAIL, -1).sum(axis=1)
    blocks /= k * k
    return [encode_grid(blocks[:, :, j]) for j in range(values.shape[1])]


def _thumbnails_per_layer(maps: list[np.ndarray]) -> list[list[dict[str, Any]]]:
    if not maps:
        return []
    grids = _thumbnails(np.concatenate(maps, axis=1))  # one pass for all hidden neurons
    ends = np.cumsum([m.shape[1] for m in maps])
    return [grids[a:b] for a, b in zip(np.concatenate([[0], ends[:-1]]), ends)]


def _feature_scale(features: np.ndarray) -> np.ndarray:
    # Features reach 36 (x1^2) on the domain; each is shown divided by its largest |value| there.
    top = np.max(np.abs(features), axis=0)
    return features / np.where(top > 0, top, 1.0)


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else value  # JSON has no NaN


def _json_list(values: np.ndarray) -> list[Any]:
    """Nested lists of floats, with None where a diverged weight is NaN or infinite (JSON has neither).

    Each float32 is written with the fewest digits that read back as the same float32 (0.1, not
    0.10000000149011612): what the page shows and edits is what the model holds.
    """
    flat = [float(str(v)) if np.isfinite(v) else None for v in np.asarray(values, np.float32).ravel()]
    return np.array(flat, dtype=object).reshape(values.shape).tolist()


@dataclass
class Inputs:
    """What stays fixed while a network trains: the features of the grid and of every point, and the
    feature thumbnails.  Made once per config or dataset by :func:`prepare`."""

    features: np.ndarray              # (grid + train + test, n_features), float64
    feature_maps: np.ndarray          # the grid's features, each divided by its largest |value| there
    feature_thumbnails: list[dict[str, Any]]
    table: dict[str, Any] | None = None  # the table view's fixed part (columns, x, label); None for 2 features


def held_means(data: Data) -> list[float]:
    """The training means of columns 3..k, at which the heatmap's slice holds them ([] for two features)."""
    if not data.columns or len(data.x_train) == 0:
        return [0.0] * (len(data.columns) - 2) if data.columns else []
    return [float(v) for v in np.asarray(data.x_train[:, 2:], np.float64).mean(axis=0)]


def _label_of(data: Data, index: np.ndarray) -> list[Any]:
    names = data.label_names if len(data.label_names) == data.n_classes else data.classes
    return [names[i] for i in index]


def prepare(config: dict[str, Any], data: Data) -> Inputs:
    """The :class:`Inputs` of ``data`` under ``config``'s features (or its columns, see :class:`Data`)."""
    grid = GRID
    if data.columns:
        held = np.asarray(held_means(data), np.float64)
        grid = np.column_stack([GRID, np.broadcast_to(held, (len(GRID), len(held)))])
    features = network.input_features(np.concatenate([grid, data.x_train, data.x_test]), config, data.columns)
    maps = _feature_scale(features[:len(GRID)])
    table = None
    if data.columns:
        maps[:, 2:] = 0.0  # held constant over the slice: nothing to picture
        n = min(TABLE_ROWS, len(data.x_test))
        y = data.y_test[:n]
        label = _label_of(data, true_class(y, "softmax" if data.n_classes > 2 else "tanh")) if data.classes \
            else [float(str(v)) for v in np.asarray(y, np.float32)]
        table = {"columns": list(data.columns), "x": _json_list(data.x_test[:n]), "label": label,
                 "n_test": len(data.x_test)}
    return Inputs(features, maps, _thumbnails(maps), table)


def _table(inputs: Inputs, test_out: np.ndarray, data: Data, head: str) -> dict[str, Any]:
    """The ``frame.table``: the fixed part from :func:`prepare` plus this network's predictions."""
    fixed = inputs.table
    assert fixed is not None
    n = len(fixed["label"])
    out = test_out[:n]
    if head == "linear":
        prediction = [_number(float(v)) for v in out[:, 0]]
        error = [None if p is None else p - t for p, t in zip(prediction, fixed["label"])]
        return {**fixed, "prediction": prediction, "correct": None, "error": error}
    pred = predicted_class(out, head)
    correct = (pred == true_class(data.y_test[:n], head)).tolist()
    return {**fixed, "prediction": _label_of(data, pred), "correct": correct, "error": None}


def compute_frame(config: dict[str, Any], weights: list[tuple[np.ndarray, np.ndarray]], head: str, data: Data,
                  focus: tuple[int, int | None] | None, inputs: Inputs | None = None) -> dict[str, Any]:
    """The ``frame`` fields that depend on the network (everything but epoch, stopped and playing).

    Parameters
    ----------
    focus : (layer, neuron) or None
        Layer -1 is the input features, 0 the first hidden layer, ``len(hidden)`` the output.
    inputs : Inputs, optional
        From :func:`prepare` (made here when not given).
    """
    inputs = prepare(config, data) if inputs is None else inputs
    n_grid, n_train = len(GRID), len(data.x_train)
    outputs = network.forward(inputs.features, config, weights, head)
    out = outputs[-1]
    train_out, test_out = out[n_grid:n_grid + n_train], out[n_grid + n_train:]
    train_loss = playground_loss(train_out, data.y_train, head)
    test_loss = playground_loss(test_out, data.y_test, head)
    accuracy, _ = _scores(train_out, data.y_train, head, data.n_classes)
    test_accuracy, confusion = _scores(test_out, data.y_test, head, data.n_classes)
    grid_maps = [inputs.feature_maps] + [o[:n_grid] for o in outputs[1:]]
    if focus is not None and focus[1] is not None and focus[0] < len(outputs) - 2:  # the output: the usual map
        picture = grid_maps[focus[0] + 1][:, focus[1]]
    else:
        picture = output_map(grid_maps[-1], head, data.n_classes)
        if config["discretize"]:
            picture = np.where(picture >= 0, 1.0, -1.0)
    nan = bool(np.isnan(picture).any() or not np.isfinite(train_loss))
    return {
        "train_loss": _number(train_loss), "test_loss": _number(test_loss),
        "train_accuracy": accuracy, "test_accuracy": test_accuracy, "confusion": confusion,
        "heatmap": encode_grid(picture.reshape(DENSITY, DENSITY)),
        "neurons": [inputs.feature_thumbnails] + _thumbnails_per_layer(grid_maps[1:-1]),
        "weights": [_json_list(kernel) for kernel, _ in weights],
        "biases": [_json_list(bias) for _, bias in weights],
        "nan": nan,
        "table": None if inputs.table is None else _table(inputs, test_out, data, head),
    }
