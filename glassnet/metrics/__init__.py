"""Metrics: stateful training metrics (Keras names) and post-training scores (scikit-learn names).

During training: ``compile(metrics=["accuracy", Precision(), AUC(), F1Score()])``.
After training: ``accuracy_score``, ``precision_score``, ``classification_report``,
``roc_curve``, ``roc_auc_score``... with scikit-learn's signatures and outputs.

Host-side by design: accumulators are NumPy float64 on the host, and every ``update_state`` reads
its inputs with :func:`glassnet.backend.to_numpy` at its entry (free on NumPy, one copy back on
CuPy); metrics whose formula is a loss compute it on the device first (see :mod:`.base` and
docs/gpu.md).
"""

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
from .classification import (
    UndefinedMetricWarning,
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    format_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from .confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    NegativePredictiveValue,
    Precision,
    Recall,
    Sensitivity,
    Specificity,
    TrueNegatives,
    TruePositives,
)
from .constrained import PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity
from .f_score import F1Score, FBetaScore
from .functions import (
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    ConcordanceCorrelation,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    PearsonCorrelation,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Sum,
    concordance_correlation,
    pearson_correlation,
)
from .negative_side import negative_predictive_value_score, sensitivity_score, specificity_score
from .ranking import auc, precision_recall_curve, roc_auc_score, roc_curve
from .regression import R2Score

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
    (Precision, ("Precision", "precision")),
    (Recall, ("Recall", "recall")),
    (Sensitivity, ("Sensitivity", "sensitivity")),
    (Specificity, ("Specificity", "specificity")),
    (NegativePredictiveValue, ("NegativePredictiveValue", "negative_predictive_value", "npv")),
    (AUC, ("AUC", "auc")),
    (F1Score, ("F1Score", "f1_score")),
    (FBetaScore, ("FBetaScore", "fbeta_score")),
    (R2Score, ("R2Score", "r2_score")),
    (TruePositives, ("TruePositives", "true_positives")),
    (FalsePositives, ("FalsePositives", "false_positives")),
    (TrueNegatives, ("TrueNegatives", "true_negatives")),
    (FalseNegatives, ("FalseNegatives", "false_negatives")),
    # Keras 3's remaining metric classes; loss names ("hinge", "poisson"...) keep resolving through
    # the losses, except cosine similarity, which is positive as a metric and negated as a loss.
    (Sum, ("Sum", "sum")),
    (CosineSimilarity, ("CosineSimilarity", "cosine_similarity")),
    (PearsonCorrelation, ("PearsonCorrelation", "pearson_correlation")),
    (ConcordanceCorrelation, ("ConcordanceCorrelation", "concordance_correlation")),
    (MeanAbsolutePercentageError, ("MeanAbsolutePercentageError",)),
    (MeanSquaredLogarithmicError, ("MeanSquaredLogarithmicError",)),
    (LogCoshError, ("LogCoshError",)),
    (Hinge, ("Hinge",)),
    (SquaredHinge, ("SquaredHinge",)),
    (CategoricalHinge, ("CategoricalHinge",)),
    (Poisson, ("Poisson",)),
    (KLDivergence, ("KLDivergence",)),
    (BinaryCrossentropy, ("BinaryCrossentropy",)),
    (CategoricalCrossentropy, ("CategoricalCrossentropy",)),
    (SparseCategoricalCrossentropy, ("SparseCategoricalCrossentropy",)),
    (IoU, ("IoU",)),
    (BinaryIoU, ("BinaryIoU",)),
    (MeanIoU, ("MeanIoU",)),
    (OneHotIoU, ("OneHotIoU",)),
    (OneHotMeanIoU, ("OneHotMeanIoU",)),
    (PrecisionAtRecall, ("PrecisionAtRecall",)),
    (RecallAtPrecision, ("RecallAtPrecision",)),
    (SensitivityAtSpecificity, ("SensitivityAtSpecificity",)),
    (SpecificityAtSensitivity, ("SpecificityAtSensitivity",)),
    (MeanMetricWrapper, ("MeanMetricWrapper",)),
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
        if identifier not in _REGISTRY and identifier in _losses_registry():
            return _loss_as_metric(identifier)
        cls = _REGISTRY.get(identifier, "metric")
        metric = cls()
        if identifier.lower() in ("mse", "mae", "rmse"):
            metric.name = identifier
        return metric
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier["class_name"], "metric").from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if identifier in _POST_TRAINING:
        raise TypeError(f"glassnet.metrics.{identifier.__name__} scores finished predictions (scikit-learn style) "
                        f"and cannot be averaged over batches; in compile use the stateful metric instead, e.g. "
                        f"Precision(), Recall(), F1Score(average='macro') or AUC()")
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric {identifier!r}")


_POST_TRAINING = (accuracy_score, precision_score, recall_score, f1_score, fbeta_score, roc_auc_score,
                  classification_report, confusion_matrix, precision_recall_fscore_support, auc)


def serialize(metric: Metric) -> dict[str, Any]:
    """A ``{"class_name", "config"}`` dict that :func:`deserialize` turns back into an equal metric."""
    return {"class_name": getattr(type(metric), "_registered_name", None) or type(metric).__name__,
            "config": metric.get_config()}


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Metric:
    """The metric a :func:`serialize` config describes (Keras' ``keras.metrics.deserialize``)."""
    if custom_objects:
        from ..serialization import custom_object_scope

        with custom_object_scope(custom_objects):
            return get(config)
    return get(config)


def names() -> list[str]:
    """Every metric name :func:`get` understands."""
    return _REGISTRY.names()


__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "RootMeanSquaredError", "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "binary_accuracy", "categorical_accuracy",
    "functions", "get", "names", "register", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
    # Confusion-count metrics, F-scores and R^2 (stateful, Keras names)
    "AUC", "F1Score", "FBetaScore", "FalseNegatives", "FalsePositives", "NegativePredictiveValue", "Precision",
    "R2Score", "Recall", "Sensitivity", "Specificity", "TrueNegatives", "TruePositives",
    # Post-training scores (scikit-learn names and signatures)
    "UndefinedMetricWarning", "accuracy_score", "auc", "classification_report", "confusion_matrix", "f1_score",
    "fbeta_score", "format_confusion_matrix", "precision_recall_curve", "precision_recall_fscore_support",
    "precision_score", "recall_score", "roc_auc_score", "roc_curve",
    "negative_predictive_value_score", "sensitivity_score", "specificity_score",
    # Keras 3's other metric classes and functions
    "BinaryCrossentropy", "BinaryIoU", "CategoricalCrossentropy", "CategoricalHinge", "ConcordanceCorrelation",
    "CosineSimilarity", "Hinge", "IoU", "KLDivergence", "LogCoshError", "MeanAbsolutePercentageError", "MeanIoU",
    "MeanSquaredLogarithmicError", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Poisson",
    "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SparseCategoricalCrossentropy",
    "SpecificityAtSensitivity", "SquaredHinge", "Sum", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "concordance_correlation",
    "deserialize", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "pearson_correlation", "poisson", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
]

# Keras exports the loss functions as metric functions too (keras.metrics.hinge is keras.losses.hinge).
from ..losses import (  # noqa: E402
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)


def _losses_registry() -> Any:
    from .. import losses

    return losses._REGISTRY


def _loss_as_metric(name: str) -> Metric:
    """Any loss name works as a metric, as in Keras: the mean of its per-sample values over the epoch."""
    from .. import losses

    loss = losses.get(name)

    def per_sample(y_true: Any, y_pred: Any) -> Any:
        return loss.call(y_true, losses.as_tensor(y_pred))

    per_sample.__name__ = name
    per_sample.on_device = True  # type: ignore[attr-defined]  # a loss runs on xp: see MeanMetricWrapper
    return MeanMetricWrapper(per_sample, name=name)


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
