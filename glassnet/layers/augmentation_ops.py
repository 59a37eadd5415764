"""The image geometry the augmentation layers share: affine resampling, resizing, cropping (NumPy arrays).

An affine augmentation (rotation, zoom, translation) maps every *output* pixel (x, y) to the
*input* point it reads (Keras' transform ``[a0, a1, a2, b0, b1, b2]``)::

    x_in = a0 x + a1 y + a2,    y_in = b0 x + b1 y + b2

and the output is the input sampled there: nearest (the closest pixel, floor(p + 0.5)) or
bilinear (the four neighbours weighted by (1 - fy)(1 - fx), (1 - fy) fx, fy (1 - fx), fy fx).
Points outside the image read the *filled* image: the input is first padded far enough with the
fill mode ('reflect': d c b a | a b c d | d c b a, 'wrap', 'nearest', 'constant': fill_value),
so the whole batch is one gather with per-sample grids, no loop over samples or pixels.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import xp
from ..engine.ops import spatial as _spatial
from ..engine.tensor import Tensor, as_tensor, record

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
# xp.pad's names for Keras' fill modes ('reflect' repeats the edge pixel: NumPy's 'symmetric').
_PAD_MODES = {"reflect": "symmetric", "wrap": "wrap", "nearest": "edge", "constant": "constant"}


def affine_transform(images: Any, transform: Any, interpolation: str = "bilinear",
                     fill_mode: str = "reflect", fill_value: float = 0.0) -> Any:
    """Resample a batch of NHWC images with one affine map per sample.

    Parameters
    ----------
    images : ndarray, shape (n, h, w, c)
    transform : ndarray, shape (n, 6)
        ``[a0, a1, a2, b0, b1, b2]`` mapping output (x, y) to input (a0 x + a1 y + a2, b0 x + b1 y + b2).
    interpolation : {'bilinear', 'nearest'}
    fill_mode : {'reflect', 'wrap', 'constant', 'nearest'}
    fill_value : float
        Value read outside the image when ``fill_mode='constant'``.

    Returns
    -------
    ndarray, shape (n, h, w, c), the dtype of ``images``.
    """
    n, h, w, _ = images.shape
    t = transform.astype(xp.float64)
    ys, xs = xp.meshgrid(xp.arange(h, dtype=xp.float64), xp.arange(w, dtype=xp.float64), indexing="ij")
    # (n, h, w) input coordinates of every output pixel of every sample, in one broadcast.
    x_in = t[:, 0, None, None] * xs + t[:, 1, None, None] * ys + t[:, 2, None, None]
    y_in = t[:, 3, None, None] * xs + t[:, 4, None, None] * ys + t[:, 5, None, None]
    # Pad the batch so every point (and its bilinear neighbours) lands inside the padded image.
    pad_y = (max(int(-xp.floor(y_in.min())) + 1, 0), max(int(xp.ceil(y_in.max())) + 2 - h, 0))
    pad_x = (max(int(-xp.floor(x_in.min())) + 1, 0), max(int(xp.ceil(x_in.max())) + 2 - w, 0))
    pads = ((0, 0), pad_y, pad_x, (0, 0))
    mode = _PAD_MODES[fill_mode]
    padded = (xp.pad(images, pads, mode=mode, constant_values=fill_value) if mode == "constant"
              else xp.pad(images, pads, mode=mode))
    y_in += pad_y[0]
    x_in += pad_x[0]
    batch = xp.arange(n)[:, None, None]
    if interpolation == "nearest":
        yi, xi = xp.floor(y_in + 0.5).astype(xp.intp), xp.floor(x_in + 0.5).astype(xp.intp)
        return padded[batch, yi, xi]
    y0, x0 = xp.floor(y_in), xp.floor(x_in)
    fy, fx = (y_in - y0)[..., None], (x_in - x0)[..., None]
    y0, x0 = y0.astype(xp.intp), x0.astype(xp.intp)
    out = ((1 - fy) * ((1 - fx) * padded[batch, y0, x0] + fx * padded[batch, y0, x0 + 1])
           + fy * ((1 - fx) * padded[batch, y0 + 1, x0] + fx * padded[batch, y0 + 1, x0 + 1]))
    return out.astype(images.dtype)


def aspect_crop_box(h: int, w: int, height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, rows, cols) of the largest centred window of ``h x w`` with the aspect ``height : width``."""
    rows = max(min(h, int(w * height / width)), 1)
    cols = max(min(w, int(h * width / height)), 1)
    return (h - rows) // 2, (w - cols) // 2, rows, cols


def crop(x: Any, top: int, left: int, rows: int, cols: int) -> Tensor:
    """The window ``x[:, top:top + rows, left:left + cols, :]``; its gradient goes back into place (zeros elsewhere)."""
    x = as_tensor(x)
    shape = x.shape

    def backward(g: Any) -> tuple[Any]:
        dx = xp.zeros(shape, dtype=g.dtype)
        dx[:, top:top + rows, left:left + cols, :] = g
        return (dx,)

    return record(x.data[:, top:top + rows, left:left + cols, :], (x,), backward)


def resize(x: Any, height: int, width: int, interpolation: str = "bilinear") -> Tensor:
    """Resize NHWC ``x`` to ``height x width``: bilinear with half-pixel centres (as Keras), or nearest."""
    x = as_tensor(x)
    h, w = x.shape[1:3]
    if (h, w) == (height, width):
        return x
    if interpolation == "bilinear":
        return _spatial.resize_bilinear(x, (height, width))
    # nearest, half-pixel centres: output pixel i reads input floor((i + 0.5) h / height).
    rows = xp.minimum(xp.floor((xp.arange(height) + 0.5) * h / height).astype(xp.intp), h - 1)
    cols = xp.minimum(xp.floor((xp.arange(width) + 0.5) * w / width).astype(xp.intp), w - 1)
    shape = x.shape

    def backward(g: Any) -> tuple[Any]:
        dx = xp.zeros(shape, dtype=g.dtype)
        # Several outputs may read one input pixel: add them with add.at along the two index axes.
        backend.scatter_add(dx, (slice(None), rows[:, None], cols[None, :]), g)
        return (dx,)

    return record(x.data[:, rows[:, None], cols[None, :], :], (x,), backward)
