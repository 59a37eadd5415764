"""One rate at the best threshold that keeps another rate above a floor (Keras' ``...At...`` metrics).

Confusion counts are accumulated at ``num_thresholds`` evenly spaced thresholds in [0, 1] (a prediction
is positive where ``y_pred > threshold``).  ``result`` computes both rates at every threshold and
returns the largest value of the first among the thresholds where the second meets the floor, e.g.
``PrecisionAtRecall(0.8)`` = max precision over the thresholds with recall >= 0.8 (0 if none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Metric
from .confusion_metrics import _divide_no_nan, counts_at_thresholds, prepare


class _RateAtRate(Metric):
    """Running tp/fp/tn/fn at evenly spaced thresholds; subclasses name the two rates."""

    _floor_name = "value"

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if not 0 <= value <= 1:
            raise ValueError(f"{owner}: argument `{self._floor_name}` must be in the range [0, 1], got {value}")
        if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 0:
            raise ValueError(f"{owner}: num_thresholds must be an integer > 0, got {num_thresholds!r}")
        self.value = value
        self.num_thresholds = int(num_thresholds)
        self.class_id = class_id
        # Keras' grid: 0, 1/(n-1), ..., 1 (a single threshold is 0.5).
        self.thresholds = np.array([0.5]) if num_thresholds == 1 else np.linspace(0.0, 1.0, num_thresholds)
        self.reset_state()

    def reset_state(self) -> None:
        n = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(n), np.zeros(n)
        self.true_negatives, self.false_negatives = np.zeros(n), np.zeros(n)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        labels, scores, weights = prepare(y_true, y_pred, sample_weight, type(self).__name__,
                                          class_id=self.class_id)
        # Every column is one more set of decisions (Keras' micro view): flatten to one column.
        tp, fp, tn, fn = counts_at_thresholds(labels.reshape(-1, 1), scores.reshape(-1, 1),
                                              weights.reshape(-1, 1), self.thresholds)
        self.true_positives += tp[:, 0]
        self.false_positives += fp[:, 0]
        self.true_negatives += tn[:, 0]
        self.false_negatives += fn[:, 0]

    def _rates(self) -> dict[str, np.ndarray]:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        return {"recall": recall, "sensitivity": recall, "precision": _divide_no_nan(tp, tp + fp),
                "specificity": _divide_no_nan(tn, tn + fp)}

    _reported = "recall"

    def result(self) -> float:
        rates = self._rates()
        feasible = rates[self._floor_name] >= self.value
        return float(np.max(np.where(feasible, rates[self._reported], 0.0), initial=0.0))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._floor_name: self.value}


class SensitivityAtSpecificity(_RateAtRate):
    """Best sensitivity (recall) among thresholds whose specificity is at least ``specificity``."""

    _floor_name, _reported = "specificity", "sensitivity"

    def __init__(self, specificity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """Best specificity among thresholds whose sensitivity (recall) is at least ``sensitivity``."""

    _floor_name, _reported = "sensitivity", "specificity"

    def __init__(self, sensitivity: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_RateAtRate):
    """Best precision among thresholds whose recall is at least ``recall``."""

    _floor_name, _reported = "recall", "precision"

    def __init__(self, recall: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_RateAtRate):
    """Best recall among thresholds whose precision is at least ``precision``."""

    _floor_name, _reported = "precision", "recall"

    def __init__(self, precision: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name, dtype)
