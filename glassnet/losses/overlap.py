"""Overlap losses for segmentation: Dice and Tversky.

Both compare a soft prediction mask y_hat with the true mask y through their overlap
I = sum y y_hat, summed over ``axis`` (``None``: over everything, one value for the batch).
Dice is 1 - 2I / (sum y + sum y_hat); Tversky weighs the two kinds of error separately,
alpha on false positives (predicted where y = 0) and beta on false negatives.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..engine.tensor import Tensor
from .base import loss_class, targets
from .equations import states


@states("L = 1 - 2 sum y y_hat / (sum y + sum y_hat + eps)   (sums over axis)",
        r"L = 1 - \frac{2 \sum y \hat y}{\sum y + \sum \hat y + \epsilon}",
        "dL/dy_hat = -(2 y D - 2 I) / D^2,  I = sum y y_hat, D = sum y + sum y_hat + eps",
        r"\frac{\partial L}{\partial \hat y} = -\frac{2 y D - 2 I}{D^2}")
def dice(y_true: Any, y_pred: Any, axis: Any = None) -> Tensor:
    """1 - Dice coefficient, the overlap 2|Y n Y_hat| / (|Y| + |Y_hat|) of soft masks, along ``axis``."""
    y_true, y_pred = targets(y_true, y_pred, "dice")
    intersection = (y_true * y_pred).sum(axis=_axis(axis))
    total = y_true.sum(axis=_axis(axis)) + y_pred.sum(axis=_axis(axis))
    return 1 - 2.0 * intersection / (total + backend.epsilon())


@states("L = 1 - I / (I + alpha FP + beta FN + eps),  I = sum y y_hat, FP = sum y (1 - y_hat), "
        "FN = sum (1 - y) y_hat",
        r"L = 1 - \frac{I}{I + \alpha\,FP + \beta\,FN + \epsilon}",
        "dL/dy_hat = -(y D - I (y - alpha y + beta (1 - y))) / D^2,  D = I + alpha FP + beta FN + eps",
        r"\frac{\partial L}{\partial \hat y} = -\frac{y D - I\,(y - \alpha y + \beta (1 - y))}{D^2}")
def tversky(y_true: Any, y_pred: Any, alpha: float = 0.5, beta: float = 0.5, axis: Any = None) -> Tensor:
    """1 - Tversky index along ``axis``; alpha = beta = 0.5 gives the Dice loss.

    As in Keras, ``alpha`` weighs sum y (1 - y_hat) and ``beta`` weighs sum (1 - y) y_hat.
    """
    y_true, y_pred = targets(y_true, y_pred, "tversky")
    ax = _axis(axis)
    intersection = (y_true * y_pred).sum(axis=ax)
    fp = ((1 - y_pred) * y_true).sum(axis=ax)
    fn = (y_pred * (1 - y_true)).sum(axis=ax)
    return 1 - intersection / (intersection + alpha * fp + beta * fn + backend.epsilon())


def _axis(axis: Any) -> Any:
    """Keras gives ``axis`` as an int, a tuple or a list (from a JSON config): sums want an int or tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


Dice = loss_class("Dice", dice, "Dice loss, 1 - Dice coefficient of soft masks.", axis=None)
Tversky = loss_class("Tversky", tversky, "Tversky loss: Dice with separate weights on the two errors.",
                     alpha=0.5, beta=0.5, axis=None)
