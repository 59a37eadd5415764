"""What every loss shares: the :class:`Loss` object, Keras' reductions, and the label helper.

A loss object ``loss(y_true, y_pred, sample_weight=None)`` computes one value
per sample (``call``), multiplies by the sample weights, then reduces:
``"sum_over_batch_size"`` (default) is sum(weighted losses) / number of
losses, ``"sum"`` the plain sum, ``None``/``"none"`` no reduction.

The loss functions themselves (``regression``, ``probabilistic``, ``hinge``)
are plain per-sample formulas; :func:`loss_class` turns each into its Keras
class (``mean_squared_error`` -> ``MeanSquaredError``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import xp
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Explanation
from ..registry import Registry
from .equations import explain_loss

REGISTRY = Registry("loss")

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


class Loss:
    """Base class of losses.

    Parameters
    ----------
    reduction : str or None
        ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"`` or ``None``/``"none"``.
    name : str, optional
        Shown in logs.
    dtype : optional
        Accepted for Keras compatibility; the loss follows the predictions' dtype.
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
        y_true, y_pred = targets(y_true, y_pred)
        values = self.call(y_true, y_pred)
        return reduce_weighted(values, sample_weight, self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        return cls(**config)

    def explain(self, y_pred_shape: Any = None, activation: str | None = None) -> Explanation:
        """The loss L per sample, the cost C and the gradient g = dC/dy_hat that back-propagation starts from.

        Parameters
        ----------
        y_pred_shape : tuple, optional
            The predictions' shape, such as ``(None, 10)``; ``(None, "K")`` when not given.
        activation : str, optional
            The output layer's activation: after ``"softmax"`` (``"sigmoid"``) a cross-entropy
            gives ``delta = dC/dz`` at the logits directly.
        """
        return explain_loss(self, y_pred_shape, activation)


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
        values = values * Tensor(sw)
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sw is not None:
        return _mean_over(values, float(sw.sum()))
    if mask is not None:
        return _mean_over(values, float(xp.count_nonzero(mask)))
    return values.mean()


def _mean_over(values: Tensor, count: float) -> Tensor:
    """sum(values) / count; an all-ignored batch (count 0) gives 0, not nan, still on the tape."""
    total = values.sum()
    return total / count if count else total * 0.0


def _snake(name: str) -> str:
    from ..layers.base import snake_case

    return snake_case(name)


def targets(y_true: Any, y_pred: Any, loss_name: str | None = None) -> tuple[Tensor, Tensor]:
    """The labels and predictions of a loss, as tensors that line up.

    The labels become a constant tensor of the predictions' float dtype (integer
    0/1 labels included), so every formula mixes like with like.  With
    ``loss_name`` the labels are also matched to the predictions' shape, as Keras
    squeezes: a missing or extra trailing axis of 1 is added or dropped, and any
    other mismatch is an error naming the loss.

    Returns
    -------
    (y_true, y_pred) : (Tensor, Tensor)
    """
    y_pred = as_tensor(y_pred)
    data = y_true.data if isinstance(y_true, Tensor) else xp.asarray(y_true)
    if data.dtype != y_pred.dtype:
        data = data.astype(y_pred.dtype)
    if loss_name is not None:
        if data.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
            data = data[..., None]
        elif data.ndim == y_pred.ndim + 1 and data.shape[-1] == 1:
            data = data[..., 0]
        if data.shape != y_pred.shape:
            raise ValueError(
                f"{loss_name}: labels of shape {data.shape} do not match predictions of shape {y_pred.shape}"
            )
    return Tensor(data), y_pred


def class_labels(y_true: Any, ndim: int) -> Any:
    """Integer class labels as an array of ``ndim`` axes: a trailing axis of 1 is dropped.

    Keras accepts sparse labels shaped ``(batch,)`` or ``(batch, 1)``; both become ``(batch,)``.
    """
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    return labels[..., 0] if labels.ndim == ndim + 1 and labels.shape[-1] == 1 else labels


class LossFunctionWrapper(Loss):
    """A loss object around a per-sample loss function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn: Callable[..., Any], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", "loss"))
        self.fn = fn
        self.fn_kwargs = kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return as_tensor(self.fn(y_true, y_pred, **self.fn_kwargs))

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        values = self.call(y_true, as_tensor(y_pred))
        mask = None
        ignore = self.fn_kwargs.get("ignore_class")
        if ignore is not None:  # Keras averages over the entries that are not ignored
            mask = class_labels(y_true, values.ndim) != ignore
        return reduce_weighted(values, sample_weight, self.reduction, mask)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self.fn_kwargs}


def loss_class(class_name: str, fn: Callable[..., Any], doc: str, **defaults: Any) -> type:
    """The Keras class of loss function ``fn``: its options ``defaults`` become constructor arguments.

    ``loss_class("Huber", huber, "...", delta=1.0)`` gives ``Huber(delta=1.0, reduction=..., name=...)``
    whose config is ``{"name", "reduction", "delta"}``, as in Keras.
    """

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

    # The public module, as for the functions: repr and pickles say glassnet.losses.Huber.
    namespace = {"__init__": __init__, "__doc__": doc, "__module__": "glassnet.losses",
                 "get_config": get_config, "from_config": from_config}
    return type(class_name, (LossFunctionWrapper,), namespace)
