"""Probabilistic losses: cross-entropies, Kullback-Leibler divergence and Poisson.

Cross-entropies on probabilities clip them to [eps, 1 - eps] as Keras does;
when the probabilities come straight from a ``softmax``/``sigmoid`` op, the
loss uses that op's logits instead (:func:`glassnet.engine.ops.nn.logits_of`
says why): the same value without clipping, and the clean gradient
softmax(z) - y.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import xp
from ..engine.ops import math as m
from ..engine.ops import nn
from ..engine.tensor import Tensor, as_tensor
from .base import class_labels, loss_class, targets
from .equations import states


@states("L = -1/K sum_k [y_k log y_hat_k + (1 - y_k) log(1 - y_hat_k)]",
        r"L = -\frac{1}{K} \sum_k \left[y_k \log \hat y_k + (1 - y_k) \log(1 - \hat y_k)\right]",
        "dL/dy_hat = (y_hat - y) / (K y_hat (1 - y_hat))", r"\frac{\partial L}{\partial \hat y} = \frac{\hat y - y}{K \hat y (1 - \hat y)}",
        logits={"sigmoid": ("dL/dz = (y_hat - y) / K", r"\frac{\partial L}{\partial z} = \frac{1}{K} (\hat y - y)")})
def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """BCE = -mean(y log p + (1 - y) log(1 - p)) over the last axis, per sample.

    Label smoothing ls replaces y with y (1 - ls) + 0.5 ls.
    """
    y_true, y_pred = targets(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + 0.5 * label_smoothing
    logits = y_pred if from_logits else nn.logits_of(y_pred, "sigmoid")
    if logits is not None:
        return nn.sigmoid_cross_entropy(logits, y_true).mean(axis=axis)
    eps = backend.epsilon()
    p = m.clip(y_pred, eps, 1 - eps)
    return -(y_true * m.log(p) + (1 - y_true) * m.log(1 - p)).mean(axis=axis)


@states("L = -sum_k y_k log y_hat_k", r"L = -\sum_k y_k \log \hat y_k",
        "dL/dy_hat_k = -y_k / y_hat_k", r"\frac{\partial L}{\partial \hat y_k} = -\frac{y_k}{\hat y_k}",
        logits={"softmax": ("dL/dz = y_hat - y", r"\frac{\partial L}{\partial z} = \hat y - y")})
def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """CCE = -sum_i y_i log p_i per sample, with one-hot (or probability) labels.

    Label smoothing ls replaces y with y (1 - ls) + ls / num_classes.
    """
    y_true, y_pred = targets(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.ndim == y_pred.ndim - 1 or (y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1):
            hint = (" These look like integer class labels: use loss='sparse_categorical_crossentropy', "
                    "or one-hot encode them with keras.utils.to_categorical.")
        raise ValueError(
            f"categorical_crossentropy expects one-hot labels shaped like the predictions {y_pred.shape}, "
            f"but the labels have shape {y_true.shape}.{hint}"
        )
    if label_smoothing:
        y_true = y_true * (1 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    logits = y_pred if from_logits else nn.logits_of(y_pred, "softmax")
    if logits is not None:
        return nn.softmax_cross_entropy(logits, y_true, axis=axis)
    return -(y_true * m.log(_class_probabilities(y_pred, axis))).sum(axis=axis)


@states("L = -log y_hat[y]   (y: the class index)", r"L = -\log \hat y_{y}",
        "dL/dy_hat_k = -1 / y_hat_k for k = y, else 0",
        r"\frac{\partial L}{\partial \hat y_k} = -\frac{\mathbb{1}[k = y]}{\hat y_k}",
        logits={"softmax": ("dL/dz = y_hat - onehot(y)",
                            r"\frac{\partial L}{\partial z} = \hat y - \operatorname{onehot}(y)")}, sparse=True)
def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """-log p[label] per sample, with integer labels (shape (batch,) or (batch, 1)).

    Labels equal to ``ignore_class`` give a loss of 0 (and the reduction leaves them out of the mean).
    """
    y_pred = as_tensor(y_pred)
    labels = class_labels(y_true, y_pred.ndim - 1)
    if labels.shape != y_pred.shape[:-1]:
        hint = ""
        if labels.shape == y_pred.shape:
            hint = (" These look like one-hot labels: use loss='categorical_crossentropy', or pass the "
                    "class indices (y.argmax(axis=-1)).")
        raise ValueError(
            f"sparse_categorical_crossentropy expects integer labels of shape {y_pred.shape[:-1]} "
            f"(one class index per sample) for predictions of shape {y_pred.shape}, but the labels have "
            f"shape {labels.shape}.{hint}"
        )
    if y_pred.ndim >= 2 and y_pred.shape[-1] == 1:
        # One unit cannot hold a probability per class (fit() says so too, naming the layer).
        raise ValueError(
            f"sparse_categorical_crossentropy needs one prediction per class, but the predictions have shape "
            f"{y_pred.shape} (1 unit): use Dense(C, activation='softmax') for C classes, or for two classes "
            "activation='sigmoid' with binary_crossentropy"
        )
    if labels.dtype.kind == "f":
        if not xp.all(xp.isfinite(labels)) or not xp.all(labels == xp.round(labels)):
            raise ValueError("sparse_categorical_crossentropy: labels must be whole numbers (class indices)")
    labels = labels.astype(xp.intp)
    keep = None
    if ignore_class is not None:
        keep = labels != ignore_class
        labels = xp.where(keep, labels, 0)  # any valid index; the loss there is zeroed below
    logits = y_pred if from_logits else nn.logits_of(y_pred, "softmax")
    if logits is not None:
        loss = nn.sparse_softmax_cross_entropy(logits, labels, None if from_logits else y_pred)
    else:
        onehot = xp.zeros(y_pred.shape, dtype=y_pred.dtype)
        xp.put_along_axis(onehot, labels[..., None], 1, axis=-1)
        loss = -(Tensor(onehot) * m.log(_class_probabilities(y_pred, -1))).sum(axis=-1)
    if keep is not None:
        loss = loss * Tensor(keep.astype(loss.dtype))
    return loss


def _class_probabilities(y_pred: Tensor, axis: int) -> Tensor:
    """p = y_hat / sum(y_hat) clipped to [eps, 1 - eps]: Keras renormalises, then clips before the log."""
    eps = backend.epsilon()
    return m.clip(y_pred / y_pred.sum(axis=axis, keepdims=True), eps, 1 - eps)


@states("L = sum_k y_k log(y_k / y_hat_k)", r"L = \sum_k y_k \log \frac{y_k}{\hat y_k}",
        "dL/dy_hat = -y / y_hat", r"\frac{\partial L}{\partial \hat y} = -\frac{y}{\hat y}")
def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """KL(y || y_hat) = sum y log(y / y_hat) per sample, both clipped to [eps, 1]."""
    y_true, y_pred = targets(y_true, y_pred, "kl_divergence")
    eps = backend.epsilon()
    y, p = m.clip(y_true, eps, 1), m.clip(y_pred, eps, 1)
    return (y * (m.log(y) - m.log(p))).sum(axis=-1)


@states("L = 1/K sum_k (y_hat_k - y_k log(y_hat_k + eps))",
        r"L = \frac{1}{K} \sum_k (\hat y_k - y_k \log(\hat y_k + \epsilon))",
        "dL/dy_hat = (1 - y / (y_hat + eps)) / K", r"\frac{\partial L}{\partial \hat y} = \frac{1}{K} \left(1 - \frac{y}{\hat y + \epsilon}\right)")
def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """mean(y_hat - y log(y_hat + eps)) per sample: the Poisson negative log-likelihood, less a constant."""
    y_true, y_pred = targets(y_true, y_pred, "poisson")
    return (y_pred - y_true * m.log(y_pred + backend.epsilon())).mean(axis=-1)


BinaryCrossentropy = loss_class(
    "BinaryCrossentropy", binary_crossentropy, "Binary cross-entropy (stable; ``from_logits`` supported).",
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "Cross-entropy with one-hot labels.",
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "Cross-entropy with integer labels.",
    from_logits=False, ignore_class=None)
KLDivergence = loss_class("KLDivergence", kl_divergence, "Kullback-Leibler divergence.")
Poisson = loss_class("Poisson", poisson, "Poisson loss.")
