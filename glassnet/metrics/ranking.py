"""ROC and precision-recall curves and their areas (scikit-learn's names, signatures and outputs).

A score threshold s turns scores into decisions (positive where score >= s).
Sweeping s from +inf down through every distinct score gives, at each step,
the cumulative true and false positives ``tps(s)``, ``fps(s)``; then::

    ROC curve:  FPR = fps / negatives  against  TPR = tps / positives
    PR curve:   precision = tps / (tps + fps)  against  recall = tps / positives

and the area under the ROC curve equals the probability that a random positive
scores above a random negative.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import backend
from ._targets import check_sample_weight
from .classification import UndefinedMetricWarning


def _binary_truth(y_true: Any, pos_label: Any) -> np.ndarray:
    """0/1 labels of the positive class; ``pos_label=None`` needs {0, 1} or {-1, 1} labels."""
    y = backend.to_numpy(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y_true must be 1-D binary labels, got shape {y.shape}; for one-hot labels use "
                         f"roc_auc_score(..., multi_class='ovr') or one column per class")
    classes = np.unique(y)
    if pos_label is None:
        if len(classes) > 2:
            raise ValueError("multiclass format is not supported")
        ok = y.dtype.kind not in "OUS" and any(
            classes.shape == c.shape and np.all(classes == c)
            for c in (np.array([0, 1]), np.array([-1, 1]), np.array([0]), np.array([-1]), np.array([1])))
        if not ok:
            raise ValueError(f"y_true takes value in {{{', '.join(repr(c) for c in classes.tolist())}}} and "
                             f"pos_label is not specified: either make y_true take value in {{0, 1}} or "
                             f"{{-1, 1}} or pass pos_label explicitly.")
        pos_label = 1
    return (y == pos_label).astype(np.float64)


def _scores(y_score: Any, n: int) -> np.ndarray:
    s = backend.to_numpy(y_score).astype(np.float64, copy=False)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1:
        raise ValueError(f"y_score must be 1-D (the positive class's score), got shape {s.shape}; "
                         f"for two softmax columns pass y_score[:, 1]")
    if len(s) != n:
        raise ValueError(f"y_true and y_score have different numbers of samples: {n} and {len(s)}")
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or infinity")
    return s


def _binary_clf_curve(y_true: Any, y_score: Any, pos_label: Any = None,
                      sample_weight: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative false and true positives at each distinct score, highest score first."""
    truth = _binary_truth(y_true, pos_label)
    score = _scores(y_score, len(truth))
    w = check_sample_weight(sample_weight, len(truth))
    if w is not None:  # samples of weight 0 must not create thresholds
        keep = w != 0
        truth, score, w = truth[keep], score[keep], w[keep]
    order = np.argsort(-score, kind="stable")
    score, truth = score[order], truth[order]
    # The last index of each run of equal scores: the decision changes only between runs.
    ends = np.r_[np.flatnonzero(np.diff(score)), len(truth) - 1]
    if w is None:
        tps = np.cumsum(truth)[ends]
        fps = 1 + ends - tps
    else:
        w = w[order]
        tps = np.cumsum(truth * w)[ends]
        fps = np.cumsum((1 - truth) * w)[ends]
    return fps, tps, score[ends]


def roc_curve(y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None,
              drop_intermediate: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receiver operating characteristic: false and true positive rates at each threshold.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Binary labels ({0, 1}, {-1, 1}, or any two labels with ``pos_label``).
    y_score : array_like of shape (n_samples,)
        Scores of the positive class (probabilities or logits).
    pos_label : label, optional
    sample_weight : array_like, optional
    drop_intermediate : bool
        Drop thresholds on straight segments (they do not change the plotted curve or its area).

    Returns
    -------
    fpr, tpr : ndarray
        Increasing rates, starting at (0, 0).
    thresholds : ndarray
        Decreasing thresholds; ``thresholds[0]`` is ``inf`` (nothing predicted positive).
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true, false positive value should be meaningless",
                      UndefinedMetricWarning, stacklevel=2)
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true, true positive value should be meaningless",
                      UndefinedMetricWarning, stacklevel=2)
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def precision_recall_curve(y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None,
                           drop_intermediate: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision and recall at each threshold, ending at (recall 0, precision 1) as scikit-learn.

    Returns
    -------
    precision, recall : ndarray of shape (n_thresholds + 1,)
        Recall decreases; the last point is precision 1, recall 0.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing thresholds.
    """
    fps, tps, thresholds = _binary_clf_curve(y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and len(fps) > 2:
        # Keep only the first and last point of each run of equal tps (equal recall).
        keep = np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    precision = np.divide(tps, predicted, out=np.zeros_like(tps), where=predicted != 0)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all thresholds.",
                      UserWarning, stacklevel=2)
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def auc(x: Any, y: Any) -> float:
    """Area under a curve through the points (x, y) by the trapezoidal rule; x must be monotonic."""
    x, y = np.asarray(x, dtype=np.float64).reshape(-1), np.asarray(y, dtype=np.float64).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} and {len(y)}")
    if len(x) < 2:
        raise ValueError(f"At least 2 points are needed to compute area under curve, but x.shape = {len(x)}")
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
        direction = -1.0
    # The trapezoidal rule written out (the same sum as NumPy 2's np.trapezoid, which NumPy 1.x lacks).
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def _binary_roc_auc(y_true: np.ndarray, y_score: np.ndarray, sample_weight: Any, max_fpr: float | None) -> float:
    if len(np.unique(y_true)) != 2:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in that case.",
                      UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    if max_fpr <= 0 or max_fpr > 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.r_[tpr[:stop], np.interp(max_fpr, fpr[stop - 1:stop + 1], tpr[stop - 1:stop + 1])]
    fpr = np.r_[fpr[:stop], max_fpr]
    partial = auc(fpr, tpr)
    # McClish correction: 0.5 for a useless classifier, 1 for a perfect one, over [0, max_fpr].
    lo, hi = 0.5 * max_fpr ** 2, max_fpr
    return 0.5 * (1 + (partial - lo) / (hi - lo))


def _average_columns(truth: np.ndarray, score: np.ndarray, average: str | None, sample_weight: Any,
                     max_fpr: float | None) -> Any:
    """Binary ROC AUC of each column of a 0/1 matrix, then averaged (one-vs-rest, multilabel)."""
    w = check_sample_weight(sample_weight, len(truth))
    if average == "micro":
        ww = None if w is None else np.repeat(w, truth.shape[1])
        return _binary_roc_auc(truth.ravel(), score.ravel(), ww, max_fpr)
    if average == "samples":
        raise ValueError("average='samples' is not supported by glassnet; use 'micro', 'macro' or 'weighted'")
    per = np.array([_binary_roc_auc(truth[:, c], score[:, c], w, max_fpr) for c in range(truth.shape[1])])
    if average is None:
        return per
    weights = None
    if average == "weighted":
        weights = (truth * (1.0 if w is None else w[:, None])).sum(axis=0)
        per = np.where(weights == 0, 0.0, per)
    return float(np.average(per, weights=weights))


def roc_auc_score(y_true: Any, y_score: Any, *, average: str | None = "macro", sample_weight: Any = None,
                  max_fpr: float | None = None, multi_class: str = "raise", labels: Any = None) -> Any:
    """Area under the ROC curve: binary, one-vs-rest multiclass, or multilabel (scikit-learn's function).

    Parameters
    ----------
    y_true : array_like
        Binary labels (n_samples,), class labels with ``multi_class='ovr'``, or a 0/1 matrix.
    y_score : array_like
        Positive-class scores (n_samples,), or one column per class (probabilities summing to 1
        for multiclass).
    average : {'macro', 'weighted', 'micro', None}
        How per-class AUCs are combined (None: return them all).
    max_fpr : float, optional
        Standardised partial AUC over FPR in [0, max_fpr] (binary only).
    multi_class : {'raise', 'ovr'}
        'ovr' scores each class against the rest; one-vs-one is not implemented.
    labels : array_like, optional
        The classes of the score columns, in order (multiclass).
    """
    if average not in (None, "micro", "macro", "weighted", "samples"):
        raise ValueError(f"average has to be one of (None, 'micro', 'macro', 'weighted', 'samples'), "
                         f"got {average!r}")
    y = backend.to_numpy(y_true)
    s = backend.to_numpy(y_score).astype(np.float64, copy=False)
    if y.ndim == 2 and y.shape[1] > 1:  # multilabel indicator (also one-hot rows)
        if s.shape != y.shape:
            raise ValueError(f"y_true has shape {y.shape} but y_score has shape {s.shape}")
        return _average_columns(y.astype(np.float64), s, average, sample_weight, max_fpr)
    y = y.reshape(-1)
    n_classes = len(np.unique(y))
    if n_classes > 2 or (s.ndim == 2 and s.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError(f"Partial AUC computation not available in multiclass setting, 'max_fpr' must be "
                             f"set to `None`, received `max_fpr={max_fpr}` instead")
        if multi_class == "raise":
            raise ValueError("multi_class must be in ('ovo', 'ovr')")
        if multi_class == "ovo":
            raise NotImplementedError("multi_class='ovo' is not implemented in glassnet; use multi_class='ovr'")
        if multi_class != "ovr":
            raise ValueError(f"multi_class='{multi_class}' is not supported for multiclass ROC AUC, multi_class "
                             f"must be in ('ovo', 'ovr')")
        if average not in ("micro", "macro", "weighted", None):
            raise ValueError("average must be one of ('micro', 'macro', 'weighted', None) for multiclass problems")
        if s.ndim != 2:
            raise ValueError(f"`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains "
                             f"multiple classes. Got `y_score.shape={s.shape}`.")
        if not np.allclose(1, s.sum(axis=1)):
            raise ValueError("Target scores need to be probabilities for multiclass roc_auc, i.e. they should "
                             "sum up to 1.0 over classes")
        if labels is not None:
            classes = np.asarray(labels)
            if len(np.unique(classes)) != len(classes):
                raise ValueError("Parameter 'labels' must be unique")
            if not np.array_equal(np.unique(classes), classes):
                raise ValueError("Parameter 'labels' must be ordered")
            if len(classes) != s.shape[1]:
                raise ValueError(f"Number of given labels, {len(classes)}, not equal to the number of columns in "
                                 f"'y_score', {s.shape[1]}")
            if len(np.setdiff1d(y, classes)):
                raise ValueError("'y_true' contains labels not in parameter 'labels'")
        else:
            classes = np.unique(y)
            if len(classes) != s.shape[1]:
                raise ValueError(f"Number of classes in y_true not equal to the number of columns in 'y_score' "
                                 f"({len(classes)} classes, y_score shape {s.shape})")
        truth = (y[:, None] == classes[None, :]).astype(np.float64)
        return _average_columns(truth, s, average, sample_weight, max_fpr)
    classes = np.unique(y)
    # The larger label is the positive class (scikit-learn's label_binarize on sorted classes).
    truth = (y == classes[-1]).astype(np.float64)
    return _binary_roc_auc(truth, _scores(s, len(y)), sample_weight, max_fpr)
