"""Recurrent primitives: SimpleRNN, LSTM and GRU over a whole sequence, and back-propagation through time.

Reading guide (Keras' weight layouts; x_t (batch, in), h_t (batch, u), sigma the recurrent activation):

* ``simple_rnn``:  h_t = tanh(x_t W + h_{t-1} U + b)
* ``lstm`` (written in :mod:`.recurrent_lstm`, re-exported here):
                   [i f c o] = x_t W + h_{t-1} U + b   (W (in, 4u), U (u, 4u), b (4u,))
  i = sigma(.), f = sigma(.), g = tanh(.), o = sigma(.);  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
* ``gru`` (``reset_after=True``, Keras 3's default):  x_t W + b_in = [x_z x_r x_h],  h_{t-1} U + b_rec = [r_z r_r r_h]
  z = sigma(x_z + r_z), r = sigma(x_r + r_r), hh = tanh(x_h + r * r_h),  h_t = z h_{t-1} + (1 - z) hh

Each op computes the input projection of every step in ONE matmul, then loops over t for the small
recurrent GEMM and the gate arithmetic, keeping what the backward needs (and only then: ``predict`` keeps
nothing per step that the forward itself does not need).  LSTM and GRU hold their gates gate-major, (k, batch, u)
per step, so every gate is a contiguous block: NumPy's elementwise calls run 2-3x faster on those than on
column slices of a (batch, k u) row, and a batched matmul h_{t-1} @ U (k, u, u) costs the same as one GEMM.
Every per-step buffer is allocated once per call and written with ``out=``.  The backward (BPTT) loops
t = T-1 .. 0 carrying dC/dh (and dC/dc), writes dC/dz_t for every step into one (T, batch, k u) array, and
then finds dW = X^T dZ, dU = H_prev^T dZ and dx = dZ W^T in one matmul each.  The factors of dz_t that
do not depend on dh are computed inside the loop, one step at a time, while that step is in cache: computing
them for all steps at once beforehand was measured slower (the (T, batch, 4u) arrays do not fit in cache).
At this size (batch 128, 128 units) the loops are bound by memory traffic more than by arithmetic, so the LSTM
also: projects x_t W + b step by step (the bias as a row of W against a column of ones in x), which lets
inference run every step in the same few buffers, which stay in cache; keeps only what its backward reads;
and writes each dz_t over the gates of step t once they are read (no fresh memory for dZ).

A mask (batch, T) of booleans skips steps as Keras does: a masked step carries the state through
unchanged and outputs the previous output (zeros before the first kept step).  ``go_backwards`` reads
the sequence from its end and returns the outputs in the order they were computed.
Each op returns ``(output, states)``: ``output`` the whole sequence (batch, T, u) or the last output
(batch, u), and ``states`` the final states ([h] or [h, c]), differentiable unless ``state_gradients=False``
(a layer that does not return its states says so, and the tape then holds one node per op).
``recurrent_mask`` (batch, u) is recurrent dropout: h_{t-1} * mask enters the recurrent product.
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, is_recording
from . import sequences as seq
from .recurrent_lstm import _gate_major, _with_ones, lstm
from .sequences import ACTIVATIONS

__all__ = ["ACTIVATIONS", "gru", "lstm", "simple_rnn"]


# --- SimpleRNN ----------------------------------------------------------------------------------
def simple_rnn(x: Any, kernel: Tensor, recurrent_kernel: Tensor, bias: Tensor | None = None,
               initial_state: Any = None, mask: Any = None, go_backwards: bool = False,
               return_sequences: bool = False, activation: str = "tanh",
               recurrent_mask: Any = None, state_gradients: bool = True,
               owner: str = "SimpleRNN") -> tuple[Tensor, list[Tensor]]:
    """h_t = f(x_t W + h_{t-1} U + b) for t = 1..T, f = ``activation`` (tanh).

    Backward (BPTT), with dh_t = dC/dh_t from the output plus from step t+1:
    da_t = dh_t * f'(a_t);   dh_{t-1} += da_t U^T;   dW = sum_t x_t^T da_t,  dU = sum_t h_{t-1}^T da_t,
    db = sum_t 1^T da_t,  dx_t = da_t W^T.
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f, df = seq.act(activation, owner)
    batch, T, _ = x.shape
    units = recurrent_kernel.shape[0]
    h0 = seq.initial(initial_state, batch, units, x.dtype, "h", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    xt = seq.time_major(x.data, go_backwards)
    proj = (xt.reshape(T * batch, -1) @ kernel.data).reshape(T, batch, units)  # x_t W, every t at once
    if bias is not None:
        proj += bias.data
    U = recurrent_kernel.data
    H = xp.empty((T + 1, batch, units), dtype=proj.dtype)  # H[t + 1] = h_t, H[0] = h_0
    H[0] = 0 if h0 is None else h0.data
    for t in range(T):
        a = f(xp.matmul(H[t] if rm is None else H[t] * rm, U) + proj[t])
        H[t + 1] = a if m is None else xp.where(m[t], a, H[t])
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH = seq.output_grads(g, return_sequences, m, T, batch, units, proj.dtype)
        dA = xp.empty_like(proj)
        dh = xp.zeros((batch, units), dtype=proj.dtype) if state_grads[0] is None else state_grads[0].copy()
        for t in range(T - 1, -1, -1):
            dh += dH[t]
            da = dh * df(H[t + 1])
            if m is not None:  # a skipped step passes dh straight to h_{t-1}
                da = xp.where(m[t], da, 0)
                dh = xp.where(m[t], seq.times(da @ U.T, rm), dh)
            else:
                dh = seq.times(da @ U.T, rm)
            dA[t] = da
        dx, dw, du = seq.weight_grads(xt, H, dA, dA, x, kernel, recurrent_kernel, go_backwards, rm=rm)
        named = {id(x): dx, id(kernel): dw, id(recurrent_kernel): du}
        if bias is not None:
            named[id(bias)] = dA.reshape(T * batch, units).sum(axis=0)
        if h0 is not None:
            named[id(h0)] = dh
        return seq.grads_for(parents, named)

    return seq.finish(parents, H, [], m, return_sequences, backward, state_gradients)


def _own(d: Any, gates: Any) -> Any:
    # a derivative written from the output may be the output itself (exponential's): copy it before it is
    # scaled in place, as the gates are still read and then overwritten by dZ
    return d.copy() if xp.may_share_memory(d, gates) else d


# --- GRU ----------------------------------------------------------------------------------------
def gru(x: Any, kernel: Tensor, recurrent_kernel: Tensor, bias: Tensor | None = None,
        initial_state: Any = None, mask: Any = None, go_backwards: bool = False, return_sequences: bool = False,
        activation: str = "tanh", recurrent_activation: str = "sigmoid",
        recurrent_mask: Any = None, state_gradients: bool = True,
        owner: str = "GRU") -> tuple[Tensor, list[Tensor]]:
    """The GRU of Cho et al. in Keras 3's ``reset_after=True`` form, gates z, r, h; bias (2, 3u).

    [x_z x_r x_h] = x_t W + b[0];   [r_z r_r r_h] = h_{t-1} U + b[1];
    z = sigma(x_z + r_z),  r = sigma(x_r + r_r),  hh = tanh(x_h + r * r_h);   h_t = z h_{t-1} + (1 - z) hh.

    Backward (BPTT), with dh_t carried from step t+1:
    dz = dh_t (h_{t-1} - hh) sigma'(z);   da_h = dh_t (1 - z) tanh'(hh);   dr = da_h r_h sigma'(r);
    dZ_x = [dz dr da_h],  dZ_h = [dz dr da_h * r];   dh_{t-1} = dh_t z + dZ_h U^T;
    dW = X^T dZ_x,  dU = H_prev^T dZ_h,  db = [1^T dZ_x, 1^T dZ_h],  dx = dZ_x W^T.

    The loop keeps the gates gate-major, (3, batch, u) per step, so that each gate is contiguous; as the
    LSTM, it projects x_t step by step (the biases as a row of W) and writes dZ_x over the gates.
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f_in, df_in = seq.act(activation, owner)
    f_gate, df_gate = seq.act(recurrent_activation, owner)
    batch, T, n_in = x.shape
    u = recurrent_kernel.shape[0]
    h0 = seq.initial(initial_state, batch, u, x.dtype, "h", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    dtype = xp.result_type(x.data, kernel.data)
    # sigma(a) = (tanh(a / 2) + 1) / 2: the 1/2 folded into the z and r columns of W, U and the biases
    fast = recurrent_activation == "sigmoid"
    scale = xp.ones(3 * u, dtype=kernel.data.dtype)
    if fast:
        scale[:2 * u] = 0.5
    b_h = None
    if bias is None:
        xt, Wb = seq.time_major(x.data, go_backwards), kernel.data
    else:  # [x_t 1] [W; b]: b = b[0] + the recurrent biases of z and r, which add as the input ones do
        b = bias.data.astype(kernel.data.dtype, copy=False)
        b_x = b[0].copy()
        b_x[:2 * u] += b[1, :2 * u]
        xt, Wb = _with_ones(x.data, go_backwards, dtype), xp.concatenate([kernel.data, b_x[None]])
        b_h = (b[1, 2 * u:] * scale[2 * u:]).reshape(1, u)  # r_h = h_{t-1} U_h + b_h is gated by r: added in the loop
    W3 = _gate_major(Wb * scale, 3)                     # (3, in (+ 1), u)
    U3_plain = _gate_major(recurrent_kernel.data, 3)    # (3, u, u), also for the backward's U^T
    U3 = U3_plain * scale.reshape(3, 1, u)
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0)
    nh = T + 1 if keep or return_sequences or m is not None else 2  # see lstm: [t % nh]
    H = xp.empty((nh, batch, u), dtype=dtype)
    gates = xp.empty((T if keep else 1, 3, batch, u), dtype=dtype)  # [z r hh] of every step (training)
    REC = xp.empty((T if keep else 1, batch, u), dtype=dtype)  # r_h, kept for dr
    rec = xp.empty((3, batch, u), dtype=dtype)  # h_{t-1} U, reused every step
    tmp = xp.empty((batch, u), dtype=dtype)
    hrm = None if rm is None else xp.empty((batch, u), dtype=dtype)

    def steps() -> None:
        """The loop over t (run again by a second backward: the first writes dZ_x over the gates)."""
        H[0] = 0 if h0 is None else h0.data
        for t in range(T):
            h_prev = H[t % nh]
            p = xp.matmul(xt[t], W3, out=gates[t if keep else 0])  # x_t W + b: (3, batch, u)
            xp.matmul(h_prev if rm is None else xp.multiply(h_prev, rm, out=hrm), U3, out=rec)
            zr = p[:2]
            zr += rec[:2]                            # [z r] = sigma(x_[z r] + r_[z r])
            if fast:
                xp.tanh(zr, out=zr)
                zr *= 0.5
                zr += 0.5
            else:
                f_gate(zr)
            z, r, hh = p
            rh = REC[t if keep else 0]
            if b_h is None:
                rh[...] = rec[2]
            else:
                xp.add(rec[2], b_h, out=rh)
            hh += xp.multiply(r, rh, out=tmp)        # hh = tanh(x_h + r * r_h)
            f_in(hh)
            h = xp.subtract(h_prev, hh, out=H[(t + 1) % nh])  # h_t = hh + z (h_{t-1} - hh), in place
            h *= z
            h += hh
            if m is not None:
                xp.copyto(h, h_prev, where=~m[t])

    steps()
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0)
    used: list[bool] = []  # whether a backward has run (and overwritten the gates)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, dtype)
        if used:   # an earlier backward (a persistent tape) wrote dZ_x over the gates: compute them again
            steps()
        used.append(True)
        UT = xp.ascontiguousarray(U3_plain.transpose(0, 2, 1)).reshape(3 * u, u)  # [U_z U_r U_h]^T
        dZx = gates.reshape(T, batch, 3, u)  # rows [dz dr da_h]: one GEMM each for dW, dU; over the gates
        dZh = xp.empty_like(dZx)
        dhz = xp.empty((batch, u), dtype=dtype)
        for t in range(T - 1, -1, -1):
            z, r, hh = gates[t]
            dzx, dzh = dZx[t], dZh[t]
            if dH is not None:
                dh += dH[t]
            sg = _own(df_gate(gates[t, :2]), gates)     # sigma'(z), sigma'(r), contiguous
            dah = _own(df_in(hh), gates)
            dah *= dh
            dah -= xp.multiply(dah, z, out=tmp)         # da_h = dh (1 - z) tanh'(hh)
            sg[0] *= xp.subtract(H[t], hh, out=tmp)
            sg[1] *= REC[t]
            xp.multiply(dah, r, out=dzh[:, 2])          # da_h r, for dZ_h
            xp.multiply(dh, z, out=dhz)                 # dh z, for dh_{t-1}
            # the gates of step t are all read: dZ_x may now overwrite them
            xp.multiply(sg[0], dh, out=dzx[:, 0])       # dz = dh (h_{t-1} - hh) sigma'(z)
            xp.multiply(sg[1], dah, out=dzx[:, 1])      # dr = da_h r_h sigma'(r)
            dzx[:, 2] = dah
            if m is not None:
                dzx *= m[t][:, :, None]
                dzh[:, 2] *= m[t]
            dzh[:, :2] = dzx[:, :2]                     # dZ_h = [dz dr da_h r]
            seq.times(xp.matmul(dzh.reshape(batch, 3 * u), UT, out=tmp), rm)
            if m is None:                               # dh_{t-1} = dh z + dZ_h U^T
                xp.add(dhz, tmp, out=dh)
            else:  # a skipped step hands dh to step t-1 unchanged
                dh = xp.where(m[t], dhz + tmp, dh)
        dx, dw, du = seq.weight_grads(xt, H, dZx, dZh, x, kernel, recurrent_kernel, go_backwards,
                                      kernel.data, rm)
        named = {id(x): dx, id(kernel): None if dw is None else dw[:n_in], id(recurrent_kernel): du}
        if bias is not None:  # 1^T dZ_x is the ones row of [X 1]^T dZ_x (computed with dW)
            named[id(bias)] = xp.stack([seq.column_sums(dZx) if dw is None else dw[n_in], seq.column_sums(dZh)])
        if h0 is not None:
            named[id(h0)] = dh
        return seq.grads_for(parents, named)

    H_out = H if nh == T + 1 else H[[(T + 1) % 2, T % 2]]  # [h_{T-1}, h_T] from the two buffers
    return seq.finish(parents, H_out, [], m, return_sequences, backward, state_gradients)
