"""The outputs of a subclassed model, known only once ``call`` has run, and how ``compile`` maps onto them.

A Functional or Sequential model knows its outputs when it is built, so ``compile`` resolves the
losses and metrics at once.  A subclassed model's ``call`` may return one tensor, a tuple/list or a
dict, and nothing says which until it runs: as Keras 3 does, ``compile`` then keeps its arguments and
:func:`resolve` maps them on the first ``fit``/``evaluate``/``train_on_batch`` step.  Keras' rules:

* a dict output is flattened by sorted key, and the keys are the output names: per-output losses log
  as ``<key>_loss`` and metrics as ``<key>_<metric>``;
* a tuple/list output has no names: per-output losses log as ``<loss name>_loss`` (``mse_loss``) and
  metrics keep their own names, a repeated name getting ``_1``, ``_2``... (``mae``, ``mae_1``);
* one loss (not a list) applies to every output; a list gives one per output (a dict output takes it
  in sorted key order); a dict of losses needs a dict output;
* ``metrics`` is a list with one entry per output (an entry may itself be a list), or a dict by key;
* the per-output losses are logged only when more than one output has a loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import losses as _losses
from . import compile_utils
from .metrics_tracker import MetricsTracker


@dataclass(frozen=True)
class OutputStructure:
    """What a subclassed model's ``call`` returns.

    Parameters
    ----------
    kind : str
        ``"single"``, ``"sequence"`` (a tuple or list) or ``"dict"``.
    names : list of str
        The dict keys, sorted (Keras' flattening order); ``output_1``, ``output_2``... for a sequence,
        used in messages only; ``["output"]`` for one tensor.
    """

    kind: str
    names: list[str]

    @property
    def count(self) -> int:
        return len(self.names)

    def describe(self) -> str:
        if self.kind == "dict":
            return f"a dict of {self.count} outputs {self.names}"
        if self.kind == "sequence":
            return f"a tuple of {self.count} outputs"
        return "one output"


def structure_of(out: Any) -> OutputStructure:
    """The :class:`OutputStructure` of one result of ``call``."""
    if isinstance(out, dict):
        return OutputStructure("dict", sorted(str(k) for k in out))
    if isinstance(out, (list, tuple)):
        if len(out) == 1:
            return OutputStructure("single", ["output"])
        return OutputStructure("sequence", [f"output_{i + 1}" for i in range(len(out))])
    return OutputStructure("single", ["output"])


def fits_one_output(loss: Any, metrics: Any, weighted_metrics: Any) -> bool:
    """Whether ``compile``'s arguments read as those of a one-output model (then they resolve at once)."""
    if isinstance(loss, dict) or (isinstance(loss, (list, tuple)) and len(loss) > 1):
        return False
    for spec in (metrics, weighted_metrics):
        if isinstance(spec, dict):
            return False
        if isinstance(spec, (list, tuple)) and any(isinstance(s, (list, tuple, dict)) for s in spec):
            return False
    return True


def _loss_log_name(spec: Any, loss: Any) -> str:
    """Keras' name of a loss in the logs of an unnamed output: the string given, else the loss' name."""
    if isinstance(spec, str) and not spec[:1].isupper():
        return spec
    return getattr(loss, "name", None) or getattr(getattr(loss, "fn", None), "__name__", "loss")


def _losses_for(loss: Any, structure: OutputStructure) -> list[Any]:
    """One loss spec per output (``None`` for none), by Keras' rules for subclassed models."""
    if loss is None:
        return [None] * structure.count
    if isinstance(loss, dict):
        if structure.kind != "dict":
            raise ValueError(f"compile: loss is a dict (keys {list(loss)}), but the model's call returns "
                             f"{structure.describe()}: pass a list with one loss per output, or return a dict")
        return compile_utils.per_output(loss, structure.names, "loss")
    if isinstance(loss, (list, tuple)):
        if len(loss) == 1 and structure.count == 1:
            return list(loss)
        if len(loss) != structure.count:
            raise ValueError(f"compile: loss is a list of {len(loss)} entries, but the model's call returns "
                             f"{structure.describe()}: give one loss per output (or one loss, not in a list, "
                             "for all of them)")
        return list(loss)
    return [loss] * structure.count


def _metrics_for(metrics: Any, structure: OutputStructure, what: str) -> list[Any]:
    """One metric spec (or list) per output, by Keras' rules for subclassed models."""
    n = structure.count
    if not metrics:
        return [None] * n
    if n == 1:
        return [metrics]
    if isinstance(metrics, (list, tuple)) and len(metrics) == n:
        return list(metrics)
    if isinstance(metrics, dict) and structure.kind == "dict":
        return compile_utils.per_output(metrics, structure.names, what)
    shape = "a dict keyed by output name, or a list" if structure.kind == "dict" else "a list"
    raise ValueError(f"compile: {what} must match the outputs of the model, whose call returns "
                     f"{structure.describe()}: pass {shape} with one entry per output (each entry a metric "
                     f"or a list of metrics, None for none), e.g. [['mae'], ['accuracy']]; got {what}={metrics!r}")


def resolve(model: Any, structure: OutputStructure) -> None:
    """Set ``model``'s compiled losses, loss weights and metrics tracker for ``structure``.

    Called on the first step of a subclassed model (and by ``compile`` once the structure is known).
    """
    loss, loss_weights, metrics, weighted_metrics = model._compile_args
    specs = _losses_for(loss, structure)
    compiled = [None if s is None else _losses.get(s) for s in specs]
    if loss_weights is None:
        weights = [1.0] * structure.count
    elif isinstance(loss_weights, (int, float)) and structure.count == 1:
        weights = [float(loss_weights)]
    else:
        weights = [1.0 if w is None else float(w)
                   for w in compile_utils.per_output(loss_weights, structure.names, "loss_weights")]
    metric_specs = _metrics_for(metrics, structure, "metrics")
    weighted = _metrics_for(weighted_metrics, structure, "weighted_metrics") if weighted_metrics else None
    if structure.kind == "dict":
        prefixes = [f"{name}_" for name in structure.names]
        loss_names = [f"{name}_loss" for name in structure.names]
    else:
        prefixes = [""] * structure.count
        loss_names = [f"{_loss_log_name(s, c)}_loss" if c is not None else "" for s, c in zip(specs, compiled)]
    with_losses = [name for name, c in zip(loss_names, compiled) if c is not None]
    model.compiled_loss = compiled
    model._loss_weights = weights
    model._tracker = MetricsTracker(compiled, structure.names, metric_specs, weighted, per_output=True,
                                    prefixes=prefixes, loss_names=loss_names if len(with_losses) > 1 else [])
    model._outputs_resolved_for = structure


def check_label_count(ys: list[Any] | None, structure: OutputStructure) -> None:
    """The labels must have one array per output of ``call`` (they were read before ``call`` first ran)."""
    if ys is not None and len(ys) != structure.count:
        raise ValueError(f"y has {len(ys)} array{'s' if len(ys) != 1 else ''}, but the model's call returns "
                         f"{structure.describe()}: pass one label array per output "
                         f"({'a dict by the same keys' if structure.kind == 'dict' else 'a tuple or list'})")


def compile_outputs(model: Any, loss: Any, loss_weights: Any, metrics: Any, weighted_metrics: Any) -> None:
    """``compile``'s work on losses and metrics: at once where the outputs are known, else on the first step.

    A Functional or Sequential model names its outputs; a subclassed model (no ``output_names``) whose
    ``call`` has not run yet is taken as one output when the arguments read so (the common case, which
    then works before any step, as it always did), and is re-resolved on the first step if ``call``
    returns several.
    """
    model._compile_args = (loss, loss_weights, metrics, weighted_metrics)
    model._outputs_resolved_for = None
    if model.output_names:
        names = list(model.output_names)
        model.compiled_loss = compile_utils.resolve_losses(loss, names) if loss is not None else [None] * len(names)
        model._loss_weights = [1.0] * len(names) if loss_weights is None else [
            1.0 if w is None else float(w) for w in compile_utils.per_output(loss_weights, names, "loss_weights")]
        model._tracker = MetricsTracker(model.compiled_loss, names, metrics, weighted_metrics)
        return
    known = getattr(model, "_output_structure", None)
    if known is not None or fits_one_output(loss, metrics, weighted_metrics):
        resolve(model, known or SINGLE)
        return
    model.compiled_loss, model._loss_weights, model._tracker = None, None, None  # resolved on the first step


SINGLE = OutputStructure("single", ["output"])


def prepare(model: Any, xs: list[Any], ys: list[Any] | None) -> None:
    """Before the first step: build the model and, for a subclassed one, learn its outputs and resolve compile.

    ``call`` runs once on the first sample when the model is not built or its outputs are not known yet.
    """
    subclassed = not model.output_names
    if subclassed and getattr(model, "_output_structure", None) is None:
        out = model(model._model_input([a[:1] for a in xs]), training=False)
        model._output_structure = structure_of(out)
    elif not model.built or not model.weights:
        model(model._model_input([a[:1] for a in xs]), training=False)
    if not subclassed:
        return
    structure = model._output_structure
    if getattr(model, "_compile_args", None) is not None and model._outputs_resolved_for != structure:
        resolve(model, structure)
    check_label_count(ys, structure)


def flat_outputs(out: Any) -> list[Any]:
    """The tensors of one result of ``call``, in order (a dict's in its own key order)."""
    if isinstance(out, dict):
        return list(out.values())
    if isinstance(out, (list, tuple)):
        return list(out)
    return [out]


def restore_structure(structure: Any, arrays: list[Any]) -> Any:
    """``arrays`` (one per output, as :func:`flat_outputs` listed them) in the structure ``call`` returned."""
    if isinstance(structure, dict):
        return dict(zip(structure.keys(), arrays))
    if isinstance(structure, (list, tuple)):
        return list(arrays)
    return arrays[0]
