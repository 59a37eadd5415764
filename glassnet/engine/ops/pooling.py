"""Pooling (channels_last): max and average over windows, 2-D and 1-D, forward and backward.

Reading guide (delta = dC/d(output); a window is the kh x kw block read by one output pixel,
laid out as kh*kw strided views of the input, one per tap, as in :mod:`.im2col`):

* ``max_pool2d``:  p[n, y, x, c] = max_{i, j} x_pad[n, y*s + i, x*s + j, c]  (padding cells are -inf);
  backward: delta goes to the first maximum of each window (row-major order, as PyTorch and
  TensorFlow do), never shared between tied entries:  dx[argmax of window] += delta[window].
* ``avg_pool2d``:  p = (1 / count) sum_{i, j} x_pad[n, y*s + i, x*s + j, c], where with 'same'
  padding ``count`` leaves out the padded cells (TensorFlow); backward: every cell of a window
  gets delta / count.
* ``max_pool1d`` / ``avg_pool1d``: the 2-D ops on sequences of height 1.

Padding follows TensorFlow ('same': ceil(n / s) outputs, the odd extra pad at the bottom/right).
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, is_recording, record
from . import math as m
from .conv_kernels import pool4_kernel, unpool4_kernel
from .im2col import Pads, Tap, crop_hw, kernel_taps, pad_hw, pair, resolve_padding


def _pool_setup(x: Tensor, pool_size: Any, strides: Any,
                padding: str) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], Pads, list[Tap]]:
    """(pool, strides, output size, pads, taps) of a 2-D pooling; ``strides`` default to the pool size."""
    if x.ndim != 4:
        raise ValueError(f"2-D pooling expects a 4-D (batch, height, width, channels) input, got shape {x.shape}")
    pool = pair(pool_size, "pool_size")
    strides = pool if strides is None else pair(strides, "strides")
    out_hw, pads = resolve_padding(x.shape[1:3], pool, strides, padding, (1, 1))
    return pool, strides, out_hw, pads, kernel_taps(pool, out_hw, strides, (1, 1))


# --- max pooling ---------------------------------------------------------------------------------
def max_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Maximum over each window.  Backward: delta goes to the first maximum of each window
    (row-major order, as PyTorch and TensorFlow do), never shared between tied entries.

    Padding cells are -inf, so they are never the maximum.  Windows are kh*kw strided views
    combined with ``np.maximum``; the common 2x2 / stride 2 case has its own three-maximum path.

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, channels)
    pool_size, strides : int or pair
        ``strides`` default to ``pool_size`` (non-overlapping windows).
    padding : 'valid' or 'same'

    Returns
    -------
    Tensor of shape (batch, out_height, out_width, channels).
    """
    x = as_tensor(x)
    pool, strides, (ho, wo), pads, taps = _pool_setup(x, pool_size, strides, padding)
    if pool == (2, 2) and strides == (2, 2) and pads == ((0, 0), (0, 0)):
        return _max_pool_2x2(x, ho, wo)
    xpad = pad_hw(x.data, pads, -xp.inf)
    out = xpad[:, taps[0][2], taps[0][3], :].copy()
    for _, _, si, sj in taps[1:]:
        xp.maximum(out, xpad[:, si, sj, :], out=out)
    # Non-overlapping windows: every input cell belongs to at most one window, so assignment suffices.
    disjoint = strides[0] >= pool[0] and strides[1] >= pool[1]

    def backward(g: Any) -> tuple[Any]:
        dx = xp.zeros(xpad.shape, dtype=g.dtype)
        taken = None
        for _, _, si, sj in taps:
            hit = xpad[:, si, sj, :] == out
            if taken is None:
                taken = hit
            else:
                hit &= ~taken       # ties: only the first maximum of the window gets delta
                taken |= hit
            if disjoint:
                xp.multiply(g, hit, out=dx[:, si, sj, :])
            else:
                dx[:, si, sj, :] += g * hit
        return (crop_hw(dx, pads),)

    return record(out, (x,), backward)


def _max_pool_2x2(x: Tensor, ho: int, wo: int) -> Tensor:
    """2x2 / stride 2 max pooling by :data:`~.conv_kernels.pool4_kernel` on the four cells of each window.

    The input seen as x[n, a, b, py, px, c] = x[n, 2 py + a, 2 px + b, c] (a strided view, no copy)
    is exactly pool4's layout: one pass gives the maximum and, when recording, a one-byte code of
    the cell that won (first in row-major order on ties).  The backward routes delta to that cell
    (:data:`~.conv_kernels.unpool4_kernel`): no index arrays, no scatter-add, no second look at x.
    """
    n, h, w, c = x.shape
    cells = _cells(x.data, ho, wo)
    out = xp.empty((n, ho, wo, c), dtype=x.dtype)
    recording = is_recording(x)
    code = xp.empty(out.shape if recording else (0, 0, 0, 0), dtype=xp.uint8)
    pool4_kernel(cells, xp.zeros(c, dtype=x.dtype), False, out, code)
    if not recording:
        return record(out, (x,), lambda g: (None,))

    def backward(g: Any) -> tuple[Any]:
        exact = (ho * 2, wo * 2) == (h, w)
        dx = (xp.empty if exact else xp.zeros)(x.shape, dtype=g.dtype)  # an odd last row/column gets 0
        unpool4_kernel(g, code, _cells(dx, ho, wo), xp.zeros(0, dtype=g.dtype))
        return (dx,)

    return record(out, (x,), backward)


def _cells(a: Any, ho: int, wo: int) -> Any:
    """The (n, 2, 2, ho, wo, c) view of an NHWC array's 2x2 windows: [n, a, b, py, px] = [n, 2 py + a, 2 px + b]."""
    n, c = a.shape[0], a.shape[3]
    return a[:, :ho * 2, :wo * 2, :].reshape(n, ho, 2, wo, 2, c).transpose(0, 2, 4, 1, 3, 5)


# --- average pooling -----------------------------------------------------------------------------
def avg_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Mean over each window; with 'same' padding the padded cells are left out of the count (TF).

    Backward: every cell of a window gets delta / (cells counted in that window).

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, channels)
    pool_size, strides : int or pair
        ``strides`` default to ``pool_size`` (non-overlapping windows).
    padding : 'valid' or 'same'

    Returns
    -------
    Tensor of shape (batch, out_height, out_width, channels).
    """
    x = as_tensor(x)
    pool, strides, (ho, wo), pads, taps = _pool_setup(x, pool_size, strides, padding)
    n, h, w, c = x.shape
    if pads == ((0, 0), (0, 0)):
        count: Any = x.dtype.type(pool[0] * pool[1])
    else:  # how many real (unpadded) cells each window covers
        ones = pad_hw(xp.ones((1, h, w, 1), dtype=x.dtype), pads)
        count = sum(ones[:, si, sj, :] for _, _, si, sj in taps)
    if pool == strides and pads == ((0, 0), (0, 0)):
        xr = x.data[:, :ho * pool[0], :wo * pool[1], :].reshape(n, ho, pool[0], wo, pool[1], c)
        out = xr.mean(axis=(2, 4), dtype=x.dtype)
    else:
        xpad = pad_hw(x.data, pads)
        out = xpad[:, taps[0][2], taps[0][3], :].copy()
        for _, _, si, sj in taps[1:]:
            out += xpad[:, si, sj, :]
        out /= count

    def backward(g: Any) -> tuple[Any]:
        share = g / count
        (pt, pb), (pl, pr) = pads
        dx = xp.zeros((n, h + pt + pb, w + pl + pr, c), dtype=g.dtype)
        for _, _, si, sj in taps:
            dx[:, si, sj, :] += share
        return (crop_hw(dx, pads),)

    return record(out, (x,), backward)


# --- 1-D pooling: the 2-D ops on a height of 1 ---------------------------------------------------
def _pool1d(fn: Any, x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    x = as_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"1-D pooling expects a 3-D (batch, steps, channels) input, got shape {x.shape}")
    p = int(pool_size if isinstance(pool_size, int) else pool_size[0])
    s = p if strides is None else int(strides if isinstance(strides, int) else strides[0])
    z = fn(m.reshape(x, (x.shape[0], 1) + x.shape[1:]), (1, p), (1, s), padding)
    return m.reshape(z, (z.shape[0],) + z.shape[2:])


def max_pool1d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Maximum over windows of a (batch, steps, channels) sequence (:func:`max_pool2d` on a height of 1)."""
    return _pool1d(max_pool2d, x, pool_size, strides, padding)


def avg_pool1d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Mean over windows of a (batch, steps, channels) sequence (:func:`avg_pool2d` on a height of 1)."""
    return _pool1d(avg_pool2d, x, pool_size, strides, padding)
