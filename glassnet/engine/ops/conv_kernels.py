"""Compiled one-pass kernels for the memory-bound parts of convolution and 2x2 max pooling.

Each kernel is a :class:`glassnet.jit.Kernel`: a NumPy *reference* (the readable definition, and
what runs without numba or on another backend) beside a plain *loop* that numba compiles into one
pass over memory.  Both write into the output arrays they are given; the tests run the two on the
same inputs and compare them.  Notation (NHWC, s = stride, d = dilation, x_pad the padded input):

* im2col:   cols[n, y, x, i, j, c] = x_pad[n, y*s + i*d, x*s + j*d, c]
* col2im:   dx_pad[n, y*s + i*d, x*s + j*d, c] += dcols[n, y, x, i, j, c]     (its adjoint)
* pool4:    the four cells of each 2x2 window side by side, z[n, a, b, py, px, o] being conv output
            pixel (2 py + a, 2 px + b).  p = max(max_{a,b} z + bias, 0)  and code = 2a + b of the
            first maximum in row-major order, or 4 when p == 0 (then every ReLU of the window is
            off and no gradient passes).  The bias is added after the maximum (the same value:
            rounding is monotonic), so ties are decided on z.  One byte per output replaces the
            activation, the ReLU mask and the pooling mask.
* unpool4:  the backward of pool4:  dz[n, a, b, py, px, o] = dp[n, py, px, o] if code == 2a + b else 0,
            and db[o] += sum of dp where code < 4.
* sparse backward: dz is zero except at one cell per (window, channel), so with many input
            channels dW and dx are added straight from the codes, window by window, instead of
            by three dense matrix products over a 3/4-zero dz.
* narrow weight backward: the same dW and db for few input channels (a first layer, whose dx is not
            needed), with the vectors over the output channels.

Nothing here loops in Python over samples or pixels: the references use whole-array NumPy
operations (one per kernel tap or window cell), the loops are compiled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...backend import xp
from ...jit import Kernel

NO_WINNER = 4
"""The pool4 code of a window whose maximum is <= 0: the ReLU blocks its gradient."""


def _tap(start: int, n: int, step: int) -> slice:
    """The strided slice start, start + step, ..., start + (n - 1) step."""
    return slice(start, start + (n - 1) * step + 1, step)


# --- im2col / col2im -----------------------------------------------------------------------------
def _im2col_ref(xpad: Any, cols: Any, sh: int, sw: int, dh: int, dw: int) -> None:
    # cols[n, y, x, i, j, c] = x_pad[n, y*s + i*d, x*s + j*d, c]: one strided slice copy per tap.
    _, ho, wo, kh, kw, c = cols.shape
    if c >= 8:
        # The same, as one copy of a sliding-window view (every window of the dilated kernel's span,
        # then every s-th window and every d-th tap): 1.6x faster in NumPy than the per-tap copies
        # for 32 channels, slower for 1-3 channels, whose rows are short.
        span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
        windows = xp.lib.stride_tricks.sliding_window_view(xpad, span, axis=(1, 2))  # (n, y, x, c, span_h, span_w)
        cols[...] = windows[:, :(ho - 1) * sh + 1:sh, :(wo - 1) * sw + 1:sw, :, ::dh, ::dw].transpose(0, 1, 2, 4, 5, 3)
        return
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = xpad[:, _tap(i * dh, ho, sh), _tap(j * dw, wo, sw), :]


# In the loops, the innermost loop runs over a 1-D row view indexed by the loop counter alone, so
# numba drops its negative-index checks and the copy / multiply-add vectorises.
def _im2col_loop(xpad, cols, sh, sw, dh, dw):  # noqa: ANN001, ANN202 - compiled by numba
    n, ho, wo, kh, kw, c = cols.shape
    for s in range(n):
        for y in range(ho):
            for x in range(wo):
                dst = cols[s, y, x]
                for i in range(kh):
                    src_row = xpad[s, y * sh + i * dh]
                    for j in range(kw):
                        if c == 1:  # one channel: no row view to build per value
                            dst[i, j, 0] = src_row[x * sw + j * dw, 0]
                            continue
                        src = src_row[x * sw + j * dw]
                        for ch in range(c):
                            dst[i, j, ch] = src[ch]


im2col_kernel = Kernel(_im2col_ref, _im2col_loop, name="im2col")


def _col2im_ref(dcols: Any, dx: Any, sh: int, sw: int, dh: int, dw: int) -> None:
    # dx_pad[n, y*s + i*d, x*s + j*d, c] += dcols[n, y, x, i, j, c]: one strided += per tap.
    _, ho, wo, kh, kw, _ = dcols.shape
    for i in range(kh):
        for j in range(kw):
            dx[:, _tap(i * dh, ho, sh), _tap(j * dw, wo, sw), :] += dcols[:, :, :, i, j, :]


def _col2im_loop(dcols, dx, sh, sw, dh, dw):  # noqa: ANN001, ANN202
    n, ho, wo, kh, kw, c = dcols.shape
    for s in range(n):
        for y in range(ho):
            for x in range(wo):
                for i in range(kh):
                    dst_row = dx[s, y * sh + i * dh]
                    for j in range(kw):
                        src, dst = dcols[s, y, x, i, j], dst_row[x * sw + j * dw]
                        for ch in range(c):
                            dst[ch] += src[ch]


col2im_kernel = Kernel(_col2im_ref, _col2im_loop, name="col2im")


# --- 2x2 max pooling (with the ReLU and bias of a fused convolution) ----------------------------
def _pool4_ref(z: Any, bias: Any, relu: bool, pooled: Any, code: Any) -> None:
    # p = max(max(z00, z01), max(z10, z11)) + b (then max(p, 0) with a ReLU).  The winner, first in
    # row-major order on ties: the bottom row only if strictly larger than the top, and within a
    # row the right cell only if strictly larger; 4 where the ReLU blocks.
    z00, z01, z10, z11 = z[:, 0, 0], z[:, 0, 1], z[:, 1, 0], z[:, 1, 1]
    top, bottom = xp.maximum(z00, z01), xp.maximum(z10, z11)
    xp.maximum(top, bottom, out=pooled)
    pooled += bias
    if code.size:  # predict skips the winners altogether
        # Bitwise selects on bool/uint8 arrays: several times faster in NumPy than where/putmask.
        lower = bottom > top
        code[...] = (lower & (z11 > z10)) | (~lower & (z01 > z00))  # the right cell of the winning row
        code += lower.view(xp.uint8) << 1                           # + 2 for the bottom row
        if relu:
            blocked = pooled <= 0
            xp.multiply(code, ~blocked, out=code)
            code |= blocked.view(xp.uint8) << 2                      # NO_WINNER = 4
    if relu:
        xp.maximum(pooled, 0, out=pooled)


def _pool4_loop(z, bias, relu, pooled, code):  # noqa: ANN001, ANN202
    n, _, _, hp, wp, c = z.shape
    keep = code.size > 0
    for s in range(n):
        for y in range(hp):
            for x in range(wp):
                for o in range(c):
                    best = z[s, 0, 0, y, x, o]
                    win = 0
                    v = z[s, 0, 1, y, x, o]
                    if v > best:
                        best, win = v, 1
                    v = z[s, 1, 0, y, x, o]
                    w = z[s, 1, 1, y, x, o]
                    if w > v:
                        v, right = w, 1
                    else:
                        right = 0
                    if v > best:
                        best, win = v, 2 + right
                    best += bias[o]
                    if relu and best <= 0:
                        best, win = best * 0, 4
                    pooled[s, y, x, o] = best
                    if keep:
                        code[s, y, x, o] = win


pool4_kernel = Kernel(_pool4_ref, _pool4_loop, name="pool4")


def _unpool4_ref(dp: Any, code: Any, dz: Any, db: Any) -> None:
    # dz[n, a, b, py, px, o] = dp if code == 2a + b else 0;  db += sum of dp over windows that passed.
    for cell in range(4):
        xp.multiply(dp, code == cell, out=dz[:, cell // 2, cell % 2])
    if db.size:
        db += (dp * (code < NO_WINNER)).reshape(-1, dp.shape[-1]).sum(axis=0)


def _unpool4_loop(dp, code, dz, db):  # noqa: ANN001, ANN202
    n, hp, wp, c = dp.shape
    sum_b = db.size > 0
    for s in range(n):
        for y in range(hp):
            for x in range(wp):
                for o in range(c):
                    g = dp[s, y, x, o]
                    k = code[s, y, x, o]
                    zero = g * 0
                    dz[s, 0, 0, y, x, o] = g if k == 0 else zero
                    dz[s, 0, 1, y, x, o] = g if k == 1 else zero
                    dz[s, 1, 0, y, x, o] = g if k == 2 else zero
                    dz[s, 1, 1, y, x, o] = g if k == 3 else zero
                    if sum_b and k < 4:
                        db[o] += g


unpool4_kernel = Kernel(_unpool4_ref, _unpool4_loop, name="unpool4")


# --- sparse backward of conv + ReLU + 2x2 pooling, for long channel rows ------------------------
def _sparse_backward_ref(xpad: Any, w_t: Any, dp: Any, code: Any, dw_t: Any, dx: Any, db: Any,
                         sh: int, sw: int, dh: int, dw: int) -> None:
    # dz = unpool4(dp, code);  dW^T += dz^T cols;  dx_pad += col2im(dz W2^T), in window-cell order.
    # W2^T is the (out, kh, kw, in) kernel ``w_t`` as an (out, kh*kw*in) matrix; empty dw_t / dx: skipped.
    cout, kh, kw, cin = w_t.shape
    n, hp, wp, _ = dp.shape
    dz = xp.empty((n, 2, 2, hp, wp, cout), dtype=dp.dtype)
    _unpool4_ref(dp, code, dz, db)
    dz2 = dz.reshape(-1, cout)
    if dw_t.size:
        from .im2col import cell_cols  # here, not at the top: im2col.py imports this module

        cols = cell_cols(xpad, (kh, kw), (hp, wp), (sh, sw), (dh, dw), gather=_im2col_ref)
        dw_t += (dz2.T @ cols.reshape(-1, kh * kw * cin)).reshape(dw_t.shape)
    if dx.size:
        dcols = (dz2 @ w_t.reshape(cout, -1)).reshape(n, 2, 2, hp, wp, kh, kw, cin)
        for a in range(2):
            for b in range(2):
                _col2im_ref(dcols[:, a, b], dx[:, a * sh:, b * sw:, :], 2 * sh, 2 * sw, dh, dw)


def _sparse_backward_loop(xpad, w_t, dp, code, dw_t, dx, db, sh, sw, dh, dw):  # noqa: ANN001, ANN202
    # Only the winning cell of each (window, channel) has a non-zero dz, so instead of three dense
    # products with a 3/4-zero dz, each surviving dp adds its share straight into place.  Per
    # window cell, with win = its column row (kh*kw*in values, gathered once) and the channels o
    # that won there:   dW^T[o, :] += dp[o] win,   dwin = sum_o dp[o] W^T[o, :],   dx_pad[window] += dwin.
    # Both run over whole rows of kh*kw*in values (vectorised); windows blocked by the ReLU cost nothing.
    cout, kh, kw, cin = w_t.shape
    n, hp, wp, _ = dp.shape
    k = kh * kw * cin
    need_w, need_x, need_b = dw_t.size > 0, dx.size > 0, db.size > 0
    w2t = w_t.reshape(cout, k)
    dw2t = dw_t.reshape(cout, k) if need_w else w2t
    win = np.empty(k, dtype=dp.dtype)
    dwin = np.empty(k, dtype=dp.dtype)
    for s in range(n):
        for y in range(hp):
            for x in range(wp):
                gp, cp = dp[s, y, x], code[s, y, x]
                for cell in range(4):
                    r0 = (2 * y + cell // 2) * sh
                    c0 = (2 * x + cell % 2) * sw
                    hits = 0
                    for o in range(cout):
                        if cp[o] == cell:
                            hits += 1
                    if hits == 0:
                        continue
                    if need_w:  # win = x_pad's window, as one column row
                        t = 0
                        for i in range(kh):
                            row = xpad[s, r0 + i * dh]
                            for j in range(kw):
                                src = row[c0 + j * dw]
                                for ch in range(cin):
                                    win[t + ch] = src[ch]
                                t += cin
                    dwin[:] = 0
                    for o in range(cout):
                        if cp[o] != cell:
                            continue
                        g = gp[o]
                        if need_b:
                            db[o] += g
                        if need_w:
                            dst = dw2t[o]
                            for t in range(k):
                                dst[t] += g * win[t]
                        if need_x:
                            src = w2t[o]
                            for t in range(k):
                                dwin[t] += g * src[t]
                    if need_x:  # dx_pad[window] += dwin
                        t = 0
                        for i in range(kh):
                            row = dx[s, r0 + i * dh]
                            for j in range(kw):
                                dst = row[c0 + j * dw]
                                for ch in range(cin):
                                    dst[ch] += dwin[t + ch]
                                t += cin


sparse_backward_kernel = Kernel(_sparse_backward_ref, _sparse_backward_loop, name="conv_pool4_sparse_backward")


# --- weight gradient of conv + ReLU + 2x2 pooling, for few input channels -------------------------
def _narrow_weight_backward_ref(xpad: Any, dp: Any, code: Any, dw: Any, db: Any,
                                sh: int, sw: int, dh: int, dw_: int) -> None:
    # dz = unpool4(dp, code);  dW2 += cols^T dz (the columns in cell order);  db += sum of dp where code < 4.
    kh, kw, cin, cout = dw.shape
    n, hp, wp, _ = dp.shape
    dz = xp.empty((n, 2, 2, hp, wp, cout), dtype=dp.dtype)
    _unpool4_ref(dp, code, dz, db)
    from .im2col import cell_cols  # here, not at the top: im2col.py imports this module

    cols = cell_cols(xpad, (kh, kw), (hp, wp), (sh, sw), (dh, dw_), gather=_im2col_ref)
    dw += (cols.reshape(-1, kh * kw * cin).T @ dz.reshape(-1, cout)).reshape(dw.shape)


def _narrow_weight_backward_loop(xpad, dp, code, dw, db, sh, sw, dh, dw_):  # noqa: ANN001, ANN202
    # With one to a few input channels a window is only kh*kw*in values (9 for MNIST's first layer):
    # too short a row for the sparse kernel's vectors, and the dense route writes a 4x dz and gathers a
    # 4x column matrix only to multiply them by a 9-row matrix.  Here the vectors run over the output
    # channels instead.  Per pooling window, g_c[o] = dp[o] where channel o won in cell c (else 0), and
    # each tap (i, j, ch) adds  sum_c v_c g_c  to its row dW[i, j, ch, :], v_c being the input value
    # under that tap in cell c's window: one pass over dW's row for the four cells.
    kh, kw, cin, cout = dw.shape
    n, hp, wp, _ = dp.shape
    need_b = db.size > 0
    g = np.empty((4, cout), dtype=dp.dtype)
    zero = np.zeros(1, dtype=dp.dtype)[0]  # 0 in dp's dtype (a literal 0 would make g float64)
    g0, g1, g2, g3 = g[0], g[1], g[2], g[3]
    for s in range(n):
        for y in range(hp):
            for x in range(wp):
                gp, cp = dp[s, y, x], code[s, y, x]
                hits = 0
                for o in range(cout):
                    k = cp[o]
                    v = gp[o]
                    g0[o] = v if k == 0 else zero
                    g1[o] = v if k == 1 else zero
                    g2[o] = v if k == 2 else zero
                    g3[o] = v if k == 3 else zero
                    hits += k < 4
                if hits == 0:
                    continue  # every ReLU of the window off: nothing passes
                if need_b:
                    for o in range(cout):
                        db[o] += (g0[o] + g1[o]) + (g2[o] + g3[o])
                top, left = 2 * y * sh, 2 * x * sw   # cell (a, b)'s window starts at (top + a s, left + b s)
                for i in range(kh):
                    r = top + i * dh
                    for j in range(kw):
                        c = left + j * dw_
                        for ch in range(cin):
                            v0, v1 = xpad[s, r, c, ch], xpad[s, r, c + sw, ch]
                            v2, v3 = xpad[s, r + sh, c, ch], xpad[s, r + sh, c + sw, ch]
                            dst = dw[i, j, ch]
                            for o in range(cout):
                                dst[o] += (v0 * g0[o] + v1 * g1[o]) + (v2 * g2[o] + v3 * g3[o])


narrow_weight_backward_kernel = Kernel(_narrow_weight_backward_ref, _narrow_weight_backward_loop,
                                       name="conv_pool4_narrow_weight_backward")


__all__ = ["NO_WINNER", "col2im_kernel", "im2col_kernel", "narrow_weight_backward_kernel",
           "pool4_kernel", "sparse_backward_kernel", "unpool4_kernel"]
