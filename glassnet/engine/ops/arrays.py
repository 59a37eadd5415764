"""Ops that copy or select whole blocks of an array: ``tile``, ``split`` and ``take``.

Their gradients sum (``tile``) or scatter (``split``, ``take``) back into the input's shape.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, record


def tile(a: Any, repeats: Any) -> Tensor:
    """Repeat ``a`` ``repeats[i]`` times along axis ``i`` (``np.tile``).

    The gradient sums the copies: each output block is one copy of the input.
    """
    a = as_tensor(a)
    reps = (int(repeats),) if xp.ndim(repeats) == 0 else tuple(int(r) for r in repeats)
    out = xp.tile(a.data, reps)
    # np.tile pads the shorter of (ndim, len(reps)) with leading 1s; match that to undo it.
    ndim = max(a.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - a.ndim) + tuple(a.shape)

    def backward(g: Any) -> tuple[Any]:
        # Split every axis into (copy, original length) and sum over the copies.
        blocks = g.reshape([n for r, s in zip(reps, shape) for n in (r, s)])
        return (blocks.sum(axis=tuple(range(0, 2 * ndim, 2))).reshape(a.shape),)

    return record(out, (a,), backward)


def split(a: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Cut ``a`` along ``axis`` into equal sections, or at the given indices (``np.split``).

    Each piece is a slice of ``a``; its gradient lands in that slice.
    """
    a = as_tensor(a)
    ax = axis % a.ndim
    pieces = xp.split(a.data, indices_or_sections, axis=ax)
    starts = xp.cumsum([0] + [p.shape[ax] for p in pieces])
    out = []
    for piece, start, stop in zip(pieces, starts[:-1], starts[1:]):
        index = (slice(None),) * ax + (slice(int(start), int(stop)),)

        def backward(g: Any, index: tuple[Any, ...] = index) -> tuple[Any]:
            grad = xp.zeros(a.shape, dtype=g.dtype)
            grad[index] = g
            return (grad,)

        out.append(record(piece, (a,), backward))
    return out


def take(a: Any, indices: Any, axis: int | None = None) -> Tensor:
    """Gather the entries (or, with ``axis``, the slices) of ``a`` at ``indices`` (``np.take``).

    ``take(embeddings, ids, axis=0)`` is an embedding lookup; repeated indices add up in the gradient.
    """
    a = as_tensor(a)
    idx = (indices.data if isinstance(indices, Tensor) else xp.asarray(indices)).astype(xp.int64)
    out = xp.take(a.data, idx, axis=axis)

    def backward(g: Any) -> tuple[Any]:
        grad = xp.zeros(a.shape, dtype=g.dtype)
        if axis is None:
            backend.scatter_add(grad.reshape(-1), idx.reshape(-1) % grad.size, g.reshape(-1))
        else:
            ax = axis % a.ndim
            moved = xp.moveaxis(grad, ax, 0)  # a view: adding into it fills grad
            g_moved = g.reshape(g.shape[:ax] + (idx.size,) + g.shape[ax + idx.ndim:])
            backend.scatter_add(moved, idx.reshape(-1) % a.shape[ax], xp.moveaxis(g_moved, ax, 0))
        return (grad,)

    return record(out, (a,), backward)
