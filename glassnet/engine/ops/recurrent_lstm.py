"""The LSTM over a whole sequence, and its back-propagation through time (re-exported by
:mod:`glassnet.engine.ops.recurrent`, whose docstring is the reading guide shared by the three cells).

z_t = x_t W + h_{t-1} U + b = [z_i z_f z_c z_o];  i, f, o = sigma(z_.),  g = tanh(z_c);
c_t = f c_{t-1} + i g;  h_t = o tanh(c_t).
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, is_recording
from . import sequences as seq

__all__ = ["lstm"]


# --- LSTM ---------------------------------------------------------------------------------------
def _loop_order(w: Any) -> Any:
    """Keras' gate columns [i f c o] -> the order used inside the loop, [o i f c] (the three sigmoid gates
    side by side, so one call activates them all)."""
    u = w.shape[-1] // 4
    return xp.concatenate([w[..., 3 * u:], w[..., :3 * u]], axis=-1)


def _keras_order(w: Any) -> Any:
    """The loop's gate columns [o i f c] -> Keras' [i f c o]."""
    u = w.shape[-1] // 4
    return xp.concatenate([w[..., u:], w[..., :u]], axis=-1)


def _gate_major(w: Any, k: int, order: tuple[int, ...] | None = None) -> Any:
    """Columns (n, k u) -> (k, n, u): one (n, u) matrix per gate, so that each step's gates come out of
    one batched matmul as k contiguous (batch, u) blocks (elementwise NumPy is 2-3x faster on those than
    on the column slices of a (batch, k u) row).  ``order`` picks and orders the gates."""
    n, ku = w.shape
    blocks = w.reshape(n, k, ku // k).transpose(1, 0, 2)
    return blocks[list(order)] if order is not None else xp.ascontiguousarray(blocks)


_LOOP = (3, 0, 1, 2)  # Keras' gates [i f c o] -> [o i f c]


def _with_ones(x: Any, go_backwards: bool, dtype: Any) -> Any:
    """x (batch, T, in) -> time-major (T, batch, in + 1) with a last column of ones: [x_t 1] [W; b] = x_t W + b,
    so the bias rides in the input projection's matmul and its gradient in dW's (the ones row of X^T dZ)."""
    batch, T, n = x.shape
    X1 = xp.empty((T, batch, n + 1), dtype=dtype)
    xt = x.transpose(1, 0, 2)
    X1[..., :n] = xt[::-1] if go_backwards else xt
    X1[..., n] = 1
    return X1


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
    With the default activations the forward keeps the products it makes anyway, [h_t, i g, f c_{t-1}] =
    [o tanh(c_t), i g, f c_{t-1}]; each is a sigmoid gate times what multiplies its derivative, so
    sigma' (s) * partner = s (1 - s) * partner = p - p s gives all three in two calls (see the backward).
    """
    x, kernel, recurrent_kernel, bias = seq.tensors(x, kernel, recurrent_kernel, bias)
    seq.check(x, owner)
    f_in, df_in = seq.act(activation, owner)
    f_gate, df_gate = seq.act(recurrent_activation, owner)
    batch, T, n_in = x.shape
    u = recurrent_kernel.shape[0]
    states0 = list(initial_state) if initial_state is not None else [None, None]
    if len(states0) != 2:
        raise ValueError(f"{owner}: initial_state must be [h, c], got {len(states0)} tensors")
    h0 = seq.initial(states0[0], batch, u, x.dtype, "h", owner)
    c0 = seq.initial(states0[1], batch, u, x.dtype, "c", owner)
    m = seq.mask_steps(mask, x.shape, go_backwards, owner)
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    dtype = xp.result_type(x.data, kernel.data)
    # sigma(z) = (tanh(z / 2) + 1) / 2: with the 1/2 folded into the weights of o, i, f one tanh over the
    # whole step activates all four gates (the default activations only).
    fast = activation == "tanh" and recurrent_activation == "sigmoid"
    scale = xp.array([0.5, 0.5, 0.5, 1.0] if fast else [1.0] * 4, dtype=kernel.data.dtype).reshape(4, 1, 1)
    if bias is None:
        xt, Wb = seq.time_major(x.data, go_backwards), kernel.data
    else:  # [x_t 1] [W; b]: the bias is one more row of W
        xt = _with_ones(x.data, go_backwards, dtype)
        Wb = xp.concatenate([kernel.data, bias.data[None].astype(kernel.data.dtype, copy=False)])
    W4 = _gate_major(Wb, 4, _LOOP) * scale                   # (4, in (+ 1), u)
    U4_plain = _gate_major(recurrent_kernel.data, 4, _LOOP)  # (4, u, u), also for the backward's U^T
    U4 = U4_plain * scale if fast else U4_plain
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0, c0)
    # Arrays over the steps hold every step only where something reads them later (the backward, the
    # outputs); otherwise two buffers serve in turn (step t in [t % n]), so that the loop stays in cache.
    nh = T + 1 if keep or return_sequences or m is not None else 2
    nc = T + 1 if keep and not fast else 2     # c_{t-1}: only the general backward reads it
    if keep:  # P[:, t] = [h_t, i g, f c_{t-1}] of step t (the backward's sigmoid derivatives); P[0] is H
        P = xp.empty((3, T + 1, batch, u), dtype=dtype)
        H = P[0]
        gates = xp.empty((T, 4, batch, u), dtype=dtype)  # [o i f g] of every step
    else:     # inference: i g and f c_{t-1}, and the gates, go to buffers reused every step
        H = xp.empty((nh, batch, u), dtype=dtype)
        ig_fc = xp.empty((2, batch, u), dtype=dtype)
        gates = xp.empty((1, 4, batch, u), dtype=dtype)
    C = xp.empty((nc, batch, u), dtype=dtype)
    # tanh(c_t): the backward needs every step's; inference reuses one buffer
    TC = xp.empty((T if keep else 1, batch, u), dtype=dtype)
    rec = xp.empty((4, batch, u), dtype=dtype)  # h_{t-1} U: a buffer reused every step
    hrm = None if rm is None else xp.empty((batch, u), dtype=dtype)

    def steps() -> None:
        """The loop over t (run again by a second backward: the first writes dZ over the gates)."""
        H[0] = 0 if h0 is None else h0.data
        C[0] = 0 if c0 is None else c0.data
        for t in range(T):
            h_prev, c_prev = H[t % nh], C[t % nc]
            z = xp.matmul(xt[t], W4, out=gates[t if keep else 0])  # x_t W + b: (4, batch, u)
            xp.matmul(h_prev if rm is None else xp.multiply(h_prev, rm, out=hrm), U4, out=rec)
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
            ig, fc = P[1:, t + 1] if keep else ig_fc
            xp.multiply(i, g, out=ig)
            xp.multiply(f, c_prev, out=fc)
            c = xp.add(fc, ig, out=C[(t + 1) % nc])  # c_t = f c_{t-1} + i g
            tc = TC[t if keep else 0]
            if fast:
                xp.tanh(c, out=tc)
            else:
                tc[...] = c
                f_in(tc)
            h = xp.multiply(o, tc, out=H[(t + 1) % nh])  # h_t = o tanh(c_t)
            if m is not None:
                xp.copyto(c, c_prev, where=~m[t])
                xp.copyto(h, h_prev, where=~m[t])

    steps()
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0, c0)
    used: list[bool] = []  # whether a backward has run (and overwritten the gates)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, dtype)
        dc = xp.zeros((batch, u), dtype=dtype) if state_grads[1] is None else state_grads[1].copy()
        if used:   # an earlier backward (a persistent tape) wrote dZ over the gates: compute them again
            steps()
        used.append(True)
        # rows of [dz_o dz_i dz_f dz_g] (one GEMM for dU), written over the memory of the gates: step t's
        # dz goes where step t's gates were, once read (those lines are in cache: no new memory to fetch)
        dZ = gates.reshape(T, batch, 4, u)
        UT = xp.ascontiguousarray(U4_plain.transpose(0, 2, 1)).reshape(4 * u, u)  # [U_o U_i U_f U_g]^T
        dct, k, kg = (xp.empty((batch, u), dtype=dtype) for _ in range(3))
        A = xp.empty((3, batch, u), dtype=dtype)
        for t in range(T - 1, -1, -1):
            o, i, f, gg = gates[t]
            tc, dz = TC[t], dZ[t]
            if dH is not None:
                dh += dH[t]
            if fast:  # sigma'(s) = s (1 - s), tanh'(y) = 1 - y^2, written with what the forward kept
                p = P[:, t + 1]                     # [o tc, i g, f c_{t-1}]
                xp.multiply(p, gates[t, :3], out=A)
                xp.subtract(p, A, out=A)            # A = [tc sigma'(o), g sigma'(i), c_{t-1} sigma'(f)]
                xp.multiply(p[0], tc, out=k)
                xp.subtract(o, k, out=k)            # k = o tanh'(c_t) = o - h_t tanh(c_t)
                xp.multiply(p[1], gg, out=kg)
                xp.subtract(i, kg, out=kg)          # kg = i tanh'(g) = i - (i g) g
            else:
                A[...] = df_gate(gates[t, :3])
                A[0] *= tc
                A[1] *= gg
                A[2] *= C[t]
                xp.multiply(df_in(tc), o, out=k)
                xp.multiply(df_in(gg), i, out=kg)
            xp.multiply(dh, k, out=dct)
            dct += dc                               # dc_t = dc (from t+1) + dh o tanh'(c_t)
            if m is None:
                xp.multiply(dct, f, out=dc)         # dc_{t-1} = dc_t f
            else:  # a skipped step hands dc to step t-1 unchanged
                dc = xp.where(m[t], dct * f, dc)
            # the gates of step t are all read: dz_t may now overwrite them
            xp.multiply(dh, A[0], out=dz[:, 0])     # dz_o = dh tanh(c_t) sigma'(o)
            xp.multiply(dct, A[1], out=dz[:, 1])    # dz_i = dc_t g sigma'(i)
            xp.multiply(dct, A[2], out=dz[:, 2])    # dz_f = dc_t c_{t-1} sigma'(f)
            xp.multiply(dct, kg, out=dz[:, 3])      # dz_g = dc_t i tanh'(g)
            if m is None:
                xp.matmul(dz.reshape(batch, 4 * u), UT, out=dh)  # dh_{t-1} = dz U^T
                seq.times(dh, rm)
            else:  # ... and dh too
                dz *= m[t][:, :, None]
                dh = xp.where(m[t], seq.times(dz.reshape(batch, 4 * u) @ UT, rm), dh)
        dx, dw, du = seq.weight_grads(xt, H, dZ, dZ, x, kernel, recurrent_kernel, go_backwards,
                                      _loop_order(kernel.data), rm)
        named = {id(x): dx, id(kernel): None if dw is None else _keras_order(dw[:n_in]),
                 id(recurrent_kernel): None if du is None else _keras_order(du)}
        if bias is not None:  # the ones row of [X 1]^T dZ (computed with dW) is 1^T dZ
            named[id(bias)] = _keras_order(seq.column_sums(dZ) if dw is None else dw[n_in])
        if h0 is not None:
            named[id(h0)] = dh
        if c0 is not None:
            named[id(c0)] = dc
        return seq.grads_for(parents, named)

    H_out = H if nh == T + 1 else H[[(T + 1) % 2, T % 2]]  # [h_{T-1}, h_T] from the two buffers
    return seq.finish(parents, H_out, [C[T % nc]], m, return_sequences, backward, state_gradients)
