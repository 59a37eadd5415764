"""Fused convolution -> ReLU -> 2x2 max pooling, the block of every small convnet.

Mathematically this is exactly ``max_pool2d(relu(conv2d(x, W) + b), 2)``; the ops of
:mod:`glassnet.engine.ops.conv`, :mod:`.nn` and :mod:`.pooling` compute it step by step and are the
ones to read first.  Run separately, each step writes its whole output to memory and the next one
reads it back: for the MNIST convnet's first layer that is an 11 MB activation written, re-read and
masked several times per batch.  Here the work is done one cache-sized chunk of samples at a time:

forward, per chunk:   z = cols @ W2 + b;  a = max(z, 0);  p = max over each 2x2 window of a,
                      and which cell of the window won (first in row-major order on ties);
backward, per chunk:  dp is passed only where p > 0 (a window whose max is 0 had every ReLU off),
                      routed to the winning cell (dz), then dW += cols^T dz, db += 1^T dz,
                      dx += col2im(dz W2^T), exactly as the convolution's own backward does.

Only the pooled output (4x smaller) and three winner flags (1 byte each) are kept between the
passes; the full-size activation never leaves the cache.  ``Sequential`` and Functional models use this op when a
``Conv2D(activation="relu")`` is followed by ``MaxPooling2D(2)`` (their fusion plan,
:mod:`glassnet.models.fusion`); the layers and their weights are unchanged, and the tests check the
fused op against the unfused one and against PyTorch.
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, is_recording, record
from .conv import check_conv_args
from .im2col import col2im_add, crop_hw, im2col, kernel_taps, pad_hw, resolve_padding

# Values per chunk (about 2 MiB of float32): a chunk's activation and columns stay in cache.
FUSED_BLOCK = 1 << 19

# Cell (row, column) of the 2x2 window, in the order of the winner masks built in the backward.
_CELLS = ((0, 0), (0, 1), (1, 0), (1, 1))


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
    n, pixels = x.shape[0], ho * wo
    dtype = xp.result_type(x.dtype, kernel.dtype)
    xpad = pad_hw(x.data, pads)
    taps = kernel_taps((kh, kw), (ho, wo), strides, dilation)
    w2 = kernel.data.reshape(kh * kw * cin, cout)
    step = max(1, FUSED_BLOCK // (pixels * max(kh * kw * cin, cout)))
    chunks = [slice(s, min(s + step, n)) for s in range(0, n, step)]
    recording = is_recording(x, kernel, bias)
    pooled = xp.empty((n, hp, wp, cout), dtype=dtype)
    # Which cell won each window, as three comparisons (strict, so ties go to the first cell in
    # row-major order): right cell of the top row, of the bottom row, and bottom row over top row.
    right_top = xp.empty(pooled.shape, dtype=bool) if recording else None
    right_bottom = xp.empty(pooled.shape, dtype=bool) if recording else None
    lower = xp.empty(pooled.shape, dtype=bool) if recording else None
    zbuf = xp.empty((step * pixels, cout), dtype=dtype)
    zeros = xp.zeros_like(zbuf)  # max(z, zeros) is several times faster than max(z, 0) in NumPy
    top_buf, bottom_buf = xp.empty((2, step, hp, wp, cout), dtype=dtype)
    for ch in chunks:
        nc = ch.stop - ch.start
        z = zbuf[:nc * pixels]
        xp.matmul(im2col(xpad[ch], taps, (kh, kw), (ho, wo)), w2, out=z)   # z = cols @ W2
        if bias is not None:
            z += bias.data                                                  # + b
        xp.maximum(z, zeros[:nc * pixels], out=z)                           # relu
        z6 = z.reshape(nc, ho, wo, cout)[:, :hp * 2, :wp * 2, :].reshape(nc, hp, 2, wp, 2, cout)
        top, bottom = top_buf[:nc], bottom_buf[:nc]
        xp.maximum(z6[:, :, 0, :, 0, :], z6[:, :, 0, :, 1, :], out=top)
        xp.maximum(z6[:, :, 1, :, 0, :], z6[:, :, 1, :, 1, :], out=bottom)
        xp.maximum(top, bottom, out=pooled[ch])                              # 2x2 max
        if recording:
            xp.greater(z6[:, :, 0, :, 1, :], z6[:, :, 0, :, 0, :], out=right_top[ch])
            xp.greater(z6[:, :, 1, :, 1, :], z6[:, :, 1, :, 0, :], out=right_bottom[ch])
            xp.greater(bottom, top, out=lower[ch])
    if not recording:
        return Tensor(pooled)
    parents = (x, kernel) if bias is None else (x, kernel, bias)
    odd = (hp * 2, wp * 2) != (ho, wo)

    def backward(delta: Any) -> tuple[Any, ...]:
        need_x, need_w = x.requires_grad, kernel.requires_grad
        need_b = bias is not None and bias.requires_grad
        dx = xp.zeros(xpad.shape, dtype=delta.dtype) if need_x else None
        dw = xp.zeros((kh * kw * cin, cout), dtype=delta.dtype) if need_w else None
        db = xp.zeros(cout, dtype=delta.dtype) if need_b else None
        dz_buf = xp.zeros((step * pixels, cout), dtype=delta.dtype)
        for ch in chunks:
            nc = ch.stop - ch.start
            dp = delta[ch] * (pooled[ch] > 0)            # relu': nothing passes a window whose max is 0
            dz = dz_buf[:nc * pixels]
            if odd:
                dz[...] = 0                               # the dropped last row/column gets no gradient
            d6 = dz.reshape(nc, ho, wo, cout)[:, :hp * 2, :wp * 2, :].reshape(nc, hp, 2, wp, 2, cout)
            low, rt, rb = lower[ch], right_top[ch], right_bottom[ch]
            upper = ~low
            winners = ((upper & ~rt), (upper & rt), (low & ~rb), (low & rb))
            for (i, j), won in zip(_CELLS, winners):     # route dp to the winning cell of each window
                xp.multiply(dp, won, out=d6[:, :, i, :, j, :])
            if need_w:
                dw += im2col(xpad[ch], taps, (kh, kw), (ho, wo)).T @ dz
            if need_b:
                db += xp.ones(dz.shape[0], dtype=dz.dtype) @ dz
            if need_x:
                col2im_add(dz, kernel.data, dx[ch], taps, (ho, wo))
        grads = (crop_hw(dx, pads) if need_x else None, dw.reshape(kernel.shape) if need_w else None)
        return grads if bias is None else grads + (db,)

    return record(pooled, parents, backward)
