"""Label checks shared by the scikit-learn-style metric functions.

scikit-learn sorts targets into kinds (``type_of_target``) before scoring;
glassnet follows the same rules for the kinds it supports: ``'binary'`` (at
most two distinct labels), ``'multiclass'`` (more) and
``'multilabel-indicator'`` (a 0/1 matrix, one column per label).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend


def as_labels(y: Any, name: str) -> np.ndarray:
    """A 1-D label array, or a 2-D 0/1 indicator matrix, from ``y``; raise on anything else."""
    arr = backend.to_numpy(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim > 2 or arr.ndim == 0:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} holds continuous values, not class labels; threshold probabilities "
                             f"(p > 0.5) or take argmax(axis=1) first")
    if arr.ndim == 2 and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} is 2-D with shape {arr.shape} but is not a 0/1 indicator matrix; pass class "
                         f"labels, e.g. {name}.argmax(axis=1)")
    return arr


def target_type(arr: np.ndarray) -> str:
    """``'multilabel-indicator'``, ``'binary'`` or ``'multiclass'``, as scikit-learn's ``type_of_target``."""
    if arr.ndim == 2:
        return "multilabel-indicator"
    return "binary" if len(np.unique(arr)) <= 2 else "multiclass"


def check_targets(y_true: Any, y_pred: Any) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Validate a pair of label arrays; return (kind, y_true, y_pred, sorted labels present in either)."""
    t, p = as_labels(y_true, "y_true"), as_labels(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred have different numbers of samples: {len(t)} and {len(p)}")
    kinds = {target_type(t), target_type(p)}
    if "multilabel-indicator" in kinds:
        if kinds != {"multilabel-indicator"}:
            onehot = "y_true" if t.ndim == 2 else "y_pred"
            raise ValueError(f"Classification metrics can't handle a mix of {target_type(t)} and "
                             f"{target_type(p)} targets (y_true shape {t.shape}, y_pred shape {p.shape}); if "
                             f"{onehot} is one-hot, pass class labels: {onehot}.argmax(axis=1)")
        if t.shape[1] != p.shape[1]:
            raise ValueError(f"y_true and y_pred have different numbers of labels: {t.shape[1]} and {p.shape[1]}")
        return "multilabel-indicator", t, p, np.arange(t.shape[1])
    if (t.dtype.kind in "USO") != (p.dtype.kind in "USO") and len(t):
        raise ValueError("Mix of label input types (string and number) in y_true and y_pred")
    present = np.unique(np.concatenate([t, p]))
    return ("multiclass" if len(present) > 2 else "binary"), t, p, present


def encode(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Index of each value in ``labels`` (any order), or ``len(labels)`` where a value is not a label."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        return np.zeros(len(values), dtype=np.int64)
    sorter = np.argsort(labels, kind="stable")
    pos = np.clip(np.searchsorted(labels, values, sorter=sorter), 0, len(labels) - 1)
    index = sorter[pos]
    return np.where(labels[index] == values, index, len(labels)).astype(np.int64)


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """``None`` or a 1-D float array of ``n`` weights."""
    if sample_weight is None:
        return None
    w = backend.to_numpy(sample_weight).astype(np.float64, copy=False).reshape(-1)
    if len(w) != n:
        raise ValueError(f"sample_weight has {len(w)} entries but there are {n} samples")
    return w
