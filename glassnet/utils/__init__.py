"""Utilities with Keras' names: ``to_categorical``, ``set_random_seed``, ``normalize``, ``PyDataset``,
``pad_sequences``, ``timeseries_dataset_from_array``, ``text_dataset_from_directory``,
``image_dataset_from_directory``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import set_random_seed
from ..serialization import custom_object_scope, get_custom_objects, register_keras_serializable
from .get_file import get_file
from .image_dataset import image_dataset_from_directory
from .plot_model import model_to_dot, plot_model
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .sequence import pad_sequences
from .text_dataset import text_dataset_from_directory
from .timeseries import timeseries_dataset_from_array


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer class labels: ``[0, 2] -> [[1, 0, 0], [0, 0, 1]]``.

    Parameters
    ----------
    y : array_like of int
        Class indices; a trailing axis of length 1 is dropped, as Keras does.
    num_classes : int, optional
        Defaults to ``max(y) + 1``.
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError("to_categorical: labels must be whole numbers (class indices)")
    if y.dtype.kind not in "biuf":
        raise ValueError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {int(y.min())}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: label {int(y.max())} is out of range for num_classes={num_classes}")
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero)."""
    x = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else np.float32)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


__all__ = ["Progbar", "PyDataset", "Sequence", "custom_object_scope", "get_custom_objects", "normalize",
           "pad_sequences", "register_keras_serializable", "set_random_seed", "text_dataset_from_directory",
           "timeseries_dataset_from_array",
           "to_categorical", "get_file", "model_to_dot", "plot_model",
           "image_dataset_from_directory"]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
