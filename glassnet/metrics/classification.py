"""Post-training classification metrics with scikit-learn's names and signatures."""

from __future__ import annotations

from typing import Any

import numpy as np


def _labels_1d(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        raise ValueError(f"{name} looks one-hot encoded (shape {arr.shape}); pass class labels, e.g. "
                         f"{name}.argmax(axis=1)")
    return arr.reshape(-1)


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None, sample_weight: Any = None,
                     normalize: str | None = None) -> np.ndarray:
    """Counts C[i, j] of samples of true class i predicted as class j (scikit-learn's layout).

    Parameters
    ----------
    y_true, y_pred : array_like of labels
    labels : array_like, optional
        The classes, in row/column order (default: every label seen, sorted).
    sample_weight : array_like, optional
    normalize : {'true', 'pred', 'all'}, optional
        Divide by row sums, column sums or the total.
    """
    t, p = _labels_1d(y_true, "y_true"), _labels_1d(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred have different lengths: {len(t)} and {len(p)}")
    classes = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    index = {c: i for i, c in enumerate(classes.tolist())}
    k = len(classes)
    w = np.ones(len(t)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    keep = np.array([a in index and b in index for a, b in zip(t.tolist(), p.tolist())], dtype=bool) \
        if labels is not None else np.ones(len(t), dtype=bool)
    ti = np.searchsorted(classes, t[keep]) if labels is None else np.array([index[a] for a in t[keep].tolist()],
                                                                             dtype=np.int64)
    pi = np.searchsorted(classes, p[keep]) if labels is None else np.array([index[a] for a in p[keep].tolist()],
                                                                             dtype=np.int64)
    cm = np.bincount(ti * k + pi, weights=w[keep], minlength=k * k).reshape(k, k)
    if sample_weight is None:
        cm = cm.astype(np.int64)
    if normalize is None:
        return cm
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
        else:
            raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    return np.nan_to_num(cm)


def format_confusion_matrix(cm: np.ndarray, labels: Any = None) -> str:
    """A text table of a confusion matrix: rows are true classes, columns predictions."""
    cm = np.asarray(cm)
    labels = list(range(cm.shape[0])) if labels is None else list(labels)
    width = max(5, max(len(f"{v:,}") for v in cm.ravel().tolist()) + 1, max(len(str(lb)) for lb in labels) + 1)
    head = "true\\pred".ljust(10) + "".join(str(lb).rjust(width) for lb in labels)
    lines = [head]
    for lb, row in zip(labels, cm):
        lines.append(str(lb).ljust(10) + "".join(f"{v:,}".rjust(width) for v in row.tolist()))
    return "\n".join(lines)
