"""Convolutions (channels_last): ``conv2d``, ``conv1d`` and ``conv2d_transpose``, forward and backward.

Reading guide (the equations of the CNN lecture, with delta = dC/d(output)):

* ``conv2d``: each output pixel is a dot product of the kernel with one kh x kw window:
  z[n, y, x, o] = sum_{i, j, c} x_pad[n, y*s + i*d, x*s + j*d, c] W[i, j, c, o] + b[o].
  Laying every window out as one row of a *column matrix* (im2col, :mod:`.im2col`) turns the
  whole layer into ONE matrix product  Z = cols @ W2  with W2 = W reshaped to (kh*kw*cin, out).
  The column matrix is built from only kh*kw strided slice copies (one per kernel tap, each
  covering every sample and every output pixel at once), so there is no Python loop over
  samples, pixels or channels.
* backward of ``conv2d``:  dW2 = cols^T @ delta,  db = sum over pixels of delta,  and
  dcols = delta @ W2^T, which goes back to the input image by adding each tap's slice into place
  (col2im: kh*kw strided ``+=``, never ``np.add.at``); in practice one product per tap,
  delta @ W[i, j]^T, added straight into its window.
* ``conv1d`` is ``conv2d`` on images of height 1.
* ``conv2d_transpose`` is that input-gradient map run forwards (the adjoint of a convolution):
  y = conv^T(x; W), so its backward is an ordinary convolution, dx = conv(delta; W).

Padding follows TensorFlow: ``'same'`` gives ceil(n / s) outputs and puts the odd extra pad row
at the bottom/right; ``'valid'`` gives floor((n - d(k-1) - 1) / s) + 1.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, is_recording, record
from . import math as m
from .im2col import Pads, col2im_add, crop_hw, im2col, pad_hw, pair, resolve_padding
from .parallel import batch_chunks, run_chunks


# --- arguments ---------------------------------------------------------------------------------
def check_conv_args(op: str, x: Any, kernel: Any, strides: Any, dilation_rate: Any,
                    transposed: bool = False) -> tuple[Tensor, Tensor, tuple[int, int], tuple[int, int]]:
    """The checks every 2-D convolution makes first (conv2d, conv2d_transpose, the fused op).

    Parameters
    ----------
    op : str
        The op's name, for the error messages.
    x, kernel : Tensor or array_like
        4-D NHWC input and 4-D kernel.
    strides, dilation_rate : int or pair
    transposed : bool
        The kernel is in ``conv2d_transpose``'s (kh, kw, out, in) layout instead of (kh, kw, in, out).

    Returns
    -------
    (x, kernel, strides, dilation) : the inputs as tensors and the two pairs.

    Raises
    ------
    ValueError
        When an input is not 4-D or the input's channels are not the kernel's input channels.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(f"{op} expects a 4-D input and kernel, got shapes {x.shape} and {kernel.shape}")
    in_axis, layout = (3, "(kh, kw, out, in)") if transposed else (2, "(kh, kw, in, out)")
    if x.shape[3] != kernel.shape[in_axis]:
        raise ValueError(
            f"{op}: the input has {x.shape[3]} channels (shape {x.shape}) but the kernel expects "
            f"{kernel.shape[in_axis]} (kernel shape {kernel.shape}, layout {layout})"
        )
    return x, kernel, pair(strides, "strides"), pair(dilation_rate, "dilation_rate")


# --- convolution kernels on plain arrays (shared by conv2d and conv2d_transpose) ---------------
_ZEROS: dict[Any, Any] = backend.register_cache({})  # emptied by set_backend


def _zeros(like: Any) -> Any:
    """A cached read-only zeros array shaped like ``like`` (for fast ``maximum(x, zeros)`` ReLUs)."""
    key = (like.shape, like.dtype)
    out = _ZEROS.get(key)
    if out is None:
        if len(_ZEROS) > 16:
            _ZEROS.clear()
        out = _ZEROS[key] = xp.zeros(like.shape, dtype=like.dtype)
        backend.make_read_only(out)  # NumPy only: CuPy arrays have no read-only flag
    return out


def _conv_forward(x: Any, w: Any, strides: tuple[int, int], pads: Pads, dilation: tuple[int, int],
                  out_hw: tuple[int, int], keep_cols: bool, bias: Any = None, relu: bool = False) -> tuple[Any, Any]:
    """z = conv(x, w) [+ bias] [then relu] as cols @ W2, chunk by chunk.

    The bias and the ReLU are applied to each chunk's output right after its matrix product,
    while it is still in cache.  Returns (z, cols if kept and in one chunk).
    """
    kh, kw, cin, cout = w.shape
    n = x.shape[0]
    xpad = pad_hw(x, pads)
    w2 = w.reshape(kh * kw * cin, cout)
    pixels = out_hw[0] * out_hw[1]
    chunks = batch_chunks(n, pixels * kh * kw * cin, kh * kw * cin)
    z = xp.empty((n * pixels, cout), dtype=xp.result_type(x.dtype, w.dtype))
    kept = None  # the columns, kept for the backward when the batch is one chunk

    def forward(part: list[slice]) -> None:  # the chunks of one thread (parallel.run_chunks)
        nonlocal kept
        for ch in part:
            cols = im2col(xpad[ch], (kh, kw), out_hw, strides, dilation)
            out = z[ch.start * pixels:ch.stop * pixels]
            xp.matmul(cols, w2, out=out)
            if bias is not None:
                out += bias
            if relu:  # max with a zeros array: several times faster in NumPy than max with the scalar 0
                xp.maximum(out, xp.zeros((), dtype=out.dtype) if out.size < 4096 else _zeros(out), out=out)
            if keep_cols and len(chunks) == 1:
                kept = cols

    run_chunks(forward, chunks)
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
    chunks = batch_chunks(n, ho * wo * kh * kw * cin, kh * kw * cin)
    use_kept = len(chunks) == 1 and cols is not None
    xpad = pad_hw(x, pads) if need_w and not use_kept else None
    dw = xp.zeros((kh * kw * cin, cout), dtype=delta.dtype) if need_w else None
    db = xp.zeros(cout, dtype=delta.dtype) if need_b else None
    dx = xp.zeros(padded, dtype=delta.dtype) if need_x else None

    def backward(part: list[slice], dw: Any, db: Any) -> None:  # one thread's chunks, its own dw and db
        for ch in part:
            d2 = delta[ch].reshape(-1, cout)
            if relu_out is not None:
                d2 = d2 * (relu_out[ch].reshape(-1, cout) > 0)
            if need_w:
                dw += (cols if use_kept else im2col(xpad[ch], (kh, kw), (ho, wo), strides, dilation)).T @ d2
            if need_b:
                # ones @ delta is one GEMV, 2-3x faster than delta.sum(axis=0) on this machine.
                db += xp.ones(d2.shape[0], dtype=d2.dtype) @ d2
            if need_x:
                col2im_add(d2, w, dx[ch], (ho, wo), strides, dilation)

    run_chunks(backward, chunks, (dw, db))
    return (crop_hw(dx, pads) if need_x else None), (dw.reshape(w.shape) if need_w else None), db


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
    """dC/db = sum of delta over every sample and pixel."""
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
    x, kernel, strides, dilation = check_conv_args("conv2d", x, kernel, strides, dilation_rate)
    out_hw, pads = resolve_padding(x.shape[1:3], kernel.shape[:2], strides, padding, dilation)
    # The column matrix is kept for dW only when a tape will ask for dW (never during predict).
    needs_w = kernel.requires_grad and is_recording(kernel)
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
    """1-D convolution of (batch, steps, in) with a ``(k, in, out)`` kernel: ``conv2d`` on a height of 1.

    ``padding`` is 'valid', 'same' or an explicit (before, after) pair (Conv1D's 'causal' is
    (d (k - 1), 0)).  Forward and backward are those of :func:`conv2d` through two reshapes.
    """
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

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, in)
    kernel : Tensor, shape (kh, kw, out, in)
    bias : Tensor, shape (out,), optional
    strides, dilation_rate : int or pair
    padding : 'valid' or 'same'
    output_padding : int or pair, optional
        Extra rows/columns at the bottom/right (each smaller than the stride), as in Keras.

    Returns
    -------
    Tensor of shape (batch, out_height, out_width, out).
    """
    x, kernel, strides, dilation = check_conv_args("conv2d_transpose", x, kernel, strides, dilation_rate,
                                                   transposed=True)
    opad = (None, None) if output_padding is None else pair(output_padding, "output_padding")
    padding = padding.lower()
    ksize = kernel.shape[:2]
    out_hw = tuple(conv_transpose_output_length(n, k, s, padding, p, d)
                   for n, k, s, p, d in zip(x.shape[1:3], ksize, strides, opad, dilation))
    # Pads of the convolution this one transposes, computed on the output size as TensorFlow does.
    fwd_hw, pads = resolve_padding(out_hw, ksize, strides, padding, dilation)
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
