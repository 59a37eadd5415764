"""The LSTM over a whole sequence, and its back-propagation through time (re-exported by
:mod:`glassnet.engine.ops.recurrent`, whose docstring is the reading guide shared by the three cells).

z_t = x_t W + h_{t-1} U + b = [z_i z_f z_c z_o];  i, f, o = sigma(z_.),  g = tanh(z_c);
c_t = f c_{t-1} + i g;  h_t = o tanh(c_t).
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, is_recording
from . import recurrent_kernels as K
from . import sequences as seq
from .parallel import run_chunks, sample_parts, split_count, split_matmul

__all__ = ["lstm"]


# --- LSTM ---------------------------------------------------------------------------------------
def _loop_order(w: Any) -> Any:
    """Keras' gate columns [i f c o] -> the order used inside the loop, [o i f c] (the three sigmoid gates
    side by side, one contiguous run per row for the kernel)."""
    u = w.shape[-1] // 4
    return xp.concatenate([w[..., 3 * u:], w[..., :3 * u]], axis=-1)


def _keras_order(w: Any) -> Any:
    """The loop's gate columns [o i f c] -> Keras' [i f c o]."""
    u = w.shape[-1] // 4
    return xp.concatenate([w[..., u:], w[..., :u]], axis=-1)


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

    Per step, one product [x_t 1 h_{t-1}] [W; b; U] gives z_t (batch, 4u) with the gates in the order
    [o i f g] (the three sigmoids side by side); the elementwise rest of the step is one kernel
    (:mod:`.recurrent_kernels`), which writes the gates over z_t, and in the backward dz_t over them.
    The gradients go back to Keras' order at the end.
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
    keeps = None if m is None else xp.ascontiguousarray(m[..., 0])  # (T, batch): the kernels' row masks
    rm = seq.recurrent_mask(recurrent_mask, batch, recurrent_kernel.shape[0], owner)
    dtype = xp.result_type(x.data, kernel.data)
    fast = activation == "tanh" and recurrent_activation == "sigmoid"  # the pair the kernels compile
    forward, backward_step = K.step_bodies("lstm", dtype, fast, f_gate, f_in, df_gate, df_in)
    # One product a step: [x_t 1 h_{t-1} rm] [W; b; U] = z_t (batch, 4u), the gates in the loop's order.
    # XH[t] holds that row for step t (the kernels write h_t rm into XH[t + 1]); the backward then finds
    # [dW; db; dU] = XH^T dZ in one product too.
    n1 = n_in + (bias is not None)
    width = n1 + u
    XH = xp.empty((T + 1, batch, width), dtype=dtype)
    xt = x.data.transpose(1, 0, 2)
    XH[:T, :, :n_in] = xt[::-1] if go_backwards else xt
    if bias is not None:
        XH[:T, :, n_in] = 1
    XH[0, :, n1:] = 0 if h0 is None else (h0.data if rm is None else h0.data * rm)
    parts = [kernel.data] + ([bias.data[None]] if bias is not None else []) + [recurrent_kernel.data]
    WU = _loop_order(xp.concatenate([p.astype(dtype, copy=False) for p in parts]))  # (n1 + u, 4u)
    WU_fwd = WU
    if fast:  # sigma(a) = (tanh(a / 2) + 1) / 2: the kernels take the sigmoid gates' a / 2 (see there)
        WU_fwd = WU.copy()
        WU_fwd[:, :3 * u] *= 0.5
    keep = is_recording(x, kernel, recurrent_kernel, bias, h0, c0)
    # Arrays over the steps hold every step only where something reads them later (the backward, the
    # outputs); otherwise two buffers serve in turn (step t in [t % n]), so that the loop stays in cache.
    nh = T + 1 if keep or return_sequences or m is not None else 2
    nc = T + 1 if keep else 2
    H = xp.empty((nh, batch, u), dtype=dtype)
    C = xp.empty((nc, batch, u), dtype=dtype)
    Z = xp.empty((T if keep else 1, batch, 4 * u), dtype=dtype)   # [o i f g] of every step (training)
    TC = xp.empty((T if keep else 1, batch, u), dtype=dtype)       # tanh(c_t)

    # The samples are independent: with threads over the batch (engine/ops/parallel.py) each thread
    # runs the whole loop over t for its own rows p of every array.
    parts = sample_parts(batch, split_count(batch))

    def steps() -> None:
        """The loop over t (run again by a second backward: the first writes dZ over the gates)."""
        H[0] = 0 if h0 is None else h0.data
        C[0] = 0 if c0 is None else c0.data
        run_chunks(steps_of, parts)

    def steps_of(rows: list[slice]) -> None:
        for p in rows:
            rm_p = None if rm is None else rm[p]
            for t in range(T):
                s = t if keep else 0
                z = xp.matmul(XH[t, p], WU_fwd, out=Z[s, p])   # z_t = x_t W + b + (h_{t-1} rm) U
                forward(z, C[t % nc, p], H[t % nh, p], None if keeps is None else keeps[t, p], rm_p,
                        C[(t + 1) % nc, p], TC[s, p], H[(t + 1) % nh, p], XH[t + 1, p], n1)

    steps()
    parents = seq.parents(x, kernel, recurrent_kernel, bias, h0, c0)
    used: list[bool] = []  # whether a backward has run (and overwritten the gates)

    def backward(g: Any, state_grads: list[Any]) -> tuple[Any, ...]:
        dH, dh = seq.start_grads(g, state_grads[0], return_sequences, m, T, batch, u, dtype)
        dc = xp.zeros((batch, u), dtype=dtype) if state_grads[1] is None else state_grads[1].astype(dtype)
        if used:   # an earlier backward (a persistent tape) wrote dZ over the gates: compute them again
            steps()
        used.append(True)
        UT = xp.ascontiguousarray(WU[n1:].T)     # (4u, u): dh_{t-1} = dz_t U^T

        def back_through_time(rows: list[slice]) -> None:
            for p in rows:
                dh_p, dc_p, rm_p = dh[p], dc[p], None if rm is None else rm[p]
                for t in range(T - 1, -1, -1):
                    if dH is not None:
                        dh_p += dH[t, p]
                    kt = None if keeps is None else keeps[t, p]
                    backward_step(Z[t, p], C[t, p], TC[t, p], dh_p, dc_p, kt)  # dz_t over the gates; dc <- dC/dc_{t-1}
                    if kt is None:
                        seq.times(xp.matmul(Z[t, p], UT, out=dh_p), rm_p)   # dh_{t-1} = dz_t U^T (* rm)
                    else:  # the kernel zeroed dh where the step is kept; a skipped step passes dh through
                        dh_p += seq.times(Z[t, p] @ UT, rm_p)

        run_chunks(back_through_time, parts)
        XT = XH[:T].reshape(T * batch, width)
        dZ = Z.reshape(T * batch, 4 * u)
        named: dict[int, Any] = {}
        if x.requires_grad:
            dxt = split_matmul(dZ, WU[:n_in].T).reshape(T, batch, n_in)   # dx = dZ W^T
            named[id(x)] = xp.ascontiguousarray((dxt[::-1] if go_backwards else dxt).transpose(1, 0, 2))
        if kernel.requires_grad or recurrent_kernel.requires_grad or (bias is not None and bias.requires_grad):
            dWU = _keras_order(split_matmul(XT.T, dZ))     # rows [dW; db; dU] = XH^T dZ
            named[id(kernel)], named[id(recurrent_kernel)] = dWU[:n_in], dWU[n1:]
            if bias is not None:
                named[id(bias)] = dWU[n_in]
        if h0 is not None:
            named[id(h0)] = dh
        if c0 is not None:
            named[id(c0)] = dc
        return seq.grads_for(parents, named)

    H_out = H if nh == T + 1 else H[[(T + 1) % 2, T % 2]]  # [h_{T-1}, h_T] from the two buffers
    return seq.finish(parents, H_out, [C[T % nc]], m, return_sequences, backward, state_gradients)
