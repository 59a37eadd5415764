"""``keras.ops`` that rearrange, select or scatter entries: flip, roll, pad, sort, slice, scatter...

All are differentiable.  Most are written as a NumPy rearrangement of ``arange(x.size)`` (a map of
where each output entry comes from) handed to :func:`~glassnet.engine.ops.indexing.gather_flat`, whose
backward scatters the gradient back through the same map: one backward for a dozen ops.
"""

from __future__ import annotations

import builtins
from typing import Any

from .backend import xp
from .engine.ops import indexing as _ix
from .engine.ops import math as _m
from .engine.ops.arrays import split
from .engine.tensor import Tensor, as_tensor

__all__ = ["append", "array_split", "broadcast_to", "diag", "diagflat", "diagonal", "dsplit", "dstack", "flip",
           "fliplr", "flipud", "get_item", "hsplit", "hstack", "meshgrid", "moveaxis", "pad", "ravel", "repeat",
           "roll", "rot90", "scatter", "scatter_update", "segment_max", "segment_prod", "segment_sum", "select", "slice",
           "slice_update", "sort", "swapaxes", "take_along_axis", "top_k", "tril", "triu", "unstack", "vsplit",
           "vstack"]


def _positions(x: Tensor) -> Any:
    """``arange(x.size)`` shaped like ``x``: rearranging it with NumPy says where each entry goes."""
    return xp.arange(x.data.size).reshape(x.shape)


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else xp.asarray(value)


def flip(x: Any, axis: Any = None) -> Tensor:
    """Reverse the order of entries along ``axis`` (all axes by default)."""
    x = as_tensor(x)
    return _ix.gather_flat(x, xp.flip(_positions(x), axis=axis))


def fliplr(x: Any) -> Tensor:
    """Reverse the columns (axis 1)."""
    return flip(x, axis=1)


def flipud(x: Any) -> Tensor:
    """Reverse the rows (axis 0)."""
    return flip(x, axis=0)


def rot90(array: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``."""
    x = as_tensor(array)
    if x.ndim < 2:
        raise ValueError(f"rot90: array must have at least 2 axes, got shape {x.shape}")
    return _ix.gather_flat(x, xp.rot90(_positions(x), k=k, axes=tuple(axes)))


def roll(x: Any, shift: Any, axis: Any = None) -> Tensor:
    """Shift entries along ``axis`` by ``shift``, wrapping around (flattened when ``axis`` is None)."""
    x = as_tensor(x)
    return _ix.gather_flat(x, xp.roll(_positions(x), shift, axis=axis))


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Repeat each entry ``repeats`` times along ``axis`` (flattened when None); gradients add up."""
    x = as_tensor(x)
    return _ix.gather_flat(x, xp.repeat(_positions(x), _raw(repeats), axis=axis))


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """Pad ``x`` with ``pad_width`` entries per side and axis (NumPy's spec), in one of ``_PAD_MODES``."""
    x = as_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    if mode != "constant" and constant_values is not None:
        raise ValueError(f"pad: constant_values is only used with mode='constant', got mode={mode!r}")
    if mode == "constant":
        index = xp.pad(_positions(x), pad_width, mode="constant", constant_values=-1)
        return _ix.gather_flat(x, index, fill=0 if constant_values is None else constant_values)
    return _ix.gather_flat(x, xp.pad(_positions(x), pad_width, mode=mode))


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """Move axes to new positions, the others keeping their order."""
    x = as_tensor(x)
    src = [s % x.ndim for s in ([source] if isinstance(source, int) else source)]
    dst = [d % x.ndim for d in ([destination] if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source and destination need the same number of axes, got {source} and {destination}")
    perm = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return _m.transpose(x, tuple(perm))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    x = as_tensor(x)
    perm = list(range(x.ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _m.transpose(x, tuple(perm))


def broadcast_to(x: Any, shape: Any) -> Tensor:
    """``x`` broadcast to ``shape`` (the gradient sums over the broadcast axes)."""
    x = as_tensor(x)
    return _m.add(x, Tensor(xp.zeros(tuple(shape), dtype=x.dtype)))


def ravel(x: Any) -> Tensor:
    """The entries as a 1-D tensor."""
    return _m.reshape(x, (-1,))


def _triangle_mask(x: Tensor, k: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"tril/triu: x must have at least 2 axes, got shape {x.shape}")
    n, m = x.shape[-2:]
    mask = xp.tri(n, m, k=k if lower else k - 1, dtype=bool)
    return Tensor((mask if lower else ~mask).astype(x.dtype))


def tril(x: Any, k: int = 0) -> Tensor:
    """Zero the entries above the ``k``-th diagonal of the last two axes."""
    x = as_tensor(x)
    return _m.multiply(x, _triangle_mask(x, k, lower=True))


def triu(x: Any, k: int = 0) -> Tensor:
    """Zero the entries below the ``k``-th diagonal of the last two axes."""
    x = as_tensor(x)
    return _m.multiply(x, _triangle_mask(x, k, lower=False))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of the plane ``(axis1, axis2)``, moved to the last axis (as NumPy)."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: x must have at least 2 axes, got shape {x.shape}")
    return _ix.gather_flat(x, xp.diagonal(_positions(x), offset, axis1, axis2).copy())


def diag(x: Any, k: int = 0) -> Tensor:
    """A 1-D ``x`` placed on the ``k``-th diagonal of a square matrix, or a 2-D ``x``'s ``k``-th diagonal."""
    x = as_tensor(x)
    if x.ndim == 1:
        return _ix.gather_flat(x, xp.diag(xp.arange(x.shape[0]) + 1, k) - 1, fill=0)
    if x.ndim == 2:
        return diagonal(x, k)
    raise ValueError(f"diag: x must be 1-D or 2-D, got shape {x.shape}")


def diagflat(x: Any, k: int = 0) -> Tensor:
    """The flattened ``x`` on the ``k``-th diagonal of a square matrix."""
    return diag(ravel(x), k)


def _along_axis_map(x: Tensor, indices: Any, axis: int) -> Any:
    """Flat positions of ``x[..., indices[...], ...]`` along ``axis`` (``take_along_axis`` of the positions)."""
    idx = _ix._indices(indices)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices need x's rank {x.ndim}, got shape {idx.shape}")
    shape = [builtins.max(a, b) for a, b in zip(x.shape, idx.shape)]
    shape[axis] = x.shape[axis]
    positions = xp.broadcast_to(_positions(x), tuple(shape))
    idx_shape = list(shape)
    idx_shape[axis] = idx.shape[axis]
    return xp.take_along_axis(positions, xp.broadcast_to(idx, tuple(idx_shape)), axis=axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """``x`` read at ``indices`` along ``axis`` (``np.take_along_axis``; flattened when None)."""
    x = as_tensor(x)
    if axis is None:
        return _ix.gather_flat(x, _ix._indices(indices).reshape(-1) % builtins.max(x.data.size, 1))
    return _ix.gather_flat(x, _along_axis_map(x, indices, axis % x.ndim))


def sort(x: Any, axis: int = -1) -> Tensor:
    """The entries sorted ascending along ``axis``; each gradient goes back to where its entry came from."""
    x = as_tensor(x)
    return take_along_axis(x, xp.argsort(x.data, axis=axis, kind="stable"), axis=axis)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras' name
    """The ``k`` largest entries of the last axis and their indices (``(values, indices)``)."""
    x = as_tensor(x)
    if not 0 < int(k) <= x.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {x.shape[-1]}] for a last axis of {x.shape[-1]}, got {k}")
    # A stable sort of -x keeps the earlier of equal entries first, as torch.topk and tf.math.top_k do.
    order = xp.argsort(-x.data, axis=-1, kind="stable")[..., :int(k)]
    return take_along_axis(x, order, axis=-1), Tensor(order.astype(xp.int32))


def append(x1: Any, x2: Any, axis: int | None = None) -> Tensor:
    """``x2`` joined after ``x1`` along ``axis`` (both flattened when None)."""
    if axis is None:
        return _m.concatenate([ravel(x1), ravel(x2)], axis=0)
    return _m.concatenate([x1, x2], axis=axis)


def _at_least(x: Any, ndim: int) -> Tensor:
    """NumPy's ``atleast_2d`` / ``atleast_3d`` shapes: (n,) -> (1, n) or (1, n, 1); (m, n) -> (m, n, 1)."""
    x = as_tensor(x)
    if x.ndim >= ndim:
        return x
    if ndim == 2:
        return _m.reshape(x, (1, x.data.size))
    shapes = {0: (1, 1, 1), 1: (1, x.data.size, 1), 2: tuple(x.shape) + (1,)}
    return _m.reshape(x, shapes[x.ndim])


def hstack(xs: Any) -> Tensor:
    """Join along axis 1 (axis 0 for 1-D inputs)."""
    parts = [as_tensor(x) for x in xs]
    return _m.concatenate(parts, axis=0 if parts[0].ndim == 1 else 1)


def vstack(xs: Any) -> Tensor:
    """Join along axis 0, 1-D inputs becoming rows."""
    return _m.concatenate([_at_least(x, 2) for x in xs], axis=0)


def dstack(xs: Any) -> Tensor:
    """Join along axis 2, lower-rank inputs reshaped to (1, n, 1) or (m, n, 1)."""
    return _m.concatenate([_at_least(x, 3) for x in xs], axis=2)


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Tensor]:
    """The slices of ``x`` along ``axis``, as a list."""
    x = as_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: num={num} does not match the length {x.shape[axis]} of axis {axis}")
    return [_m.squeeze(p, axis=axis) for p in split(x, x.shape[axis], axis=axis)]


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Split into sections that may differ in length by one (``np.array_split``)."""
    x = as_tensor(x)
    if isinstance(indices_or_sections, int):
        n, sections = x.shape[axis], indices_or_sections
        if sections <= 0:
            raise ValueError(f"array_split: indices_or_sections must be positive, got {sections}")
        sizes = [n // sections + (i < n % sections) for i in range(sections)]
        indices_or_sections = list(xp.cumsum(sizes)[:-1])
    return split(x, indices_or_sections, axis=axis)


def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 1 (axis 0 for 1-D)."""
    return split(x, indices_or_sections, axis=0 if as_tensor(x).ndim == 1 else 1)


def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 0."""
    return split(x, indices_or_sections, axis=0)


def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """Split along axis 2."""
    return split(x, indices_or_sections, axis=2)


def get_item(x: Any, key: Any) -> Tensor:
    """``x[key]`` (Keras' name for indexing)."""
    return _m.getitem(x, key)


def _start_slices(x: Tensor, start_indices: Any, shape: Any, fn: str) -> tuple[Any, ...]:
    starts = [int(s) for s in _raw(start_indices).reshape(-1)]
    sizes = list(shape)
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ValueError(f"{fn}: start_indices and shape need one entry per axis of x ({x.ndim}), "
                         f"got {len(starts)} and {len(sizes)}")
    sizes = [x.shape[i] - starts[i] if int(s) == -1 else int(s) for i, s in enumerate(sizes)]
    if any(s < 0 or s + n > x.shape[i] for i, (s, n) in enumerate(zip(starts, sizes))):
        raise ValueError(f"{fn}: the block at start_indices={starts} of shape {tuple(sizes)} "
                         f"does not fit in x of shape {x.shape}")
    return tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))


def slice(inputs: Any, start_indices: Any, shape: Any) -> Tensor:  # noqa: A001 - Keras' name
    """The block of ``inputs`` of size ``shape`` starting at ``start_indices``."""
    x = as_tensor(inputs)
    return _m.getitem(x, _start_slices(x, start_indices, shape, "slice"))


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Tensor:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x, u = as_tensor(inputs), as_tensor(updates)
    return _ix.index_update(x, _start_slices(x, start_indices, u.shape, "slice_update"), u)


def scatter(indices: Any, values: Any, shape: Any) -> Tensor:
    """A zeros tensor of ``shape`` with ``values`` added at ``indices`` (duplicates add up)."""
    return _ix.scatter_add(indices, values, shape)


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: str | None = None) -> Tensor:
    """``inputs`` with the entries (or slices) at ``indices`` (an (n, k) array of coordinates) replaced
    (``reduction=None``) or added to (``reduction="add"``)."""
    x = as_tensor(inputs)
    if reduction not in (None, "add"):
        raise ValueError(f"scatter_update: reduction must be None or 'add', got {reduction!r}")
    if reduction == "add":
        return _m.add(x, _ix.scatter_add(indices, updates, x.shape))
    idx = _ix._indices(indices)
    if idx.ndim != 2 or idx.shape[1] > x.ndim:
        raise ValueError(f"scatter_update: indices must have shape (n, k) with k <= {x.ndim}, got {idx.shape}")
    return _ix.index_update(x, tuple(idx.T), updates)


def _num_segments(segment_ids: Any, num_segments: Any) -> int:
    if num_segments is not None:
        return int(num_segments)
    ids = _ix._indices(segment_ids)
    return int(ids.max()) + 1 if ids.size else 0


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """Sum the rows of ``data`` that share a segment id (``sorted`` is accepted and ignored)."""
    return _ix.segment_sum(data, segment_ids, _num_segments(segment_ids, num_segments))


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """The maximum of the rows of ``data`` that share a segment id."""
    return _ix.segment_max(data, segment_ids, _num_segments(segment_ids, num_segments))


def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """The product of the rows of ``data`` that share a segment id (exact gradient with zeros)."""
    return _ix.segment_prod(data, segment_ids, _num_segments(segment_ids, num_segments))


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Tensor:
    """The first choice whose condition holds, entry by entry, else ``default`` (``np.select``)."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist differ in length ({len(condlist)} and {len(choicelist)})")
    out = as_tensor(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = _m.where(_raw(cond).astype(bool), choice, out)
    return out


def meshgrid(*x: Any, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors (``'xy'``: Cartesian, ``'ij'``: matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vecs = [ravel(v) for v in x]
    shape = [v.shape[0] for v in vecs]
    if indexing == "xy" and len(vecs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, v in enumerate(vecs):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(vecs) >= 2 else i
        view = [1] * len(vecs)
        view[axis] = v.shape[0]
        out.append(broadcast_to(_m.reshape(v, tuple(view)), shape))
    return out
