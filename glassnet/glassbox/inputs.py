"""The argument checks :func:`glassnet.trace` and :func:`glassnet.gradcheck` share.

Both take a model and a few samples ``x`` (with labels ``y``) and compute the compiled loss of one
training step.  Every mistake is reported naming the function and the argument at fault, before
any computation: a model that is not compiled, ``x`` whose sample shape does not match the model's
input, ``y`` that does not fit the output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.ops import math as m
from ..engine.tensor import Tensor
from ..models import Model, compile_utils
from ..models import data as model_data


def check_model(model: Any, who: str, needs_optimizer: bool) -> None:
    """``model`` is a compiled glassnet Model (with an optimizer when ``needs_optimizer``)."""
    if not isinstance(model, Model):
        raise TypeError(f"{who}: model must be a compiled glassnet Model, got {type(model).__name__}"
                        + ("; to check a single layer, use glassnet.gradcheck(layer, x)" if who == "trace()" else ""))
    if not model.compiled or (needs_optimizer and model.optimizer is None):
        raise RuntimeError(
            f"{who}: model '{model.name}' is not compiled, so it has no loss"
            + (" and no optimizer" if needs_optimizer else "")
            + ". Call model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss='mse') (or your "
              "own optimizer and loss) first")


def model_batch(model: Any, x: Any, y: Any, who: str) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """``x`` and ``y`` as checked arrays for ``model`` (built on them if it was not yet).

    Raises
    ------
    ValueError
        Naming ``x`` when its sample shape differs from the model's input, ``y`` when labels are
        missing or their count differs from the number of samples.
    """
    xs, ys, _ = model_data.prepare_xy(model._data_spec(), x, y, None, who.rstrip("()"))
    for i, (arr, sym) in enumerate(zip(xs, model.inputs or [])):
        expected = tuple(sym.shape[1:])
        if arr.ndim != len(sym.shape) or any(e is not None and e != a for e, a in zip(expected, arr.shape[1:])):
            name = "x" if len(xs) == 1 else f"x[{i}]"
            raise ValueError(f"{who}: {name} has shape {arr.shape}, but model '{model.name}' takes samples of shape "
                             f"{expected}, i.e. batches of shape {(None,) + expected}")
    model._ensure_built(xs, ys)  # a subclassed model's compile() arguments are resolved once call() has run
    if ys is None and any(loss is not None for loss in model.compiled_loss or [model.loss]):
        raise ValueError(f"{who}: y is missing; the compiled loss compares the model's output with the labels y")
    return xs, ys


def input_tensors(xs: list[np.ndarray]) -> list[Tensor]:
    """One tensor per input array; float inputs require a gradient, so dC/dx is computed too."""
    return [Tensor(a, requires_grad=a.dtype.kind == "f") for a in xs]


def compiled_loss(model: Any, ys: list[np.ndarray] | None, preds: list[Tensor], who: str) -> Tensor | None:
    """The compiled loss of ``preds`` against ``ys`` (weighted over outputs); None when no output has a loss."""
    try:
        total, _ = compile_utils.total_loss(model.compiled_loss, model._loss_weights, ys, preds, None)
    except ValueError as err:
        raise ValueError(f"{who}: y does not fit the model's output: {err}") from err
    return total


def penalties(model: Any) -> Tensor | None:
    """The weight and activity penalties a training step adds to the loss (None when there are none)."""
    return model._regularization()  # the trainer's own sum, so a trace adds exactly what fit adds


def combined(loss: Tensor | None, extra: Tensor | None, model: Any, who: str) -> Tensor:
    """``loss + extra`` as a training step forms it; an error when there is neither."""
    if loss is None and extra is None:
        raise RuntimeError(f"{who}: model '{model.name}' has no loss: pass loss=... to compile() (or add one "
                           "with self.add_loss(...) in a layer's call())")
    if loss is None or extra is None:
        return loss if extra is None else extra
    return m.add(loss, extra)


def training_loss(model: Any, ys: list[np.ndarray] | None, preds: list[Tensor], who: str) -> Tensor:
    """What a training step minimises: the compiled loss plus every penalty."""
    return combined(compiled_loss(model, ys, preds, who), penalties(model), model, who)


__all__ = ["check_model", "combined", "compiled_loss", "input_tensors", "model_batch", "penalties", "training_loss"]
