"""Products, running sums and products, and log-sum-exp: reductions whose gradients are not 1 or 1/n.

``cumsum``'s gradient is a cumulative sum run backwards; ``prod`` and ``cumprod`` divide by nothing, so
zeros in the input get the right gradient (the product of the other entries).
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .math import _axes, _restore_axes


def _flat_axis(a: Tensor, axis: int | None) -> tuple[Tensor, int]:
    """Keras/NumPy rule: ``axis=None`` means "the flattened array"."""
    if axis is None:
        from .math import reshape

        return reshape(a, (-1,)), 0
    return a, axis % a.ndim


def _reverse_cumsum(g: Any, axis: int) -> Any:
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)


def cumsum(x: Any, axis: int | None = None) -> Tensor:
    """z_i = sum_{j <= i} x_j along ``axis``;   dC/dx_j = sum_{i >= j} g_i (a reversed cumsum)."""
    a, ax = _flat_axis(as_tensor(x), axis)
    return record(xp.cumsum(a.data, axis=ax), (a,), lambda g: (_reverse_cumsum(g, ax),))


def _exclusive_cumprod(v: Any, axis: int) -> Any:
    """prod_{j < i} v_j along ``axis`` (1 for the first entry)."""
    out = xp.ones_like(v)
    index = [slice(None)] * v.ndim
    index[axis] = slice(1, None)
    before = [slice(None)] * v.ndim
    before[axis] = slice(None, -1)
    out[tuple(index)] = xp.cumprod(v[tuple(before)], axis=axis)
    return out


def cumprod(x: Any, axis: int | None = None) -> Tensor:
    """z_i = prod_{j <= i} x_j;   dC/dx_j = sum_{i >= j} g_i prod_{k <= i, k != j} x_k.

    Without zeros that is (reversed cumsum of g z)_j / x_j.  With a zero the division fails, so
    the Jacobian is built explicitly (O(n^2) along the axis, only on that rare path).
    """
    a, ax = _flat_axis(as_tensor(x), axis)
    out = xp.cumprod(a.data, axis=ax)

    def backward(g: Any) -> tuple[Any]:
        if xp.all(a.data != 0):
            return (_reverse_cumsum(g * out, ax) / a.data,)
        v = xp.moveaxis(a.data, ax, -1)
        gm = xp.moveaxis(g, ax, -1)
        n = v.shape[-1]
        # w[..., j, i] = prod_{k <= i, k != j} x_k for i >= j, else 0: the Jacobian, built by masking.
        tiled = xp.broadcast_to(v[..., None, :], v.shape[:-1] + (n, n)).copy()
        eye = xp.eye(n, dtype=bool)
        tiled[..., eye] = 1  # leave x_j out of its own row
        w = xp.cumprod(tiled, axis=-1) * xp.triu(xp.ones((n, n), dtype=v.dtype))
        return (xp.moveaxis((w * gm[..., None, :]).sum(-1), -1, ax),)

    return record(out, (a,), backward)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """z = prod over ``axis``;   dz/dx_j = product of the other entries (exact at zeros)."""
    a = as_tensor(x)
    axes = _axes(axis, a.ndim)
    out = xp.prod(a.data, axis=axes, keepdims=keepdims)

    def backward(g: Any) -> tuple[Any]:
        # Move the reduced axes last and flatten them; prefix and suffix products leave x_j out.
        keep = [i for i in range(a.ndim) if i not in axes]
        v = xp.transpose(a.data, keep + list(axes))
        flat = v.reshape(v.shape[:len(keep)] + (-1,))
        left = _exclusive_cumprod(flat, -1)
        right = xp.flip(_exclusive_cumprod(xp.flip(flat, -1), -1), -1)
        others = (left * right).reshape(v.shape)
        others = xp.transpose(others, xp.argsort(keep + list(axes)))
        return (_restore_axes(g, axes, keepdims) * others,)

    return record(out, (a,), backward)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """z = log sum exp(x) over ``axis``, shifted by the max so nothing overflows;   dz/dx = softmax(x)."""
    a = as_tensor(x)
    axes = _axes(axis, a.ndim)
    peak = xp.max(a.data, axis=axes, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0)  # all -inf stays -inf instead of nan
    out = xp.log(xp.exp(a.data - peak).sum(axis=axes, keepdims=True)) + peak

    def backward(g: Any) -> tuple[Any]:
        return (_restore_axes(g, axes, keepdims) * xp.exp(a.data - out),)

    return record(out if keepdims else out.squeeze(axis=axes), (a,), backward)
