"""Per-sample metric functions on host NumPy arrays (the values the stateful metrics average).

Host-side by design: inputs are read with :func:`glassnet.backend.to_numpy` (free for NumPy arrays,
one copy back for device arrays), never with ``np.asarray``, which refuses CuPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import to_numpy


def _align(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true, y_pred


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Mean over the last axis of [ (y_pred > threshold) == y_true ]."""
    y_true, y_pred = _align(to_numpy(y_true), to_numpy(y_pred))
    return np.mean((y_pred > threshold) == (y_true > 0.5), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where argmax(y_pred) == argmax(y_true) (one-hot labels), else 0."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    return (np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1 where argmax(y_pred) equals the integer label, else 0."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    predicted = np.argmax(y_pred, axis=-1)
    # NumPy 1 answers a mismatched == with one False (and a warning); say what is wrong instead.
    try:
        if predicted.shape != y_true.shape:  # the usual case, equal shapes, needs no check
            np.broadcast_shapes(predicted.shape, y_true.shape)
    except ValueError:
        raise ValueError(f"sparse_categorical_accuracy: labels of shape {y_true.shape} do not fit predictions of "
                         f"shape {y_pred.shape}: expected integer class labels of shape {predicted.shape} "
                         "(one-hot labels go with categorical_accuracy)") from None
    return (predicted == y_true.astype(np.int64)).astype(np.float64)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1 where the true class (one-hot) is among the k highest predictions."""
    return sparse_top_k_categorical_accuracy(np.argmax(to_numpy(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1 where the integer label is among the k highest predictions."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    labels = y_true.astype(np.int64)
    true_score = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    # Rank = how many classes score strictly higher than the true one (ties count in its favour).
    higher = (y_pred > true_score).sum(axis=-1)
    return (higher < k).astype(np.float64)


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Exact equality of labels and predictions (Keras' plain ``Accuracy``)."""
    y_true, y_pred = _align(to_numpy(y_true), to_numpy(y_pred))
    return (y_true == y_pred).astype(np.float64).mean(axis=-1) if y_pred.ndim > 1 else \
        (y_true == y_pred).astype(np.float64)


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """mean((y - y_hat)^2) over the last axis."""
    y_true, y_pred = _align(to_numpy(y_true).astype(np.float64, copy=False), to_numpy(y_pred).astype(np.float64, copy=False))
    return np.mean((y_true - y_pred) ** 2, axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """mean(|y - y_hat|) over the last axis."""
    y_true, y_pred = _align(to_numpy(y_true).astype(np.float64, copy=False), to_numpy(y_pred).astype(np.float64, copy=False))
    return np.mean(np.abs(y_true - y_pred), axis=-1)
