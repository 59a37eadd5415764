"""Recurrent primitives: SimpleRNN, LSTM and GRU over a whole sequence, and back-propagation through time.

Reading guide (Keras' weight layouts; x_t (batch, in), h_t (batch, u), sigma the recurrent activation):

* ``simple_rnn``:  h_t = tanh(x_t W + h_{t-1} U + b)
* ``lstm``:        [i f c o] = x_t W + h_{t-1} U + b   (W (in, 4u), U (u, 4u), b (4u,))
  i = sigma(.), f = sigma(.), g = tanh(.), o = sigma(.);  c_t = f c_{t-1} + i g;  h_t = o tanh(c_t)
* ``gru`` (``reset_after=True``, Keras 3's default):  x_t W + b_in = [x_z x_r x_h],  h_{t-1} U + b_rec = [r_z r_r r_h]
  z = sigma(x_z + r_z), r = sigma(x_r + r_r), hh = tanh(x_h + r * r_h),  h_t = z h_{t-1} + (1 - z) hh

Each op computes the input projection of every step in ONE matmul, (batch*T, in) @ (in, k u), then loops
over t for the small recurrent GEMM and the gate arithmetic, keeping what the backward needs.  The
backward (BPTT) loops t = T-1 .. 0 carrying dC/dh (and dC/dc), collects dC/dz_t for every step, and then
finds dW = X^T dZ, dU = H_prev^T dZ and dx = dZ W^T in one matmul each.

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

    The loop runs on the gates in the order [o i f g] (the three sigmoids side by side), and the
    gradients are put back in Keras' order at the end.
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
    W, U = kernel.data[:, perm], recurrent_kernel.data[:, perm]
    # sigma(z) = (tanh(z / 2) + 1) / 2: with the 1/2 folded into the weights of o, i, f one tanh over the
    # whole row activates all four gates (the default activations only).
    fast = activation == "tanh" and recurrent_activation == "sigmoid"
    scale = xp.ones(4 * u, dtype=W.dtype)
    if fast:
        scale[:3 * u] = 0.5
    proj = (xt.reshape(T * batch, -1) @ (W * scale)).reshape(T, batch, 4 * u)  # x_t W for every t at once
    if bias is not None:
        proj += bias.data[perm] * scale
    Us = U * scale
    H = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    C = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    H[0] = 0 if h0 is None else h0.data
    C[0] = 0 if c0 is None else c0.data
    gates = proj  # [o i f g] overwrite the projection, step by step
    TC = xp.empty((T, batch, u), dtype=proj.dtype)  # tanh(c_t): needed for h_t, kept for the backward
    for t in range(T):
        z = proj[t]
        z += (H[t] if rm is None else H[t] * rm) @ Us
        if fast:
            xp.tanh(z, out=z)
            s = z[:, :3 * u]
            s *= 0.5
            s += 0.5
        else:
            f_gate(z[:, :3 * u])
            f_in(z[:, 3 * u:])
        o, i, f, g = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = xp.multiply(f, C[t], out=C[t + 1])  # written in place: no temporaries in the hot loop
        c += i * g
        if fast:
            xp.tanh(c, out=TC[t])
        else:
            TC[t] = c
            f_in(TC[t])
        h = xp.multiply(o, TC[t], out=H[t + 1])
        if m is not None:
            xp.copyto(c, C[t], where=~m[t])
            xp.copyto(h, H[t], where=~m[t])
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0, c0)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH = seq.output_grads(g, return_sequences, m, T, batch, u, proj.dtype)
        G4 = gates.reshape(T, batch, 4, u)  # [o i f g] per step
        dZ = xp.empty_like(G4)
        K = xp.empty((batch, 4, u), dtype=proj.dtype)  # dz = [dh K_o, dc K_i, dc K_f, dc K_g]
        dh = xp.zeros((batch, u), dtype=proj.dtype) if state_grads[0] is None else state_grads[0].copy()
        dc = xp.zeros((batch, u), dtype=proj.dtype) if state_grads[1] is None else state_grads[1].copy()
        UT = xp.ascontiguousarray(U.T)
        for t in range(T - 1, -1, -1):
            # the factors that do not depend on dh, dc: computed per step, where they stay in cache
            Gt, tc = G4[t], TC[t]
            sig = df_gate(Gt[:, :3])                        # sigma'(o), sigma'(i), sigma'(f)
            xp.multiply(tc, sig[:, 0], out=K[:, 0])         # tanh(c_t) sigma'(o)
            xp.multiply(Gt[:, 3], sig[:, 1], out=K[:, 1])   # g sigma'(i)
            xp.multiply(C[t], sig[:, 2], out=K[:, 2])       # c_{t-1} sigma'(f)
            xp.multiply(Gt[:, 1], df_in(Gt[:, 3]), out=K[:, 3])  # i tanh'(g)
            p = df_in(tc)
            p *= Gt[:, 0]                                   # dc_t/dh_t = o tanh'(c_t)
            dh += dH[t]
            dct = dh * p
            dct += dc
            dz = dZ[t]
            xp.multiply(dh, K[:, 0], out=dz[:, 0])
            xp.multiply(dct[:, None, :], K[:, 1:], out=dz[:, 1:])
            if m is not None:  # a skipped step hands dh and dc to step t-1 unchanged
                dz *= m[t][:, :, None]
                dh = xp.where(m[t], seq.times(dz.reshape(batch, 4 * u) @ UT, rm), dh)
                dc = xp.where(m[t], dct * Gt[:, 2], dc)
            else:
                dh = seq.times(dz.reshape(batch, 4 * u) @ UT, rm)
                dc = xp.multiply(dct, Gt[:, 2], out=dct)
        dx, dw, du = seq.weight_grads(xt, H, dZ, dZ, x, kernel, recurrent_kernel, go_backwards, W, rm)
        named = {id(x): dx, id(kernel): None if dw is None else dw[:, unperm],
                 id(recurrent_kernel): None if du is None else du[:, unperm]}
        if bias is not None:
            named[id(bias)] = dZ.reshape(T * batch, 4 * u).sum(axis=0)[unperm]
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
    proj = (xt.reshape(T * batch, -1) @ kernel.data).reshape(T, batch, 3 * u)  # all x_t W at once
    b_rec = None
    if bias is not None:
        proj += bias.data[0]
        b_rec = bias.data[1]
    U = recurrent_kernel.data
    H = xp.empty((T + 1, batch, u), dtype=proj.dtype)
    H[0] = 0 if h0 is None else h0.data
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0)
    gates = proj if keep else None  # [z r hh] overwrite the projection, step by step
    rec_h = xp.empty((T, batch, u), dtype=proj.dtype) if keep else None  # r_h, for dr
    for t in range(T):
        rec = xp.matmul(H[t] if rm is None else H[t] * rm, U)
        if b_rec is not None:
            rec += b_rec
        p = proj[t]
        p[:, :2 * u] += rec[:, :2 * u]
        f_gate(p[:, :2 * u])
        z, r = p[:, :u], p[:, u:2 * u]
        hh = p[:, 2 * u:]
        hh += r * rec[:, 2 * u:]
        f_in(hh)
        h = hh + z * (H[t] - hh)  # = z h_{t-1} + (1 - z) hh
        H[t + 1] = h if m is None else xp.where(m[t], h, H[t])
        if keep:
            rec_h[t] = rec[:, 2 * u:]
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH = seq.output_grads(g, return_sequences, m, T, batch, u, proj.dtype)
        UT = xp.ascontiguousarray(U.T)
        dZx = xp.empty_like(gates)
        dZh = xp.empty_like(gates)
        dh = xp.zeros((batch, u), dtype=proj.dtype) if state_grads[0] is None else state_grads[0].copy()
        for t in range(T - 1, -1, -1):
            dh += dH[t]
            gt = gates[t]
            z, r, hh = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:]
            dx_t, dh_t = dZx[t], dZh[t]
            dx_t[:, :u] = dh * (H[t] - hh) * df_gate(z)
            dah = dh * (1 - z) * df_in(hh)
            dx_t[:, u:2 * u] = dah * rec_h[t] * df_gate(r)
            dx_t[:, 2 * u:] = dah
            if m is not None:
                dx_t *= m[t]
            dh_t[:, :2 * u] = dx_t[:, :2 * u]
            dh_t[:, 2 * u:] = dx_t[:, 2 * u:] * r
            dprev = dh * z + seq.times(dh_t @ UT, rm)
            dh = dprev if m is None else xp.where(m[t], dprev, dh)
        dx, dw, du = seq.weight_grads(xt, H, dZx, dZh, x, kernel, recurrent_kernel, go_backwards, rm=rm)
        named = {id(x): dx, id(kernel): dw, id(recurrent_kernel): du}
        if bias is not None:
            n = T * batch
            named[id(bias)] = xp.stack([dZx.reshape(n, 3 * u).sum(axis=0), dZh.reshape(n, 3 * u).sum(axis=0)])
        if h0 is not None:
            named[id(h0)] = dh
        return seq.grads_for(parents, named)

    return seq.finish(parents, H, [], m, return_sequences, backward, state_gradients)
