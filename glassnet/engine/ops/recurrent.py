"""Recurrent primitives: SimpleRNN, LSTM and GRU over a whole sequence, and back-propagation through time.

Reading guide (Keras' weight layouts; x_t (batch, in), h_t (batch, u), sigma the recurrent activation):

* ``simple_rnn``:  h_t = tanh(x_t W + h_{t-1} U + b)
* ``lstm``:        [i f c o] = x_t W + h_{t-1} U + b   (W (in, 4u), U (u, 4u), b (4u,))
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


# --- LSTM ---------------------------------------------------------------------------------------
def _lstm_order(units: int) -> tuple[Any, Any]:
    """Keras' gate columns [i f c o] -> the order used inside the loop, [o i f c], and back.

    Inside the loop the three sigmoid gates sit side by side, so one call activates them all.
    """
    u = units
    perm = xp.concatenate([xp.arange(3 * u, 4 * u), xp.arange(0, 3 * u)])
    return perm, xp.argsort(perm)


def _gate_major(w: Any, k: int) -> Any:
    """Columns (n, k u) -> (k, n, u): one (n, u) matrix per gate, so that each step's gates come out of
    one batched matmul as k contiguous (batch, u) blocks (elementwise NumPy is 2-3x faster on those than
    on the column slices of a (batch, k u) row)."""
    n, ku = w.shape
    return xp.ascontiguousarray(w.reshape(n, k, ku // k).transpose(1, 0, 2))


def lstm(x: Any, kernel: Tensor, recurrent_kernel: Tensor, bias: Tensor | None = None,
         initial_state: Any = None, mask: Any = None, go_backwards: bool = False, return_sequences: bool = False,
         activation: str = "tanh", recurrent_activation: str = "sigmoid",
         recurrent_mask: Any = None, state_gradients: bool = True,
         owner: str = "LSTM") -> tuple[Tensor, list[Tensor]]:
    """The LSTM of Hochreiter & Schmidhuber with Keras' gate order i, f, c, o.

    z_t = x_t W + h_{t-1} U + b = [z_i z_f z_c z_o];  i, f, o = sigma(z_.),  g = tanh(z_c);
    c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t).

    Backward (BPTT), with dh_t and dc_t carried from step t+1:
    do = dh_t * tanh(c_t);   dc_t += dh_t * o * tanh'(c_t);
    di = dc_t * g,  df = dc_t * c_{t-1},  dg = dc_t * i;   dc_{t-1} = dc_t * f;
    dz = [di sigma'(i), df sigma'(f), dg tanh'(g), do sigma'(o)];   dh_{t-1} = dz U^T;
    dW = X^T dZ,  dU = H_prev^T dZ,  db = 1^T dZ,  dx = dZ W^T.

    The loop keeps the gates in the order [o i f g] (the three sigmoids side by side, so one call
    activates them all), gate-major: z_t is (4, batch, u).  The gradients go back to Keras' order at the end.
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f_in, df_in = seq.act(activation, owner)
    f_gate, df_gate = seq.act(recurrent_activation, owner)
    batch, T, _ = x.shape
    u = recurrent_kernel.shape[0]
    states0 = list(initial_state) if initial_state is not None else [None, None]
    if len(states0) != 2:
        raise ValueError(f"{owner}: initial_state must be [h, c], got {len(states0)} tensors")
    h0 = seq.initial(states0[0], batch, u, x.dtype, "h", owner)
    c0 = seq.initial(states0[1], batch, u, x.dtype, "c", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    xt = seq.time_major(x.data, go_backwards)
    perm, unperm = _lstm_order(u)
    # sigma(z) = (tanh(z / 2) + 1) / 2: with the 1/2 folded into the weights of o, i, f one tanh over the
    # whole step activates all four gates (the default activations only).
    fast = activation == "tanh" and recurrent_activation == "sigmoid"
    scale = xp.ones(4 * u, dtype=kernel.data.dtype)
    if fast:
        scale[:3 * u] = 0.5
    W4 = _gate_major(kernel.data[:, perm] * scale, 4)        # (4, in, u)
    U4 = _gate_major(recurrent_kernel.data[:, perm] * scale, 4)  # (4, u, u)
    proj = xp.matmul(xt[:, None], W4)  # (T, 4, batch, u): x_t W for every t at once
    if bias is not None:
        proj += (bias.data[perm] * scale).reshape(4, 1, u)
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0, c0)
    H = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    C = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    H[0] = 0 if h0 is None else h0.data
    C[0] = 0 if c0 is None else c0.data
    gates = proj  # [o i f g] overwrite the projection, step by step
    # tanh(c_t): the backward needs every step's; inference reuses one buffer
    TC = xp.empty((T if keep else 1, batch, u), dtype=proj.dtype)
    rec = xp.empty((4, batch, u), dtype=proj.dtype)  # h_{t-1} U and i g: buffers reused every step
    ig = xp.empty((batch, u), dtype=proj.dtype)
    hrm = None if rm is None else xp.empty((batch, u), dtype=proj.dtype)
    for t in range(T):
        z = proj[t]
        xp.matmul(H[t] if rm is None else xp.multiply(H[t], rm, out=hrm), U4, out=rec)
        z += rec                                 # z_t = x_t W + b + h_{t-1} U
        s = z[:3]
        if fast:
            xp.tanh(z, out=z)
            s *= 0.5
            s += 0.5                             # [o i f] = (tanh(z/2) + 1) / 2,  g = tanh(z_c)
        else:
            f_gate(s)
            f_in(z[3])
        o, i, f, g = z
        c = xp.multiply(f, C[t], out=C[t + 1])   # c_t = f c_{t-1} + i g, written in place
        c += xp.multiply(i, g, out=ig)
        tc = TC[t if keep else 0]
        if fast:
            xp.tanh(c, out=tc)
        else:
            tc[...] = c
            f_in(tc)
        h = xp.multiply(o, tc, out=H[t + 1])     # h_t = o tanh(c_t)
        if m is not None:
            xp.copyto(c, C[t], where=~m[t])
            xp.copyto(h, H[t], where=~m[t])
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0, c0)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, proj.dtype)
        dc = xp.zeros((batch, u), dtype=proj.dtype) if state_grads[1] is None else state_grads[1].copy()
        dZ = xp.empty((T, batch, 4, u), dtype=proj.dtype)  # rows of [dz_o dz_i dz_f dz_g]: one GEMM for dU
        UT = xp.ascontiguousarray(recurrent_kernel.data[:, perm].T)
        dct = xp.empty((batch, u), dtype=proj.dtype)
        for t in range(T - 1, -1, -1):
            o, i, f, gg = gates[t]
            tc, dz = TC[t], dZ[t]
            if dH is not None:
                dh += dH[t]
            sg = df_gate(gates[t, :3])               # sigma'(o), sigma'(i), sigma'(f), contiguous
            k = df_in(tc)
            k *= o
            k *= dh
            xp.add(dc, k, out=dct)                   # dc_t = dc (from t+1) + dh o tanh'(c_t)
            sg[0] *= tc
            xp.multiply(sg[0], dh, out=dz[:, 0])     # dz_o = dh tanh(c_t) sigma'(o)
            sg[1] *= gg
            xp.multiply(sg[1], dct, out=dz[:, 1])    # dz_i = dc_t g sigma'(i)
            sg[2] *= C[t]
            xp.multiply(sg[2], dct, out=dz[:, 2])    # dz_f = dc_t c_{t-1} sigma'(f)
            k = df_in(gg)
            k *= i
            xp.multiply(k, dct, out=dz[:, 3])        # dz_g = dc_t i tanh'(g)
            if m is None:
                xp.multiply(dct, f, out=dc)          # dc_{t-1} = dc_t f
                xp.matmul(dz.reshape(batch, 4 * u), UT, out=dh)  # dh_{t-1} = dz U^T
                seq.times(dh, rm)
            else:  # a skipped step hands dh and dc to step t-1 unchanged
                dz *= m[t][:, :, None]
                dc = xp.where(m[t], dct * f, dc)
                dh = xp.where(m[t], seq.times(dz.reshape(batch, 4 * u) @ UT, rm), dh)
        dx, dw, du = seq.weight_grads(xt, H, dZ, dZ, x, kernel, recurrent_kernel, go_backwards,
                                      kernel.data[:, perm], rm)
        named = {id(x): dx, id(kernel): None if dw is None else dw[:, unperm],
                 id(recurrent_kernel): None if du is None else du[:, unperm]}
        if bias is not None:
            named[id(bias)] = seq.column_sums(dZ)[unperm]
        if h0 is not None:
            named[id(h0)] = dh
        if c0 is not None:
            named[id(c0)] = dc
        return seq.grads_for(parents, named)

    return seq.finish(parents, H, [C[-1]], m, return_sequences, backward, state_gradients)


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

    The loop keeps the gates gate-major, (3, batch, u) per step, so that each gate is contiguous.
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f_in, df_in = seq.act(activation, owner)
    f_gate, df_gate = seq.act(recurrent_activation, owner)
    batch, T, _ = x.shape
    u = recurrent_kernel.shape[0]
    h0 = seq.initial(initial_state, batch, u, x.dtype, "h", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    xt = seq.time_major(x.data, go_backwards)
    # sigma(a) = (tanh(a / 2) + 1) / 2: the 1/2 folded into the z and r columns of W, U and the biases
    fast = recurrent_activation == "sigmoid"
    scale = xp.ones(3 * u, dtype=kernel.data.dtype)
    if fast:
        scale[:2 * u] = 0.5
    proj = xp.matmul(xt[:, None], _gate_major(kernel.data * scale, 3))  # (T, 3, batch, u): all x_t W
    U3 = _gate_major(recurrent_kernel.data * scale, 3)                 # (3, u, u)
    b_h = None
    if bias is not None:
        b = (bias.data * scale).reshape(2, 3, 1, u)
        proj += b[0]
        proj[:, :2] += b[1, :2]  # the recurrent biases of z and r add as the input ones do
        b_h = b[1, 2]            # r_h = h_{t-1} U_h + b_h is gated by r: added in the loop
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0)
    H = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    H[0] = 0 if h0 is None else h0.data
    gates = proj  # [z r hh] overwrite the projection, step by step
    REC = xp.empty((T if keep else 1, batch, u), dtype=proj.dtype)  # r_h, kept for dr
    rec = xp.empty((3, batch, u), dtype=proj.dtype)  # h_{t-1} U, reused every step
    tmp = xp.empty((batch, u), dtype=proj.dtype)
    hrm = None if rm is None else xp.empty((batch, u), dtype=proj.dtype)
    for t in range(T):
        xp.matmul(H[t] if rm is None else xp.multiply(H[t], rm, out=hrm), U3, out=rec)
        p = proj[t]
        zr = p[:2]
        zr += rec[:2]                            # [z r] = sigma(x_[z r] + r_[z r])
        if fast:
            xp.tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5
        else:
            f_gate(zr)
        z, r, hh = p
        rh = rec[2] if b_h is None else xp.add(rec[2], b_h, out=rec[2])
        if keep:
            REC[t] = rh
        hh += xp.multiply(r, rh, out=tmp)        # hh = tanh(x_h + r * r_h)
        f_in(hh)
        h = xp.subtract(H[t], hh, out=H[t + 1])  # h_t = hh + z (h_{t-1} - hh), in place
        h *= z
        h += hh
        if m is not None:
            xp.copyto(h, H[t], where=~m[t])
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, proj.dtype)
        UT = xp.ascontiguousarray(recurrent_kernel.data.T)
        dZx = xp.empty((T, batch, 3, u), dtype=proj.dtype)  # rows [dz dr da_h]: one GEMM each for dW, dU
        dZh = xp.empty_like(dZx)
        for t in range(T - 1, -1, -1):
            z, r, hh = gates[t]
            dzx, dzh = dZx[t], dZh[t]
            if dH is not None:
                dh += dH[t]
            sg = df_gate(gates[t, :2])                  # sigma'(z), sigma'(r), contiguous
            dah = df_in(hh)
            dah *= dh
            dah -= xp.multiply(dah, z, out=tmp)         # da_h = dh (1 - z) tanh'(hh)
            sg[0] *= xp.subtract(H[t], hh, out=tmp)
            xp.multiply(sg[0], dh, out=dzx[:, 0])       # dz = dh (h_{t-1} - hh) sigma'(z)
            sg[1] *= REC[t]
            xp.multiply(sg[1], dah, out=dzx[:, 1])      # dr = da_h r_h sigma'(r)
            dzx[:, 2] = dah
            if m is not None:
                dzx *= m[t][:, :, None]
            dzh[:, :2] = dzx[:, :2]
            xp.multiply(dzx[:, 2], r, out=dzh[:, 2])    # dZ_h = [dz dr da_h r]
            seq.times(xp.matmul(dzh.reshape(batch, 3 * u), UT, out=tmp), rm)
            if m is None:                               # dh_{t-1} = dh z + dZ_h U^T
                dh *= z
                dh += tmp
            else:  # a skipped step hands dh to step t-1 unchanged
                dh = xp.where(m[t], dh * z + tmp, dh)
        dx, dw, du = seq.weight_grads(xt, H, dZx, dZh, x, kernel, recurrent_kernel, go_backwards, rm=rm)
        named = {id(x): dx, id(kernel): dw, id(recurrent_kernel): du}
        if bias is not None:
            named[id(bias)] = xp.stack([seq.column_sums(dZx), seq.column_sums(dZh)])
        if h0 is not None:
            named[id(h0)] = dh
        return seq.grads_for(parents, named)

    return seq.finish(parents, H, [], m, return_sequences, backward, state_gradients)
