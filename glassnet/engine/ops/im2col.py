"""Window geometry and the im2col / col2im kernels shared by convolution, pooling and the fused op.

Everything here works on plain NHWC arrays (no tape, no gradients): these are the building
blocks that :mod:`.conv`, :mod:`.pooling` and :mod:`.fused` combine into differentiable ops.

* output size along one axis (TensorFlow's rule, as Keras):
  ``'valid'``: n_out = floor((n - d (k - 1) - 1) / s) + 1, i.e. W_out = (W - F) / S + 1;
  ``'same'``:  n_out = ceil(n / s), with total padding (n_out - 1) s + d (k - 1) + 1 - n split
  evenly and the odd extra row/column at the bottom/right.
* a *tap* (i, j) of a kh x kw kernel reads, for every output pixel (y, x) at once, the strided
  slice  x_pad[:, y*s + i*d, x*s + j*d, :]  of the padded input;
* im2col: the column matrix  cols[(n, y, x), (i, j, c)] = x_pad[n, y*s + i*d, x*s + j*d, c],
  one row per window, so a convolution becomes ONE matrix product  Z = cols @ W2  with
  W2 = W reshaped to (kh*kw*cin, out);
* col2im, its adjoint:  dx_pad[window of tap (i, j)] += (delta W2^T)[columns of tap (i, j)]
  (never ``np.add.at``).

Both are :class:`glassnet.jit.Kernel` s in :mod:`.conv_kernels`: one compiled pass over memory
with numba, else kh*kw strided slice copies / ``+=`` (one per tap) in NumPy.

Memory stays bounded: callers build the column matrix for a chunk of samples at a time
(:func:`sample_chunks`: at most ``COLS_LIMIT`` values, about 2 MiB when the rows are long, so a
chunk's columns are still in cache for the matrix product) and walk the same chunks backward.
"""

from __future__ import annotations

from typing import Any

from ... import jit
from ...backend import xp
from .conv_kernels import col2im_kernel, im2col_kernel

# Largest column matrix built at once, in elements (64 MiB of float32).  Bigger batches are
# processed in chunks of samples, so memory stays bounded whatever the batch size.
COLS_LIMIT = 1 << 24
# When a column row is long (kh*kw*cin >= CACHE_MIN_K), chunks are cut much smaller, about 2 MiB of
# float32, so a chunk's columns are still in the CPU cache when the matrix product reads them:
# measured on the 2-core machine, this made the MNIST convnet's second layer 20-25% faster.
# Short rows (a first layer on 1-3 channels) gain nothing from it and stay in one piece.
CACHE_BLOCK = 1 << 19
CACHE_MIN_K = 32

Pads = tuple[tuple[int, int], tuple[int, int]]
"""Explicit spatial padding ((top, bottom), (left, right))."""

Tap = tuple[int, int, slice, slice]
"""One kernel tap: (i, j, rows it reads, columns it reads) in the padded input."""


# --- sizes and padding -----------------------------------------------------------------------
def pair(value: Any, name: str) -> tuple[int, int]:
    """``value`` as a (height, width) pair: an int is used for both axes.

    Raises
    ------
    ValueError
        When ``value`` is a sequence of other than two ints; the message names ``name``.
    """
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return value  # type: ignore[return-value]


def conv_output_length(length: int | None, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling window along one axis (TensorFlow's rule).

    ``valid``: floor((n - d (k - 1) - 1) / s) + 1, i.e. W_out = (W - F) / S + 1;  ``same``: ceil(n / s).
    ``None`` (an unknown length) stays ``None``.
    """
    if length is None:
        return None
    span = dilation * (kernel - 1) + 1
    if padding == "same":
        return -(-length // stride)
    if padding == "valid":
        return max((length - span) // stride + 1, 0)
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def _axis_pads(length: int, kernel: int, stride: int, padding: str, dilation: int) -> tuple[int, int, int]:
    """(output length, pad before, pad after) along one axis; TF 'same' puts the extra pad after."""
    out = conv_output_length(length, kernel, stride, padding, dilation)
    if padding == "valid":
        return out, 0, 0
    span = dilation * (kernel - 1) + 1
    total = max((out - 1) * stride + span - length, 0)
    return out, total // 2, total - total // 2


def resolve_padding(shape_hw: tuple[int, int], kernel: tuple[int, int], strides: tuple[int, int], padding: Any,
                    dilation: tuple[int, int]) -> tuple[tuple[int, int], Pads]:
    """Output (height, width) and explicit pads of a window op, for string or explicit padding.

    Parameters
    ----------
    shape_hw : (int, int)
        Spatial size of the input.
    kernel, strides, dilation : (int, int)
        Of the window (a convolution kernel or a pooling window).
    padding : 'valid', 'same' or ((top, bottom), (left, right))

    Raises
    ------
    ValueError
        When the output would be empty (the window does not fit).
    """
    if isinstance(padding, str):
        padding = padding.lower()
        (ho, pt, pb), (wo, pl, pr) = (_axis_pads(n, k, s, padding, d)
                                      for n, k, s, d in zip(shape_hw, kernel, strides, dilation))
        pads = ((pt, pb), (pl, pr))
    else:
        pads = ((int(padding[0][0]), int(padding[0][1])), (int(padding[1][0]), int(padding[1][1])))
        ho, wo = ((n + lo + hi - d * (k - 1) - 1) // s + 1
                  for n, (lo, hi), k, s, d in zip(shape_hw, pads, kernel, strides, dilation))
    if ho <= 0 or wo <= 0:
        raise ValueError(
            f"input of spatial size {shape_hw} is too small for a window of {kernel} "
            f"(dilation {dilation}, strides {strides}, padding {padding!r}): the output would be empty"
        )
    return (ho, wo), pads


def pad_hw(x: Any, pads: Pads, value: float = 0.0) -> Any:
    """Pad the two spatial axes of an NHWC array with ``value`` (a copy only when some pad is non-zero)."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + pt + pb, w + pl + pr, c), value, dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w, :] = x
    return out


def crop_hw(x: Any, pads: Pads) -> Any:
    """Remove ``pads`` from the two spatial axes of an NHWC array (a view): the adjoint of :func:`pad_hw`."""
    (pt, pb), (pl, pr) = pads
    return x[:, pt:x.shape[1] - pb, pl:x.shape[2] - pr, :]


def kernel_taps(kernel: tuple[int, int], out_hw: tuple[int, int], strides: tuple[int, int],
                dilation: tuple[int, int]) -> list[Tap]:
    """For every kernel tap (i, j): the strided slices of the padded input that it reads.

    Tap (i, j) of output pixel (y, x) reads input pixel (y*s + i*d, x*s + j*d), so over all output
    pixels it reads rows i*d, i*d + s, ..., i*d + (ho - 1) s: one strided slice per axis.
    """
    (kh, kw), (ho, wo), (sh, sw), (dh, dw) = kernel, out_hw, strides, dilation
    return [(i, j, slice(i * dh, i * dh + (ho - 1) * sh + 1, sh), slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))
            for i in range(kh) for j in range(kw)]


def sample_chunks(n: int, per_sample: int, row: int = 0) -> list[slice]:
    """Sample ranges whose column matrices stay under ``COLS_LIMIT`` elements.

    ``per_sample`` is the size of one sample's column matrix; when its rows are long
    (``row >= CACHE_MIN_K`` values) the limit is ``CACHE_BLOCK`` instead, so a chunk stays in cache.
    """
    limit = min(COLS_LIMIT, CACHE_BLOCK) if row >= CACHE_MIN_K else COLS_LIMIT
    step = max(1, limit // max(per_sample, 1))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)]


# --- the kernels ---------------------------------------------------------------------------------
def im2col(xpad: Any, kernel: tuple[int, int], out_hw: tuple[int, int], strides: tuple[int, int],
           dilation: tuple[int, int]) -> Any:
    """The column matrix (n*ho*wo, kh*kw*c) of a padded NHWC array: row = one window.

    cols[(n, y, x), (i, j, c)] = x_pad[n, y*s + i*d, x*s + j*d, c], by
    :data:`~.conv_kernels.im2col_kernel` (one compiled pass, or kh*kw strided slice copies).
    """
    (kh, kw), (ho, wo) = kernel, out_hw
    cols = xp.empty((xpad.shape[0], ho, wo, kh, kw, xpad.shape[3]), dtype=xpad.dtype)
    im2col_kernel(xpad, cols, strides[0], strides[1], dilation[0], dilation[1])
    return cols.reshape(xpad.shape[0] * ho * wo, -1)


def cell_cols(xpad: Any, kernel_hw: tuple[int, int], pooled_hw: tuple[int, int], strides: tuple[int, int],
              dilation: tuple[int, int], cols: Any = None, gather: Any = None) -> Any:
    """The column matrix in window-cell order, shape (n, 2, 2, hp, wp, kh, kw, c).

    Cell (a, b) holds the windows of conv output pixels (2 py + a, 2 px + b): an ordinary im2col
    of x_pad shifted by (a s, b s) with strides 2 s.  ``cols`` is filled when given; ``gather`` is
    the im2col to use (the kernel by default; the references pass the NumPy one).
    """
    gather = gather or im2col_kernel
    (kh, kw), (hp, wp), (sh, sw), (dh, dw) = kernel_hw, pooled_hw, strides, dilation
    if cols is None:
        cols = xp.empty((xpad.shape[0], 2, 2, hp, wp, kh, kw, xpad.shape[3]), dtype=xpad.dtype)
    for a in range(2):
        for b in range(2):
            gather(xpad[:, a * sh:, b * sw:, :], cols[:, a, b], 2 * sh, 2 * sw, dh, dw)
    return cols


def col2im_add(d2: Any, w: Any, dx: Any, out_hw: tuple[int, int], strides: tuple[int, int],
               dilation: tuple[int, int]) -> None:
    """dx += col2im(delta W2^T): every window's share of the input gradient added back into place.

    ``d2`` is delta as a (pixels, out) matrix, ``w`` the (kh, kw, in, out) kernel and ``dx`` the
    padded input gradient, updated in place.  Compiled: dcols = delta W2^T in one matrix product,
    then one scatter-add pass (:data:`~.conv_kernels.col2im_kernel`).  In NumPy, one product per
    tap, delta W[i, j]^T, a contiguous (pixels, cin) block added with one strided ``+=``: the
    big dcols matrix is never materialised (measured 15% faster on the MNIST convnet's second
    layer than dcols and a per-tap add).  Never ``np.add.at``.
    """
    n, c = dx.shape[0], dx.shape[3]
    kh, kw = w.shape[:2]
    (ho, wo), (sh, sw), (dh, dw) = out_hw, strides, dilation
    if jit.enabled():
        dcols = d2 @ w.reshape(kh * kw * c, -1).T
        col2im_kernel(dcols.reshape(n, ho, wo, kh, kw, c), dx, sh, sw, dh, dw)
        return
    buf = xp.empty((d2.shape[0], c), dtype=d2.dtype)
    for i, j, si, sj in kernel_taps((kh, kw), out_hw, strides, dilation):
        xp.matmul(d2, w[i, j].T, out=buf)
        dx[:, si, sj, :] += buf.reshape(n, ho, wo, c)
