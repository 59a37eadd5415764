"""Threshold metrics that accumulate confusion counts over batches (Keras names and keys).

Each metric keeps running sums of true/false positives and negatives at one or
more thresholds: a prediction counts as positive where ``y_pred > threshold``
and a label is positive where it is non-zero.  ``result()`` divides the summed
counts, so Precision over an epoch is ``TP / (TP + FP)`` of all its batches,
not a mean of per-batch precisions.  Every element of a ``(batch, classes)``
prediction is one decision (Keras' micro view), unless ``class_id`` picks one
column or ``AUC(multi_label=True)`` keeps one curve per column.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric, to_host

_NEG_INF = -1e10  # Keras' stand-in for "never positive" (values outside the top k)


def _align(y_true: np.ndarray, y_pred: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Bring labels to the prediction's shape; integer labels next to class scores become one-hot."""
    if y_true.shape == y_pred.shape:
        return y_true, y_pred
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return y_true[..., None], y_pred
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return y_true[..., 0], y_pred
    sparse = y_true.reshape(y_true.shape[:-1]) if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1 else y_true
    if sparse.shape == y_pred.shape[:-1] and y_pred.shape[-1] > 1:
        classes = y_pred.shape[-1]
        if np.any(sparse != np.round(sparse)) or sparse.min(initial=0) < 0 or sparse.max(initial=0) >= classes:
            raise ValueError(f"{where}: labels of shape {y_true.shape} should be class indices in [0, {classes}) "
                             f"for predictions of shape {y_pred.shape}")
        return np.eye(classes)[sparse.astype(np.int64)], y_pred
    raise ValueError(f"{where}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; they must "
                     f"match (or y_true may hold integer class labels)")


def _weights(sample_weight: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Per-element weights: a per-sample weight applies to every column of its row."""
    if sample_weight is None:
        return np.ones(shape)
    w = to_host(sample_weight).astype(np.float64)
    w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    return np.broadcast_to(w, shape)


def prepare(y_true: Any, y_pred: Any, sample_weight: Any, where: str, top_k: int | None = None,
            class_id: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, scores, weights) as 2-D float64 arrays ``(elements, columns)``."""
    t = to_host(y_true).astype(np.float64)
    p = to_host(y_pred).astype(np.float64)
    if np.isnan(p).any():
        raise ValueError(f"{where}: y_pred contains NaN")
    t, p = _align(t, p, where)
    w = _weights(sample_weight, p.shape)
    if p.ndim == 0:
        t, p, w = t.reshape(1), p.reshape(1), w.reshape(1)
    if p.ndim == 1:
        t, p, w = t[:, None], p[:, None], w[:, None]
    if top_k is not None:
        # Only the k highest scores of each row may count as positive.
        kth = -np.sort(-p, axis=-1)[..., min(top_k, p.shape[-1]) - 1:min(top_k, p.shape[-1])]
        p = np.where(p >= kth, p, _NEG_INF)
    if class_id is not None:
        if not 0 <= class_id < p.shape[-1]:
            raise ValueError(f"{where}: class_id={class_id} is out of range for {p.shape[-1]} classes")
        t, p, w = t[..., class_id:class_id + 1], p[..., class_id:class_id + 1], w[..., class_id:class_id + 1]
    cols = p.shape[-1]
    return t.reshape(-1, cols) != 0, p.reshape(-1, cols), w.reshape(-1, cols)


def counts_at_thresholds(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray,
                         thresholds: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weighted (tp, fp, tn, fn), each of shape (thresholds, columns), for decisions ``score > threshold``.

    Vectorised as a histogram: a score exceeds exactly the ``searchsorted(sorted_thresholds, score)``
    smallest thresholds, so a reversed cumulative sum over that histogram gives every threshold's
    count at once, in O(n + T) instead of an (n x T) comparison.
    """
    n_thr, cols = len(thresholds), scores.shape[1]
    order = np.argsort(thresholds, kind="stable")
    below = np.searchsorted(thresholds[order], scores, side="left")      # thresholds < score
    slot = (below + (n_thr + 1) * np.arange(cols)).ravel()
    pos_w, neg_w = (weights * labels).ravel(), (weights * ~labels).ravel()
    size = (n_thr + 1) * cols
    pos = np.bincount(slot, pos_w, minlength=size).reshape(cols, n_thr + 1)
    neg = np.bincount(slot, neg_w, minlength=size).reshape(cols, n_thr + 1)
    # Count for sorted threshold j = everything with more than j thresholds below it.
    tp_sorted = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    fp_sorted = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    tp, fp = np.empty_like(tp_sorted), np.empty_like(fp_sorted)
    tp[order], fp[order] = tp_sorted, fp_sorted
    fn = pos.sum(axis=1)[None, :] - tp
    tn = neg.sum(axis=1)[None, :] - fp
    return tp, fp, tn, fn


def _thresholds(thresholds: Any, default: float, where: str) -> tuple[np.ndarray, bool]:
    """Threshold array and whether the user gave a single value (so results are scalars)."""
    if thresholds is None:
        return np.array([default]), True
    single = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if np.any((values < 0) | (values > 1)):
        raise ValueError(f"{where}: threshold values must be in [0, 1], got {values.tolist()}")
    return values, single


def _divide_no_nan(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den != 0)


class _ConfusionCounts(Metric):
    """Running tp/fp/tn/fn at thresholds; subclasses choose what ``result`` divides."""

    _default_name = "confusion_counts"

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name or self._default_name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k every kept score is "positive": Keras then thresholds at -inf.
        default = 0.5 if top_k is None else _NEG_INF
        if thresholds is None:
            self.thresholds, self._single = np.array([default]), True
        else:
            self.thresholds, self._single = _thresholds(thresholds, default, type(self).__name__)
        self.reset_state()

    def reset_state(self) -> None:
        zeros = np.zeros(len(self.thresholds))
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        labels, scores, weights = prepare(y_true, y_pred, sample_weight, type(self).__name__, self.top_k,
                                          self.class_id)
        tp, fp, tn, fn = counts_at_thresholds(labels.reshape(-1, 1), scores.reshape(-1, 1), weights.reshape(-1, 1),
                                              self.thresholds)
        self.true_positives += tp[:, 0]
        self.false_positives += fp[:, 0]
        self.true_negatives += tn[:, 0]
        self.false_negatives += fn[:, 0]

    def _out(self, values: np.ndarray) -> Any:
        return float(values[0]) if self._single else values.copy()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class TruePositives(_ConfusionCounts):
    """Weighted count of positive labels predicted positive (``y_pred > threshold``)."""

    _default_name = "true_positives"

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self) -> Any:
        return self._out(self.true_positives)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "thresholds": self.init_thresholds}


class FalsePositives(TruePositives):
    """Weighted count of negative labels predicted positive."""

    _default_name = "false_positives"

    def result(self) -> Any:
        return self._out(self.false_positives)


class TrueNegatives(TruePositives):
    """Weighted count of negative labels predicted negative."""

    _default_name = "true_negatives"

    def result(self) -> Any:
        return self._out(self.true_negatives)


class FalseNegatives(TruePositives):
    """Weighted count of positive labels predicted negative."""

    _default_name = "false_negatives"

    def result(self) -> Any:
        return self._out(self.false_negatives)


class Precision(_ConfusionCounts):
    """TP / (TP + FP) over every batch seen: of the predicted positives, the fraction truly positive.

    Parameters
    ----------
    thresholds : float or list of float, optional
        A score above it counts as positive (default 0.5); a list gives one precision per threshold.
    top_k : int, optional
        Only each row's k highest scores count as positive.
    class_id : int, optional
        Score only this column (one class of a multi-class output).
    """

    _default_name = "precision"

    def result(self) -> Any:
        return self._out(_divide_no_nan(self.true_positives, self.true_positives + self.false_positives))


class Recall(_ConfusionCounts):
    """TP / (TP + FN) over every batch seen (sensitivity): the fraction of positives found.

    Parameters are those of :class:`Precision`.
    """

    _default_name = "recall"

    def result(self) -> Any:
        return self._out(_divide_no_nan(self.true_positives, self.true_positives + self.false_negatives))


class Sensitivity(Recall):
    """TP / (TP + FN) over every batch seen: the medical name of :class:`Recall`."""

    _default_name = "sensitivity"


class Specificity(_ConfusionCounts):
    """TN / (TN + FP) over every batch seen: of the true negatives, the fraction predicted negative.

    Parameters are those of :class:`Precision`.
    """

    _default_name = "specificity"

    def result(self) -> Any:
        return self._out(_divide_no_nan(self.true_negatives, self.true_negatives + self.false_positives))


class NegativePredictiveValue(_ConfusionCounts):
    """TN / (TN + FN) over every batch seen: of the samples predicted negative, the fraction truly negative.

    Parameters are those of :class:`Precision`.
    """

    _default_name = "negative_predictive_value"

    def result(self) -> Any:
        return self._out(_divide_no_nan(self.true_negatives, self.true_negatives + self.false_negatives))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at fixed thresholds.

    The counts at ``num_thresholds`` evenly spaced thresholds accumulate over batches; the area is
    a Riemann sum over them, so it approaches the exact (scikit-learn) value as thresholds grow.

    Parameters
    ----------
    num_thresholds : int
        Number of thresholds in [0, 1] (the first just below 0, the last just above 1).
    curve : {'ROC', 'PR'}
    summation_method : {'interpolation', 'minoring', 'majoring'}
        Trapezoids (PR: Davis & Goadrich interpolation), or lower/upper rectangles.
    thresholds : list of float, optional
        Use these thresholds instead of an even grid.
    multi_label : bool
        One curve per column, averaged (else every element is one decision).
    num_labels : int, optional
        Accepted for Keras compatibility; the number of columns is taken from the data.
    label_weights : list of float, optional
        Weights of the columns (averaging weights when ``multi_label``).
    from_logits : bool
        Apply a sigmoid to the predictions first.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None, from_logits: bool = False) -> None:
        super().__init__(name=name or "auc", dtype=dtype)
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or 'majoring', got "
                             f"{summation_method!r}")
        eps = 1e-7
        if thresholds is not None:
            inner = np.sort(np.asarray(thresholds, dtype=np.float64).reshape(-1))
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = np.arange(1, num_thresholds - 1) / (num_thresholds - 1)
        # -eps and 1+eps make the curve run from "all positive" to "all negative".
        self.thresholds = np.r_[-eps, inner, 1.0 + eps]
        self.curve = curve.upper()
        self.summation_method = summation_method
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        self.from_logits = from_logits
        self._init_thresholds = thresholds
        self.reset_state()

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        labels, scores, weights = prepare(y_true, y_pred, sample_weight, "AUC")
        if self.from_logits:
            scores = 0.5 * (1.0 + np.tanh(0.5 * scores))   # sigmoid without overflow
        if self.label_weights is not None and not self.multi_label:
            weights = weights * self.label_weights[None, :]
        if not self.multi_label:
            labels, scores, weights = labels.reshape(-1, 1), scores.reshape(-1, 1), weights.reshape(-1, 1)
        counts = counts_at_thresholds(labels, scores, weights, self.thresholds)
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.true_negatives, self.false_negatives = counts
            return
        if counts[0].shape != self.true_positives.shape:
            raise ValueError(f"AUC(multi_label=True) saw {self.true_positives.shape[1]} labels before and "
                             f"{counts[0].shape[1]} now")
        self.true_positives = self.true_positives + counts[0]
        self.false_positives = self.false_positives + counts[1]
        self.true_negatives = self.true_negatives + counts[2]
        self.false_negatives = self.false_negatives + counts[3]

    def _average(self, by_label: np.ndarray) -> float:
        if not self.multi_label:
            return float(by_label[0])
        if self.label_weights is None:
            return float(by_label.mean())
        total = self.label_weights.sum()
        return float((by_label * self.label_weights).sum() / total) if total else 0.0

    def _interpolate_pr_auc(self) -> float:
        """Davis & Goadrich (2006): precision varies along a line in tp between thresholds."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increment.sum(axis=0))

    def result(self) -> float:
        if self.true_positives is None:
            return 0.0
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average(((x[:-1] - x[1:]) * heights).sum(axis=0))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self._init_thresholds,
                "multi_label": self.multi_label, "num_labels": self.num_labels,
                "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                "from_logits": self.from_logits}
