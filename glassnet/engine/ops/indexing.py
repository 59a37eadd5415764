"""Gathers and scatters by index: the differentiable core of flip, roll, pad, sort, scatter, segment_sum...

``gather_flat`` reads ``a`` through a map of flat indices, so any rearrangement NumPy can apply to
``arange(a.size)`` (flip, roll, repeat, pad's reflect/wrap/edge modes, take_along_axis) becomes a
differentiable op with one backward: scatter the gradient back through the same map.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .math import _pair


def _indices(value: Any) -> Any:
    arr = value.data if isinstance(value, Tensor) else xp.asarray(value)
    if arr.dtype.kind not in "iu":
        if arr.size and not xp.all(arr == xp.round(arr)):
            raise ValueError(f"indices must be whole numbers, got dtype {arr.dtype}")
        arr = arr.astype(xp.int64)
    return arr


def gather_flat(a: Any, index_map: Any, fill: Any = None) -> Tensor:
    """z[i] = a.flat[index_map[i]]; entries whose index is negative take ``fill`` (a constant) instead.

    The output has ``index_map``'s shape.  Backward: each output gradient goes back to the entry it
    was read from; entries read several times (repeat, edge padding) add their gradients up.
    """
    a = as_tensor(a)
    idx = _indices(index_map)
    flat = a.data.reshape(-1)
    if fill is None:
        out = flat[idx]
        valid = None
    else:
        valid = idx >= 0
        out = xp.where(valid, flat[xp.where(valid, idx, 0)], xp.asarray(fill, dtype=a.dtype))
    unique = valid is None and idx.size == xp.unique(idx).size

    def backward(g: Any) -> tuple[Any]:
        grad = xp.zeros(a.data.size, dtype=g.dtype)
        if unique:  # a permutation or a selection: a plain assignment, much faster than add.at
            grad[idx.reshape(-1)] = g.reshape(-1)
        elif valid is None:
            backend.scatter_add(grad, idx.reshape(-1), g.reshape(-1))
        else:
            backend.scatter_add(grad, idx[valid], g[valid])
        return (grad.reshape(a.shape),)

    return record(out, (a,), backward)


def index_update(a: Any, index: Any, updates: Any) -> Tensor:
    """z = a with ``z[index] = updates`` (``index`` as for NumPy: slices, integer arrays).

    Backward: the gradient of ``a`` is ``g`` with the overwritten entries zeroed (they no longer
    depend on ``a``); the gradient of ``updates`` is ``g[index]``.
    """
    a, u = _pair(a, updates)
    out = a.data.copy()
    out[index] = u.data

    def backward(g: Any) -> tuple[Any, Any]:
        ga = g.copy()
        ga[index] = 0
        gu = xp.broadcast_to(g[index], backend.broadcast_shapes(out[index].shape, u.shape))
        return ga, _reduce_to(gu, u.shape)

    return record(out, (a, u), backward)


def _reduce_to(grad: Any, shape: tuple[int, ...]) -> Any:
    from .math import _unbroadcast

    return _unbroadcast(grad, shape).reshape(shape)


def scatter_add(indices: Any, values: Any, shape: Any) -> Tensor:
    """z = zeros(shape) with ``values[i]`` added at ``indices[i]`` (a row of coordinates per entry).

    ``indices`` is (n, k): the first k coordinates of each update; ``values`` is (n,) + shape[k:].
    Duplicates add up, as in Keras.  Backward: ``values`` gets ``g`` read back at its coordinates.
    """
    v = as_tensor(values)
    idx = _indices(indices)
    shape = tuple(int(s) for s in shape)
    if idx.ndim != 2 or idx.shape[1] > len(shape):
        raise ValueError(f"scatter: indices must have shape (n, k) with k <= {len(shape)}, got {idx.shape}")
    where = tuple(idx.T)
    out = xp.zeros(shape, dtype=v.dtype)
    backend.scatter_add(out, where, v.data)
    return record(out, (v,), lambda g: (g[where].reshape(v.shape),))


def segment_sum(data: Any, segment_ids: Any, num_segments: int) -> Tensor:
    """z[s] = sum of the rows of ``data`` whose segment id is s (ids outside [0, num_segments) are dropped).

    Backward: each row gets its segment's gradient.
    """
    d = as_tensor(data)
    ids = _indices(segment_ids)
    keep = (ids >= 0) & (ids < num_segments)
    out = xp.zeros((int(num_segments),) + d.shape[1:], dtype=d.dtype)
    backend.scatter_add(out, ids[keep], d.data[keep])

    def backward(g: Any) -> tuple[Any]:
        grad = xp.zeros(d.shape, dtype=g.dtype)
        grad[keep] = g[ids[keep]]
        return (grad,)

    return record(out, (d,), backward)


def segment_max(data: Any, segment_ids: Any, num_segments: int) -> Tensor:
    """z[s] = max of the rows of ``data`` in segment s (``-inf`` for an empty segment, as NumPy's identity).

    Backward: the gradient is shared equally by the rows equal to their segment's max.
    """
    d = as_tensor(data)
    ids = _indices(segment_ids)
    keep = (ids >= 0) & (ids < num_segments)
    out = xp.full((int(num_segments),) + d.shape[1:], -xp.inf, dtype=d.dtype)
    backend.scatter("maximum", out, ids[keep], d.data[keep])

    def backward(g: Any) -> tuple[Any]:
        winner = xp.zeros(d.shape, dtype=d.dtype)
        winner[keep] = d.data[keep] == out[ids[keep]]
        count = xp.zeros(out.shape, dtype=d.dtype)
        backend.scatter_add(count, ids[keep], winner[keep])
        grad = xp.zeros(d.shape, dtype=g.dtype)
        grad[keep] = winner[keep] * g[ids[keep]] / xp.maximum(count, 1)[ids[keep]]
        return (grad,)

    return record(out, (d,), backward)


def segment_prod(data: Any, segment_ids: Any, num_segments: int) -> Tensor:
    """z[s] = product of the rows of ``data`` in segment s (1 for an empty segment).

    Backward: each row gets g[s] times the product of the *other* rows of its segment, computed without
    dividing by zero: a segment with one zero passes the product of its non-zeros to that zero only,
    a segment with two or more zeros passes nothing.
    """
    d = as_tensor(data)
    ids = _indices(segment_ids)
    keep = (ids >= 0) & (ids < num_segments)
    rows, seg = d.data[keep], ids[keep]
    is_zero = rows == 0
    shape = (int(num_segments),) + d.shape[1:]
    nonzero_prod = xp.ones(shape, dtype=d.dtype)
    backend.scatter("multiply", nonzero_prod, seg, xp.where(is_zero, 1, rows))
    zeros = xp.zeros(shape, dtype=xp.int64)
    backend.scatter_add(zeros, seg, is_zero)
    out = xp.where(zeros > 0, 0, nonzero_prod).astype(d.dtype)

    def backward(g: Any) -> tuple[Any]:
        p, z = nonzero_prod[seg], zeros[seg]
        safe = xp.where(is_zero, 1, rows)
        others = xp.where(is_zero, xp.where(z == 1, p, 0), xp.where(z > 0, 0, p / safe))
        grad = xp.zeros(d.shape, dtype=g.dtype)
        grad[keep] = g[seg] * others
        return (grad,)

    return record(out, (d,), backward)
