"""Recurrent primitives: SimpleRNN, LSTM and GRU over a whole sequence, and back-propagation through time.

Reading guide (Keras' weight layouts; x_t (batch, in), h_t (batch, u), sigma the recurrent activation):

* ``simple_rnn``:  h_t = tanh(x_t W + h_{t-1} U + b)
* ``lstm`` (written in :mod:`.recurrent_lstm`, re-exported here):
                   [i f c o] = x_t W + h_{t-1} U + b   (W (in, 4u), U (u, 4u), b (4u,))
  i = sigma(.), f = sigma(.), g = tanh(.), o = sigma(.);  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
* ``gru`` (``reset_after=True``, Keras 3's default):  x_t W + b_in = [x_z x_r x_h],  h_{t-1} U + b_rec = [r_z r_r r_h]
  z = sigma(x_z + r_z), r = sigma(x_r + r_r), hh = tanh(x_h + r * r_h),  h_t = z h_{t-1} + (1 - z) hh

Each op loops over t for the small matrix products (in BLAS) and the gate arithmetic, keeping what the
backward needs (and only then: ``predict`` keeps nothing per step that the forward itself does not need).
SimpleRNN projects every step's input in one matmul first.  The LSTM does one product a step,
[x_t 1 h_{t-1}] [W; b; U] (the bias as a row of W against a column of ones); the GRU two, [x_t 1] [W; b]
and h_{t-1} U (its candidate gates r * (h_{t-1} U_h + b_h) apart from x_t W_h).  The gate arithmetic of
an LSTM or GRU step is one compiled kernel (:mod:`.recurrent_kernels`, with its NumPy reference): one pass
over the step's (batch, k u) rows instead of a dozen NumPy calls.  Every per-step buffer is allocated once
per call.  The backward (BPTT) loops t = T-1 .. 0 carrying dC/dh (and dC/dc), writes dC/dz_t for every
step over the gates of step t once they are read (no fresh memory for dZ), and then finds dW = X^T dZ,
dU = H_prev^T dZ (the LSTM: both in one product) and dx = dZ W^T in one matmul each.

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
from . import recurrent_kernels as K
from . import sequences as seq
from .parallel import run_chunks, sample_parts, split_count
from .recurrent_lstm import _with_ones, lstm
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

    Per step, one product x_t W + b (the biases as a row of W) and one h_{t-1} U give (batch, 3u) rows; the
    elementwise rest is one kernel (:mod:`.recurrent_kernels`), which writes dZ_x over the gates.
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f_in, df_in = seq.act(activation, owner)
    f_gate, df_gate = seq.act(recurrent_activation, owner)
    batch, T, n_in = x.shape
    u = recurrent_kernel.shape[0]
    h0 = seq.initial(initial_state, batch, u, x.dtype, "h", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    keeps = None if m is None else xp.ascontiguousarray(m[..., 0])  # (T, batch): the kernels' row masks
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    dtype = xp.result_type(x.data, kernel.data)
    fast = activation == "tanh" and recurrent_activation == "sigmoid"  # the pair the kernels compile
    forward, backward_step = K.step_bodies("gru", dtype, fast, f_gate, f_in, df_gate, df_in)
    b_h = None
    if bias is None:
        xt, Wb = seq.time_major(x.data, go_backwards), kernel.data.astype(dtype, copy=False)
    else:  # [x_t 1] [W; b]: b = b[0] + the recurrent biases of z and r, which add as the input ones do
        b = bias.data.astype(dtype, copy=False)
        b_x = b[0].copy()
        b_x[:2 * u] += b[1, :2 * u]
        xt = _with_ones(x.data, go_backwards, dtype)
        Wb = xp.concatenate([kernel.data.astype(dtype, copy=False), b_x[None]])
        b_h = xp.ascontiguousarray(b[1, 2 * u:])  # r_h = h_{t-1} U_h + b_h is gated by r: added in the kernel
    U = recurrent_kernel.data.astype(dtype, copy=False)
    U_fwd = U
    if fast:  # sigma(a) = (tanh(a / 2) + 1) / 2: the kernels take z's and r's a / 2 (see there)
        Wb = Wb.copy() if Wb is kernel.data else Wb
        Wb[:, :2 * u] *= 0.5
        U_fwd = U.copy()
        U_fwd[:, :2 * u] *= 0.5
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0)
    nh = T + 1 if keep or return_sequences or m is not None else 2  # see lstm: [t % nh]
    H = xp.empty((nh, batch, u), dtype=dtype)
    gates = xp.empty((T if keep else 1, batch, 3 * u), dtype=dtype)  # [z r hh] of every step (training)
    REC = xp.empty((T if keep else 1, batch, u), dtype=dtype)  # r_h, kept for dr
    rec = xp.empty((batch, 3 * u), dtype=dtype)  # h_{t-1} U, reused every step
    hrm = None if rm is None else xp.empty((batch, u), dtype=dtype)

    # The samples are independent: with threads over the batch (engine/ops/parallel.py) each thread
    # runs the whole loop over t for its own rows p of every array (as the LSTM does).
    parts = sample_parts(batch, split_count(batch))

    def steps() -> None:
        """The loop over t (run again by a second backward: the first writes dZ_x over the gates)."""
        H[0] = 0 if h0 is None else h0.data
        run_chunks(steps_of, parts)

    def steps_of(rows: list[slice]) -> None:
        for p in rows:
            rm_p = None if rm is None else rm[p]
            for t in range(T):
                h_prev, s = H[t % nh, p], (t if keep else 0)
                g = xp.matmul(xt[t, p], Wb, out=gates[s, p])    # x_t W + b: (rows, 3u)
                xp.matmul(h_prev if rm is None else xp.multiply(h_prev, rm_p, out=hrm[p]), U_fwd, out=rec[p])
                forward(g, rec[p], b_h, h_prev, None if keeps is None else keeps[t, p], REC[s, p],
                        H[(t + 1) % nh, p])

    steps()
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0)
    used: list[bool] = []  # whether a backward has run (and overwritten the gates)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, dtype)
        if used:   # an earlier backward (a persistent tape) wrote dZ_x over the gates: compute them again
            steps()
        used.append(True)
        UT = xp.ascontiguousarray(U.T)       # (3u, u)
        dZx = gates                          # rows [dz dr da_h], written over the gates
        dZh = xp.empty_like(dZx)             # rows [dz dr da_h r]
        tmp = xp.empty((batch, u), dtype=dtype)

        def back_through_time(rows: list[slice]) -> None:
            for p in rows:
                dh_p, rm_p = dh[p], None if rm is None else rm[p]
                for t in range(T - 1, -1, -1):
                    if dH is not None:
                        dh_p += dH[t, p]
                    # dZ_x, dZ_h of step t; dh <- dh z (a skipped step: dZ = 0, dh unchanged)
                    backward_step(gates[t, p], REC[t, p], H[t, p], dh_p, None if keeps is None else keeps[t, p],
                                  dZh[t, p])
                    dh_p += seq.times(xp.matmul(dZh[t, p], UT, out=tmp[p]), rm_p)  # dh_{t-1} = dh z + dZ_h U^T

        run_chunks(back_through_time, parts)
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
