"""Loss functions with Keras' names, arguments and reduction semantics.

A loss object ``loss(y_true, y_pred, sample_weight=None)`` computes one value
per sample (``call``), multiplies by the sample weights, then reduces:
``"sum_over_batch_size"`` (default) is sum(weighted losses) / number of
losses, ``"sum"`` the plain sum, ``None``/``"none"`` no reduction.

Cross-entropies on probabilities clip them to [eps, 1 - eps] as Keras does;
when the probabilities come straight from a ``softmax``/``sigmoid`` op, the
loss uses that op's logits instead: the same value without clipping, and the
clean gradient softmax(z) - y.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import backend
from .backend import xp
from .engine.ops import math as m
from .engine.ops import nn
from .engine.tensor import Tensor, as_tensor
from .registry import Registry

_REGISTRY = Registry("loss")

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


class Loss:
    """Base class of losses.

    Parameters
    ----------
    reduction : str or None
        ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"`` or ``None``/``"none"``.
    name : str, optional
        Shown in logs.
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"Invalid reduction {reduction!r}; expected one of {REDUCTIONS}")
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """Per-sample losses (one value per sample, or per sample and time step)."""
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = as_tensor(y_pred)
        y_true = _as_target(y_true, y_pred)
        values = self.call(y_true, y_pred)
        return reduce_weighted(values, sample_weight, self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)


def reduce_weighted(values: Tensor, sample_weight: Any, reduction: str | None, mask: Any = None) -> Tensor:
    """Weight per-sample losses and reduce them as Keras does (weights do not renormalise).

    ``"sum_over_batch_size"``/``"mean"`` divide the weighted sum by the number of loss values,
    ``"mean_with_sample_weight"`` by the sum of the sample weights.  A boolean ``mask`` (entries
    of ``ignore_class``) makes the means count only the valid entries, as Keras' masked losses do.
    """
    sw = None
    if sample_weight is not None:
        sw = xp.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight,
                        dtype=values.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:
            sw = sw[..., 0]
        while sw.ndim < values.ndim:
            sw = sw[..., None]
        values = m.multiply(values, Tensor(sw))
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return m.sum(values)
    if reduction == "mean_with_sample_weight" and sw is not None:
        total = float(sw.sum())
        return m.divide(m.sum(values), total) if total else m.multiply(m.sum(values), 0.0)
    if mask is not None:
        valid = int(xp.count_nonzero(mask))
        return m.divide(m.sum(values), float(valid)) if valid else m.multiply(m.sum(values), 0.0)
    return m.mean(values)


def _snake(name: str) -> str:
    from .layers.base import snake_case

    return snake_case(name)


def _as_target(y_true: Any, y_pred: Tensor) -> Tensor:
    """Labels as a constant tensor of the prediction's float type."""
    data = y_true.data if isinstance(y_true, Tensor) else xp.asarray(y_true)
    if data.dtype != y_pred.dtype:
        data = data.astype(y_pred.dtype)
    return Tensor(data)


def _match_rank(y_true: Tensor, y_pred: Tensor, loss_name: str) -> Tensor:
    """Add or drop a trailing axis of 1 so labels line up with predictions (Keras squeezes too)."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = m.reshape(y_true, y_true.shape + (1,))
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = m.reshape(y_true, y_true.shape[:-1])
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{loss_name}: labels of shape {y_true.shape} do not match predictions of shape "
            f"{y_pred.shape}"
        )
    return y_true


# --- regression losses -------------------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((y - y_hat)^2) over the last axis, per sample."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "mean_squared_error")
    return m.mean(m.square(m.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean(|y - y_hat|) over the last axis, per sample."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "mean_absolute_error")
    return m.mean(m.abs(m.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """100 * mean(|y - y_hat| / max(|y|, eps)) per sample."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "mean_absolute_percentage_error")
    denom = Tensor(xp.maximum(xp.abs(y_true.data), backend.epsilon()))
    return m.multiply(m.mean(m.divide(m.abs(m.subtract(y_true, y_pred)), denom), axis=-1), 100.0)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Quadratic for |error| <= delta, linear beyond: 0.5 e^2 or delta (|e| - 0.5 delta)."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "huber")
    err = m.abs(m.subtract(y_pred, y_true))
    quad = m.minimum(err, delta)
    lin = m.subtract(err, quad)
    return m.mean(m.add(m.multiply(m.square(quad), 0.5), m.multiply(lin, delta)), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """mean(log cosh(y_hat - y)), computed as x + softplus(-2x) - log 2."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "log_cosh")
    x = m.subtract(y_pred, y_true)
    return m.mean(m.subtract(m.add(x, nn.softplus(m.multiply(x, -2.0))), float(xp.log(2.0))), axis=-1)


# --- classification losses ---------------------------------------------------------------------
def _logits_of(y_pred: Tensor, kind: str) -> Tensor | None:
    source = getattr(y_pred, "_keras_logits", None)
    return source[1] if source is not None and source[0] == kind else None


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """-mean(y log p + (1 - y) log(1 - p)) over the last axis, per sample.

    Smoothing replaces y with y (1 - ls) + 0.5 ls.
    """
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = Tensor(y_true.data * (1 - label_smoothing) + 0.5 * label_smoothing)
    logits = y_pred if from_logits else _logits_of(y_pred, "sigmoid")
    if logits is not None:
        return m.mean(nn.sigmoid_cross_entropy(logits, y_true), axis=axis)
    eps = backend.epsilon()
    p = m.clip(y_pred, eps, 1 - eps)
    terms = m.add(m.multiply(y_true, m.log(p)), m.multiply(m.subtract(1.0, y_true), m.log(m.subtract(1.0, p))))
    return m.negative(m.mean(terms, axis=axis))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """-sum_i y_i log p_i per sample, with one-hot (or probability) labels.

    Smoothing replaces y with y (1 - ls) + ls / num_classes.
    """
    y_pred = as_tensor(y_pred)
    y_true = _as_target(y_true, y_pred)
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
        classes = y_pred.shape[axis]
        y_true = Tensor(y_true.data * (1 - label_smoothing) + label_smoothing / classes)
    logits = y_pred if from_logits else _logits_of(y_pred, "softmax")
    if logits is not None:
        return nn.softmax_cross_entropy(logits, y_true, axis=axis)
    eps = backend.epsilon()
    # As Keras: renormalise the probabilities, clip them, then take the log.
    p = m.divide(y_pred, m.sum(y_pred, axis=axis, keepdims=True))
    p = m.clip(p, eps, 1 - eps)
    return m.negative(m.sum(m.multiply(y_true, m.log(p)), axis=axis))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """-log p[label] per sample, with integer labels (shape (batch,) or (batch, 1))."""
    y_pred = as_tensor(y_pred)
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
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
        labels = xp.where(keep, labels, 0)
    logits = y_pred if from_logits else _logits_of(y_pred, "softmax")
    if logits is not None:
        out = nn.sparse_softmax_cross_entropy(logits, labels)
    else:
        eps = backend.epsilon()
        p = m.divide(y_pred, m.sum(y_pred, axis=-1, keepdims=True))
        p = m.clip(p, eps, 1 - eps)
        onehot = xp.zeros(y_pred.shape, dtype=y_pred.dtype)
        xp.put_along_axis(onehot, labels[..., None], 1, axis=-1)
        out = m.negative(m.sum(m.multiply(Tensor(onehot), m.log(p)), axis=-1))
    if keep is not None:
        out = m.multiply(out, Tensor(keep.astype(out.dtype)))
    return out


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y y_hat, 0)) with labels in {-1, 1} (0/1 labels are mapped to -1/1)."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "hinge")
    t = y_true.data
    if xp.all((t == 0) | (t == 1)):
        t = 2 * t - 1
    return m.mean(m.maximum(m.subtract(1.0, m.multiply(Tensor(t), y_pred)), 0.0), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """sum y log(y / y_hat), both clipped to [eps, 1]."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "kl_divergence")
    eps = backend.epsilon()
    t = Tensor(xp.clip(y_true.data, eps, 1))
    p = m.clip(y_pred, eps, 1)
    return m.sum(m.multiply(t, m.subtract(m.log(t), m.log(p))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """mean(y_hat - y log(y_hat + eps))."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "poisson")
    return m.mean(m.subtract(y_pred, m.multiply(y_true, m.log(m.add(y_pred, backend.epsilon())))), axis=-1)



def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((log(1 + max(y_hat, eps)) - log(1 + max(y, eps)))^2) per sample."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "mean_squared_logarithmic_error")
    eps = backend.epsilon()
    first = m.log1p(m.maximum(y_pred, eps))
    second = Tensor(xp.log1p(xp.maximum(y_true.data, eps)))
    return m.mean(m.square(m.subtract(first, second)), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y y_hat, 0)^2) with labels in {-1, 1} (0/1 labels are mapped to -1/1)."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "squared_hinge")
    t = y_true.data
    if xp.all((t == 0) | (t == 1)):
        t = 2 * t - 1
    return m.mean(m.square(m.maximum(m.subtract(1.0, m.multiply(Tensor(t), y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """max(0, 1 + max_{wrong} y_hat - y_hat[true]) with one-hot labels."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "categorical_hinge")
    positive = m.sum(m.multiply(y_true, y_pred), axis=-1)
    negative = m.max(m.multiply(m.subtract(1.0, y_true), y_pred), axis=-1)
    return m.maximum(m.add(m.subtract(negative, positive), 1.0), 0.0)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """-cos(y, y_hat) along ``axis`` (so minimising it aligns the vectors), as Keras' loss."""
    y_pred = as_tensor(y_pred)
    y_true = _match_rank(_as_target(y_true, y_pred), y_pred, "cosine_similarity")

    def unit(t: Tensor) -> Tensor:
        return m.divide(t, m.sqrt(m.maximum(m.sum(m.square(t), axis=axis, keepdims=True), 1e-12)))

    return m.negative(m.sum(m.multiply(unit(y_true), unit(y_pred)), axis=axis))

# --- loss classes --------------------------------------------------------------------------------
class LossFunctionWrapper(Loss):
    """A loss object around a per-sample loss function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn: Callable[..., Any], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", "loss"))
        self.fn = fn
        self.fn_kwargs = kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        out = self.fn(y_true, y_pred, **self.fn_kwargs)
        return as_tensor(out)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = as_tensor(y_pred)
        values = self.call(y_true, y_pred)
        mask = None
        ignore = self.fn_kwargs.get("ignore_class")
        if ignore is not None:  # Keras averages over the entries that are not ignored
            labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
            if labels.ndim == values.ndim + 1 and labels.shape[-1] == 1:
                labels = labels[..., 0]
            mask = labels != ignore
        return reduce_weighted(values, sample_weight, self.reduction, mask)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.fn_kwargs}


def _loss_class(class_name: str, fn: Callable[..., Any], doc: str, **defaults: Any) -> type:
    def __init__(self: Any, *args: Any, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        params = dict(defaults)
        for key, value in zip(defaults, args):
            params[key] = value
        for key, value in kwargs.items():
            if key not in defaults:
                raise TypeError(f"{class_name}: unexpected keyword argument {key!r}")
            params[key] = value
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name or fn.__name__, **params)

    def get_config(self: Any) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}

    @classmethod
    def from_config(cls: Any, config: dict[str, Any]) -> Any:
        return cls(**config)

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                      "get_config": get_config, "from_config": from_config})


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "Mean of squared errors.")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "Mean of absolute errors.")
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                          "Mean absolute percentage error.")
Huber = _loss_class("Huber", huber, "Huber loss (quadratic then linear beyond ``delta``).", delta=1.0)
LogCosh = _loss_class("LogCosh", log_cosh, "Mean of log(cosh(error)).")
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, "Binary cross-entropy (stable; ``from_logits`` supported).",
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "Cross-entropy with one-hot labels.",
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "Cross-entropy with integer labels.",
    from_logits=False, ignore_class=None)
Hinge = _loss_class("Hinge", hinge, "Hinge loss for labels in {-1, 1}.")
KLDivergence = _loss_class("KLDivergence", kl_divergence, "Kullback-Leibler divergence.")
Poisson = _loss_class("Poisson", poisson, "Poisson loss.")
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                          "Mean squared error of log(1 + x).")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "Squared hinge loss for labels in {-1, 1}.")
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "Hinge loss for one-hot labels.")
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "Negative cosine similarity.", axis=-1)

for _cls, _fn, _aliases in [
    (MeanSquaredError, mean_squared_error, ("mse", "MSE")),
    (MeanAbsoluteError, mean_absolute_error, ("mae", "MAE")),
    (MeanAbsolutePercentageError, mean_absolute_percentage_error, ("mape", "MAPE")),
    (Huber, huber, ("huber_loss",)),
    (LogCosh, log_cosh, ("logcosh",)),
    (BinaryCrossentropy, binary_crossentropy, ("bce", "BCE")),
    (CategoricalCrossentropy, categorical_crossentropy, ()),
    (SparseCategoricalCrossentropy, sparse_categorical_crossentropy, ()),
    (Hinge, hinge, ()),
    (KLDivergence, kl_divergence, ("kld", "KLD", "kullback_leibler_divergence")),
    (Poisson, poisson, ()),
    (MeanSquaredLogarithmicError, mean_squared_logarithmic_error, ("msle", "MSLE")),
    (SquaredHinge, squared_hinge, ()),
    (CategoricalHinge, categorical_hinge, ()),
    (CosineSimilarity, cosine_similarity, ()),
]:
    _REGISTRY.add(_cls, _cls.__name__, _fn.__name__, *_aliases)

# Keras' short function aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kl_divergence
msle = MSLE = mean_squared_logarithmic_error


def get(identifier: Any) -> Loss:
    """Resolve a name, class, config dict, loss object or function to a :class:`Loss` object.

    A plain function ``f(y_true, y_pred)`` (a custom loss) is wrapped so it is
    reduced like the built-in losses.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, (list, tuple)) and len(identifier) == 1:
        return get(identifier[0])
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "loss")()
    if isinstance(identifier, dict):
        cls = _REGISTRY.get(identifier["class_name"], "loss")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss {identifier!r}: expected a name, a Loss or a function")


def serialize(loss: Loss) -> dict[str, Any]:
    """A config dict that :func:`get` turns back into an equal loss."""
    name = getattr(type(loss), "_registered_name", None) or type(loss).__name__
    if type(loss) is LossFunctionWrapper:
        name = getattr(loss.fn, "_registered_name", None) or loss.fn.__name__
        return {"class_name": name, "config": {}}
    return {"class_name": name, "config": loss.get_config()}


def names() -> list[str]:
    """Every loss name :func:`get` understands."""
    return _REGISTRY.names()
