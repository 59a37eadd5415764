"""F-beta and F1 scores as stateful metrics (Keras ``FBetaScore``/``F1Score``).

Per class c, over every batch seen::

    precision_c = tp_c / (tp_c + fp_c + eps)        recall_c = tp_c / (tp_c + fn_c + eps)
    F_beta_c = (1 + beta^2) * precision_c * recall_c / (beta^2 * precision_c + recall_c + eps)

``average=None`` returns one score per class; ``'micro'`` first pools the
counts of all classes; ``'macro'`` is the plain mean over classes and
``'weighted'`` the mean weighted by each class's number of true samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import epsilon
from .base import Metric, to_host
from .confusion_metrics import _align


class FBetaScore(Metric):
    """F-beta score accumulated over batches; inputs are ``(batch, classes)`` (one-hot labels).

    Parameters
    ----------
    average : {None, 'micro', 'macro', 'weighted'}
    beta : float
        Recall counts ``beta`` times as much as precision.
    threshold : float, optional
        Scores above it are positive. None: each row's highest score is the prediction.
    """

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str = "fbeta_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: invalid `average` argument value. Expected one of: None, "
                             f"'micro', 'macro', 'weighted'. Received: average={average!r}")
        if not isinstance(beta, (int, float)) or beta <= 0:
            raise ValueError(f"{type(self).__name__}: `beta` should be a float greater than 0, got beta={beta!r}")
        if threshold is not None and not (isinstance(threshold, (int, float)) and 0 < threshold <= 1):
            raise ValueError(f"{type(self).__name__}: `threshold` should be a float in (0, 1], "
                             f"got threshold={threshold!r}")
        self.average = average
        self.beta = float(beta)
        self.threshold = threshold
        self.reset_state()

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        where = type(self).__name__
        t, p = _align(to_host(y_true).astype(np.float64), to_host(y_pred).astype(np.float64), where)
        if p.ndim == 1:
            t, p = t[:, None], p[:, None]
        if p.ndim != 2:
            raise ValueError(f"{where} expects 2D inputs with shape (batch_size, output_dim), got y_pred of shape "
                             f"{p.shape}")
        if self.threshold is None:
            # The row maximum is the prediction; an all-zero row predicts nothing.
            pred = (p >= p.max(axis=-1, keepdims=True)) & (np.abs(p) > 1e-9)
        else:
            pred = p > self.threshold
        pred = pred.astype(np.float64)
        w = np.ones((len(p), 1)) if sample_weight is None else \
            to_host(sample_weight).astype(np.float64).reshape(-1, 1)
        axis = None if self.average == "micro" else 0
        sums = [np.sum(v * w, axis=axis) for v in (pred * t, pred * (1 - t), (1 - pred) * t, t)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = sums
            return
        if np.shape(sums[0]) != np.shape(self.true_positives):
            raise ValueError(f"{where}: y_pred has {p.shape[1]} classes but earlier batches had "
                             f"{np.shape(self.true_positives)[0]}")
        self.true_positives = self.true_positives + sums[0]
        self.false_positives = self.false_positives + sums[1]
        self.false_negatives = self.false_negatives + sums[2]
        self.intermediate_weights = self.intermediate_weights + sums[3]

    def result(self) -> Any:
        if self.true_positives is None:
            return 0.0
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + eps)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return np.asarray(score)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (beta = 1) accumulated over batches; see :class:`FBetaScore`."""

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str = "f1_score",
                 dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]
        return config
