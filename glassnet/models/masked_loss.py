"""Masked time steps leave the loss and the metrics, as in Keras 3: the output's mask becomes weights.

When a model output carries a mask (``Embedding(mask_zero=True)`` or ``Masking`` before a recurrent
layer with ``return_sequences``), each step is weighted by it.  For a mean loss the valid steps are
scaled by ``total / valid``, so the batch mean over all steps equals the mean over the valid steps
only (Keras' ``apply_mask``); the metrics are weighted averages, so the mask alone is their weight.

Device-side: the mask and the weights stay arrays of the backend (``xp``); a metric brings them to
the host with the batch in its ``update_state``.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp


def _mask(y_pred: Any) -> Any:
    return getattr(y_pred, "_keras_mask", None)


def _combine(weights: Any, sample_weight: Any) -> Any:
    if sample_weight is None:
        return weights
    sw = xp.asarray(getattr(sample_weight, "data", sample_weight), dtype=weights.dtype)
    while sw.ndim > weights.ndim and sw.shape[-1] == 1:
        sw = sw[..., 0]
    while sw.ndim < weights.ndim:
        sw = sw[..., None]
    return weights * sw


def loss_weights(y_pred: Any, sample_weight: Any, loss: Any) -> Any:
    """The sample weights a loss gets: ``sample_weight`` times the mask of ``y_pred`` (scaled for means)."""
    mask = _mask(y_pred)
    if mask is None:
        return sample_weight
    weights = xp.asarray(mask).astype(y_pred.dtype if y_pred.dtype.kind == "f" else xp.float64)
    if getattr(loss, "reduction", "sum_over_batch_size") in ("sum_over_batch_size", "mean"):
        valid = float(weights.sum())
        weights = weights * (weights.size / valid) if valid else weights
    return _combine(weights, sample_weight)


def metric_weights(y_pred: Any, sample_weight: Any) -> Any:
    """The sample weights a metric gets: ``sample_weight`` times the mask of ``y_pred`` (if any)."""
    mask = _mask(y_pred)
    if mask is None:
        return sample_weight
    return _combine(xp.asarray(mask).astype(xp.float64), sample_weight)
