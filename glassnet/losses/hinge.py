"""Hinge losses: the margin losses of support vector machines.

A prediction y_hat for a label y in {-1, 1} costs nothing once y y_hat >= 1
(right side, with a margin of 1), and grows linearly (``hinge``) or
quadratically (``squared_hinge``) the further it falls short.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..engine.ops import math as m
from ..engine.tensor import Tensor
from .base import loss_class, targets
from .equations import states


def _signed(y_true: Tensor) -> Tensor:
    """Labels in {-1, 1}; 0/1 labels are mapped to -1/1 first, as Keras does."""
    t = y_true.data
    return Tensor(2 * t - 1) if xp.all((t == 0) | (t == 1)) else y_true


@states("L = 1/K sum_k max(1 - y_k y_hat_k, 0), y in {-1, 1}", r"L = \frac{1}{K} \sum_k \max(1 - y_k \hat y_k, 0)",
        "dL/dy_hat = -y / K where y y_hat < 1, else 0", r"\frac{\partial L}{\partial \hat y} = -\frac{y}{K} \mathbb{1}[y \hat y < 1]")
def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y y_hat, 0)) per sample, with labels y in {-1, 1}."""
    y_true, y_pred = targets(y_true, y_pred, "hinge")
    return m.maximum(1.0 - _signed(y_true) * y_pred, 0.0).mean(axis=-1)


@states("L = 1/K sum_k max(1 - y_k y_hat_k, 0)^2, y in {-1, 1}",
        r"L = \frac{1}{K} \sum_k \max(1 - y_k \hat y_k, 0)^2",
        "dL/dy_hat = -2 y max(1 - y y_hat, 0) / K", r"\frac{\partial L}{\partial \hat y} = -\frac{2y}{K} \max(1 - y \hat y, 0)")
def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y y_hat, 0)^2) per sample, with labels y in {-1, 1}."""
    y_true, y_pred = targets(y_true, y_pred, "squared_hinge")
    return (m.maximum(1.0 - _signed(y_true) * y_pred, 0.0) ** 2).mean(axis=-1)


@states("L = max(0, 1 + max_(k wrong) y_hat_k - y_hat_true)",
        r"L = \max(0, 1 + \max_{k \ne t} \hat y_k - \hat y_t)",
        "dL/dy_hat = +1 at the best wrong class, -1 at the true class, when L > 0",
        r"\frac{\partial L}{\partial \hat y} = \mathbb{1}[L > 0] (e_{\text{best wrong}} - e_t)")
def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """max(0, 1 + max_{i wrong} y_hat_i - y_hat_true) per sample, with one-hot labels."""
    y_true, y_pred = targets(y_true, y_pred, "categorical_hinge")
    true_score = (y_true * y_pred).sum(axis=-1)
    best_wrong_score = ((1 - y_true) * y_pred).max(axis=-1)
    return m.maximum(best_wrong_score - true_score + 1.0, 0.0)


Hinge = loss_class("Hinge", hinge, "Hinge loss for labels in {-1, 1}.")
SquaredHinge = loss_class("SquaredHinge", squared_hinge, "Squared hinge loss for labels in {-1, 1}.")
CategoricalHinge = loss_class("CategoricalHinge", categorical_hinge, "Hinge loss for one-hot labels.")
