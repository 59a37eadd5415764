"""Scaled dot-product attention as one op, its backward written as the equations beside it.

Over leading axes ``...`` (batch, heads), with queries Q (..., Tq, d), keys K (..., Tk, d) and
values V (..., Tk, dv), s = 1/sqrt(d) unless given, and a boolean mask M (False = masked):

* forward:   S = s Q K^T + bias(M)     bias = 0 where M, a large negative number where not
             A = softmax(S)            over the keys (last axis); a row with every key masked is 0
             A' = dropout(A)           training only: A * keep / (1 - rate)
             O = A' V
* backward (delta = dC/dO):
             dV  = A'^T delta
             dA' = delta V^T,          dA = dA' * keep / (1 - rate)
             dS  = A * (dA - sum_k(dA * A))       the softmax Jacobian, row by row
             dQ  = s dS K,             dK = s dS^T Q

Every product is one batched ``matmul`` over the leading axes: no loop over heads.
"""

from __future__ import annotations

import math as _pymath
from typing import Any

from ... import backend
from ...backend import rng, xp
from ..tensor import as_tensor, record

# Keras' bias for masked scores: exp(S - 1e9) is exactly 0 next to any unmasked score.
MASKED_SCORE = -1e9


def _t(a: Any) -> Any:
    return xp.swapaxes(a, -1, -2)


def causal_mask(tq: int, tk: int) -> Any:
    """M[i, j] = j <= i: query i sees the keys up to its own position, none after.

    As Keras' attention layers build it (row index >= column index), the two sequences are aligned at
    their first step, also when T_q != T_k.
    """
    return xp.tril(xp.ones((tq, tk), dtype=bool))


def scaled_dot_product_attention(query: Any, key: Any, value: Any, mask: Any = None, scale: float | None = None,
                                 dropout_rate: float = 0.0, training: bool = False, seed: Any = None,
                                 return_scores: bool = False) -> Any:
    """O = softmax(Q K^T / sqrt(d) + bias(M)) V over the last two axes, batched over the others.

    Parameters
    ----------
    query, key, value : Tensor
        Shapes (..., Tq, d), (..., Tk, d), (..., Tk, dv); the leading axes broadcast.
    mask : array_like of bool, optional
        Broadcastable to (..., Tq, Tk); False hides a key from a query.  Rows with every key masked give
        zeros (attention weights and output), not NaN.
    scale : float, optional
        The factor s on Q K^T; 1/sqrt(d) by default.
    dropout_rate : float
        Dropout on the attention weights A, applied only when ``training``.
    seed : numpy.random.Generator, optional
        The dropout's generator (glassnet's by default).
    return_scores : bool
        Also return A (the weights after the softmax, before dropout), as a tensor gradients flow through.

    Returns
    -------
    O, or (O, A) with ``return_scores``.
    """
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query and key must share their last axis, got "
                         f"{q.shape} and {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: key and value must have the same length (axis -2), got "
                         f"{k.shape} and {v.shape}")
    if not 0 <= dropout_rate < 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_rate must be in [0, 1), got {dropout_rate}")
    dtype = q.dtype
    s = dtype.type(1.0 / _pymath.sqrt(q.shape[-1]) if scale is None else scale)
    a = _softmax_weights((q.data @ _t(k.data)) * s, mask)  # S = s Q K^T + bias(M);  A = softmax(S)
    keep = _dropout_keep(a, dropout_rate, training, seed)
    a_used = a if keep is None else a * keep  # A'
    out = a_used @ v.data  # O = A' V

    def scores_backward(d_a: Any) -> tuple[Any, Any]:
        # dS = A * (dA - sum_k(dA * A));  dQ = s dS K;  dK = s dS^T Q
        d_s = a * (d_a - (d_a * a).sum(axis=-1, keepdims=True))
        d_q = _sum_to((d_s @ k.data) * s, q.shape) if q.requires_grad else None
        d_k = _sum_to((_t(d_s) @ q.data) * s, k.shape) if k.requires_grad else None
        return d_q, d_k

    def backward(delta: Any) -> tuple[Any, Any, Any]:
        d_v = _sum_to(_t(a_used) @ delta, v.shape) if v.requires_grad else None  # dV = A'^T delta
        d_a = delta @ _t(v.data)  # dA' = delta V^T
        if keep is not None:
            d_a = d_a * keep
        d_q, d_k = scores_backward(d_a)
        return d_q, d_k, d_v

    o = record(out, (q, k, v), backward)
    if not return_scores:
        return o
    return o, record(a, (q, k), scores_backward)


def _sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the leading axes an input was broadcast along."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def _softmax_weights(scores: Any, mask: Any) -> Any:
    """A = softmax(S + bias(M)) over the last axis; rows with no visible key are all 0."""
    alive = None
    if mask is not None:
        m = xp.asarray(getattr(mask, "data", mask)).astype(bool)
        scores = xp.where(m, scores, scores.dtype.type(MASKED_SCORE))
        alive = xp.broadcast_to(m, scores.shape).any(axis=-1, keepdims=True)  # rows with a visible key
    a = xp.exp(scores - scores.max(axis=-1, keepdims=True))
    a /= a.sum(axis=-1, keepdims=True)
    return a if alive is None else a * alive  # a fully masked row attends to nothing: 0, not NaN


def _dropout_keep(a: Any, rate: float, training: bool, seed: Any) -> Any:
    """The inverted-dropout factor keep / (1 - rate) on A (None outside training or at rate 0)."""
    if not training or rate <= 0:
        return None
    gen = rng() if seed is None else seed
    # The generator is NumPy's on every backend (see backend.py); its draw crosses to the device here.
    keep = backend.to_array(gen.random(a.shape) >= rate)
    return keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - rate))


def attend(scores: Any, value: Any, mask: Any = None, dropout_rate: float = 0.0, training: bool = False,
           seed: Any = None, return_scores: bool = False) -> Any:
    """O = softmax(S + bias(M)) V for scores S computed by other ops (Keras' Attention and AdditiveAttention).

    The second half of :func:`scaled_dot_product_attention`: A = softmax(S), A' = dropout(A), O = A' V;
    backward  dV = A'^T delta,  dA = (delta V^T) * keep / (1 - rate),  dS = A * (dA - sum_k(dA * A)).
    S is (..., Tq, Tk), V (..., Tk, dv).
    """
    sc, v = as_tensor(scores), as_tensor(value)
    if sc.shape[-1] != v.shape[-2]:
        raise ValueError(f"attend: scores (..., Tq, Tk) and value (..., Tk, dv) disagree on Tk: {sc.shape} and "
                         f"{v.shape}")
    if not 0 <= dropout_rate < 1:
        raise ValueError(f"attend: dropout_rate must be in [0, 1), got {dropout_rate}")
    a = _softmax_weights(sc.data, mask)
    keep = _dropout_keep(a, dropout_rate, training, seed)
    a_used = a if keep is None else a * keep
    out = a_used @ v.data

    def scores_backward(d_a: Any) -> tuple[Any]:
        return (_sum_to(a * (d_a - (d_a * a).sum(axis=-1, keepdims=True)), sc.shape),)

    def backward(delta: Any) -> tuple[Any, Any]:
        d_v = _sum_to(_t(a_used) @ delta, v.shape) if v.requires_grad else None
        d_a = delta @ _t(v.data)
        return scores_backward(d_a if keep is None else d_a * keep)[0], d_v

    o = record(out, (sc, v), backward)
    return (o, record(a, (sc,), scores_backward)) if return_scores else o
