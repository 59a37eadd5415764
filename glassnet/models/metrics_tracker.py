"""The numbers ``fit`` and ``evaluate`` report: running averages over the batches of an epoch.

One :class:`MetricsTracker` per compiled model holds, in the order Keras logs them,

* ``loss``: the mean of each batch's total loss (weighted by the batch's sample count);
* ``<output>_loss``: each output's own loss, for models with several outputs;
* the compiled ``metrics`` and ``weighted_metrics`` of every output (``<output>_`` in front of their
  names when there are several outputs).

``reset()`` starts an epoch, ``update()`` adds one batch, ``result()`` gives the logs dict.
"""

from __future__ import annotations

from typing import Any

from ..metrics import Mean
from . import compile_utils
from .masked_loss import metric_weights


class MetricsTracker:
    """Loss and metric averages of a compiled model.

    Parameters
    ----------
    losses : list
        The compiled loss of each output (``None`` for an output without one).
    output_names : list of str
        The model's output names, one per loss.
    metrics, weighted_metrics : optional
        ``compile``'s arguments: one spec for every output, a list of lists or a dict by output name.
    """

    def __init__(self, losses: list[Any], output_names: list[str], metrics: Any = None,
                 weighted_metrics: Any = None, per_output: bool = False, prefixes: list[str] | None = None,
                 loss_names: list[str] | None = None) -> None:
        # per_output/prefixes/loss_names: a subclassed model's outputs (see output_structure.resolve), whose
        # metrics are already one spec per output and whose logs are named by Keras' rules for them.
        multi = len(output_names) > 1
        if prefixes is None:
            prefixes = [f"{name}_" if multi else "" for name in output_names]
        if loss_names is None:
            loss_names = [f"{name}_loss" for name in output_names] if multi else []
        self.loss = Mean(name="loss")
        self.added: dict[str, Mean] = {}  # Keras 2's layer.add_metric(value, name): created on first sight
        self.output_losses = [Mean(name=name) for name in loss_names]
        per_metrics = metrics if per_output else _per_output_metrics(metrics, output_names)
        per_weighted = weighted_metrics if per_output else [weighted_metrics] * len(output_names)
        self.compiled_metrics = [compile_utils.CompiledMetrics(spec, loss, prefix=prefix) for spec, loss, prefix
                                 in zip(per_metrics, losses, prefixes)]
        self.weighted_metrics = [compile_utils.CompiledMetrics(spec, loss, prefix=prefix) for spec, loss, prefix
                                 in zip(per_weighted, losses, prefixes)] if weighted_metrics else []

    @property
    def names(self) -> list[str]:
        """The keys of :meth:`result`, in order (``loss`` first)."""
        names = ["loss"] + [t.name for t in self.output_losses if t.name]
        seen: set[str] = set()
        for group in self.compiled_metrics + self.weighted_metrics:
            weighted = any(group is w for w in self.weighted_metrics)
            # "accuracy" resolves on the first batch; until then its spelling stands for it
            names += [_unique_key(group.prefix, metric.name if metric is not None else pending, seen, weighted)
                      for metric, pending in zip(group.metrics, group.pending + [""] * len(group.metrics))]
        return names + list(self.added)

    def reset(self) -> None:
        """Start new averages (at each epoch, and before each evaluation)."""
        self.loss.reset_state()
        for tracker in self.output_losses:
            tracker.reset_state()
        for group in self.compiled_metrics + self.weighted_metrics:
            group.reset()
        for metric in self.added.values():
            metric.reset_state()

    def update_added(self, values: list[tuple[str, Any]]) -> None:
        """Add one batch of ``add_metric`` values (the mean of all their elements is logged)."""
        for name, value in values:
            self.added.setdefault(name, Mean(name=name)).update_state(getattr(value, "data", value))

    def update(self, n: int, loss: Any, parts: list[Any], ys: list[Any] | None, preds: list[Any],
               sws: list[Any] | None) -> None:
        """Add one batch of ``n`` samples: its total loss, each output's loss, and the metrics.

        ``ys`` is ``None`` for a model trained on its ``add_loss`` losses alone: no metric needs updating.
        """
        self.loss.update_scalar(float(loss.data), n)
        for tracker, part in zip(self.output_losses, parts):
            if part is not None:
                tracker.update_scalar(float(part.data), n)
        if ys is None:
            return
        for group, y, p in zip(self.compiled_metrics, ys, preds):
            group.update(y, p.data, metric_weights(p, None))  # a mask on the output leaves masked steps out
        for i, (group, y, p) in enumerate(zip(self.weighted_metrics, ys, preds)):
            group.update(y, p.data, metric_weights(p, sws[i] if sws else None))

    def result(self) -> dict[str, Any]:
        """The logs dict: ``{"loss": ..., "accuracy": ...}``."""
        logs: dict[str, Any] = {"loss": self.loss.result()}
        for tracker in self.output_losses:
            if tracker.name:  # an output without a loss has no log (output_structure.resolve)
                logs[tracker.name] = tracker.result()
        seen: set[str] = set()
        for group in self.compiled_metrics + self.weighted_metrics:
            weighted = any(group is w for w in self.weighted_metrics)
            for metric in group.metrics:
                if metric is not None:
                    logs[_unique_key(group.prefix, metric.name, seen, weighted)] = group.result_of(metric)
        for name, metric in self.added.items():
            logs[name] = metric.result()
        return logs


def _unique_key(prefix: str, name: str, seen: set[str], weighted: bool) -> str:
    """Keras' log key of a metric whose name is taken: ``weighted_mae`` for a weighted metric, else ``mae_1``..."""
    key = prefix + name
    if key in seen and weighted:
        key = f"{prefix}weighted_{name}"
    base, index = key, 1
    while key in seen:
        key = f"{base}_{index}"
        index += 1
    seen.add(key)
    return key


def _per_output_metrics(metrics: Any, output_names: list[str]) -> list[Any]:
    """``compile(metrics=...)`` as one spec per output: a dict by name, a list of lists, or one for all."""
    if isinstance(metrics, dict):
        return compile_utils.per_output(metrics, output_names, "metrics")
    if len(output_names) > 1 and isinstance(metrics, (list, tuple)) and metrics and all(
            isinstance(x, (list, tuple)) or x is None for x in metrics):
        if len(metrics) != len(output_names):
            raise ValueError(f"compile: metrics has {len(metrics)} lists for {len(output_names)} outputs")
        return list(metrics)
    return [metrics] * len(output_names)


def added_metric_values(model: Any) -> list[tuple[str, Any]]:
    """The ``add_metric`` values of the step's forward pass (Keras 2), from the model and every layer."""
    sources = model._penalty_sources  # fit's list of layers, walked once (Trainer._trainable_for_step)
    layers = sources[1] if sources is not None else [model] + model._flatten_layers()
    return [pair for layer in layers for pair in layer._added_metrics]


def scalar_results(logs: dict[str, Any]) -> Any:
    """``evaluate``'s return value without ``return_dict``: the loss alone, or ``[loss, *metrics]``."""
    values = list(logs.values())
    return values[0] if len(values) == 1 else values

