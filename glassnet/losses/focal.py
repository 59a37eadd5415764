"""Cross-entropies that down-weight easy examples: focal losses and the generalized cross-entropy.

The focal loss (Lin et al., 2017) multiplies each cross-entropy term by (1 - p_t)^gamma, where p_t is
the probability given to the true outcome: confident, correct predictions (p_t near 1) then cost
almost nothing, and training concentrates on the hard ones.  The generalized cross-entropy
(Zhang and Sabuncu, 2018) interpolates between cross-entropy (q -> 0) and mean absolute error (q = 1),
which makes it robust to noisy labels.  All follow Keras 3's formulas, clipping included.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import backend
from ..backend import xp
from ..engine.ops import math as m
from ..engine.ops import nn
from ..engine.tensor import Tensor, as_tensor
from .base import class_labels, loss_class, targets
from .equations import states


@states("L = 1/K sum_k (1 - p_t,k)^gamma BCE_k,  p_t = y y_hat + (1 - y)(1 - y_hat)",
        r"L = \frac{1}{K} \sum_k (1 - p_{t,k})^\gamma \, \mathrm{BCE}_k",
        "dL/dy_hat = [(1 - p_t)^gamma dBCE/dy_hat - gamma (1 - p_t)^(gamma-1) (2y - 1) BCE] / K",
        r"\frac{\partial L}{\partial \hat y} = \frac{1}{K}\left[(1 - p_t)^\gamma \frac{\partial \mathrm{BCE}}"
        r"{\partial \hat y} - \gamma (1 - p_t)^{\gamma - 1} (2y - 1)\,\mathrm{BCE}\right]")
def binary_focal_crossentropy(y_true: Any, y_pred: Any, apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                              axis: int = -1) -> Tensor:
    """Binary cross-entropy scaled by the focal factor (1 - p_t)^gamma, averaged over ``axis``.

    With ``apply_class_balancing`` each term is also weighted by alpha (positives) or 1 - alpha
    (negatives).  Label smoothing ls replaces y with y (1 - ls) + 0.5 ls, as in Keras.
    """
    y_true, y_pred = targets(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + 0.5 * label_smoothing
    p = nn.sigmoid(y_pred) if from_logits else y_pred
    eps = backend.epsilon()
    clipped = m.clip(p, eps, 1 - eps)  # Keras clips inside the cross-entropy only, not in p_t
    bce = -(y_true * m.log(clipped) + (1 - y_true) * m.log(1 - clipped))
    p_t = y_true * p + (1 - y_true) * (1 - p)
    focal = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return focal.mean(axis=axis)


@states("L = -sum_k alpha (1 - p_k)^gamma y_k log p_k,  p = y_hat / sum(y_hat)",
        r"L = -\sum_k \alpha (1 - p_k)^\gamma \, y_k \log p_k",
        "dL/dp_k = alpha y_k (1 - p_k)^(gamma-1) [gamma log p_k - (1 - p_k) / p_k]",
        r"\frac{\partial L}{\partial p_k} = \alpha y_k (1 - p_k)^{\gamma - 1}"
        r"\left[\gamma \log p_k - \frac{1 - p_k}{p_k}\right]")
def categorical_focal_crossentropy(y_true: Any, y_pred: Any, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1) -> Tensor:
    """Categorical cross-entropy with each class term scaled by alpha (1 - p_k)^gamma, summed over ``axis``.

    One-hot (or probability) labels; label smoothing ls replaces y with y (1 - ls) + ls / num_classes.
    """
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, got {axis!r}")
    y_true, y_pred = targets(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_focal_crossentropy expects one-hot labels shaped like the predictions "
                         f"{y_pred.shape}, but the labels have shape {y_true.shape}")
    if y_pred.shape[-1] == 1:
        warnings.warn(f"categorical_focal_crossentropy expects y_pred of shape (batch, num_classes) with "
                      f"num_classes > 1, got {y_pred.shape}; use binary_focal_crossentropy for 2 classes",
                      SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = nn.softmax(y_pred, axis=axis)
    eps = backend.epsilon()
    p = m.clip(y_pred / y_pred.sum(axis=axis, keepdims=True), eps, 1 - eps)  # renormalise, then clip
    return (alpha * (1 - p) ** gamma * -(y_true * m.log(p))).sum(axis=axis)


@states("L = (1 - y_hat[y]^q) / q   (y: the class index)", r"L = \frac{1 - \hat y_{y}^{\,q}}{q}",
        "dL/dy_hat_k = -y_hat_k^(q-1) for k = y, else 0",
        r"\frac{\partial L}{\partial \hat y_k} = -\mathbb{1}[k = y]\, \hat y_k^{\,q - 1}", sparse=True)
def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float = 0.5) -> Tensor:
    """(1 - p_y^q) / q per sample, with integer class labels y and probabilities y_hat.

    q -> 0 recovers the cross-entropy -log p_y; q = 1 is the mean absolute error 1 - p_y.
    """
    y_pred = as_tensor(y_pred)
    labels = class_labels(y_true, y_pred.ndim - 1)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"categorical_generalized_cross_entropy expects integer labels of shape "
                         f"{y_pred.shape[:-1]} for predictions of shape {y_pred.shape}, got labels of shape "
                         f"{labels.shape}")
    onehot = xp.zeros(y_pred.shape, dtype=y_pred.dtype)
    xp.put_along_axis(onehot, labels.astype(xp.intp)[..., None], 1, axis=-1)
    p = (y_pred * Tensor(onehot)).sum(axis=-1)
    return (1 - p**q) / q


BinaryFocalCrossentropy = loss_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "Binary focal cross-entropy (Lin et al., 2017).",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = loss_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy, "Categorical focal cross-entropy.",
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
_GeneralizedCrossEntropy = loss_class(
    "CategoricalGeneralizedCrossEntropy", categorical_generalized_cross_entropy,
    "Generalized cross-entropy for noisy integer labels (Zhang and Sabuncu, 2018).", q=0.5)


class CategoricalGeneralizedCrossEntropy(_GeneralizedCrossEntropy):  # type: ignore[misc, valid-type]
    """Generalized cross-entropy for noisy integer labels (Zhang and Sabuncu, 2018), 0 < q < 1."""

    __module__ = "glassnet.losses"

    def __init__(self, q: float = 0.5, reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_generalized_cross_entropy", dtype: Any = None) -> None:
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1), got {q}")
        super().__init__(q=q, reduction=reduction, name=name, dtype=dtype)
