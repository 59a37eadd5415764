"""Coefficient of determination R^2 as a stateful metric (Keras ``R2Score``).

Per output column, accumulated over batches with sample weights w::

    SS_res = sum w (y - y_hat)^2          SS_tot = sum w (y - mean_w(y))^2
    R^2 = 1 - SS_res / SS_tot

SS_tot is rebuilt at the end from the running sums of w*y and w*y^2, so the
mean of y over the whole epoch is used, not each batch's mean.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import Metric, to_host


class R2Score(Metric):
    """R^2 over every batch seen: 1 is perfect, 0 predicts the mean, negative is worse than the mean.

    Parameters
    ----------
    class_aggregation : {'uniform_average', 'variance_weighted_average', None}
        How the scores of several outputs are combined (None: one per output).
    num_regressors : int
        Number of input features; non-zero gives the adjusted R^2.
    """

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in ("uniform_average", "variance_weighted_average", None):
            raise ValueError(f"R2Score: invalid class_aggregation {class_aggregation!r}; expected one of "
                             f"'uniform_average', 'variance_weighted_average', None")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.reset_state()

    def reset_state(self) -> None:
        self.sum = self.squared_sum = self.total_mse = self.count = None
        self.num_samples = 0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t = to_host(y_true).astype(np.float64)
        p = to_host(y_pred).astype(np.float64)
        if t.ndim == 1:
            t = t[:, None]
        if p.ndim == 1:
            p = p[:, None]
        if t.shape != p.shape or t.ndim != 2:
            raise ValueError(f"R2Score expects 2D inputs of the same shape (batch_size, output_dim); got y_true "
                             f"{t.shape} and y_pred {p.shape}")
        w = np.ones_like(t) if sample_weight is None else np.broadcast_to(
            to_host(sample_weight).astype(np.float64).reshape(len(t), -1), t.shape)
        parts = ((w * t).sum(axis=0), (w * t * t).sum(axis=0), (w * (t - p) ** 2).sum(axis=0), w.sum(axis=0))
        if self.sum is None:
            self.sum, self.squared_sum, self.total_mse, self.count = parts
        else:
            if parts[0].shape != self.sum.shape:
                raise ValueError(f"R2Score: y has {t.shape[1]} outputs but earlier batches had {self.sum.shape[0]}")
            self.sum = self.sum + parts[0]
            self.squared_sum = self.squared_sum + parts[1]
            self.total_mse = self.total_mse + parts[2]
            self.count = self.count + parts[3]
        self.num_samples += len(t)

    def result(self) -> Any:
        if self.sum is None:
            return 0.0
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = 1.0 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2: Any = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            r2 = float(np.sum(total * raw) / np.sum(total))
        else:
            r2 = raw
        if self.num_regressors:
            n, k = self.num_samples, self.num_regressors
            if k >= n - 1:
                warnings.warn(f"R2Score: more independent predictors ({k}) than datapoints ({n}) allow; adjusted "
                              f"R2 not computed", UserWarning, stacklevel=2)
            else:
                r2 = 1 - (1 - r2) * (n - 1) / (n - k - 1)
        return r2

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
