"""Convolution, pooling, batch normalisation and spatial resampling primitives (channels_last).

Reading guide (the equations of the CNN lecture, with delta = dC/d(output)):

* ``conv2d``: each output pixel is a dot product of the kernel with one kh x kw window:
  z[n, y, x, o] = sum_{i, j, c} x_pad[n, y*s + i*d, x*s + j*d, c] W[i, j, c, o] + b[o].
  Laying every window out as one row of a *column matrix* (im2col) turns the whole layer into ONE
  matrix product  Z = cols @ W2  with W2 = W reshaped to (kh*kw*cin, out).  The column matrix is
  built from only kh*kw strided slice copies (one per kernel tap, each covering every sample and
  every output pixel at once), so there is no Python loop over samples, pixels or channels.
* backward of ``conv2d``:  dW2 = cols^T @ delta  and  dcols = delta @ W2^T; dcols goes back to the
  input image by adding each tap's slice into place (kh*kw strided ``+=``, never ``np.add.at``);
  in practice one product per tap, delta @ W[i, j]^T, added straight into its window.
* ``conv2d_transpose`` is that input-gradient map run forwards (the adjoint of a convolution).
* pooling: max/average over windows, again kh*kw strided views; max-pool's backward routes delta
  to the first maximum of each window (as PyTorch and TensorFlow do).
* ``batch_norm``: x_hat = (x - mu) / sqrt(var + eps), y = gamma x_hat + beta, with the fused
  backward  dx = gamma / (N sqrt(var + eps)) * (N delta - sum delta - x_hat sum(delta x_hat)).

Memory stays bounded: the column matrix is built for a chunk of samples at a time (at most
``COLS_LIMIT`` values, about 2 MiB when its rows are long so it is still in cache for the matrix
product), and the backward walks the same chunks.

Padding follows TensorFlow: ``'same'`` gives ceil(n / s) outputs and puts the odd extra pad row
at the bottom/right; ``'valid'`` gives floor((n - d(k-1) - 1) / s) + 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...backend import xp
from .. import tensor as _tensor
from ..tensor import Tensor, as_tensor, record

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




# --- sizes and padding -----------------------------------------------------------------------
def conv_output_length(length: int | None, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling window along one axis (TensorFlow's rule).

    ``valid``: floor((n - d (k - 1) - 1) / s) + 1, i.e. W_out = (W - F) / S + 1;  ``same``: ceil(n / s).
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


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return value  # type: ignore[return-value]


def _resolve(shape_hw: tuple[int, int], kernel: tuple[int, int], strides: tuple[int, int], padding: Any,
             dilation: tuple[int, int]) -> tuple[tuple[int, int], Pads]:
    """Output (height, width) and explicit pads for a string or explicit padding."""
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


def _recording(*tensors: Tensor) -> bool:
    """Whether a tape records and needs a gradient through one of ``tensors`` (else skip backward-only work)."""
    return bool(_tensor._ACTIVE_TAPES) and any(t is not None and t.requires_grad for t in tensors)


def _pad(x: Any, pads: Pads, value: float = 0.0) -> Any:
    """Pad the two spatial axes of an NHWC array (a copy only when some pad is non-zero)."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + pt + pb, w + pl + pr, c), value, dtype=x.dtype)
    out[:, pt:pt + h, pl:pl + w, :] = x
    return out


def _crop(x: Any, pads: Pads) -> Any:
    (pt, pb), (pl, pr) = pads
    return x[:, pt:x.shape[1] - pb, pl:x.shape[2] - pr, :]


def _taps(kernel: tuple[int, int], out_hw: tuple[int, int], strides: tuple[int, int],
          dilation: tuple[int, int]) -> list[tuple[int, int, slice, slice]]:
    """For every kernel tap (i, j): the strided slices of the padded input that it reads."""
    (kh, kw), (ho, wo), (sh, sw), (dh, dw) = kernel, out_hw, strides, dilation
    return [(i, j, slice(i * dh, i * dh + (ho - 1) * sh + 1, sh), slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))
            for i in range(kh) for j in range(kw)]


# --- convolution kernels on plain arrays (shared by conv2d and conv2d_transpose) ---------------
def _im2col(xpad: Any, taps: list, kernel: tuple[int, int], out_hw: tuple[int, int]) -> Any:
    """The column matrix (n*ho*wo, kh*kw*c): row = one window, kh*kw strided slice copies.

    With many channels, unit strides and no dilation, the same matrix is one copy of a sliding-window
    view instead (measured 1.6x faster for 32 channels; slower for 1-3 channels, whose rows are short).
    """
    n, c = xpad.shape[0], xpad.shape[3]
    (kh, kw), (ho, wo) = kernel, out_hw
    if c >= 8 and xpad.shape[1] - kh + 1 == ho and xpad.shape[2] - kw + 1 == wo:
        windows = xp.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(1, 2))  # (n, ho, wo, c, kh, kw)
        cols = xp.empty((n, ho, wo, kh, kw, c), dtype=xpad.dtype)
        cols[...] = windows.transpose(0, 1, 2, 4, 5, 3)
        return cols.reshape(n * ho * wo, -1)
    cols = xp.empty((n, ho, wo, kh, kw, c), dtype=xpad.dtype)
    for i, j, si, sj in taps:
        cols[:, :, :, i, j, :] = xpad[:, si, sj, :]
    return cols.reshape(n * ho * wo, -1)


def _add_taps(d2: Any, w: Any, dx: Any, taps: list, out_hw: tuple[int, int]) -> None:
    """dx += col2im(delta W2^T), one kernel tap at a time: dx[window of tap (i, j)] += delta W[i, j]^T.

    Same arithmetic as building dcols = delta W2^T (the adjoint of im2col) and adding each tap's
    columns back into place, but each tap's product is a contiguous (pixels, cin) block, so the +=
    runs over long contiguous rows (measured 15% faster on the MNIST convnet's second layer) and
    the big dcols matrix is never materialised.  No ``np.add.at``: taps are added one at a time.
    """
    n, c = dx.shape[0], dx.shape[3]
    buf = xp.empty((d2.shape[0], c), dtype=d2.dtype)
    for i, j, si, sj in taps:
        xp.matmul(d2, w[i, j].T, out=buf)
        dx[:, si, sj, :] += buf.reshape(n, out_hw[0], out_hw[1], c)


_ZEROS: dict[Any, Any] = {}


def _zeros(like: Any) -> Any:
    """A cached read-only zeros array shaped like ``like`` (for fast ``maximum(x, zeros)`` ReLUs)."""
    key = (like.shape, like.dtype)
    out = _ZEROS.get(key)
    if out is None:
        if len(_ZEROS) > 16:
            _ZEROS.clear()
        out = _ZEROS[key] = xp.zeros(like.shape, dtype=like.dtype)
        out.flags.writeable = False
    return out


def _chunks(n: int, per_sample: int, row: int = 0) -> list[slice]:
    """Sample ranges whose column matrices stay under ``COLS_LIMIT`` elements (and, for column
    rows of ``row >= CACHE_MIN_K`` values, under ``CACHE_BLOCK`` so they stay in cache)."""
    limit = min(COLS_LIMIT, CACHE_BLOCK) if row >= CACHE_MIN_K else COLS_LIMIT
    step = max(1, limit // max(per_sample, 1))
    return [slice(s, min(s + step, n)) for s in range(0, n, step)]


def _conv_forward(x: Any, w: Any, strides: tuple[int, int], pads: Pads, dilation: tuple[int, int],
                  out_hw: tuple[int, int], keep_cols: bool, bias: Any = None, relu: bool = False) -> tuple[Any, Any]:
    """z = conv(x, w) [+ bias] [then relu] as cols @ W2, chunk by chunk.

    The bias and the ReLU are applied to each chunk's output right after its matrix product,
    while it is still in cache.  Returns (z, cols if kept and in one chunk).
    """
    kh, kw, cin, cout = w.shape
    n = x.shape[0]
    xpad = _pad(x, pads)
    taps = _taps((kh, kw), out_hw, strides, dilation)
    w2 = w.reshape(kh * kw * cin, cout)
    pixels = out_hw[0] * out_hw[1]
    chunks = _chunks(n, pixels * kh * kw * cin, kh * kw * cin)
    z = xp.empty((n * pixels, cout), dtype=xp.result_type(x.dtype, w.dtype))
    cols = None
    for ch in chunks:
        cols = _im2col(xpad[ch], taps, (kh, kw), out_hw)
        part = z[ch.start * pixels:ch.stop * pixels]
        xp.matmul(cols, w2, out=part)
        if bias is not None:
            part += bias
        if relu:  # max with a zeros array: several times faster in NumPy than max with the scalar 0
            xp.maximum(part, xp.zeros((), dtype=part.dtype) if part.size < 4096 else _zeros(part), out=part)
    kept = cols if keep_cols and len(chunks) == 1 else None
    return z.reshape(n, out_hw[0], out_hw[1], cout), kept


def _conv_backward(x: Any, x_shape: tuple[int, ...], w: Any, delta: Any, strides: tuple[int, int], pads: Pads,
                   dilation: tuple[int, int], cols: Any, need_x: bool, need_w: bool, need_b: bool = False,
                   relu_out: Any = None) -> tuple[Any, Any, Any]:
    """(dC/dx, dC/dW, dC/db) of a convolution, in one pass over the same sample chunks as the forward.

    Per chunk: delta masked by the fused ReLU (where ``relu_out`` > 0), the columns (kept from the
    forward, or rebuilt from ``x``), dW2 += cols^T delta, db += 1^T delta and dx = col2im(delta W2^T);
    each chunk's arrays are reused while they are still in cache.  ``x`` is only read for dW.
    """
    kh, kw, cin, cout = w.shape
    n, ho, wo = delta.shape[:3]
    (pt, pb), (pl, pr) = pads
    padded = (n, x_shape[1] + pt + pb, x_shape[2] + pl + pr, cin)
    taps = _taps((kh, kw), (ho, wo), strides, dilation)
    chunks = _chunks(n, ho * wo * kh * kw * cin, kh * kw * cin)
    use_kept = len(chunks) == 1 and cols is not None
    xpad = _pad(x, pads) if need_w and not use_kept else None
    dw = xp.zeros((kh * kw * cin, cout), dtype=delta.dtype) if need_w else None
    db = xp.zeros(cout, dtype=delta.dtype) if need_b else None
    dx = xp.zeros(padded, dtype=delta.dtype) if need_x else None
    for ch in chunks:
        d2 = delta[ch].reshape(-1, cout)
        if relu_out is not None:
            d2 = d2 * (relu_out[ch].reshape(-1, cout) > 0)
        if need_w:
            dw += (cols if use_kept else _im2col(xpad[ch], taps, (kh, kw), (ho, wo))).T @ d2
        if need_b:
            # ones @ delta is one GEMV, 2-3x faster than delta.sum(axis=0) on this machine.
            db += xp.ones(d2.shape[0], dtype=d2.dtype) @ d2
        if need_x:
            _add_taps(d2, w, dx[ch], taps, (ho, wo))
    return (_crop(dx, pads) if need_x else None), (dw.reshape(w.shape) if need_w else None), db


def _conv_input_grad(delta: Any, w: Any, x_shape: tuple[int, ...], strides: tuple[int, int], pads: Pads,
                     dilation: tuple[int, int]) -> Any:
    """dC/dx of a convolution: dcols = delta @ W2^T, then col2im and crop the padding."""
    return _conv_backward(None, x_shape, w, delta, strides, pads, dilation, None, True, False)[0]


def _conv_kernel_grad(x: Any, delta: Any, kshape: tuple[int, ...], strides: tuple[int, int], pads: Pads,
                      dilation: tuple[int, int]) -> Any:
    """dC/dW = cols^T @ delta, the column matrix rebuilt chunk by chunk."""
    w = xp.empty(kshape, dtype=delta.dtype)  # only its shape is read
    return _conv_backward(x, x.shape, w, delta, strides, pads, dilation, None, False, True)[1]


def _bias_grad(delta: Any) -> Any:
    d2 = delta.reshape(-1, delta.shape[-1])
    # ones @ delta is one GEMV, 2-3x faster than delta.sum(axis=0) on this machine.
    return xp.ones(d2.shape[0], dtype=d2.dtype) @ d2


# --- differentiable convolutions -----------------------------------------------------------------
def conv2d(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1, padding: Any = "valid",
           dilation_rate: Any = 1, fuse_relu: bool = False) -> Tensor:
    """2-D convolution of NHWC ``x`` with a ``(kh, kw, in, out)`` kernel (cross-correlation, as in Keras).

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, in)
    kernel : Tensor, shape (kh, kw, in, out)
    bias : Tensor, shape (out,), optional
    strides, dilation_rate : int or pair
    padding : 'valid', 'same' or explicit ((top, bottom), (left, right))
    fuse_relu : bool
        Return relu(conv) in one op: the ReLU is applied in place and its mask (z > 0) applied to
        delta at the start of the backward, saving two passes over the largest activations.

    Returns
    -------
    Tensor of shape (batch, out_height, out_width, out).
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(f"conv2d expects a 4-D input and kernel, got shapes {x.shape} and {kernel.shape}")
    if x.shape[3] != kernel.shape[2]:
        raise ValueError(
            f"conv2d: the input has {x.shape[3]} channels (shape {x.shape}) but the kernel expects "
            f"{kernel.shape[2]} (kernel shape {kernel.shape})"
        )
    strides, dilation = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
    ksize = kernel.shape[:2]
    out_hw, pads = _resolve(x.shape[1:3], ksize, strides, padding, dilation)
    needs_w = kernel.requires_grad and _recording(kernel)
    z, cols = _conv_forward(x.data, kernel.data, strides, pads, dilation, out_hw, keep_cols=needs_w,
                            bias=None if bias is None else bias.data, relu=fuse_relu)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(delta: Any) -> tuple[Any, ...]:
        dx, dw, db = _conv_backward(x.data, x.shape, kernel.data, delta, strides, pads, dilation, cols,
                                    x.requires_grad, kernel.requires_grad, bias is not None and bias.requires_grad,
                                    z if fuse_relu else None)
        return (dx, dw) if bias is None else (dx, dw, db)

    return record(z, parents, backward)


def conv1d(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: int = 1, padding: Any = "valid",
           dilation_rate: int = 1) -> Tensor:
    """1-D convolution of (batch, steps, in) with a ``(k, in, out)`` kernel: ``conv2d`` on a height of 1."""
    from . import math as m

    x, kernel = as_tensor(x), as_tensor(kernel)
    if x.ndim != 3 or kernel.ndim != 3:
        raise ValueError(f"conv1d expects a 3-D input and kernel, got shapes {x.shape} and {kernel.shape}")
    s = int(strides if isinstance(strides, int) else strides[0])
    d = int(dilation_rate if isinstance(dilation_rate, int) else dilation_rate[0])
    pad2 = padding if isinstance(padding, str) else ((0, 0), tuple(padding))
    x4 = m.reshape(x, (x.shape[0], 1) + x.shape[1:])
    k4 = m.reshape(kernel, (1,) + kernel.shape)
    z = conv2d(x4, k4, bias, strides=(1, s), padding=pad2, dilation_rate=(1, d))
    return m.reshape(z, (z.shape[0],) + z.shape[2:])


def conv_transpose_output_length(length: int | None, kernel: int, stride: int, padding: str,
                                 output_padding: int | None = None, dilation: int = 1) -> int | None:
    """Output length of a transposed convolution along one axis (Keras' ``deconv_output_length``)."""
    if length is None:
        return None
    span = dilation * (kernel - 1) + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(span - stride, 0)
        if padding == "same":
            return length * stride
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def conv2d_transpose(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1,
                     padding: str = "valid", output_padding: Any = None, dilation_rate: Any = 1) -> Tensor:
    """Transposed ("de-")convolution of NHWC ``x`` with a ``(kh, kw, out, in)`` kernel (Keras layout).

    It is the input-gradient of ``conv2d`` run forwards: the output y is the image whose
    convolution with ``kernel`` (same strides and padding) would have the shape of ``x``, and
    y = conv2d^T(x).  Its backward is therefore an ordinary convolution:  dx = conv2d(delta, W).
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(f"conv2d_transpose expects a 4-D input and kernel, got {x.shape} and {kernel.shape}")
    if x.shape[3] != kernel.shape[3]:
        raise ValueError(
            f"conv2d_transpose: the input has {x.shape[3]} channels (shape {x.shape}) but the kernel "
            f"expects {kernel.shape[3]} (kernel shape {kernel.shape}, layout (kh, kw, out, in))"
        )
    strides, dilation = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
    opad = (None, None) if output_padding is None else _pair(output_padding, "output_padding")
    padding = padding.lower()
    ksize = kernel.shape[:2]
    out_hw = tuple(conv_transpose_output_length(n, k, s, padding, p, d)
                   for n, k, s, p, d in zip(x.shape[1:3], ksize, strides, opad, dilation))
    # Pads of the convolution this one transposes, computed on the output size as TensorFlow does.
    fwd_hw, pads = _resolve(out_hw, ksize, strides, padding, dilation)
    if tuple(fwd_hw) != tuple(x.shape[1:3]):
        raise ValueError(
            f"conv2d_transpose: output_padding {output_padding} must be smaller than the strides {strides} "
            f"(an output of {out_hw} would not convolve back to the input size {x.shape[1:3]})"
        )
    out_shape = (x.shape[0],) + tuple(out_hw) + (kernel.shape[2],)
    z = _conv_input_grad(x.data, kernel.data, out_shape, strides, pads, dilation)
    z = xp.ascontiguousarray(z)
    if bias is not None:
        z += bias.data
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(delta: Any) -> tuple[Any, ...]:
        dx = (_conv_forward(delta, kernel.data, strides, pads, dilation, x.shape[1:3], False)[0]
              if x.requires_grad else None)
        # y = conv^T(x; W)  means  <delta, y> = <conv(delta; W), x>, so dW = kernel grad of conv(delta) at x.
        dw = (_conv_kernel_grad(delta, x.data, kernel.shape, strides, pads, dilation)
              if kernel.requires_grad else None)
        if bias is None:
            return dx, dw
        return dx, dw, (_bias_grad(delta) if bias.requires_grad else None)

    return record(z, parents, backward)


# --- pooling -------------------------------------------------------------------------------------
def _pool_setup(x: Tensor, pool_size: Any, strides: Any, padding: str) -> tuple:
    if x.ndim != 4:
        raise ValueError(f"2-D pooling expects a 4-D (batch, height, width, channels) input, got shape {x.shape}")
    pool = _pair(pool_size, "pool_size")
    strides = pool if strides is None else _pair(strides, "strides")
    out_hw, pads = _resolve(x.shape[1:3], pool, strides, padding, (1, 1))
    return pool, strides, out_hw, pads, _taps(pool, out_hw, strides, (1, 1))


def max_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Maximum over each window.  Backward: delta goes to the first maximum of each window
    (row-major order, as PyTorch and TensorFlow do), never shared between tied entries.

    Padding cells are -inf, so they are never the maximum.  Windows are kh*kw strided views
    combined with ``np.maximum``; the common 2x2 / stride 2 case has its own three-maximum path.
    """
    x = as_tensor(x)
    pool, strides, (ho, wo), pads, taps = _pool_setup(x, pool_size, strides, padding)
    n, h, w, c = x.shape
    if pool == (2, 2) and strides == (2, 2) and pads == ((0, 0), (0, 0)):
        return _max_pool_2x2(x, ho, wo)
    xpad = _pad(x.data, pads, -xp.inf)
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
        return (_crop(dx, pads),)

    return record(out, (x,), backward)


def _max_pool_2x2(x: Tensor, ho: int, wo: int) -> Tensor:
    """2x2 / stride 2 max pooling as max(max(top row), max(bottom row)) on strided views.

    The backward re-derives which of the four cells won (first in row-major order on ties) from
    three comparisons, and writes delta straight into place: no index arrays, no scatter-add.
    """
    n, h, w, c = x.shape
    xr = x.data[:, :ho * 2, :wo * 2, :].reshape(n, ho, 2, wo, 2, c)
    top = xp.maximum(xr[:, :, 0, :, 0, :], xr[:, :, 0, :, 1, :])
    bottom = xp.maximum(xr[:, :, 1, :, 0, :], xr[:, :, 1, :, 1, :])
    out = xp.maximum(top, bottom)
    # Which cell won, decided now while the input is being read anyway (the backward then never
    # touches the input again): right cell only if strictly larger, so ties go to the first one.
    if not _recording(x):
        return record(out, (x,), lambda g: (None,))
    right_top = xr[:, :, 0, :, 1, :] > xr[:, :, 0, :, 0, :]
    right_bottom = xr[:, :, 1, :, 1, :] > xr[:, :, 1, :, 0, :]

    def backward(g: Any) -> tuple[Any]:
        exact = (ho * 2, wo * 2) == (h, w)
        dx = (xp.empty if exact else xp.zeros)(x.shape, dtype=g.dtype)  # an odd last row/column gets 0
        lower = bottom > top                                   # bottom row wins only if strictly larger
        upper = ~lower
        masks = ((0, 0, upper & ~right_top), (0, 1, upper & right_top),
                 (1, 0, lower & ~right_bottom), (1, 1, lower & right_bottom))
        if exact:
            d6 = dx.reshape(n, ho, 2, wo, 2, c)
            for i, j, mask in masks:
                xp.multiply(g, mask, out=d6[:, :, i, :, j, :])
        else:
            for i, j, mask in masks:
                dx[:, i:ho * 2:2, j:wo * 2:2, :] = g * mask
        return (dx,)

    return record(out, (x,), backward)


def avg_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Mean over each window; with 'same' padding the padded cells are left out of the count (TF).

    Backward: every cell of a window gets delta / (cells counted in that window).
    """
    x = as_tensor(x)
    pool, strides, (ho, wo), pads, taps = _pool_setup(x, pool_size, strides, padding)
    n, h, w, c = x.shape
    if pads == ((0, 0), (0, 0)):
        count: Any = x.dtype.type(pool[0] * pool[1])
    else:  # how many real (unpadded) cells each window covers
        ones = _pad(xp.ones((1, h, w, 1), dtype=x.dtype), pads)
        count = sum(ones[:, si, sj, :] for _, _, si, sj in taps)
    if pool == strides and pads == ((0, 0), (0, 0)):
        xr = x.data[:, :ho * pool[0], :wo * pool[1], :].reshape(n, ho, pool[0], wo, pool[1], c)
        out = xr.mean(axis=(2, 4), dtype=x.dtype)
    else:
        xpad = _pad(x.data, pads)
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
        return (_crop(dx, pads),)

    return record(out, (x,), backward)


def _pool1d(fn: Any, x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    from . import math as m

    x = as_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"1-D pooling expects a 3-D (batch, steps, channels) input, got shape {x.shape}")
    p = int(pool_size if isinstance(pool_size, int) else pool_size[0])
    s = p if strides is None else int(strides if isinstance(strides, int) else strides[0])
    z = fn(m.reshape(x, (x.shape[0], 1) + x.shape[1:]), (1, p), (1, s), padding)
    return m.reshape(z, (z.shape[0],) + z.shape[2:])


def max_pool1d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Maximum over windows of a (batch, steps, channels) sequence."""
    return _pool1d(max_pool2d, x, pool_size, strides, padding)


def avg_pool1d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Mean over windows of a (batch, steps, channels) sequence."""
    return _pool1d(avg_pool2d, x, pool_size, strides, padding)


# --- batch normalisation --------------------------------------------------------------------------
def batch_norm(x: Any, gamma: Tensor | None, beta: Tensor | None, axis: int = -1, epsilon: float = 1e-3,
               mean: Any = None, variance: Any = None) -> tuple[Tensor, Any, Any]:
    """y = gamma (x - mu) / sqrt(var + eps) + beta, per feature along ``axis``.

    With ``mean``/``variance`` given (inference) they are constants; otherwise (training) the
    batch moments over every other axis are used (biased variance, as Keras) and returned, so the
    layer can update its moving averages.

    Returns
    -------
    (y, mean, variance) : the output tensor and the statistics used, as arrays.
    """
    x = as_tensor(x)
    axis = axis % x.ndim
    red = tuple(i for i in range(x.ndim) if i != axis)
    bshape = tuple(x.shape[axis] if i == axis else 1 for i in range(x.ndim))
    training = mean is None
    if training:
        mu = x.data.mean(axis=red, dtype=x.dtype)
        centred = x.data - mu.reshape(bshape)
        var = (centred * centred).mean(axis=red, dtype=x.dtype)
    else:
        mu = xp.asarray(mean, dtype=x.dtype)
        var = xp.asarray(variance, dtype=x.dtype)
        centred = x.data - mu.reshape(bshape)
    inv_std = (1.0 / xp.sqrt(var + x.dtype.type(epsilon))).astype(x.dtype)
    x_hat = centred * inv_std.reshape(bshape)
    g_arr = gamma.data.reshape(bshape) if gamma is not None else None
    y = x_hat * g_arr if g_arr is not None else x_hat.copy()
    if beta is not None:
        y += beta.data.reshape(bshape)
    count = x.data.size // x.shape[axis]
    parents = tuple(t for t in (x, gamma, beta) if t is not None)

    def backward(delta: Any) -> tuple[Any, ...]:
        d_beta = delta.sum(axis=red)
        d_gamma = (delta * x_hat).sum(axis=red)
        scale = inv_std if g_arr is None else inv_std * gamma.data
        if training:
            dx = (delta - (d_beta / count).reshape(bshape) - x_hat * (d_gamma / count).reshape(bshape))
            dx *= scale.reshape(bshape)
        else:
            dx = delta * scale.reshape(bshape)
        grads: list[Any] = [dx]
        if gamma is not None:
            grads.append(d_gamma)
        if beta is not None:
            grads.append(d_beta)
        return tuple(grads)

    return record(y, parents, backward), mu, var


# --- spatial resampling and padding ---------------------------------------------------------------
def upsample2d(x: Any, size: Any = 2) -> Tensor:
    """Nearest-neighbour upsampling: every pixel repeated sh x sw times.  Backward sums each block."""
    x = as_tensor(x)
    sh, sw = _pair(size, "size")
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
    """Bilinear resize as two small matrix products (rows, then columns): y = A_h x A_w^T per channel."""
    x = as_tensor(x)
    a_h = _linear_weights(x.shape[1], out_hw[0], x.dtype)
    a_w = _linear_weights(x.shape[2], out_hw[1], x.dtype)
    out = xp.einsum("oh,nhwc,pw->nopc", a_h, x.data, a_w, optimize=True)
    return record(out, (x,), lambda g: (xp.einsum("oh,nopc,pw->nhwc", a_h, g, a_w, optimize=True),))


def pad2d(x: Any, padding: Sequence[Sequence[int]]) -> Tensor:
    """Zero padding of the two spatial axes: ((top, bottom), (left, right)).  Backward crops."""
    x = as_tensor(x)
    pads = ((int(padding[0][0]), int(padding[0][1])), (int(padding[1][0]), int(padding[1][1])))
    return record(_pad(x.data, pads), (x,), lambda g: (_crop(g, pads),))
