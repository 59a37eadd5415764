"""``model.explain()``: every layer's equations with the model's shapes, then the loss, the parameter total
and the optimizer's update.

Each layer states its own equations (``layer.explain()``, written next to its ``call``); this module
only walks them in order (Sequential and Functional: graph order; a subclassed model: the layers it
tracks, once it has been called), links the compiled loss to the output layer's activation (softmax
followed by cross-entropy hands delta = (y_hat - y) / N to the logits), and checks the parameter
total against ``model.count_params()``.
"""

from __future__ import annotations

from typing import Any

from ..explanation import Explanation, ModelExplanation, Param, count_text
from ..layers.base import Layer
from ..layers.core import Softmax


def explain_model(model: Any) -> ModelExplanation:
    """The explanation of ``model`` (see :meth:`glassnet.Model.explain`).

    Raises
    ------
    ValueError
        For a subclassed model that has not been called yet (its layers' order and shapes are not
        known), and for a model without layers.
    """
    if not _ordered(model) and not model.built:
        raise ValueError(
            f"Model '{model.name}' ({type(model).__name__}) has not been called yet: a subclassed model finds "
            "the order and the shapes of its layers in its first call. Call it on a batch (model(x)) or fit "
            "it, then call explain()")
    if not model.layers:
        raise ValueError(f"Model '{model.name}' has no layers to explain: add some first")
    out = ModelExplanation(model.name, type(model).__name__, layers=_layer_entries(model))
    try:
        out.total_params = model.count_params()
    except ValueError:  # not built: no weights exist yet, so no total to state
        out.notes.append("not built yet: sizes are shown as symbols (n_in, H, W, C...); give the model "
                         "keras.Input(shape=...) or call it on a batch to see the numbers")
    counted = [e.param_count for e in out.layers]
    if out.total_params is not None and None not in counted and sum(c or 0 for c in counted) != out.total_params:
        out.notes.append("some weights are shared between layers: the total counts each once")
    out.losses = _loss_entries(model, out)
    optimizer = getattr(model, "optimizer", None)
    own_rule = getattr(model, "_explain_training", None)  # a model trained by its own rule (Perceptron) states it
    if own_rule is not None:
        out.optimizer = own_rule()
    elif optimizer is not None:
        out.optimizer = optimizer.explain()
        trained = model.trainable_weights
        out.optimizer.notes.append(f"updates {len(trained)} trainable weights, "
                                   f"{count_text(sum(int(v.data.size) for v in trained))} numbers, at every step")
    elif not getattr(model, "compiled", False):
        out.notes.append("not compiled: compile(optimizer=..., loss=...) adds the loss and the update rule")
    _penalty_notes(model, out)
    return out


def _ordered(model: Any) -> bool:
    """Whether the model knows its layers' order before any call (Sequential, Functional)."""
    from .functional import Functional  # both import models.model, which imports this module
    from .sequential import Sequential

    return isinstance(model, (Sequential, Functional))


def _layer_entries(model: Any, prefix: str = "") -> list[Explanation]:
    """Each layer's explanation in order; a nested model contributes its own layers, named model/layer."""
    from .model import Model  # model.py imports this module

    entries: list[Explanation] = []
    for layer in model.layers:
        if isinstance(layer, Model):  # a model used as a layer
            entries += _layer_entries(layer, f"{prefix}{layer.name}/")
            continue
        entry = layer.explain()
        entry.name = prefix + entry.name
        if not layer.trainable and layer.weights:
            entry.notes.append("frozen (trainable=False): its weights get no update")
        entries.append(entry)
    own = [v for v in model._variables if all(v is not w for layer in model.layers for w in layer.weights)]
    if own:  # weights a subclassed model creates itself with add_weight
        entry = Explanation(prefix + model.name, f"{type(model).__name__}, own weights", has_entry=False,
                            params=[Param(v.name or "w", v.name or "?", tuple(v.shape), v.trainable) for v in own])
        entry.notes.append("used in the model's call(); the tape differentiates the operations that use them")
        entries.append(entry)
    return entries


def _output_activation(layer: Layer | None) -> str | None:
    """The name of the activation a model output comes from (softmax, sigmoid...), if any."""
    if layer is None:
        return None
    if isinstance(layer, Softmax):
        return "softmax" if layer.axis == -1 else None
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", None) if callable(fn) else None


def _loss_entries(model: Any, out: ModelExplanation) -> list[Explanation]:
    losses = getattr(model, "compiled_loss", None) or []
    outputs = list(getattr(model, "outputs", None) or []) if _ordered(model) else []
    names = list(getattr(model, "output_names", None) or [])
    entries = []
    for i, loss in enumerate(losses):
        if loss is None:
            continue
        layer, shape = None, None
        if i < len(outputs):
            layer, shape = outputs[i].node.layer, outputs[i].shape
        elif isinstance(model._output_shape, tuple):  # a subclassed model: the shape of its first call
            shape = model._output_shape
        entry = loss.explain(shape, _output_activation(layer))
        if layer is not None:
            named = f" (output '{names[i]}')" if i < len(names) and names[i] != layer.name else ""
            entry.notes.insert(0, f"y_hat is the output of layer '{layer.name}'{named}")
            if "z" in entry.symbols:  # the loss reaches the logits: the output layer's Jacobian is skipped
                for block in out.layers:
                    if block.name == layer.name:
                        block.notes.append(f"trained with {entry.name}: delta = dC/dz comes from the loss "
                                           "directly (see below), the Jacobian is not used")
        else:
            entry.notes.insert(0, "the layer that outputs y_hat is not known before the call (a subclassed model): "
                                  "if y_hat comes straight from a softmax or sigmoid, the cross-entropies still "
                                  "use its logits (engine.ops.nn.logits_of)")
        entries.append(entry)
    weights = getattr(model, "_loss_weights", None) or []
    if len(entries) > 1:
        terms = " + ".join(("" if w == 1 else f"{w:g} ") + f"C_{i + 1}" for i, w in enumerate(weights)
                           if losses[i] is not None)
        out.notes.append(f"the model's cost adds the outputs' costs: C = {terms}")
    return entries


def _penalty_notes(model: Any, out: ModelExplanation) -> None:
    """Weight penalties (kernel_regularizer...) add to C and to dC/dW."""
    for var in model.weights:
        reg = var.regularizer
        if reg is None:
            continue
        l1, l2 = getattr(reg, "l1", 0.0), getattr(reg, "l2", 0.0)
        if l1 or l2:
            terms = " + ".join(t for t in (f"{l1:g} sum|W|" if l1 else "", f"{l2:g} sum W^2" if l2 else "") if t)
            grads = " + ".join(t for t in (f"{l1:g} sign(W)" if l1 else "", f"{2 * l2:g} W" if l2 else "") if t)
            out.notes.append(f"{var.path}: C += {terms}, so dC/dW += {grads}")
        else:
            out.notes.append(f"{var.path}: C += {type(reg).__name__}(W), and its gradient adds to dC/dW")
