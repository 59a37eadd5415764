"""Metrics: stateful training metrics (Keras names)."""

from __future__ import annotations

from typing import Any

from ..registry import Registry
from . import functions
from .accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
)
from .base import Mean, MeanMetricWrapper, Metric
from .functions import (
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)

_REGISTRY = Registry("metric")
for _cls, _names in [
    (Accuracy, ("Accuracy",)),
    (BinaryAccuracy, ("BinaryAccuracy", "binary_accuracy")),
    (CategoricalAccuracy, ("CategoricalAccuracy", "categorical_accuracy")),
    (SparseCategoricalAccuracy, ("SparseCategoricalAccuracy", "sparse_categorical_accuracy")),
    (TopKCategoricalAccuracy, ("TopKCategoricalAccuracy", "top_k_categorical_accuracy")),
    (SparseTopKCategoricalAccuracy, ("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy")),
    (MeanSquaredError, ("MeanSquaredError", "mean_squared_error", "mse", "MSE")),
    (MeanAbsoluteError, ("MeanAbsoluteError", "mean_absolute_error", "mae", "MAE")),
    (RootMeanSquaredError, ("RootMeanSquaredError", "root_mean_squared_error", "rmse")),
    (Mean, ("Mean",)),
]:
    _REGISTRY.add(_cls, *_names)


def register(cls: type, *names: str) -> type:
    """Add a metric class to the name lookup used by ``compile(metrics=[...])``."""
    return _REGISTRY.add(cls, *names)


def get(identifier: Any) -> Metric:
    """Resolve a name, config dict, class, instance or function ``f(y_true, y_pred)`` to a Metric.

    ``"accuracy"``/``"acc"`` is resolved by ``compile`` from the loss and shapes, not here.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier, "metric")
        metric = cls()
        if identifier.lower() in ("mse", "mae", "rmse"):
            metric.name = identifier
        return metric
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier["class_name"], "metric").from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric {identifier!r}")


def names() -> list[str]:
    """Every metric name :func:`get` understands."""
    return _REGISTRY.names()


__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "RootMeanSquaredError", "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "binary_accuracy", "categorical_accuracy",
    "functions", "get", "names", "register", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
