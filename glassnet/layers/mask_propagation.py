"""How a mask travels with a tensor, as in Keras: ``Layer.__call__`` reads, hands over and attaches it.

A mask (bool, (batch, timesteps)) made by ``Embedding(mask_zero=True)`` or ``Masking`` rides on the
output tensor as ``tensor._keras_mask``.  The next layer receives it as ``mask=`` when its ``call``
takes one (an RNN skips the masked steps); a layer with ``supports_masking`` passes on what its
``compute_mask`` returns; a layer without it drops the mask, with a warning (Keras 3's rule).  Since
Sequential and Functional models call their layers on real tensors, the mask flows along the graph
the same way, and ``compile``'s loss and metrics read it from the model output
(:func:`glassnet.models.masked_loss.mask_weights`).  While a Functional graph is built, a symbolic
tensor carries a symbolic ``_keras_mask`` (its shape only) when its layer gives its output a mask,
as in Keras (``glassnet.layers.tracing``).

Which layers pass a mask on, and how, follows Keras 3 layer by layer: merges (OR of the masks;
Concatenate joins them), attention (the query's mask), normalization and element-wise layers (unchanged);
GlobalAveragePooling1D consumes it (mean over the kept steps); Flatten, Reshape, the other pooling and
the convolution layers drop it with a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..backend import xp
from ..engine.tensor import Tensor


def mask_of(value: Any) -> Any:
    """The mask riding on ``value`` (a tensor, or a list of them: a list of masks), ``None`` if none."""
    if isinstance(value, Tensor):
        return value._keras_mask
    if isinstance(value, (list, tuple)) and value:
        masks = [getattr(v, "_keras_mask", None) for v in value]
        return masks if any(mk is not None for mk in masks) else None
    return None


def as_mask(mask: Any) -> Any:
    """An explicit ``mask=`` argument as a boolean array (lists of masks kept as lists)."""
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)):
        return [as_mask(mk) for mk in mask]
    return xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool, copy=False)


def attach(layer: Any, inputs: Any, outputs: Any, previous_mask: Any) -> None:
    """Set ``layer.compute_mask(inputs, previous_mask)`` on the outputs that have no mask yet."""
    flat_out = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    if all(isinstance(t, Tensor) and t._keras_mask is not None for t in flat_out):
        return  # the layer set them itself (Masking, a model whose last layer did)
    masks = layer.compute_mask(inputs, previous_mask)
    if masks is None:
        return
    flat_masks = list(masks) if isinstance(masks, (list, tuple)) else [masks]
    for t, mk in zip(flat_out, flat_masks):
        if isinstance(t, Tensor) and t._keras_mask is None and mk is not None:
            t._keras_mask = as_mask(mk)


def dropped(layer: Any) -> None:
    """Warn that ``layer`` (no ``supports_masking``) loses the mask of its input, as Keras 3 does."""
    if layer._tracked_layers:
        return  # a container (a model, a wrapper) hands the mask to its layers through the tensors
    warnings.warn(f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an input with a mask "
                  "attached to it, but it does not support masking, so it drops the mask: the layers after "
                  "it will not see it", stacklevel=3)
