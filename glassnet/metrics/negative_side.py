"""The negative side of a confusion matrix: specificity and negative predictive value (and sensitivity).

For one class c, against all the others::

    tp_c  true c, predicted c          fn_c  true c, predicted other
    fp_c  true other, predicted c      tn_c  true other, predicted other

    sensitivity_c = tp_c / (tp_c + fn_c)     (= recall: of the true c, the fraction found)
    specificity_c = tn_c / (tn_c + fp_c)     (of the true others, the fraction left alone)
    npv_c         = tn_c / (tn_c + fn_c)     (negative predictive value: of the "not c" calls, the fraction right)

Medical tests are judged by these four numbers (with precision, the positive predictive value).
The functions follow scikit-learn's ``recall_score`` signature; averaging works as there
('binary' scores ``pos_label`` only, 'micro' pools the counts, 'macro' and 'weighted' average the
per-class values, None returns them all).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .classification import _class_counts, _divide, _nan_average, _zero_division_value, recall_score


def _negative_counts(y_true: Any, y_pred: Any, labels: Any, pos_label: Any, average: Any,
                     sample_weight: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class (tn, fp, fn, true) weighted counts."""
    tp, pred, true, total, _, _ = _class_counts(y_true, y_pred, labels, sample_weight, average, pos_label)
    fp = pred - tp
    fn = true - tp
    tn = total - tp - fp - fn
    return np.asarray(tn, np.float64), np.asarray(fp, np.float64), np.asarray(fn, np.float64), true


def _score(num: np.ndarray, den: np.ndarray, true: np.ndarray, average: Any, what: str, modifier: str,
           zero_division: Any) -> Any:
    if average == "micro":
        return float(_divide(np.array([num.sum()]), np.array([den.sum()]), what, modifier, zero_division,
                             True)[0])
    values = _divide(num, den, what, modifier, zero_division, True)
    if average is None:
        return values
    return _nan_average(values, true if average == "weighted" else None)


def specificity_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                      average: str | None = "binary", sample_weight: Any = None,
                      zero_division: Any = "warn") -> Any:
    """Specificity tn / (tn + fp): of the samples not of a class, the fraction not called that class.

    >>> specificity_score([0, 0, 0, 1], [0, 1, 0, 1])   # 3 negatives, 2 left alone
    0.6666666666666666
    """
    _zero_division_value(zero_division)
    tn, fp, _, true = _negative_counts(y_true, y_pred, labels, pos_label, average, sample_weight)
    return _score(tn, tn + fp, true, average, "Specificity", "negative", zero_division)


def negative_predictive_value_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                                    average: str | None = "binary", sample_weight: Any = None,
                                    zero_division: Any = "warn") -> Any:
    """Negative predictive value tn / (tn + fn): of the samples called "not this class", the fraction right.

    >>> negative_predictive_value_score([0, 1, 0, 1], [0, 0, 0, 1])   # 3 called negative, 2 truly so
    0.6666666666666666
    """
    _zero_division_value(zero_division)
    tn, _, fn, true = _negative_counts(y_true, y_pred, labels, pos_label, average, sample_weight)
    return _score(tn, tn + fn, true, average, "Negative predictive value", "predicted negative", zero_division)


def sensitivity_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                      average: str | None = "binary", sample_weight: Any = None, zero_division: Any = "warn") -> Any:
    """Sensitivity tp / (tp + fn), the medical name of recall (see :func:`recall_score`)."""
    return recall_score(y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
                        sample_weight=sample_weight, zero_division=zero_division)
