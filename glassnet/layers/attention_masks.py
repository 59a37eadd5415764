"""The masks of the attention layers, as Keras 3 builds them (True = may attend, False = hidden).

MultiHeadAttention combines, by logical AND, into one (batch, T_q, T_k) mask:

* ``query_mask[:, :, None]``  the query's mask (the one riding on it, from Embedding(mask_zero=True) or
  Masking): a padded query attends to nothing, so its attention weights are all 0;
* ``value_mask[:, None, :]`` and ``key_mask[:, None, :]``: padded keys get no weight from any query;
* ``use_causal_mask``: key j is visible to query i only when j <= i (Keras aligns the two sequences at
  their first step, also when T_q != T_k);
* ``attention_mask`` given by the caller, (batch, T_q, T_k) or broadcastable to it.

Attention and AdditiveAttention take ``mask=[query_mask, value_mask]`` (read from the inputs when not
given): the value mask (and the causal mask) hide keys, and the outputs of masked queries are set to 0.
Both layers pass the query's mask on to their output.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..engine.ops import attention as _att
from ..engine.tensor import Tensor


def as_bool(mask: Any) -> Any:
    """A mask (array, tensor, list) as a boolean array; None stays None."""
    if mask is None:
        return None
    return xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool, copy=False)


def checked(who: str, what: str, mask: Any, shape: tuple[Any, ...]) -> Any:
    """``mask`` as a boolean array of exactly ``shape`` (batch, steps), or a clear error naming the layer."""
    mask = as_bool(mask)
    if mask is not None and mask.shape != tuple(shape):
        raise ValueError(f"{who}: {what} must be (batch, steps) = {tuple(shape)}, got shape {mask.shape}")
    return mask


def and_masks(a: Any, b: Any) -> Any:
    """a & b, where None means "nothing hidden"."""
    return a if b is None else (b if a is None else a & b)


def attention_mask_of(who: str, attention_mask: Any, use_causal_mask: bool, query_mask: Any, value_mask: Any,
                      key_mask: Any, tq: int, tk: int, batch: int) -> Any:
    """Keras' ``_compute_attention_mask``: the AND of every mask that applies, (batch or 1, T_q, T_k) or None."""
    auto = None
    if query_mask is not None:
        auto = query_mask[:, :, None]
    if value_mask is not None:
        auto = and_masks(auto, value_mask[:, None, :])
    if key_mask is not None:
        auto = and_masks(auto, key_mask[:, None, :])
    if use_causal_mask:
        auto = and_masks(auto, _att.causal_mask(tq, tk)[None])
    given = as_bool(attention_mask)
    if given is not None:
        try:
            xp.broadcast_shapes(given.shape, (batch, tq, tk))
        except ValueError:
            raise ValueError(f"{who}: attention_mask of shape {given.shape} does not broadcast to "
                             f"(batch, T_q, T_k) = {(batch, tq, tk)}") from None
    return and_masks(given, auto)


def score_masks(who: str, mask: Any, q_shape: tuple[Any, ...], v_shape: tuple[Any, ...]) -> tuple[Any, Any]:
    """``mask=[query_mask, value_mask(, key_mask)]`` of Attention/AdditiveAttention, checked as Keras does."""
    if mask is None:
        return None, None
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"{who}: mask must be a list, namely [query_mask, value_mask], got {type(mask).__name__}")
    if len(mask) not in (2, 3):
        raise ValueError(f"{who}: mask must be a list of length 2 or 3 ([query_mask, value_mask]), got {len(mask)}")
    return (checked(who, "query_mask", mask[0], tuple(q_shape[:2])),
            checked(who, "value_mask", mask[1], tuple(v_shape[:2])))


def keys_visible(value_mask: Any, use_causal_mask: bool, tq: int, tv: int) -> Any:
    """Keras' score mask of Attention: value_mask[:, None, :] & causal, or None."""
    keys = None if value_mask is None else value_mask[:, None, :]
    if use_causal_mask:
        keys = and_masks(keys, _att.causal_mask(tq, tv)[None])
    return keys
