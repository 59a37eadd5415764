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
                 weighted_metrics: Any = None) -> None:
        multi = len(output_names) > 1
        prefixes = [f"{name}_" if multi else "" for name in output_names]
        self.loss = Mean(name="loss")
        self.output_losses = [Mean(name=f"{name}_loss") for name in output_names] if multi else []
        self.compiled_metrics = [compile_utils.CompiledMetrics(spec, loss, prefix=prefix) for spec, loss, prefix
                                 in zip(_per_output_metrics(metrics, output_names), losses, prefixes)]
        self.weighted_metrics = [compile_utils.CompiledMetrics(weighted_metrics, loss, prefix=prefix)
                                 for loss, prefix in zip(losses, prefixes)] if weighted_metrics else []

    @property
    def names(self) -> list[str]:
        """The keys of :meth:`result`, in order (``loss`` first)."""
        names = ["loss"] + [t.name for t in self.output_losses]
        for group in self.compiled_metrics + self.weighted_metrics:
            # "accuracy" resolves on the first batch; until then its spelling stands for it
            names += [group.prefix + (metric.name if metric is not None else pending) for metric, pending in
                      zip(group.metrics, group.pending + [""] * len(group.metrics))]
        return names

    def reset(self) -> None:
        """Start new averages (at each epoch, and before each evaluation)."""
        self.loss.reset_state()
        for tracker in self.output_losses:
            tracker.reset_state()
        for group in self.compiled_metrics + self.weighted_metrics:
            group.reset()

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
            logs[tracker.name] = tracker.result()
        for group in self.compiled_metrics + self.weighted_metrics:
            logs.update(group.results())
        return logs


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


def scalar_results(logs: dict[str, Any]) -> Any:
    """``evaluate``'s return value without ``return_dict``: the loss alone, or ``[loss, *metrics]``."""
    values = list(logs.values())
    return values[0] if len(values) == 1 else values

