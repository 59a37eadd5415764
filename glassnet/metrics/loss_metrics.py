"""Keras' metrics that are running means of a per-sample formula: losses reported as metrics,
cosine similarity, correlations, and the plain running ``Sum``.

Each class is a :class:`~glassnet.metrics.base.MeanMetricWrapper` around a function of
``glassnet.losses`` (the same formula, so a metric and its loss never disagree) or of this module;
the epoch's value is the weighted mean of every sample's value, never a mean of batch means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from .. import losses as L
from .base import MeanMetricWrapper, Metric, to_host


def _values(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A loss function whose result comes back as a NumPy array (metrics live off the gradient tape)."""

    def per_sample(y_true: Any, y_pred: Any, **kwargs: Any) -> np.ndarray:
        return to_host(fn(y_true, y_pred, **kwargs))

    per_sample.__name__ = fn.__name__
    per_sample.on_device = True  # type: ignore[attr-defined]  # fn is xp code: the batch stays where it is
    return per_sample


def _wrapper(class_name: str, fn: Callable[..., Any], default_name: str, doc: str,
             **defaults: Any) -> type:
    """A Keras metric class ``class_name(name=default_name, dtype=None, **defaults)`` averaging ``fn``."""
    values = _values(fn)

    def __init__(self: Any, name: str = default_name, dtype: Any = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected keyword argument {sorted(unknown)[0]!r}")
        MeanMetricWrapper.__init__(self, values, name=name, dtype=dtype, **{**defaults, **kwargs})

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                                    "__module__": "glassnet.metrics"})


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """cos(y, y_hat) along ``axis``: 1 for the same direction, -1 for opposite (the loss is its negative)."""
    return -to_host(L.cosine_similarity(y_true, y_pred, axis=axis))


def _same_rank(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of equal rank: a trailing axis of 1 is added to or dropped from the labels, as in Keras."""
    p = to_host(y_pred).astype(np.float64, copy=False)
    t = to_host(y_true).astype(np.float64, copy=False)
    if t.ndim == p.ndim - 1 and p.shape[-1] == 1:
        t = t[..., None]
    elif t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        t = t[..., 0]
    if t.shape != p.shape:
        raise ValueError(f"y_true has shape {t.shape} but y_pred has shape {p.shape}; they must match")
    return t, p


def pearson_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Pearson's r between y and y_hat along ``axis`` (one value per sample, as Keras computes it)."""
    t, p = _same_rank(y_true, y_pred)
    t = t - t.mean(axis=axis, keepdims=True)
    p = p - p.mean(axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant row has no correlation: nan, as Keras
        return (t / t.std(axis=axis, keepdims=True) * p / p.std(axis=axis, keepdims=True)).mean(axis=axis)


def concordance_correlation(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
    """Lin's concordance correlation 2 cov(y, y_hat) / (var y + var y_hat + (mean y - mean y_hat)^2).

    Written term for term as Keras 3.15 computes it (its covariance centres both factors on the mean
    of y_hat), so the two libraries report the same number.
    """
    t, p = _same_rank(y_true, y_pred)
    t_mean, p_mean = t.mean(axis=axis, keepdims=True), p.mean(axis=axis, keepdims=True)
    covariance = (t - p_mean) * (p - p_mean)
    norm = t.var(axis=axis, keepdims=True) + p.var(axis=axis, keepdims=True) + (t_mean - p_mean) ** 2
    return (2 * covariance / (norm + backend.epsilon())).mean(axis=axis)


MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", L.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", L.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
LogCoshError = _wrapper("LogCoshError", L.log_cosh, "logcosh", "Mean of log(cosh(error)).")
Hinge = _wrapper("Hinge", L.hinge, "hinge", "Mean hinge loss (labels in {-1, 1} or 0/1).")
SquaredHinge = _wrapper("SquaredHinge", L.squared_hinge, "squared_hinge", "Mean squared hinge loss.")
CategoricalHinge = _wrapper("CategoricalHinge", L.categorical_hinge, "categorical_hinge",
                            "Mean categorical hinge loss (one-hot labels).")
Poisson = _wrapper("Poisson", L.poisson, "poisson", "Mean Poisson loss.")
KLDivergence = _wrapper("KLDivergence", L.kl_divergence, "kl_divergence", "Mean Kullback-Leibler divergence.")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", L.binary_crossentropy, "binary_crossentropy",
                              "Mean binary cross-entropy.", from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", L.categorical_crossentropy,
                                   "categorical_crossentropy", "Mean categorical cross-entropy (one-hot labels).",
                                   from_logits=False, label_smoothing=0, axis=-1)
_SparseCrossentropy = _wrapper("SparseCategoricalCrossentropy", L.sparse_categorical_crossentropy,
                               "sparse_categorical_crossentropy", "Mean cross-entropy with integer labels.",
                               from_logits=False, ignore_class=None, axis=-1)


class SparseCategoricalCrossentropy(_SparseCrossentropy):  # type: ignore[misc, valid-type]
    """Mean cross-entropy with integer labels; entries labelled ``ignore_class`` add 0 to the sum.

    As in Keras 3.15, they are left out of the count only when ``sample_weight`` is given (the mask
    then multiplies the weights); without weights the mean is over every entry, ignored ones included.
    """

    __module__ = "glassnet.metrics"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        ignore = self.fn_kwargs.get("ignore_class")
        if ignore is not None and sample_weight is not None:  # Keras folds its mask into the weights
            labels = to_host(y_true)
            if labels.ndim == np.ndim(y_pred) and labels.shape[-1] == 1:  # np.ndim reads .ndim: no copy
                labels = labels[..., 0]
            keep = (labels != ignore).astype(np.float64)
            w = to_host(sample_weight).astype(np.float64)
            sample_weight = keep * w.reshape(w.shape + (1,) * max(0, keep.ndim - w.ndim))
        super().update_state(y_true, y_pred, sample_weight)
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity",
                            "Mean cosine similarity between labels and predictions.", axis=-1)
PearsonCorrelation = _wrapper("PearsonCorrelation", pearson_correlation, "pearson_correlation",
                              "Mean of the per-sample Pearson correlations along ``axis``.", axis=-1)
ConcordanceCorrelation = _wrapper("ConcordanceCorrelation", concordance_correlation, "concordance_correlation",
                                  "Mean of the per-sample concordance correlations along ``axis``.", axis=-1)


class Sum(Metric):
    """Running (weighted) sum of the values given to ``update_state(values, sample_weight)``."""

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = to_host(values).astype(np.float64)
        if sample_weight is not None:
            w = to_host(sample_weight).astype(np.float64)
            w = w.reshape(w.shape + (1,) * max(0, values.ndim - w.ndim))
            try:
                values = values * w
            except ValueError as err:
                raise ValueError(f"Sum: sample_weight of shape {np.shape(sample_weight)} does not broadcast "
                                 f"to values of shape {values.shape}") from err
        self.total += float(values.sum())

    def result(self) -> float:
        return self.total
