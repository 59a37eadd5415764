"""The training doctor's rules: each reads the evidence of one ``fit`` and returns a finding or None.

The evidence is the history (loss per epoch, validation loss), the first batch's loss, where the loss
first stopped being finite, the :class:`~glassnet.callbacks.Inspector` records (gradient norms, dead
ReLUs, update ratios) and a look at the first batch of inputs and labels.  Every threshold is a named
constant below, so a reader can see exactly when a rule fires; they are set so that a healthy run
gives no finding at all.

What ``fit``'s pre-flight checks (``glassnet.models.preflight``) and the losses already refuse or
warn about before training (sparse labels out of range, one-hot shapes, ``softmax`` over one unit, the
``step`` activation by name, inputs far from unit scale) is not checked again from scratch: the rules
here judge what training *did*, and cover the label mistakes no loss refuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import backend

EXPLODE_FACTOR = 2.0          # an epoch loss above 2x the first batch's loss: training diverged
FLAT_IMPROVEMENT = 0.05       # the loss fell by less than 5% from the first epoch to the last: flat...
SMALL_UPDATE_RATIO = 1e-3     # ...while each layer's first weight (its kernel) moved less than ~1e-3 per step
FLAT_MIN_BATCHES = 10         # too few steps to call a loss flat
DEAD_FRACTION = 0.5           # more than half of a ReLU layer's units dead on the last inspected batch
VANISHING_RATIO = 1e-3        # first layer's gradient norm three orders of magnitude below the last's
TINY_GRADIENT = 1e-7          # or every gradient norm below this
EXPLODING_NORM = 1e3          # a global gradient norm above this
EXPLODING_GROWTH = 100.0      # or grown 100x since the first inspection (and above 10)
OVERFIT_RISE = 1.10           # validation loss 10% above its best (and above the training loss)...
OVERFIT_EPOCHS = 2            # ...for the last 2 epochs, while the training loss kept falling
SCALE_HIGH = 10.0             # input root-mean-square above this (raw 0..255 pixels: ~80); as preflight
SCALE_LOW = 1e-3              # or below this (but not all zeros)


@dataclass
class Evidence:
    """What one ``fit`` left behind, as the rules read it."""

    history: dict[str, list[float]]
    inspector: dict[str, Any] | None = None       # Inspector.to_dict()
    model: Any = None
    x: list[Any] | None = None                     # the first batch's inputs, one array per model input
    y: list[Any] | None = None                     # its labels, one array per output
    first_loss: float | None = None                # the loss of the very first batch
    nan_at: tuple[int, int] | None = None          # (epoch, batch) where the loss stopped being finite
    batches: int = 0                               # training batches run
    fresh: bool = True                             # the optimizer had not stepped before this fit
    found: set[str] = field(default_factory=set)   # codes already found (a later rule may defer to them)

    @property
    def losses(self) -> list[float]:
        return [float(v) for v in self.history.get("loss", [])]

    def weight_series(self, key: str) -> list[tuple[str, str, list[float]]]:
        """(layer, weight, values over the inspections) for every recorded weight, in layer order."""
        layers = (self.inspector or {}).get("layers", {})
        return [(name, weight, row[key]) for name, entry in layers.items() for weight, row in entry["weights"].items()]

    def learning_rate_text(self) -> str:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return "the learning rate"
        return f"the learning rate ({type(optimizer).__name__}, learning_rate={optimizer.learning_rate:g})"


Rule = Callable[[Evidence], "tuple[str, str, str] | None"]


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _median(values: list[float]) -> float:
    finite = _finite(values)
    return float(np.median(finite)) if finite else math.nan


def _first_weights(ev: Evidence, key: str) -> list[list[float]]:
    """``key`` over the inspections for each layer's first weight (its kernel), in layer order."""
    seen: dict[str, list[float]] = {}
    for name, _, values in ev.weight_series(key):
        seen.setdefault(name, values)
    return list(seen.values())


# -- the rules (code, message, advice) ------------------------------------------------------------
def learning_rate_too_high(ev: Evidence) -> tuple[str, str, str] | None:
    losses = ev.losses
    bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    if ev.nan_at is not None or bad is not None:
        epoch, batch = ev.nan_at if ev.nan_at is not None else (bad, None)
        where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch is not None else "")
        message = f"The loss became NaN or infinite at {where}: the steps are so large that the weights blew up."
    else:
        # From scratch the first batch's loss is the untrained (chance) level; a resumed model's first batch
        # may be a lucky one near zero, so there the first epoch is the baseline.
        if ev.fresh and ev.first_loss is not None:
            start, since, later = ev.first_loss, "first batch", losses
        else:
            start, since, later = (losses[0], "first epoch", losses[1:]) if losses else (None, "", [])
        if start is None or start <= 0 or not later or max(later) <= EXPLODE_FACTOR * start:
            return None
        message = f"The loss exploded: it rose from {start:.4g} ({since}) to {max(later):.4g}, instead of falling."
    return ("learning_rate_too_high", message,
            f"Lower {ev.learning_rate_text()} 10x; gradient clipping (clipnorm=1.0 on the optimizer) also helps.")


def learning_rate_too_low(ev: Evidence) -> tuple[str, str, str] | None:
    losses = ev.losses
    # A resumed run (the optimizer stepped before) is not judged: flat there usually means converged.
    if ({"learning_rate_too_high", "vanishing_gradients"} & ev.found or not losses or not ev.fresh
            or ev.batches < FLAT_MIN_BATCHES):
        return None
    if ev.first_loss is not None and losses[-1] < 0.5 * ev.first_loss:
        return None  # it learned, quickly, and then levelled off
    # Epoch means when there are two (one batch's loss is noisy); the first batch after a single epoch.
    start = losses[0] if len(losses) >= 2 or ev.first_loss is None else ev.first_loss
    if not (math.isfinite(start) and start > 0) or (start - losses[-1]) / start >= FLAT_IMPROVEMENT:
        return None
    # Kernels only: a bias starts at zero, so its ratio says little; zero gradients are another rule's.
    moving, grads = _first_weights(ev, "update_ratio"), _first_weights(ev, "gradient_norm")
    ratios = [_median(r) for r, g in zip(moving, grads) if math.isfinite(_median(r)) and _median(g) > 0]
    if not ratios or float(np.median(ratios)) >= SMALL_UPDATE_RATIO:
        return None
    return ("learning_rate_too_low",
            f"The loss stayed flat ({start:.4g} -> {losses[-1]:.4g}) and each step moved the weights by only "
            f"{float(np.median(ratios)):.1e} of their size (healthy: about 1e-3).",
            f"Raise {ev.learning_rate_text()} 10x (Adam's default 0.001 is a good start).")


def dead_relus(ev: Evidence) -> tuple[str, str, str] | None:
    layers = (ev.inspector or {}).get("layers", {})
    dead = [(name, entry["dead_fraction"][-1]) for name, entry in layers.items()
            if entry.get("dead_fraction") and _finite(entry["dead_fraction"][-1:])
            and entry["dead_fraction"][-1] > DEAD_FRACTION]
    if not dead:
        return None
    listed = ", ".join(f"'{name}' ({fraction:.0%})" for name, fraction in dead)
    return ("dead_relus",
            f"Dead ReLUs: units that output 0 for every sample of the last inspected batch, in {listed}; "
            "they get no gradient and never recover.",
            "Lower the learning rate, initialise with kernel_initializer='he_normal' and zero biases, or use "
            "LeakyReLU / 'elu' / 'gelu', which keep a gradient below 0.")


def vanishing_gradients(ev: Evidence) -> tuple[str, str, str] | None:
    # One weight per layer (its first, the kernel), in layer order; medians over the inspections.
    layer_names = list(dict.fromkeys(name for name, _, _ in ev.weight_series("gradient_norm")))
    per_layer = dict(zip(layer_names, (_median(v) for v in _first_weights(ev, "gradient_norm"))))
    norms = {k: v for k, v in per_layer.items() if math.isfinite(v) and v > 0}
    if not norms:
        return None
    names = list(norms)
    first, last = names[0], names[-1]
    saturated = [name for name, entry in (ev.inspector or {}).get("layers", {}).items()
                 if entry.get("saturated_fraction") and _median(entry["saturated_fraction"]) > 0.5]
    why = f" ({', '.join(saturated)} saturated)" if saturated else ""
    if len(names) >= 2 and norms[first] < VANISHING_RATIO * norms[last]:
        message = (f"Vanishing gradients: the first layer '{first}' gets gradients of norm {norms[first]:.1e}, "
                   f"{norms[last] / norms[first]:.0e}x smaller than the last layer '{last}' ({norms[last]:.1e}){why}; "
                   "the early layers barely learn.")
    elif max(norms.values()) < TINY_GRADIENT:
        message = f"Vanishing gradients: every gradient norm is below {TINY_GRADIENT:g}{why}; nothing learns."
    else:
        return None
    return ("vanishing_gradients", message,
            "Use 'relu' (with kernel_initializer='he_normal') instead of sigmoid/tanh in hidden layers, add "
            "BatchNormalization, or use fewer layers.")


def exploding_gradients(ev: Evidence) -> tuple[str, str, str] | None:
    norms = list((ev.inspector or {}).get("gradient_norm", []))
    if not norms:
        return None
    finite = _finite(norms)
    if len(finite) < len(norms):
        message = "Exploding gradients: the gradient norm became NaN or infinite."
    elif max(finite) > EXPLODING_NORM:
        message = f"Exploding gradients: the global gradient norm reached {max(finite):.3g}."
    elif max(finite) > 10 and finite[0] > 0 and max(finite) > EXPLODING_GROWTH * finite[0]:
        message = f"Exploding gradients: the gradient norm grew from {finite[0]:.3g} to {max(finite):.3g}."
    else:
        return None
    return ("exploding_gradients", message,
            "Clip the gradients (e.g. Adam(clipnorm=1.0)), lower the learning rate, scale inputs and targets "
            "to about unit size, and keep the default glorot/he initialisers.")


def overfitting(ev: Evidence) -> tuple[str, str, str] | None:
    val, train = ev.history.get("val_loss", []), ev.losses
    if len(val) < OVERFIT_EPOCHS + 1 or len(train) != len(val) or _finite(val) != [float(v) for v in val]:
        return None
    best = int(np.argmin(val))
    last = len(val) - 1
    # Sustained (the last epochs all 10% above the best), with training still improving and a real gap
    # between validation and training: one noisy validation epoch on a small split is not overfitting.
    if (last - best < OVERFIT_EPOCHS or any(v <= OVERFIT_RISE * val[best] for v in val[-OVERFIT_EPOCHS:])
            or train[last] >= train[best] or val[last] <= OVERFIT_RISE * train[last]):
        return None
    return ("overfitting",
            f"Overfitting: the validation loss was best at epoch {best + 1} ({val[best]:.4g}) and rose to "
            f"{val[last]:.4g} while the training loss kept falling ({train[best]:.4g} -> {train[last]:.4g}).",
            "Stop at the best epoch (callbacks.EarlyStopping(monitor='val_loss', patience=3, "
            "restore_best_weights=True)), add Dropout or an L2 kernel_regularizer, or get more data.")


def input_scale(ev: Evidence) -> tuple[str, str, str] | None:
    from ..layers.preprocessing import Normalization, Rescaling

    if not ev.x or any(isinstance(layer, (Rescaling, Normalization))
                       for layer in getattr(ev.model, "_flatten_layers", list)()):
        return None
    for arr in ev.x:
        a = backend.to_numpy(arr)
        if a.dtype.kind != "f" or not a.size:
            continue  # integer inputs are indices (Embedding), not magnitudes
        rms = float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))
        if rms > SCALE_HIGH or 0 < rms < SCALE_LOW:
            return ("input_scale",
                    f"The inputs are far from unit scale (first batch: mean {float(a.mean()):.3g}, std "
                    f"{float(a.std()):.3g}); weights and learning rates are tuned for inputs of about size 1.",
                    "Scale them: x / 255.0 for 0-255 pixels, or standardise (x - x.mean(axis=0)) / x.std(axis=0); "
                    "or start the model with a Rescaling or Normalization layer.")
    return None


_BOUNDED = {_activations.sigmoid: "sigmoid", _activations.softmax: "softmax"}
_REGRESSION = ("MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "MeanSquaredLogarithmicError")


def labels_do_not_fit_loss(ev: Evidence) -> tuple[str, str, str] | None:
    losses = list(getattr(ev.model, "compiled_loss", None) or [])
    if not ev.y or not losses:
        return None
    model_layers = list(getattr(ev.model, "layers", []) or [])
    last_activation = _BOUNDED.get(getattr(model_layers[-1], "activation", None)) if model_layers else None
    for loss, y in zip(losses, ev.y):
        if loss is None or y is None:
            continue
        kind = type(loss).__name__
        y = backend.to_numpy(y).astype(np.float64, copy=False)
        low, high = float(y.min()), float(y.max())
        if kind in ("BinaryCrossentropy", "BinaryFocalCrossentropy") and (low < 0 or high > 1):
            return ("labels_do_not_fit_loss",
                    f"binary_crossentropy needs labels in [0, 1] (0/1 classes), but the labels run from {low:g} "
                    f"to {high:g}; the loss it computed means nothing.",
                    "Map the labels to 0/1 (e.g. y = (y == positive_class).astype('float32')); for more than two "
                    "classes use softmax with loss='sparse_categorical_crossentropy'.")
        if kind == "CategoricalCrossentropy" and y.ndim >= 2 and (
                low < 0 or not np.allclose(y.sum(axis=-1), 1.0, atol=1e-3)):
            return ("labels_do_not_fit_loss",
                    "categorical_crossentropy needs one-hot labels (each row a probability distribution summing "
                    "to 1), but these rows do not sum to 1.",
                    "One-hot encode the class indices (keras.utils.to_categorical(y, num_classes)), or pass the "
                    "indices with loss='sparse_categorical_crossentropy'.")
        if kind in _REGRESSION and last_activation and len(losses) == 1 and (low < 0 or high > 1):
            return ("labels_do_not_fit_loss",
                    f"The output ends with {last_activation}, whose values lie in (0, 1), but the {kind} targets "
                    f"run from {low:g} to {high:g}: the model cannot reach them.",
                    "For regression end with a linear output (activation=None); for classes use a "
                    "cross-entropy loss.")
    return None


def zero_gradients(ev: Evidence) -> tuple[str, str, str] | None:
    if ev.losses and all(v == 0 for v in ev.losses):
        return None  # a loss of exactly 0 has nothing to teach: zero gradients are right
    zero: dict[str, list[str]] = {}
    weights: dict[str, int] = {}
    for name, weight, norms in ev.weight_series("gradient_norm"):
        weights[name] = weights.get(name, 0) + 1
        if norms and all(v == 0 for v in norms):
            zero.setdefault(name, []).append(weight)
    if not zero:
        return None
    # A whole layer by its name; some of its weights as 'layer' (kernel).
    listed = ", ".join(f"'{name}'" if len(ws) == weights[name] else f"'{name}' ({', '.join(ws)})"
                       for name, ws in zero.items())
    steps = [layer.name for layer in getattr(ev.model, "_flatten_layers", list)()
             if getattr(layer, "activation", None) is _activations.step]
    if steps:
        return ("zero_gradients",
                f"The weights of {listed} got exactly zero gradients at every inspection: the step activation "
                f"in {', '.join(repr(s) for s in steps)} has derivative 0 everywhere, so nothing before it learns.",
                "Use activation='sigmoid' (or 'relu') in layers trained by fit(); a step unit is trained with the "
                "perceptron rule instead.")
    cause = " (dead ReLUs pass no gradient)" if "dead_relus" in ev.found else ""
    return ("zero_gradients",
            f"The weights of {listed} got exactly zero gradients at every inspection{cause}: they never change.",
            "Check that these layers' outputs reach the loss, and see the other findings (dead ReLUs, a frozen "
            "or disconnected branch).")


# The order findings are reported in; a later rule may read ``ev.found`` to defer to an earlier one.
RULES: list[Rule] = [learning_rate_too_high, exploding_gradients, dead_relus, vanishing_gradients, zero_gradients,
                     learning_rate_too_low, overfitting, input_scale, labels_do_not_fit_loss]
