"""Fused convolution -> ReLU -> 2x2 max pooling, the block of every small convnet.

Mathematically this is exactly ``max_pool2d(relu(conv2d(x, W) + b), 2)``; the ops of
:mod:`glassnet.engine.ops.conv`, :mod:`.nn` and :mod:`.pooling` compute it step by step and are the
ones to read first.  Run separately, each step writes its whole output to memory and the next one
reads it back: for the MNIST convnet's first layer that is an 11 MB activation written, re-read and
masked several times per batch.  Here the work is done one cache-sized chunk of samples at a time,
with the conv output laid out *cell by cell* (z[n, a, b, py, px, o] is conv pixel (2 py + a, 2 px + b),
see :mod:`.conv_kernels`), so the four cells of every pooling window are four contiguous blocks:

forward, per chunk:   z = cols @ W2 (the columns gathered in cell order);  p = max(max over the
                      4 cells of z + b, 0), and a one-byte code per output: which cell won (first
                      in row-major order on ties), or 4 when p == 0 (every ReLU of the window off:
                      no gradient passes)  [pool4];
backward, per chunk:  dz = dp routed to the winning cell (unpool4, which also sums db), then
                      dW += cols^T dz  and  dx += col2im(dz W2^T), as the convolution's own backward,
                      all in cell order (a col2im per cell: no copy back to pixel order).

The chunks are independent: with more than one thread for glassnet's kernels they run on several
threads at once (:mod:`.parallel`), each with its own dW and db summed at the end.
Only the pooled output (4x smaller) and the codes are kept between the passes; the full-size
activation never leaves the cache.  Conv output rows/columns that the pooling drops (an odd size)
are never computed.  With numba and many input channels the backward skips the dense products:
dz is zero except at one cell per (window, channel), so ``sparse_backward_kernel`` adds each
surviving dp's share to dW and dx straight from the codes (measured 30% faster than the three
products for the MNIST convnet's second layer).  A first layer (few input channels, no dx wanted) gets its
dW and db from the codes too (``narrow_weight_backward_kernel``, vectors over the output channels: no 4x dz
and column matrix; 6% off the convnet's training step).  ``Sequential`` and Functional models use this op
when a ``Conv2D(activation="relu")`` is followed by ``MaxPooling2D(2)`` (their fusion plan,
:mod:`glassnet.models.fusion`); the layers and their weights are unchanged, and the tests check the
fused op against the unfused one and against PyTorch.
"""

from __future__ import annotations

from typing import Any

from ... import jit
from ...backend import xp
from ..tensor import Tensor, is_recording, record
from . import conv_kernels as ck
from .conv import check_conv_args
from .im2col import cell_cols, crop_hw, pad_hw, resolve_padding
from .parallel import run_chunks, sample_parts, split_count

# Values per chunk (about 2 MiB of float32): a chunk's activation and columns stay in cache.
FUSED_BLOCK = 1 << 19
# From this many input channels, and when compiled, the backward is the sparse kernel (its NumPy
# reference is no faster than the dense products, which the NumPy path keeps).
SPARSE_MIN_CIN = 8


def conv2d_relu_max_pool(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1,
                         padding: Any = "valid", dilation_rate: Any = 1) -> Tensor:
    """``max_pool2d(relu(conv2d(x, kernel, bias)), pool_size=2, strides=2, padding='valid')`` in one pass.

    Parameters
    ----------
    x : Tensor, shape (batch, height, width, in)
    kernel : Tensor, shape (kh, kw, in, out)
    bias : Tensor, shape (out,), optional
    strides, padding, dilation_rate :
        Of the convolution, as in :func:`glassnet.engine.ops.conv.conv2d`.

    Returns
    -------
    Tensor of shape (batch, conv_height // 2, conv_width // 2, out).
    """
    x, kernel, strides, dilation = check_conv_args("conv2d_relu_max_pool", x, kernel, strides, dilation_rate)
    kh, kw, cin, cout = kernel.shape
    (ho, wo), pads = resolve_padding(x.shape[1:3], (kh, kw), strides, padding, dilation)
    hp, wp = ho // 2, wo // 2
    if hp == 0 or wp == 0:
        raise ValueError(f"conv2d_relu_max_pool: a convolution output of {(ho, wo)} is too small for 2x2 pooling")
    n, k = x.shape[0], kh * kw * cin
    dtype = xp.result_type(x.dtype, kernel.dtype)
    xpad = pad_hw(x.data.astype(dtype, copy=False), pads)
    w = kernel.data.astype(dtype, copy=False)
    w2 = w.reshape(k, cout)
    b = xp.zeros(cout, dtype=dtype) if bias is None else bias.data.astype(dtype, copy=False)
    geometry = (strides[0], strides[1], dilation[0], dilation[1])
    sh, sw, dh, dw_ = geometry
    step = max(1, FUSED_BLOCK // (4 * hp * wp * max(k, cout)))
    chunks = [slice(s, min(s + step, n)) for s in range(0, n, step)]
    recording = is_recording(x, kernel, bias)
    pooled = xp.empty((n, hp, wp, cout), dtype=dtype)
    # Winning cell per output (or 4: blocked by the ReLU); predict keeps none (an empty array).
    code = xp.empty(pooled.shape if recording else (0, 0, 0, 0), dtype=xp.uint8)
    def forward(part: list[slice]) -> None:  # the chunks of one thread (parallel.run_chunks)
        cols_buf = xp.empty((step, 2, 2, hp, wp, kh, kw, cin), dtype=dtype)
        z_buf = xp.empty((step, 2, 2, hp, wp, cout), dtype=dtype)
        for ch in part:
            nc = ch.stop - ch.start
            cols = cell_cols(xpad[ch], (kh, kw), (hp, wp), strides, dilation, cols_buf[:nc])
            z = z_buf[:nc]
            xp.matmul(cols.reshape(-1, k), w2, out=z.reshape(-1, cout))     # z = cols @ W2
            ck.pool4_kernel(z, b, True, pooled[ch], code[ch])                # p = max(max_cells(z + b), 0)

    run_chunks(forward, chunks)
    if not recording:
        return Tensor(pooled)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(delta: Any) -> tuple[Any, ...]:
        need_x, need_w = x.requires_grad, kernel.requires_grad
        need_b = bias is not None and bias.requires_grad
        delta = delta.astype(dtype, copy=False)
        dx = xp.zeros(xpad.shape, dtype=dtype) if need_x else None
        db = xp.zeros(cout if need_b else 0, dtype=dtype)        # empty: the kernels skip db
        if cin >= SPARSE_MIN_CIN and jit.enabled():  # only the winners' windows: no dz, no columns, no products
            none = xp.empty((0, 0, 0, 0), dtype=dtype)
            w_t = xp.ascontiguousarray(w.transpose(3, 0, 1, 2))             # (out, kh, kw, in)
            dw_t = xp.zeros(w_t.shape, dtype=dtype) if need_w else none

            def sparse(part: list[slice], dw_t: Any, db: Any) -> None:  # no columns: one piece per thread
                for ch in part:
                    ck.sparse_backward_kernel(xpad[ch], w_t, delta[ch], code[ch], dw_t, dx[ch] if need_x else none,
                                              db, *geometry)

            run_chunks(sparse, sample_parts(n, split_count(n, products=False)), (dw_t, db), products=False)
            grads = (crop_hw(dx, pads) if need_x else None, dw_t.transpose(1, 2, 3, 0).copy() if need_w else None)
            return grads if bias is None else grads + (db if need_b else None,)

        def dense(part: list[slice], dw: Any, db: Any) -> None:
            # Everything stays in cell order: dz[n, a, b, py, px, o] lines up with the columns, so dW is
            # one product, and dx is one product dcols = dz W2^T and a col2im per cell (cell (a, b) is an
            # ordinary convolution of x_pad shifted by (a s, b s) with strides 2 s, as in the forward).
            cols_buf = xp.empty((step, 2, 2, hp, wp, kh, kw, cin), dtype=dtype)   # columns, then dcols
            dz_buf = xp.empty((step, 2, 2, hp, wp, cout), dtype=dtype)
            for ch in part:
                nc = ch.stop - ch.start
                dz = dz_buf[:nc]
                ck.unpool4_kernel(delta[ch], code[ch], dz, db)               # dz = dp at the winner, db += dp
                dz2 = dz.reshape(-1, cout)
                if need_w:
                    cols = cell_cols(xpad[ch], (kh, kw), (hp, wp), strides, dilation, cols_buf[:nc])
                    dw.reshape(k, cout)[...] += cols.reshape(-1, k).T @ dz2  # dW2 += cols^T dz
                if need_x:
                    dcols = cols_buf[:nc]
                    xp.matmul(dz2, w2.T, out=dcols.reshape(-1, k))            # dcols = dz W2^T
                    for a in range(2):
                        for b in range(2):                                   # dx += col2im(dcols), per cell
                            ck.col2im_kernel(dcols[:, a, b], dx[ch, a * sh:, b * sw:, :], 2 * sh, 2 * sw, dh, dw_)

        dw = xp.zeros(kernel.shape, dtype=dtype) if need_w else None
        if need_w and not need_x and jit.enabled():  # a first layer (few channels, no dx): dW and db from the codes
            def narrow(part: list[slice], dw: Any, db: Any) -> None:
                for ch in part:
                    ck.narrow_weight_backward_kernel(xpad[ch], delta[ch], code[ch], dw, db, *geometry)

            run_chunks(narrow, sample_parts(n, split_count(n, products=False)), (dw, db), products=False)
        else:
            run_chunks(dense, chunks, (dw, db))
        grads = (crop_hw(dx, pads) if need_x else None, dw)
        return grads if bias is None else grads + (db if need_b else None,)

    return record(pooled, parents, backward)
