"""What ``compile`` resolves: losses per output, loss weights and metrics per output.

``"accuracy"`` is resolved on the first batch, when the label and prediction
shapes are known (Keras 3's rule), with the loss as the tie-breaker: binary if
the prediction has one unit, sparse categorical if the labels have one axis
fewer (or a last axis of 1), categorical otherwise.

Host and device: the losses here run on the tape (``xp``, device-side); the labels and predictions
given to the metrics stay as they are (only their shapes are read), and each metric brings them to
the host in its ``update_state``; metric results are host floats or NumPy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from .. import losses as _losses
from .. import metrics as _metrics
from ..engine.ops import math as m
from .masked_loss import loss_weights


def per_output(spec: Any, output_names: list[str], what: str) -> list[Any]:
    """Align a single spec, a list or a dict keyed by output name to the model outputs."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(f"compile: {what} has keys {unknown} that name no output; outputs are {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what != "metrics":
        if len(spec) == 1 and n > 1:
            return list(spec) * n
        if len(spec) != n:
            raise ValueError(f"compile: {what} is a list of {len(spec)} entries but the model has {n} "
                             f"output(s) {output_names}")
        return list(spec)
    return [spec] * n


def resolve_accuracy(name: str, y_true: np.ndarray, y_pred: np.ndarray, loss: Any) -> _metrics.Metric:
    """Pick Binary/Sparse/Categorical accuracy for the string ``'accuracy'``, keeping the user's name."""
    loss_name = type(loss).__name__ if loss is not None else ""
    if loss_name == "SparseCategoricalCrossentropy":
        cls: type = _metrics.SparseCategoricalAccuracy
    elif loss_name == "BinaryCrossentropy" or y_pred.shape[-1] == 1:
        cls = _metrics.BinaryAccuracy
    elif loss_name == "CategoricalCrossentropy":
        cls = _metrics.CategoricalAccuracy
    elif y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
        cls = _metrics.SparseCategoricalAccuracy
    else:
        cls = _metrics.CategoricalAccuracy
    metric = cls()
    metric.name = name
    return metric


class CompiledMetrics:
    """The metric objects of one output, resolved lazily for 'accuracy'-style names."""

    _SHAPE_DEPENDENT = ("accuracy", "acc")

    def __init__(self, specs: Any, loss: Any, prefix: str = "") -> None:
        if specs is None:
            specs = []
        if not isinstance(specs, (list, tuple)):
            specs = [specs]
        self.loss = loss
        self.prefix = prefix
        self.pending: list[str] = []
        self.metrics: list[_metrics.Metric] = []
        for spec in specs:
            if isinstance(spec, str) and spec.lower() in self._SHAPE_DEPENDENT:
                self.pending.append(spec)
                self.metrics.append(None)  # type: ignore[arg-type]
            else:
                metric = _metrics.get(spec)
                self.metrics.append(metric)

    def update(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: Any = None) -> None:
        if self.pending:
            names = iter(self.pending)
            self.metrics = [m_ if m_ is not None else resolve_accuracy(next(names), y_true, y_pred, self.loss)
                            for m_ in self.metrics]
            self.pending = []
        for metric in self.metrics:
            metric.update_state(y_true, y_pred, sample_weight)

    def results(self) -> dict[str, float]:
        return {self.prefix + metric.name: self.result_of(metric) for metric in self.metrics if metric is not None}

    @staticmethod
    def result_of(metric: _metrics.Metric) -> Any:
        # A metric may report one value per class (F1Score(average=None)): keep it as an array, as Keras does.
        return _scalar_or_array(metric.result())

    def reset(self) -> None:
        for metric in self.metrics:
            if metric is not None:
                metric.reset_state()


def _scalar_or_array(value: Any) -> Any:
    # A custom metric may return a Tensor or a device array: read it on the host (free on NumPy).
    host = backend.to_numpy(value)
    return float(host) if host.ndim == 0 else host.astype(np.float64, copy=False)


def total_loss(losses: list[Any], weights: list[float], y_true: list[Any] | None, y_pred: list[Any],
               sample_weight: list[Any] | None) -> tuple[Any, list[Any]]:
    """sum_k w_k * loss_k(y_k, y_hat_k); returns the total and each output's (unweighted) loss.

    The total is None when no output has a loss: the model then trains on its ``add_loss`` losses
    alone, and ``y_true`` may be None.
    """
    total = None
    parts = []
    for i, (loss, w) in enumerate(zip(losses, weights)):
        if loss is None:
            parts.append(None)
            continue
        if y_true is None:
            raise ValueError("The loss needs labels: pass y (or, with a generator or PyDataset, batches (x, y))")
        sw = sample_weight[i] if sample_weight else None
        value = loss(y_true[i], y_pred[i], loss_weights(y_pred[i], sw, loss))  # masked steps left out
        parts.append(value)
        term = value if w == 1 else m.multiply(value, float(w))
        total = term if total is None else m.add(total, term)
    return total, parts


def resolve_losses(loss: Any, output_names: list[str]) -> list[Any]:
    """Loss objects, one per output (``None`` where an output has no loss)."""
    specs = per_output(loss, output_names, "loss")
    return [None if s is None else _losses.get(s) for s in specs]
