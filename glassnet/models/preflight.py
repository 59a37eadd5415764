"""Pre-flight checks: newcomer mistakes spotted once, at the start of ``fit``, before any step runs.

Each check looks at the compiled model and at one sample (or the first batch) only, so it costs
one forward pass of one sample and one pass over one batch, whatever the data size:

* no loss at all (none compiled, none added with ``add_loss``): an error, there is nothing to minimise;
* a one-unit output with ``sparse_categorical_crossentropy``: an error, as no step could succeed;
* ``softmax`` over a single unit: its output is always 1.0, so nothing before it can learn;
* a ``softmax``/``sigmoid`` output given to a loss with ``from_logits=True``;
* the ``step`` activation, whose gradient is zero everywhere;
* inputs far from unit scale (raw 0-255 pixels), unless the model rescales or normalises them.

The warnings are :class:`HintWarning`s, each given once per model;
``warnings.simplefilter("ignore", keras.HintWarning)`` silences them all.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import losses as _losses

# Inputs whose root-mean-square exceeds this are "far from unit scale": raw pixels (about 80),
# ages or prices; standardised data sits near 1 and data scaled to [0, 1] below it.
SCALE_LIMIT = 10.0


class HintWarning(UserWarning):
    """A likely mistake in how a model is built or fed (``fit`` still runs).

    Silence every hint with ``warnings.simplefilter("ignore", keras.HintWarning)``.
    """


def check(model: Any, xs: list[np.ndarray], batch_size: int) -> None:
    """Run every pre-flight check on a built, compiled ``model`` and its training inputs.

    Parameters
    ----------
    model : Model
        The model about to be trained (already built).
    xs : list of ndarray
        The first training batch's inputs, one array per model input.
    batch_size : int
        The batch size; at most ``batch_size`` samples are examined for their scale.

    Raises
    ------
    ValueError
        When no training step could succeed (a one-unit output with a sparse loss).
    RuntimeError
        When the model has no loss to minimise.
    """
    outputs = model._output_names()
    preds = model._forward_list([a[:1] for a in xs], training=False)
    _check_has_loss(model)
    for name, loss, pred in zip(outputs, model.compiled_loss, preds):
        _check_output(model, name, loss, pred)
    for layer in model._flatten_layers():
        _check_layer(model, layer)
    _check_scale(model, xs, batch_size)


def _hint(model: Any, key: tuple[Any, ...], message: str) -> None:
    """Warn once per model and hint: fit in a loop (or cross-validation) must not repeat it every call."""
    given = model.__dict__.setdefault("_hints_given", set())
    if key not in given:
        given.add(key)
        warnings.warn(message + " (Silence hints with warnings.simplefilter('ignore', keras.HintWarning).)",
                      HintWarning, stacklevel=5)  # points at the user's fit() call


def _check_has_loss(model: Any) -> None:
    """No compiled loss and no ``add_loss`` loss (the forward pass just ran): nothing to minimise."""
    if all(loss is None for loss in model.compiled_loss) and not model.losses:
        raise RuntimeError("fit() needs a loss: pass loss=... to compile(), e.g. model.compile(optimizer='adam', "
                           "loss='mse'), or add one with self.add_loss(...) in a layer's or the model's call()")


def _loss_fn(loss: Any) -> Any:
    return getattr(loss, "fn", None)


def _check_output(model: Any, name: str, loss: Any, pred: Any) -> None:
    if loss is None:
        return
    units = pred.shape[-1] if pred.ndim >= 2 else None
    if _loss_fn(loss) is _losses.sparse_categorical_crossentropy and units == 1:
        raise ValueError(
            f"Model '{model.name}': output '{name}' has 1 unit, but sparse_categorical_crossentropy needs one "
            "output unit per class (its labels are class indices 0..C-1), e.g. Dense(10, activation='softmax') "
            "for 10 classes. For two classes you can keep one unit: use activation='sigmoid' with "
            "loss='binary_crossentropy'."
        )
    tag = getattr(pred, "pre_activation", None)  # (activation, logits): see engine.ops.nn.logits_of
    from_logits = bool(getattr(loss, "fn_kwargs", {}).get("from_logits"))
    if tag is not None and from_logits:
        _hint(model, ("from_logits", name),
              f"Model '{model.name}': output '{name}' ends with a {tag[0]} activation, but the loss has "
              f"from_logits=True, which means it expects raw scores (logits) and applies {tag[0]} itself. "
              f"Here {tag[0]} is applied twice, which flattens the gradients. Either remove the activation from "
              "the last layer (activation=None) or use the loss with from_logits=False.")


def _check_layer(model: Any, layer: Any) -> None:
    from ..layers.core import Softmax

    activation = _activations.softmax if isinstance(layer, Softmax) else getattr(layer, "activation", None)
    shape = layer._output_shape
    if activation is _activations.softmax and isinstance(shape, tuple) and shape and shape[-1] == 1:
        _hint(model, ("softmax1", layer.name),
              f"Layer '{layer.name}' applies softmax over a single unit: softmax makes its outputs sum to 1, so "
              "with one unit the output is always 1.0 and nothing before it can learn (accuracy stays at "
              "chance). For two classes with one output unit use activation='sigmoid' (with "
              "binary_crossentropy); for C classes use C units with softmax.")
    if activation is _activations.step:
        _hint(model, ("step", layer.name),
              f"Layer '{layer.name}' uses the step activation, whose gradient is zero everywhere: fit() (gradient "
              "descent) cannot change the weights of this layer or of any layer before it. Step units are "
              "trained with the perceptron learning rule instead (w += lr * (y - y_hat) * x, a few lines of "
              "NumPy); to train with fit(), use activation='sigmoid'.")


def _check_scale(model: Any, xs: list[np.ndarray], batch_size: int) -> None:
    from ..layers.preprocessing import Normalization, Rescaling

    if any(isinstance(layer, (Rescaling, Normalization)) for layer in model._flatten_layers()):
        return  # the model scales its inputs itself
    names = model.input_names or ["x"]
    for i, arr in enumerate(xs):
        if arr.dtype.kind != "f" or not arr.size:
            continue  # integer inputs kept as indices (Embedding-style) have no scale to fix
        first = arr[:batch_size]
        rms = float(np.sqrt(np.mean(np.square(first, dtype=np.float64))))
        if rms > SCALE_LIMIT:
            label = "x" if len(xs) == 1 else f"x[{names[i] if i < len(names) else i!r}]"
            _hint(model, ("scale",),
                  f"Model '{model.name}': the inputs {label} are far from unit scale (first batch: values up to "
                  f"{float(np.abs(first).max()):g}, root-mean-square {rms:.3g}); networks train slowly or not at "
                  "all on such inputs. Scale them first (x / 255.0 for 0-255 pixels, or standardise: "
                  "(x - x.mean(axis=0)) / x.std(axis=0)), or start the model with a Rescaling(1/255) or "
                  "Normalization layer.")
            return
