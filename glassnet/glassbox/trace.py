"""``glassnet.trace``: one training step of a few samples, recorded op by op, with every number.

A training step is forward propagation, the cost, back-propagation and the optimizer's update
(see ``models/trainer.py``).  :func:`trace` runs exactly that step, on the model's own layers, loss
and optimizer, and keeps what a textbook shows on the blackboard:

* forward: each op (``dense``, ``sigmoid``, ``subtract``...), the layer it belongs to, its inputs
  and its output;
* backward: the delta reaching each op, delta = dC/d(output), and the gradient it passes on to
  each of its inputs (the chain rule, one link at a time);
* per layer: dC/dW and dC/db, and the change the compiled optimizer makes to each weight.

By default the step is undone afterwards (weights, optimizer slots and iteration count, random
generator: see ``snapshot.py``), so tracing never changes training; ``apply=True`` keeps it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import backend
from ..engine.tensor import GradientTape, Tensor, backpropagate
from . import inputs, render
from .recording import layer_owners, observed, op_name
from .snapshot import Snapshot


@dataclass
class OpRecord:
    """One op of the step.

    Attributes
    ----------
    index : int
        Position in the forward order (``#index`` in the printout).
    name : str
        The op (``dense``, ``sigmoid``, ``subtract``, ``mean``...).
    layer : str
        The layer that ran it, or ``"loss"`` / ``"penalties"`` for the cost's own ops.
    input_labels : list of str
        What each input is: ``x``, ``y``, a weight's path (``dense/kernel``), ``#k`` (the output of
        op ``k``) or ``const``.
    inputs, output : arrays
        The values that went in and came out.
    delta : ndarray or None
        dC/d(output), the gradient that reached the op (None when the cost does not depend on it).
    input_grads : list of ndarray or None
        The gradient the op passed on to each input (None where an input needs none).
    """

    index: int
    name: str
    layer: str
    input_labels: list[str]
    inputs: list[np.ndarray]
    output: np.ndarray
    delta: np.ndarray | None = None
    input_grads: list[np.ndarray | None] = field(default_factory=list)


@dataclass
class WeightRecord:
    """One trainable weight: its value, dC/dW and the optimizer's update.

    Attributes
    ----------
    layer, name, path : str
        The owning layer, the weight's name in it (``kernel``, ``bias``) and ``layer/name``.
    value : ndarray
        The weight before the step.
    gradient : ndarray
        dC/dW, equal to what ``GradientTape.gradient`` returns (zeros if the cost does not use it).
    update : ndarray
        The change the compiled optimizer makes: ``after - value`` (``-lr * gradient`` for plain SGD).
    after : ndarray
        The weight after the step (the model holds it only with ``apply=True``).
    """

    layer: str
    name: str
    path: str
    value: np.ndarray
    gradient: np.ndarray
    update: np.ndarray
    after: np.ndarray


@dataclass
class LayerRecord:
    """The ops one layer ran and its weights, ``weights["kernel"].gradient`` being dC/dW."""

    name: str
    ops: list[OpRecord]
    weights: dict[str, WeightRecord]

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """dC/dW per weight name: ``{"kernel": dW, "bias": db}`` for a Dense layer."""
        return {k: w.gradient for k, w in self.weights.items()}

    @property
    def updates(self) -> dict[str, np.ndarray]:
        """The optimizer's change per weight name."""
        return {k: w.update for k, w in self.weights.items()}


@dataclass
class Trace:
    """The record of one training step; print it, show it in Jupyter, or read its fields.

    Attributes
    ----------
    model, loss_name, optimizer : str
        The model's name, the compiled loss and the optimizer (with its learning rate).
    learning_rate : float
        The learning rate the step used.
    loss : float
        The cost C of the step (compiled loss plus penalties), before the update.
    training, applied : bool
        Whether layers ran in training mode; whether the model now holds the updated weights.
    x, y, predictions : list of ndarray
        The samples, the labels (None without) and the model's outputs.
    input_gradients : list of ndarray or None
        dC/dx per input (None for integer inputs).
    ops : list of OpRecord
        Every op, in forward order.
    weights : list of WeightRecord
        Every trainable weight, in ``model.trainable_weights`` order.
    """

    model: str
    loss_name: str
    optimizer: str
    learning_rate: float
    loss: float
    training: bool
    applied: bool
    x: list[np.ndarray]
    y: list[np.ndarray] | None
    predictions: list[np.ndarray]
    input_gradients: list[np.ndarray | None]
    ops: list[OpRecord]
    weights: list[WeightRecord]

    @property
    def layers(self) -> dict[str, LayerRecord]:
        """Ops and weights grouped by layer, in the order the layers first ran."""
        out: dict[str, LayerRecord] = {}
        for op in self.ops:
            out.setdefault(op.layer, LayerRecord(op.layer, [], {})).ops.append(op)
        for w in self.weights:
            out.setdefault(w.layer, LayerRecord(w.layer, [], {})).weights[w.name] = w
        return out

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """dC/dW per weight path (``"dense/kernel"``)."""
        return {w.path: w.gradient for w in self.weights}

    @property
    def updates(self) -> dict[str, np.ndarray]:
        """The optimizer's change per weight path."""
        return {w.path: w.update for w in self.weights}

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain dicts, lists, numbers and (copied) NumPy arrays."""
        return asdict(self)

    def format(self, max_elements: int = 16, precision: int = 6) -> str:
        """The printable tables; arrays with more than ``max_elements`` entries are shortened."""
        return render.text(self, max_elements=max_elements, precision=precision)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return (f"<Trace of model '{self.model}': {len(self.ops)} ops, {len(self.weights)} weights, "
                f"loss {self.loss:.6g}{', applied' if self.applied else ''}>")

    def _repr_html_(self) -> str:
        return render.html(self)


def trace(model: Any, x: Any, y: Any = None, *, training: bool = True, apply: bool = False) -> Trace:
    """Record one training step of ``model`` on ``x`` (and labels ``y``), op by op, with every number.

    Parameters
    ----------
    model : Model
        A compiled model (Sequential, Functional or subclassed): the trace uses its loss and optimizer.
    x : array or list of arrays
        One sample or a few, with the batch axis: ``x[None]`` for a single sample.
    y : array or list of arrays, optional
        The labels (needed when the compiled loss compares with labels).
    training : bool
        Run the layers in training mode (dropout active, batch statistics), as ``fit`` does.
    apply : bool
        Keep the optimizer's step: the model's weights and the optimizer's state change exactly as
        by ``model.train_on_batch(x, y)``.  By default everything is restored bit for bit.

    Returns
    -------
    Trace
        ``print(t)`` for tables, ``t`` alone in Jupyter, ``t.to_dict()`` for the numbers,
        ``t.layers["dense"].gradients["kernel"]`` for one dC/dW.

    Raises
    ------
    RuntimeError
        If the model is not compiled.
    ValueError
        Naming ``x`` or ``y`` when their shapes do not fit the model.

    Notes
    -----
    Fused Conv2D(relu)+MaxPooling2D pairs run as their two layers while tracing (values and
    gradients are the same; ``model.fuse_layers`` is set back afterwards).

    Examples
    --------
    >>> import numpy as np, glassnet as keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    >>> t = keras.trace(model, np.array([[1.0, 2.0]]), np.array([[1.0]]))
    >>> [op.name for op in t.ops][:1]
    ['dense']
    """
    who = "trace()"
    inputs.check_model(model, who, needs_optimizer=True)
    xs, ys = inputs.model_batch(model, x, y, who)
    weights = model.trainable_weights
    if not weights:
        raise ValueError(f"{who}: model '{model.name}' has no trainable weights, so a training step changes nothing")
    layers = _unique([model] + model._flatten_layers())
    fusing = [(layer, layer.fuse_layers) for layer in layers if "fuse_layers" in vars(layer)]
    snapshot = Snapshot(model)
    keep = False
    try:
        for layer, _ in fusing:
            layer.fuse_layers = False  # one op per layer, so each layer's ops can be shown
        x_tensors = inputs.input_tensors(xs)
        with GradientTape() as tape, layer_owners(layers, lambda: tape._nodes) as owners:
            preds = model._forward_list(x_tensors, training=training)
            forward_end = len(tape._nodes)
            loss = inputs.compiled_loss(model, ys, preds, who)
            loss_end = len(tape._nodes)
            total = inputs.combined(loss, inputs.penalties(model), model, who)
        nodes = list(tape._nodes)
        ops = _forward_records(nodes, owners, forward_end, loss_end, x_tensors, weights, ys)
        wrapped, backward = observed(nodes)
        wanted = {id(t) for t in [*weights, *x_tensors]}
        grads = backpropagate(total, wrapped, keep=wanted)
        for op, seen in zip(ops, backward):
            op.delta, op.input_grads = seen.delta, seen.input_grads
        weight_grads = [_array_or_zeros(grads.get(id(w)), w) for w in weights]
        before = [backend.to_numpy(w).copy() for w in weights]
        learning_rate = model.optimizer.learning_rate
        model.optimizer.apply([grads.get(id(w)) for w in weights], weights)
        after = [backend.to_numpy(w).copy() for w in weights]
        keep = apply
    finally:
        for layer, flag in fusing:
            layer.fuse_layers = flag
        if not keep:
            snapshot.restore()
    owner = _weight_owners(layers)
    return Trace(
        model=model.name, loss_name=_loss_name(model), optimizer=type(model.optimizer).__name__,
        learning_rate=learning_rate, loss=float(total.data), training=bool(training), applied=bool(apply),
        x=[a.copy() for a in xs], y=None if ys is None else [a.copy() for a in ys],
        predictions=[backend.to_numpy(p).copy() for p in preds],
        input_gradients=[None if g is None else np.array(g, copy=True) for g in (grads.get(id(t)) for t in x_tensors)],
        ops=ops,
        weights=[WeightRecord(owner.get(id(w), model.name), w.name or w.path, w.path, b, g, a - b, a)
                 for w, b, g, a in zip(weights, before, weight_grads, after)],
    )


def _unique(layers: list[Any]) -> list[Any]:
    out: list[Any] = []
    for layer in layers:
        if all(layer is not o for o in out):
            out.append(layer)
    return out


def _forward_records(nodes: list[Any], owners: dict[int, str], forward_end: int, loss_end: int,
                     x_tensors: list[Tensor], weights: list[Any], ys: list[np.ndarray] | None) -> list[OpRecord]:
    """One :class:`OpRecord` per tape entry, values copied now (the optimizer will change the weights)."""
    labels: dict[int, str] = {id(t): "x" if len(x_tensors) == 1 else f"x[{i}]" for i, t in enumerate(x_tensors)}
    labels.update({id(w): w.path for w in weights})
    records = []
    for i, (out, parents, backward) in enumerate(nodes):
        if i < forward_end:
            layer = owners.get(i, "model")
        else:
            layer = "loss" if i < loss_end else "penalties"
        records.append(OpRecord(
            index=i, name=op_name(backward), layer=layer,
            input_labels=[labels.get(id(p)) or _constant_label(p, ys) for p in parents],
            inputs=[backend.to_numpy(p).copy() for p in parents], output=backend.to_numpy(out).copy(),
            input_grads=[None] * len(parents)))
        labels[id(out)] = f"#{i}"
    return records


def _constant_label(tensor: Tensor, ys: list[np.ndarray] | None) -> str:
    """``y`` for the labels as the loss received them (converted by the loss, so compared by value)."""
    for i, arr in enumerate(ys or []):
        if tensor.shape == arr.shape and np.array_equal(tensor.data, arr):
            return "y" if len(ys) == 1 else f"y[{i}]"
    return "const"


def _array_or_zeros(grad: Any, weight: Any) -> np.ndarray:
    # A weight the cost does not reach has gradient zero (the optimizer treats it so, with a warning).
    return np.zeros_like(weight.data) if grad is None else np.array(grad, copy=True)


def _weight_owners(layers: list[Any]) -> dict[int, str]:
    owner: dict[int, str] = {}
    for layer in layers:  # sublayers come after their parents, so the innermost owner is written last
        for var in layer._variables:
            owner[id(var)] = layer.name
    return owner


def _loss_name(model: Any) -> str:
    names = [getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)
             for loss in model.compiled_loss if loss is not None]
    return ", ".join(names) if names else "add_loss only"


__all__ = ["LayerRecord", "OpRecord", "Trace", "WeightRecord", "trace"]
