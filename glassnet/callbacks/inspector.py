"""``Inspector``: what each layer did during training, sampled every N batches or once per epoch.

On an *inspected* batch the inspector records, per layer:

* the mean and standard deviation of the layer's output (its activations);
* for ReLU layers, the fraction of **dead units**: units (features of the last axis: a Dense unit, a
  Conv2D filter) that output exactly 0 for every sample (and position) of the inspected batch;
* for sigmoid and tanh layers, the fraction of **saturated activations**: sigmoid outputs below
  ``0.01`` or above ``0.99``, tanh outputs with ``|a| > 0.99`` (there the derivative is below about
  0.01 and 0.02: almost no gradient passes);

and per trainable weight ``W`` of the layer: the gradient norm ``||dC/dW||`` of that step (read from
``optimizer.last_gradients()``, which costs nothing), the weight norm ``||W||`` after the step and the
**update-to-weight ratio** ``||W_after - W_before|| / ||W_before||``.  The rule of thumb says about
``1e-3`` is healthy: much lower and the weights barely move (learning rate too low), much higher and
each step tears them apart (too high).  The ratio is NaN for a weight that was all zeros (a bias at
its first step).

Batches that are not inspected cost nothing but two empty hook calls: the layers' outputs are caught
by wrapping each layer's ``call`` as an instance attribute just before an inspected batch; each wrapper
puts the layer's own ``call`` back the moment it has run once (a shared layer is recorded at its first
call), and every wrapper left (a layer that was not called) is removed when the batch ends, at the end
of training, and by ``fit`` when training stops on an error.  For an inspected batch the Conv2D(relu) +
MaxPooling2D fusion (``model.fuse_layers``) is switched off, so the conv's own output is seen; the fused
and unfused computations give the same values and gradients, so the step itself is unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import activations as _activations
from .. import backend
from ..checks import check_integer
from ..layers.core import ReLU
from ..layers.tracing import InputLayer
from .base import Callback

# The asymptote margins behind ``saturated_fraction`` (documented above and in the class docstring).
SIGMOID_SATURATION = 0.01
TANH_SATURATION = 0.99

_ACTIVATION_KEYS = ("activation_mean", "activation_std", "dead_fraction", "saturated_fraction")
_WEIGHT_KEYS = ("gradient_norm", "weight_norm", "update_ratio")
_ABSENT = object()


def activation_kind(layer: Any) -> str | None:
    """``"relu"``, ``"sigmoid"`` or ``"tanh"`` when ``layer``'s output is that activation, else None."""
    if isinstance(layer, ReLU):
        return "relu" if layer.negative_slope == 0 else None
    activation = getattr(layer, "activation", None)
    for kind, fn in (("relu", _activations.relu), ("sigmoid", _activations.sigmoid), ("tanh", _activations.tanh)):
        if activation is fn:
            return kind
    return None


def activation_stats(output: Any, kind: str | None) -> dict[str, float]:
    """Mean, standard deviation and (by ``kind``) dead or saturated fractions of one layer output."""
    first = output[0] if isinstance(output, (list, tuple)) and output else output
    a = backend.to_numpy(first)  # a Tensor or array of the backend, read on the host
    stats = {"activation_mean": float(np.mean(a, dtype=np.float64)), "activation_std": float(np.std(a, dtype=np.float64))}
    if kind == "relu":
        units = a.reshape(-1, a.shape[-1]) if a.ndim >= 2 else a.reshape(-1, 1)
        stats["dead_fraction"] = float(np.mean(~np.any(units != 0, axis=0)))
    elif kind == "sigmoid":
        stats["saturated_fraction"] = float(np.mean((a < SIGMOID_SATURATION) | (a > 1 - SIGMOID_SATURATION)))
    elif kind == "tanh":
        stats["saturated_fraction"] = float(np.mean(np.abs(a) > TANH_SATURATION))
    return stats


def _norm(a: Any) -> float:
    flat = backend.to_numpy(a).astype(np.float64, copy=False).ravel()
    return math.sqrt(float(flat @ flat))


class Inspector(Callback):
    """Record activation, gradient and weight statistics of each layer during ``fit``.

    Parameters
    ----------
    every : "epoch" or int
        ``"epoch"``: inspect one batch per epoch, the last one (the first when the number of batches
        per epoch is unknown, as with an endless generator).  An integer N: inspect batches 0, N, 2N...
        counted over the whole ``fit``.
    layers : list of str or Layer, optional
        Which layers to watch.  Default: every layer with trainable weights or a ReLU, sigmoid or
        tanh output (not containers, not ``Input``).
    activations : bool
        Record activation statistics (wraps the layers' ``call`` on inspected batches).  With False only
        weights and gradients are recorded (and the records have no activation keys).

    Attributes
    ----------
    records : dict
        ``records[layer_name]`` holds lists ``activation_mean``, ``activation_std`` and (ReLU layers)
        ``dead_fraction`` or (sigmoid/tanh layers) ``saturated_fraction``, and ``weights``:
        ``records[layer_name]["weights"][weight_name]`` with lists ``gradient_norm``, ``weight_norm`` and
        ``update_ratio``.  Every list has one value per inspection (NaN where nothing was measured).
    steps : list of int
        The batch index, counted from 0 over the whole ``fit``, of each inspection.
    epochs : list of int
        The epoch of each inspection.
    gradient_norm : list of float
        The global gradient norm ``sqrt(sum_W ||dC/dW||^2)`` at each inspection.
    learning_rate : list of float
        The optimizer's learning rate at each inspection.

    Examples
    --------
    >>> inspector = keras.callbacks.Inspector(every=100)           # doctest: +SKIP
    >>> model.fit(x, y, callbacks=[inspector])                     # doctest: +SKIP
    >>> inspector.records["dense"]["weights"]["kernel"]["update_ratio"][-1]   # doctest: +SKIP
    0.0012
    """

    def __init__(self, every: Any = "epoch", layers: list[Any] | None = None, activations: bool = True) -> None:
        super().__init__()
        if not (isinstance(every, str) and every == "epoch"):
            every = check_integer(every, "every", "Inspector", expected="'epoch' or a positive number of batches")
        if layers is not None and (isinstance(layers, str) or not isinstance(layers, (list, tuple))
                                   or not all(isinstance(x, str) or hasattr(x, "call") for x in layers)):
            raise TypeError(f"Inspector: layers must be None or a list of layer names or layers, got {layers!r}")
        if not isinstance(activations, (bool, np.bool_)):
            raise TypeError(f"Inspector: activations must be True or False, got {activations!r}")
        self.every = every
        self.layers = None if layers is None else list(layers)
        self.activations = bool(activations)
        self._reset()

    def _reset(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.steps: list[int] = []
        self.epochs: list[int] = []
        self.gradient_norm: list[float] = []
        self.learning_rate: list[float] = []
        self._watched: list[tuple[str, Any, str | None]] = []  # (record name, layer, activation kind)
        self._step = 0
        self._epoch = 0
        self._armed = False
        self._before: dict[int, np.ndarray] = {}
        self._pending: dict[str, dict[str, float]] = {}
        self._taps: list[tuple[Any, Any, Any]] = []
        self._fusion: list[tuple[Any, Any]] = []

    # -- which layers --------------------------------------------------------------------------
    def _select_layers(self) -> list[Any]:
        every = [layer for layer in self.model._flatten_layers() if not isinstance(layer, InputLayer)]
        if self.layers is None:
            return [layer for layer in every if not layer._tracked_layers
                    and (layer.trainable_weights or activation_kind(layer) is not None)]
        chosen = []
        for item in self.layers:
            found = next((layer for layer in every if layer is item or layer.name == item), None)
            if found is None:
                label = item if isinstance(item, str) else getattr(item, "name", item)
                raise ValueError(f"Inspector: layers names {label!r}, which is not a layer of model "
                                 f"'{self.model.name}'; its layers are {[layer.name for layer in every]}")
            chosen.append(found)
        return chosen

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.restore()
        self._reset()
        for layer in self._select_layers():
            kind = activation_kind(layer)
            self._watched.append((layer.name, layer, kind))
            entry: dict[str, Any] = {"activation_mean": [], "activation_std": []} if self.activations else {}
            if self.activations and kind == "relu":
                entry["dead_fraction"] = []
            elif self.activations and kind in ("sigmoid", "tanh"):
                entry["saturated_fraction"] = []
            entry["weights"] = {_weight_key(layer, v): {k: [] for k in _WEIGHT_KEYS} for v in layer.trainable_weights}
            self.records[layer.name] = entry

    # -- when -----------------------------------------------------------------------------------
    def _inspects(self, batch: int) -> bool:
        if self.every == "epoch":
            steps = self.params.get("steps")
            return batch == (steps - 1 if steps else 0)
        return self._step % self.every == 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if not self._inspects(batch):
            return
        self._armed = True
        self._pending = {}
        self._before = {id(v): backend.to_numpy(v.data).copy() for _, layer, _ in self._watched
                        for v in layer.trainable_weights}
        if self.activations:
            self._tap()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._armed:
            self.restore()
            self._record()
        self._step += 1

    def on_train_end(self, logs: dict | None = None) -> None:
        self.restore()

    # -- catching the layer outputs of one batch -------------------------------------------------
    def _tap(self) -> None:
        for model in [self.model, *self.model._flatten_layers()]:
            if model.__dict__.get("fuse_layers"):  # a fused conv never runs conv.call: unfuse for this batch
                self._fusion.append((model, model.fuse_layers))
                model.fuse_layers = False
        for name, layer, kind in self._watched:
            self._tap_layer(name, layer, kind)

    def _tap_layer(self, name: str, layer: Any, kind: str | None) -> None:
        original = layer.call
        previous = layer.__dict__.get("call", _ABSENT)

        def call(*args: Any, **kwargs: Any) -> Any:
            _put_back(layer, previous, call)  # one use only: the layer is itself again from here on
            out = original(*args, **kwargs)
            if self._armed and name not in self._pending:
                self._pending[name] = activation_stats(out, kind)
            return out

        object.__setattr__(layer, "call", call)  # an instance attribute: Layer.__call__ finds it first
        self._taps.append((layer, previous, call))

    def restore(self) -> None:
        """Put every watched layer's ``call`` and the models' ``fuse_layers`` back as they were.

        Called after each inspected batch and at the end of training; ``fit`` also calls it when
        training stops on an error.  Calling it again does nothing.
        """
        for layer, previous, call in reversed(self._taps):
            _put_back(layer, previous, call)
        for model, fuse in reversed(self._fusion):
            model.fuse_layers = fuse
        self._taps, self._fusion = [], []

    # -- recording --------------------------------------------------------------------------------
    def _record(self) -> None:
        self._armed = False
        grads = {id(v): g for v, g in self.model.optimizer.last_gradients()}
        for name, layer, _ in self._watched:
            entry = self.records[name]
            stats = self._pending.get(name, {})
            for key in _ACTIVATION_KEYS:
                if key in entry:
                    entry[key].append(stats.get(key, math.nan))
            for var in layer.trainable_weights:
                row = entry["weights"].setdefault(_weight_key(layer, var), {k: [math.nan] * len(self.steps)
                                                                            for k in _WEIGHT_KEYS})
                before = self._before.get(id(var))
                after_norm = _norm(var.data)
                before_norm = _norm(before) if before is not None else math.nan
                step = _norm(backend.to_numpy(var.data).astype(np.float64) - before) if before is not None else math.nan
                row["gradient_norm"].append(_norm(grads[id(var)]) if id(var) in grads else math.nan)
                row["weight_norm"].append(after_norm)
                row["update_ratio"].append(step / before_norm if before_norm > 0 else math.nan)
        self.steps.append(self._step)
        self.epochs.append(self._epoch)
        self.gradient_norm.append(self.model.optimizer.last_gradient_norm())
        self.learning_rate.append(float(self.model.optimizer.learning_rate))
        self._before, self._pending = {}, {}

    # -- reading -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The records as plain lists and dicts (JSON-able): ``every``, ``steps``, ``epochs``,
        ``gradient_norm``, ``learning_rate`` and ``layers`` (a copy of :attr:`records`)."""
        layers = {name: {key: ({w: {k: list(v) for k, v in row.items()} for w, row in value.items()}
                               if key == "weights" else list(value)) for key, value in entry.items()}
                  for name, entry in self.records.items()}
        return {"every": self.every, "steps": list(self.steps), "epochs": list(self.epochs),
                "gradient_norm": list(self.gradient_norm), "learning_rate": list(self.learning_rate),
                "layers": layers}

    def summary(self) -> str:
        """The last inspection as a small table: one line per layer, then one per weight."""
        if not self.steps:
            return "Inspector: nothing recorded yet (no inspected batch has run)."
        lines = [f"Inspector: {len(self.steps)} inspection(s); the last at batch {self.steps[-1]} "
                 f"(epoch {self.epochs[-1] + 1}), global gradient norm {self.gradient_norm[-1]:.3g}"]
        for name, entry in self.records.items():
            if "activation_mean" in entry:
                extra = "".join(f", {key.replace('_', ' ')} {entry[key][-1]:.0%}"
                                for key in ("dead_fraction", "saturated_fraction") if key in entry)
                lines.append(f"  {name}: activations mean {entry['activation_mean'][-1]:.3g}, "
                             f"std {entry['activation_std'][-1]:.3g}{extra}")
            else:
                lines.append(f"  {name}:")
            for weight, row in entry["weights"].items():
                lines.append(f"    {weight}: |grad| {row['gradient_norm'][-1]:.3g}, |W| {row['weight_norm'][-1]:.3g}, "
                             f"update/weight {row['update_ratio'][-1]:.2g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Inspector every={self.every!r} layers={list(self.records)} inspections={len(self.steps)}>"


def _weight_key(layer: Any, var: Any) -> str:
    """A weight's path inside its layer (``kernel``, ``bias``; a sublayer's weight keeps its layer's name)."""
    path = var.path
    prefix = f"{layer.name}/"
    return path[len(prefix):] if path.startswith(prefix) else path


def _put_back(layer: Any, previous: Any, call: Any) -> None:
    """Restore ``layer.call`` to ``previous`` if ``call`` (our wrapper) is still the one installed."""
    if layer.__dict__.get("call") is call:
        if previous is _ABSENT:
            del layer.__dict__["call"]
        else:
            object.__setattr__(layer, "call", previous)
