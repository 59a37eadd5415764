"""Post-training classification metrics with scikit-learn's names, signatures and outputs.

Everything here starts from four counts per class c, summed over samples
(weighted by ``sample_weight``)::

    tp_c = #(true == c and pred == c)      pred_c = #(pred == c)      true_c = #(true == c)
    precision_c = tp_c / pred_c            recall_c = sensitivity_c = tp_c / true_c
    F_beta_c = (1 + beta^2) tp_c / ((1 + beta^2) tp_c + beta^2 fn_c + fp_c)
    specificity_c = tn_c / (tn_c + fp_c)

A ratio whose denominator is 0 (a class never predicted, or never present)
takes the value ``zero_division`` (0 with a warning by default, as scikit-learn).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._targets import check_sample_weight, check_targets, encode

_AVERAGES = (None, "micro", "macro", "weighted", "samples")


class UndefinedMetricWarning(UserWarning):
    """A ratio had a zero denominator and was set to ``zero_division`` (scikit-learn's warning)."""


# -- confusion matrix ----------------------------------------------------------------------------
def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Any = None, sample_weight: Any = None,
                     normalize: str | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j (scikit-learn's layout).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Class labels (ints or strings), not one-hot rows or probabilities.
    labels : array_like, optional
        The classes, in row/column order (default: every label seen, sorted). Samples whose
        true or predicted label is not listed are left out.
    sample_weight : array_like of shape (n_samples,), optional
    normalize : {'true', 'pred', 'all'}, optional
        Divide by row sums (recall view), column sums (precision view) or the total.

    Returns
    -------
    ndarray of shape (n_classes, n_classes)
        int64 counts, or float64 when weighted or normalised.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be 'true', 'pred', 'all' or None, got {normalize!r}")
    kind, t, p, present = check_targets(y_true, y_pred)
    if kind == "multilabel-indicator":
        raise ValueError(f"multilabel-indicator is not supported: y_true has shape {t.shape}; if it is one-hot, "
                         f"pass class labels such as y_true.argmax(axis=1)")
    w = check_sample_weight(sample_weight, len(t))
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        if len(t) == 0:
            return np.zeros((labels.size, labels.size), dtype=np.int64)
        if len(np.intersect1d(t, labels)) == 0:
            raise ValueError(f"At least one label specified must be in y_true; labels={labels.tolist()}")
    k = len(labels)
    ti, pi = encode(t, labels), encode(p, labels)
    keep = (ti < k) & (pi < k)
    weights = None if w is None else w[keep]
    cm = np.bincount(ti[keep] * k + pi[keep], weights=weights, minlength=k * k).reshape(k, k)
    cm = cm.astype(np.int64) if w is None else cm.astype(np.float64)
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn("A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have the "
                      "correct shape, use the 'labels' parameter to pass all known labels.", UserWarning,
                      stacklevel=2)
    return cm


def format_confusion_matrix(cm: np.ndarray, labels: Any = None) -> str:
    """A text table of a confusion matrix: rows are true classes, columns predictions."""
    cm = np.asarray(cm)
    labels = list(range(cm.shape[0])) if labels is None else list(labels)

    def cell(v: Any) -> str:
        return f"{v:,}" if float(v).is_integer() else f"{v:.2f}"

    width = max(5, max(len(cell(v)) for v in cm.ravel().tolist()) + 1, max(len(str(lb)) for lb in labels) + 1)
    lines = ["true\\pred".ljust(10) + "".join(str(lb).rjust(width) for lb in labels)]
    for lb, row in zip(labels, cm):
        lines.append(str(lb).ljust(10) + "".join(cell(v).rjust(width) for v in row.tolist()))
    return "\n".join(lines)


# -- accuracy ------------------------------------------------------------------------------------
def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """Fraction (or, with ``normalize=False``, the weighted count) of exactly right predictions.

    For 0/1 indicator matrices a sample counts only if its whole row matches (subset accuracy).
    """
    kind, t, p, _ = check_targets(y_true, y_pred)
    w = check_sample_weight(sample_weight, len(t))
    right = (t == p).all(axis=1) if kind == "multilabel-indicator" else t == p
    if normalize:
        if len(right) == 0:
            return float("nan")
        return float(np.average(right, weights=w))
    return float(right.sum() if w is None else np.dot(right, w))


# -- precision, recall, F-score ------------------------------------------------------------------
def _zero_division_value(zero_division: Any) -> float:
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, (int, float)) and zero_division in (0, 1):
        return float(zero_division)
    if isinstance(zero_division, float) and np.isnan(zero_division):
        return float("nan")
    raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")


def _divide(num: np.ndarray, den: np.ndarray, what: str, modifier: str, zero_division: Any,
            warn: bool) -> np.ndarray:
    """num / den where den > 0, ``zero_division`` elsewhere (warning once in 'warn' mode)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    zero = den == 0
    out = num / np.where(zero, 1.0, den)
    if zero.any():
        out[zero] = _zero_division_value(zero_division)
        if warn and isinstance(zero_division, str):
            where = "due to" if out.size == 1 else "in labels with"
            warnings.warn(f"{what} is ill-defined and being set to 0.0 {where} no {modifier} samples. Use "
                          f"`zero_division` parameter to control this behavior.", UndefinedMetricWarning,
                          stacklevel=3)
    return out


def _nan_average(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Average ignoring NaN entries; unweighted if every weight is zero (scikit-learn's rule)."""
    if values.size == 0:
        return float("nan")
    ok = ~np.isnan(values)
    if not ok.any():
        return float("nan")
    if weights is None:
        return float(values[ok].mean())
    w = np.asarray(weights, dtype=np.float64)[ok]
    return float(np.average(values[ok], weights=w)) if w.sum() != 0 else float(values[ok].mean())


def _set_wise_labels(kind: str, present: np.ndarray, average: Any, labels: Any, pos_label: Any) -> Any:
    if average not in _AVERAGES and average != "binary":
        raise ValueError(f"average has to be one of {_AVERAGES} or 'binary', got {average!r}")
    if average == "binary":
        if kind == "binary":
            if pos_label not in present.tolist() and len(present) >= 2:
                raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one of "
                                 f"{present.tolist()}")
            return np.asarray([pos_label])
        options = [a for a in _AVERAGES if a != "samples" or kind != "multiclass"]
        raise ValueError(f"Target is {kind} but average='binary'. Please choose another average setting, "
                         f"one of {options}.")
    if pos_label not in (None, 1):
        warnings.warn(f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got "
                      f"{average!r}). You may use labels=[pos_label] to specify a single positive class.",
                      UserWarning, stacklevel=3)
    return labels


def _class_counts(y_true: Any, y_pred: Any, labels: Any, sample_weight: Any, average: Any,
                  pos_label: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, str, np.ndarray]:
    """Per-label (tp, predicted, true) weighted counts, the total weight, the target kind and the labels."""
    kind, t, p, present = check_targets(y_true, y_pred)
    if average == "samples":
        raise ValueError("average='samples' is not supported by glassnet; use 'micro', 'macro' or 'weighted'")
    labels = _set_wise_labels(kind, present, average, labels, pos_label)
    w = check_sample_weight(sample_weight, len(t))
    if kind == "multilabel-indicator":
        cols = np.arange(t.shape[1]) if labels is None else np.asarray(labels, dtype=np.int64)
        if cols.size and (cols.max() >= t.shape[1] or cols.min() < 0):
            raise ValueError(f"All labels must be in [0, n labels) for multilabel targets; got {cols.tolist()} "
                             f"with {t.shape[1]} labels")
        ww = np.ones(len(t)) if w is None else w
        t_, p_ = t[:, cols].astype(np.float64), p[:, cols].astype(np.float64)
        tp, pred, true = ww @ (t_ * p_), ww @ p_, ww @ t_
        return tp, pred, true, float(ww.sum()), kind, cols
    labels = present if labels is None else np.asarray(labels)
    k = len(labels)
    ti, pi = encode(t, labels), encode(p, labels)
    true = np.bincount(ti, weights=w, minlength=k + 1)[:k]
    pred = np.bincount(pi, weights=w, minlength=k + 1)[:k]
    tp = np.bincount(np.where(ti == pi, ti, k), weights=w, minlength=k + 1)[:k]
    if w is None:
        tp, pred, true = tp.astype(np.int64), pred.astype(np.int64), true.astype(np.int64)
    total = float(len(t) if w is None else w.sum())
    return tp, pred, true, total, kind, labels


def precision_recall_fscore_support(y_true: Any, y_pred: Any, *, beta: float = 1.0, labels: Any = None,
                                    pos_label: Any = 1, average: str | None = None,
                                    warn_for: tuple[str, ...] = ("precision", "recall", "f-score"),
                                    sample_weight: Any = None, zero_division: Any = "warn") -> tuple[Any, ...]:
    """Precision, recall, F-beta and support per class, or averaged (scikit-learn's function).

    Parameters
    ----------
    y_true, y_pred : array_like
        Class labels, or 0/1 indicator matrices (multilabel).
    beta : float
        Weight of recall against precision in the F-score.
    labels : array_like, optional
        The classes to report, in order (default: every label present, sorted).
    pos_label : label
        The positive class when ``average='binary'``.
    average : {None, 'binary', 'micro', 'macro', 'weighted'}
        None: per-class arrays. 'micro': from the summed counts. 'macro': unweighted mean of the
        per-class values. 'weighted': mean weighted by support. 'binary': ``pos_label`` only.
    sample_weight : array_like, optional
    zero_division : {'warn', 0, 1, np.nan}
        The value of a ratio with a zero denominator.

    Returns
    -------
    precision, recall, fbeta_score : float or ndarray
    support : ndarray or None
        Weighted count of true samples per class (None when averaged).
    """
    if beta < 0:
        raise ValueError(f"beta should be >=0 in the F-beta score, got {beta}")
    _zero_division_value(zero_division)
    tp, pred, true, _, _, _ = _class_counts(y_true, y_pred, labels, sample_weight, average, pos_label)
    support = true
    if average == "micro":
        tp, pred, true = np.array([tp.sum()]), np.array([pred.sum()]), np.array([true.sum()])
    precision = _divide(tp, pred, "Precision", "predicted", zero_division, "precision" in warn_for)
    recall = _divide(tp, true, "Recall", "true", zero_division, "recall" in warn_for)
    if np.isposinf(beta):
        fscore = recall
    elif beta == 0:
        fscore = precision
    else:
        b2 = beta ** 2
        fscore = _divide((1 + b2) * tp, b2 * true + pred, "F-score", "true nor predicted", zero_division,
                         "f-score" in warn_for)
    if average is None:
        return precision, recall, fscore, support
    weights = true if average == "weighted" else None
    return (_nan_average(precision, weights), _nan_average(recall, weights), _nan_average(fscore, weights), None)


def precision_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                    average: str | None = "binary", sample_weight: Any = None, zero_division: Any = "warn") -> Any:
    """Precision tp / (tp + fp): of the samples predicted as a class, the fraction that are that class.

    >>> precision_score([0, 1, 1, 0], [1, 1, 0, 0])    # 2 predicted positive, 1 of them right
    0.5
    >>> precision_score([0, 1, 2, 2], [0, 2, 2, 2], average=None, zero_division=0)
    array([1.        , 0.        , 0.66666667])
    """
    p, _, _, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                                 average=average, warn_for=("precision",),
                                                 sample_weight=sample_weight, zero_division=zero_division)
    return p


def recall_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                 average: str | None = "binary", sample_weight: Any = None, zero_division: Any = "warn") -> Any:
    """Recall (sensitivity) tp / (tp + fn): of the samples of a class, the fraction found.

    >>> recall_score([0, 1, 1, 1], [0, 1, 0, 1])       # 3 positives, 2 found
    0.6666666666666666
    """
    _, r, _, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                                 average=average, warn_for=("recall",),
                                                 sample_weight=sample_weight, zero_division=zero_division)
    return r


def fbeta_score(y_true: Any, y_pred: Any, *, beta: float, labels: Any = None, pos_label: Any = 1,
                average: str | None = "binary", sample_weight: Any = None, zero_division: Any = "warn") -> Any:
    """F-beta: the weighted harmonic mean of precision and recall (recall counts beta times as much)."""
    _, _, f, _ = precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label,
                                                 average=average, warn_for=("f-score",),
                                                 sample_weight=sample_weight, zero_division=zero_division)
    return f


def f1_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1, average: str | None = "binary",
             sample_weight: Any = None, zero_division: Any = "warn") -> Any:
    """F1 = 2 * precision * recall / (precision + recall), per class or averaged."""
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label, average=average,
                       sample_weight=sample_weight, zero_division=zero_division)


# -- classification report -----------------------------------------------------------------------
def classification_report(y_true: Any, y_pred: Any, *, labels: Any = None, target_names: Any = None,
                          sample_weight: Any = None, digits: int = 2, output_dict: bool = False,
                          zero_division: Any = "warn") -> str | dict[str, Any]:
    """Per-class precision, recall, F1 and support, then the averages (scikit-learn's report).

    The text is exactly scikit-learn's. The dict (``output_dict=True``) has scikit-learn's keys,
    plus ``'sensitivity'`` (= recall), ``'specificity'`` (tn / (tn + fp)) and ``'npv'`` (negative
    predictive value, tn / (tn + fn)) for each class and average, the numbers medical tests are judged by.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Class labels.
    labels : array_like, optional
        The classes to report, in order.
    target_names : list of str, optional
        Display names of ``labels``.
    digits : int
        Decimals in the text report.
    output_dict : bool
        Return a dict instead of text.
    zero_division : {'warn', 0, 1, np.nan}
    """
    kind, t, p, present = check_targets(y_true, y_pred)
    if kind == "multilabel-indicator":
        raise ValueError(f"classification_report needs class labels; y_true has shape {t.shape}. For one-hot "
                         f"rows pass y.argmax(axis=1)")
    labels_given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = not labels_given or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
                          stacklevel=2)
        else:
            raise ValueError(f"Number of classes, {len(labels)}, does not match size of target_names, "
                             f"{len(target_names)}. Try specifying the labels parameter")
    if target_names is None:
        target_names = [f"{label}" for label in labels.tolist()]
    headers = ["precision", "recall", "f1-score", "support"]
    common = {"labels": labels, "sample_weight": sample_weight, "zero_division": zero_division}
    prec, rec, f1, support = precision_recall_fscore_support(t, p, average=None, **common)
    rows = list(zip(target_names, prec, rec, f1, support))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        ap, ar, af, _ = precision_recall_fscore_support(t, p, average=average, **common)
        averages[heading] = (average, [ap, ar, af, np.sum(support)])
    if output_dict:
        spec, npv = _negative_side(t, p, labels, sample_weight, zero_division)
        report: dict[str, Any] = {}
        for i, (name, *scores) in enumerate(rows):
            report[name] = dict(zip(headers, [float(s) for s in scores]))
            report[name].update(sensitivity=float(rec[i]), specificity=float(spec[average_key(None)][i]),
                                npv=float(npv[average_key(None)][i]))
        for heading, (average, values) in averages.items():
            if heading == "accuracy":
                report[heading] = float(values[0])
                continue
            report[heading] = dict(zip(headers, [float(v) for v in values]))
            report[heading].update(sensitivity=float(values[1]), specificity=float(spec[average]),
                                   npv=float(npv[average]))
        return report
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    text = ("{:>{width}s} " + " {:>9}" * len(headers)).format("", *headers, width=width) + "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for row in rows:
        text += row_fmt.format(*row, width=width, digits=digits)
    text += "\n"
    for heading, (_, values) in averages.items():
        if heading == "accuracy":
            acc_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            text += acc_fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            text += row_fmt.format(heading, *values, width=width, digits=digits)
    return text


def average_key(average: str | None) -> str:
    """The key of :func:`_negative_side`'s results for an ``average`` setting."""
    return "none" if average is None else average


def _negative_side(t: np.ndarray, p: np.ndarray, labels: np.ndarray, sample_weight: Any,
                   zero_division: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Specificity tn / (tn + fp) and negative predictive value tn / (tn + fn), per class and averaged."""
    tp, pred, true, total, _, _ = _class_counts(t, p, labels, sample_weight, None, None)
    fp, fn = pred - tp, true - tp
    tn = total - tp - fp - fn

    def scores(den: np.ndarray, what: str, modifier: str) -> dict[str, Any]:
        per_class = _divide(tn, den, what, modifier, zero_division, False)
        return {"none": per_class,
                "micro": float(_divide(np.array([tn.sum()]), np.array([den.sum()]), what, modifier, zero_division,
                                       False)[0]),
                "macro": _nan_average(per_class, None), "weighted": _nan_average(per_class, true)}

    return scores(tn + fp, "Specificity", "negative"), scores(tn + fn, "Negative predictive value",
                                                              "predicted negative")
