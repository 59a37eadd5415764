"""Spatial resampling and re-framing of NHWC images: upsampling, resizing, padding and cropping.

Each op is linear in x, y = A x, so its backward is the transposed map, dx = A^T delta:

* ``upsample2d`` (nearest): y[n, y*sh + a, x*sw + b, c] = x[n, y, x, c] for 0 <= a < sh, 0 <= b < sw;
  backward: each pixel receives the sum of delta over its sh x sw block.
* ``resize_bilinear``: y = A_h x A_w^T per sample and channel, where each row of the
  interpolation matrix A holds the two weights (1 - f, f) of the nearest source pixels
  (half-pixel centres, as TF / Keras 3 and PyTorch); backward: dx = A_h^T delta A_w.
* ``pad2d`` (zeros around the image) and ``crop2d`` (rows and columns removed at the borders)
  are each other's adjoint: the backward of padding crops delta, the backward of cropping pads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .im2col import Pads, crop_hw, pad_hw, pair


def _pads(padding: Sequence[Sequence[int]]) -> Pads:
    """((top, bottom), (left, right)) as ints."""
    return (int(padding[0][0]), int(padding[0][1])), (int(padding[1][0]), int(padding[1][1]))


# --- upsampling and resizing -------------------------------------------------------------------
def upsample2d(x: Any, size: Any = 2) -> Tensor:
    """Nearest-neighbour upsampling: every pixel repeated sh x sw times.  Backward sums each block.

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, channels)
    size : int or pair
        (sh, sw), the repeat factors.

    Returns
    -------
    Tensor of shape (batch, height * sh, width * sw, channels).
    """
    x = as_tensor(x)
    sh, sw = pair(size, "size")
    n, h, w, c = x.shape
    out = xp.broadcast_to(x.data[:, :, None, :, None, :], (n, h, sh, w, sw, c)).reshape(n, h * sh, w * sw, c)
    return record(out, (x,), lambda g: (g.reshape(n, h, sh, w, sw, c).sum(axis=(2, 4)),))


def _linear_weights(n_in: int, n_out: int, dtype: Any) -> Any:
    """(n_out, n_in) bilinear interpolation matrix with half-pixel centres (TF / Keras 3, PyTorch)."""
    pos = (xp.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    pos = xp.clip(pos, 0, n_in - 1)
    lo = xp.floor(pos).astype(int)
    hi = xp.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    m = xp.zeros((n_out, n_in), dtype=dtype)
    rows = xp.arange(n_out)
    m[rows, lo] += 1 - frac
    m[rows, hi] += frac
    return m


def resize_bilinear(x: Any, out_hw: tuple[int, int]) -> Tensor:
    """Bilinear resize as two small matrix products (rows, then columns): y = A_h x A_w^T per channel.

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, channels)
    out_hw : (int, int)
        The output height and width.

    Returns
    -------
    Tensor of shape (batch, out_hw[0], out_hw[1], channels).
    """
    x = as_tensor(x)
    a_h = _linear_weights(x.shape[1], out_hw[0], x.dtype)
    a_w = _linear_weights(x.shape[2], out_hw[1], x.dtype)
    out = xp.einsum("oh,nhwc,pw->nopc", a_h, x.data, a_w, optimize=True)
    return record(out, (x,), lambda g: (xp.einsum("oh,nopc,pw->nhwc", a_h, g, a_w, optimize=True),))


# --- padding and cropping ----------------------------------------------------------------------
def pad2d(x: Any, padding: Sequence[Sequence[int]]) -> Tensor:
    """Zero padding of the two spatial axes: ((top, bottom), (left, right)).  Backward crops."""
    x = as_tensor(x)
    pads = _pads(padding)
    return record(pad_hw(x.data, pads), (x,), lambda g: (crop_hw(g, pads),))


def crop2d(x: Any, cropping: Sequence[Sequence[int]]) -> Tensor:
    """Remove ((top, bottom), (left, right)) rows and columns at the borders.  Backward pads with zeros.

    Raises
    ------
    ValueError
        When the cropping would remove every row or every column.
    """
    x = as_tensor(x)
    crops = _pads(cropping)
    (t, b), (left, r) = crops
    if x.ndim != 4 or t + b >= x.shape[1] or left + r >= x.shape[2]:
        raise ValueError(f"crop2d: cropping {crops} removes everything from (or does not fit) an input of "
                         f"shape {x.shape}")
    return record(crop_hw(x.data, crops), (x,), lambda g: (pad_hw(g, crops),))
