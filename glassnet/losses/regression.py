"""Regression losses: how far a predicted number y_hat is from the true y.

Each function returns one value per sample (the mean over the last axis unless
said otherwise); the :class:`~glassnet.losses.base.Loss` objects weight and
reduce those values.
"""

from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..engine.ops import math as m
from ..engine.ops import nn
from ..engine.tensor import Tensor
from .base import loss_class, targets
from .equations import states


@states("L = 1/K sum_k (y_hat_k - y_k)^2", r"L = \frac{1}{K} \sum_k (\hat y_k - y_k)^2",
        "dL/dy_hat = 2 (y_hat - y) / K", r"\frac{\partial L}{\partial \hat y} = \frac{2}{K} (\hat y - y)")
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """MSE = mean((y_hat - y)^2) over the last axis, per sample."""
    y_true, y_pred = targets(y_true, y_pred, "mean_squared_error")
    return ((y_pred - y_true) ** 2).mean(axis=-1)


@states("L = 1/K sum_k |y_hat_k - y_k|", r"L = \frac{1}{K} \sum_k |\hat y_k - y_k|",
        "dL/dy_hat = sign(y_hat - y) / K", r"\frac{\partial L}{\partial \hat y} = \frac{1}{K} \operatorname{sign}(\hat y - y)")
def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """MAE = mean(|y_hat - y|) over the last axis, per sample."""
    y_true, y_pred = targets(y_true, y_pred, "mean_absolute_error")
    return abs(y_pred - y_true).mean(axis=-1)


@states("L = 100/K sum_k |y_k - y_hat_k| / max(|y_k|, eps)",
        r"L = \frac{100}{K} \sum_k \frac{|y_k - \hat y_k|}{\max(|y_k|, \epsilon)}",
        "dL/dy_hat = 100 sign(y_hat - y) / (K max(|y|, eps))",
        r"\frac{\partial L}{\partial \hat y} = \frac{100 \operatorname{sign}(\hat y - y)}{K \max(|y|, \epsilon)}")
def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """MAPE = 100 * mean(|y - y_hat| / max(|y|, eps)) per sample."""
    y_true, y_pred = targets(y_true, y_pred, "mean_absolute_percentage_error")
    # eps keeps a true value of 0 from dividing by zero, as in Keras.
    return 100.0 * (abs(y_true - y_pred) / m.maximum(abs(y_true), backend.epsilon())).mean(axis=-1)


@states("L = 1/K sum_k (log(1 + y_hat_k) - log(1 + y_k))^2",
        r"L = \frac{1}{K} \sum_k (\log(1 + \hat y_k) - \log(1 + y_k))^2",
        "dL/dy_hat = 2 (log(1 + y_hat) - log(1 + y)) / (K (1 + y_hat))",
        r"\frac{\partial L}{\partial \hat y} = \frac{2 (\log(1 + \hat y) - \log(1 + y))}{K (1 + \hat y)}")
def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """MSLE = mean((log(1 + y_hat) - log(1 + y))^2) per sample, both floored at eps."""
    y_true, y_pred = targets(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = backend.epsilon()
    return ((m.log1p(m.maximum(y_pred, eps)) - m.log1p(m.maximum(y_true, eps))) ** 2).mean(axis=-1)


@states("L = 1/K sum_k (0.5 e_k^2 if |e_k| <= delta else delta (|e_k| - 0.5 delta)), e = y_hat - y",
        r"L = \frac{1}{K} \sum_k \begin{cases} \frac{1}{2} e_k^2 & |e_k| \le \delta \\ \delta (|e_k| - \frac{1}{2}\delta) "
        r"& \text{else} \end{cases}",
        "dL/dy_hat = clip(e, -delta, delta) / K", r"\frac{\partial L}{\partial \hat y} = \frac{1}{K} \operatorname{clip}(e, -\delta, \delta)")
def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for small errors, linear for large ones, per sample.

    With e = y_hat - y:  L = mean(0.5 e^2)  where |e| <= delta,  mean(delta (|e| - 0.5 delta))  beyond.
    Written branch-free as 0.5 q^2 + delta (|e| - q) with q = min(|e|, delta).
    """
    y_true, y_pred = targets(y_true, y_pred, "huber")
    error = abs(y_pred - y_true)
    quadratic = m.minimum(error, delta)  # the part of |e| inside the quadratic zone
    return (0.5 * quadratic**2 + delta * (error - quadratic)).mean(axis=-1)


@states("L = 1/K sum_k log cosh(y_hat_k - y_k)", r"L = \frac{1}{K} \sum_k \log \cosh(\hat y_k - y_k)",
        "dL/dy_hat = tanh(y_hat - y) / K", r"\frac{\partial L}{\partial \hat y} = \frac{1}{K} \tanh(\hat y - y)")
def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """mean(log cosh(y_hat - y)) per sample.

    Computed as log cosh x = x + softplus(-2x) - log 2, since cosh x overflows for |x| > ~89 in float32.
    """
    y_true, y_pred = targets(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return (x + nn.softplus(-2.0 * x) - math.log(2.0)).mean(axis=-1)


@states("L = -sum_k (y_k / ||y||) (y_hat_k / ||y_hat||) = -cos(y, y_hat)",
        r"L = -\frac{y \cdot \hat y}{\|y\| \|\hat y\|}",
        "dL/dy_hat = -(y / ||y|| + L y_hat / ||y_hat||) / ||y_hat||",
        r"\frac{\partial L}{\partial \hat y} = -\frac{1}{\|\hat y\|} \left(\frac{y}{\|y\|} + L \frac{\hat y}{\|\hat y\|}\right)")
def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """-cos(y, y_hat) = -sum(y / ||y|| * y_hat / ||y_hat||) along ``axis``, as Keras' loss.

    Negated so that minimising it aligns the vectors; the norms are floored at 1e-6 (squared: 1e-12).
    """
    y_true, y_pred = targets(y_true, y_pred, "cosine_similarity")

    def unit(v: Tensor) -> Tensor:
        return v / m.sqrt(m.maximum((v**2).sum(axis=axis, keepdims=True), 1e-12))

    return -(unit(y_true) * unit(y_pred)).sum(axis=axis)


MeanSquaredError = loss_class("MeanSquaredError", mean_squared_error, "Mean of squared errors.")
MeanAbsoluteError = loss_class("MeanAbsoluteError", mean_absolute_error, "Mean of absolute errors.")
MeanAbsolutePercentageError = loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                         "Mean absolute percentage error.")
MeanSquaredLogarithmicError = loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                         "Mean squared error of log(1 + x).")
Huber = loss_class("Huber", huber, "Huber loss (quadratic then linear beyond ``delta``).", delta=1.0)
LogCosh = loss_class("LogCosh", log_cosh, "Mean of log(cosh(error)).")
CosineSimilarity = loss_class("CosineSimilarity", cosine_similarity, "Negative cosine similarity.", axis=-1)
