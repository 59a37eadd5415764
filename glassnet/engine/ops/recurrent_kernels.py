"""One-pass kernels for the elementwise work of one LSTM or GRU time step: a NumPy reference and a loop.

Per step, an LSTM or GRU does one or two small matrix products (kept in BLAS) and a dozen elementwise
operations on (batch, units) blocks: the gate activations, the cell update, the output.  In NumPy each
is a pass over memory and a Python call (about 75 us a step at batch 128, 128 units); numba compiles
each loop below into one pass that reads every input once and writes every output once.

Every kernel is a :class:`glassnet.jit.Kernel`: the *reference* (``*_numpy``) is the definition, what
runs without numba, with ``GLASSNET_JIT=0`` or on another backend; the *loop* computes the same thing
element by element.  Both cover the default activations (sigmoid gates, tanh candidate), and both take
the sigmoid gates' pre-activations halved: sigma(a) = (tanh(a / 2) + 1) / 2, and the ops fold the 1/2
into the forward weights, so that the reference activates a whole step with one ``tanh`` call.  Other
activations run ``*_general`` (NumPy only, activations passed in, nothing halved) for the forward, and
the backward references with the derivatives passed in (:data:`.sequences.ACTIVATIONS`).

Arguments are (batch, units) blocks unless said otherwise; ``keep`` (batch,) is the step's mask (False:
the step is skipped, the state carried through unchanged) or None; ``rm`` (batch, units) is recurrent
dropout (h_{t-1} * rm enters the next product) or None.  In the loops, tanh of float32 is a rational
approximation (within a few ulp; numba has no vectorised tanh without Intel's SVML, and libm's is ~40x
slower than NumPy's), float64 uses ``math.tanh``; every constant is cast to the data's type, so float32
arithmetic stays float32 and vectorises.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import jit
from ...backend import xp
from .sequences import ACTIVATIONS

_DSIGMOID, _DTANH = ACTIVATIONS["sigmoid"][1], ACTIVATIONS["tanh"][1]


# --- scalar helpers of the loops: plain Python here, given per-dtype compiled bodies by _register() ------
def _tanh(x: Any) -> Any:
    return math.tanh(x)


def _sigmoid_half(x: Any) -> Any:
    return 0.5 * math.tanh(x) + 0.5          # sigma(a) = 1 / (1 + e^-a) from x = a / 2, without overflow


def _dtanh(y: Any) -> Any:
    return 1 - y * y                          # tanh'(z) written from y = tanh(z)


def _tanh_f32(x):  # unannotated, as numba's overload wants it (see _register)
    # Eigen's float tanh: x P(x^2) / Q(x^2) on [-9, 9] (|tanh| rounds to 1 beyond), within 5 ulp of NumPy's
    x = min(max(x, np.float32(-9.0)), np.float32(9.0))
    x2 = x * x
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    y = x * p / q
    return min(max(y, np.float32(-1.0)), np.float32(1.0))  # near +-9 the ratio can pass 1 by an ulp


_registered: list[bool] = []
_lock = threading.Lock()


def _register() -> None:
    """Give the helpers compiled bodies per dtype (numba's ``overload``), once, before any loop compiles."""
    with _lock:
        if _registered:
            return
        from numba import types
        from numba.extending import overload

        def typed(x: Any) -> tuple[Any, Any]:
            return (np.float32(1), np.float32(0.5)) if x == types.float32 else (1.0, 0.5)

        # the overloads' parameters are unannotated: numba requires their signatures to match the bodies'
        @overload(_tanh, inline="always")
        def _tanh_impl(x):
            return _tanh_f32 if x == types.float32 else (lambda x: math.tanh(x))

        @overload(_sigmoid_half, inline="always")
        def _sigmoid_half_impl(x):
            _, half = typed(x)
            return lambda x: half * _tanh(x) + half

        @overload(_dtanh, inline="always")
        def _dtanh_impl(y):
            one, _ = typed(y)
            return lambda y: one - y * y

        _registered.append(True)


class StepKernel(jit.Kernel):
    """A :class:`~glassnet.jit.Kernel` compiled with the helpers above, numba's NumPy error model (no test
    of every division for a zero divisor, a branch that would stop vectorisation) and fused multiply-adds
    (``contract``: the tanh polynomials' a * x + b in one instruction, about 20% faster; results differ
    from the reference's by rounding only).  ``cache=False`` keeps the compiled code off disk (a loop written
    elsewhere, as a test's: numba would not see an edit of the helpers here in a cached copy of it)."""

    def __init__(self, reference: Callable[..., Any], loop: Callable[..., Any], *, name: str | None = None,
                 cache: bool = True) -> None:
        super().__init__(reference, loop, name=name)
        self.cache = cache

    def compiled(self) -> Callable[..., Any] | None:
        if self._compiled is None:
            if not jit.available():
                return None
            import numba

            _register()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # numba's cache notices are not the user's business
                self._compiled = numba.njit(cache=self.cache, nogil=True, error_model="numpy",
                                             fastmath={"contract"})(self.loop)
        return self._compiled

    def resolve(self, dtype: Any) -> Callable[..., Any]:
        """The body to run for a whole sequence: the compiled loop when kernels are on and ``dtype`` is
        float32 or float64 (numba has no float16 arithmetic), else the reference.  Chosen once per op, not
        once per step (checking :func:`glassnet.jit.enabled` costs a few microseconds a call)."""
        if jit.enabled() and np.dtype(dtype) in (np.float32, np.float64):
            fn = self.compiled()
            if fn is not None:
                return fn
        return self.reference


def _col(keep: Any) -> Any:
    return keep[:, None]


# --- LSTM forward: z_t = [z_o z_i z_f z_g] (batch, 4u), the loop's gate order, the sigmoid gates' columns
#     halved by the caller (the 1/2 folded into their weights: sigma(a) = (tanh(a / 2) + 1) / 2)
#   o, i, f = sigma(z_o, z_i, z_f),  g = tanh(z_g)   (written over z: the backward reads them)
#   c_t = f c_{t-1} + i g,   tc = tanh(c_t),   h_t = o tc;   a skipped step: c_t = c_{t-1}, h_t = h_{t-1}
#   xh[:, off:] = h_t * rm   (the next step's matrix product reads [x_{t+1} 1 h_t rm])
def lstm_forward_numpy(z: Any, c_prev: Any, h_prev: Any, keep: Any, rm: Any, c: Any, tc: Any, h: Any,
                       xh: Any, off: int) -> None:
    """One LSTM step after its product, in NumPy (the equations above); writes z, c, tc, h and xh."""
    u = c.shape[1]
    xp.tanh(z, out=z)      # all four gates in one pass: tanh(a / 2) for o, i, f and tanh(z_g)
    s = z[:, :3 * u]
    s *= 0.5
    s += 0.5
    _lstm_cell(z, c_prev, h_prev, keep, rm, c, tc, h, xh, off, lambda y: xp.tanh(y, out=y))


def lstm_forward_general(z: Any, c_prev: Any, h_prev: Any, keep: Any, rm: Any, c: Any, tc: Any, h: Any,
                         xh: Any, off: int, f_gate: Callable[[Any], Any], f_in: Callable[[Any], Any]) -> None:
    """The step for other activations (z not halved; ``f_gate``, ``f_in`` applied in place): NumPy only."""
    u = c.shape[1]
    f_gate(z[:, :3 * u])
    f_in(z[:, 3 * u:])
    _lstm_cell(z, c_prev, h_prev, keep, rm, c, tc, h, xh, off, f_in)


def _lstm_cell(z: Any, c_prev: Any, h_prev: Any, keep: Any, rm: Any, c: Any, tc: Any, h: Any, xh: Any,
               off: int, f_in: Callable[[Any], Any]) -> None:
    u = c.shape[1]
    o, i, f, g = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
    xp.multiply(f, c_prev, out=c)
    c += xp.multiply(i, g, out=tc)
    tc[...] = c
    f_in(tc)
    xp.multiply(o, tc, out=h)
    if keep is not None:
        xp.copyto(c, c_prev, where=~_col(keep))
        xp.copyto(h, h_prev, where=~_col(keep))
    if rm is None:
        xh[:, off:] = h
    else:
        xp.multiply(h, rm, out=xh[:, off:])


def lstm_forward_loop(z: Any, c_prev: Any, h_prev: Any, keep: Any, rm: Any, c: Any, tc: Any, h: Any,
                      xh: Any, off: int) -> None:
    """The same as :func:`lstm_forward_numpy`, one row at a time (compiled by numba)."""
    batch, u = c.shape
    for b in range(batch):
        # the gates first, in place, each a contiguous run indexed from 0: a loop that also read z[b, u + j]
        # while writing z[b, j] would not be vectorised (the distance u is unknown when compiling), nor
        # one whose index starts past 0 (numba's negative-index wraparound)
        gates, cand = z[b, :3 * u], z[b, 3 * u:]
        for j in range(3 * u):
            gates[j] = _sigmoid_half(gates[j])
        for j in range(u):
            cand[j] = _tanh(cand[j])
        for j in range(u):
            o, i, f, g = z[b, j], z[b, u + j], z[b, 2 * u + j], z[b, 3 * u + j]
            cv = f * c_prev[b, j] + i * g
            t = _tanh(cv)
            hv = o * t
            if keep is not None:
                if not keep[b]:
                    cv, hv = c_prev[b, j], h_prev[b, j]
            c[b, j], tc[b, j], h[b, j] = cv, t, hv
            if rm is None:
                xh[b, off + j] = hv
            else:
                xh[b, off + j] = hv * rm[b, j]


lstm_forward = StepKernel(lstm_forward_numpy, lstm_forward_loop, name="lstm_forward")


# --- LSTM backward: dh = dC/dh_t (output and step t+1), dc = dC/dc_t from step t+1 (updated in place) ---
#   dc_t = dc + dh o tanh'(tc);   dc <- dc_t f  (dC/dc_{t-1})
#   dz = [dh tc sigma'(o), dc_t g sigma'(i), dc_t c_{t-1} sigma'(f), dc_t i tanh'(g)]   (over the gates)
#   a skipped step: dz = 0 and dc carried through; dh <- 0 where kept (then dh += dz U^T), else unchanged
def lstm_backward_numpy(z: Any, c_prev: Any, tc: Any, dh: Any, dc: Any, keep: Any,
                        d_gate: Callable[[Any], Any] = _DSIGMOID, d_in: Callable[[Any], Any] = _DTANH) -> None:
    """dz_t over the gates, dc <- dC/dc_{t-1} (the equations above), in NumPy."""
    u = dc.shape[1]
    o, i, f, g = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
    dct = dc + dh * o * d_in(tc)
    dz = [dh * tc * d_gate(o), dct * g * d_gate(i), dct * c_prev * d_gate(f), dct * i * d_in(g)]
    dc_prev = dct * f
    for k in range(4):  # every gate is read: dz may overwrite them
        z[:, k * u:(k + 1) * u] = dz[k]
    if keep is None:
        dc[...] = dc_prev
    else:
        xp.copyto(dc, dc_prev, where=_col(keep))
        z *= _col(keep)
        dh *= ~_col(keep)


def lstm_backward_loop(z: Any, c_prev: Any, tc: Any, dh: Any, dc: Any, keep: Any) -> None:
    """The same as :func:`lstm_backward_numpy`, one row at a time (compiled by numba)."""
    batch, u = dc.shape
    dz = np.empty((4, u), dtype=dc.dtype)  # one row's dz, copied over its gates once all are read (see above)
    for b in range(batch):
        kept = True
        if keep is not None:
            kept = keep[b]
        if kept:
            for j in range(u):
                o, i, f, g = z[b, j], z[b, u + j], z[b, 2 * u + j], z[b, 3 * u + j]
                t, d = tc[b, j], dh[b, j]
                dct = dc[b, j] + d * o * _dtanh(t)
                dz[0, j] = d * t * (o - o * o)
                dz[1, j] = dct * g * (i - i * i)
                dz[2, j] = dct * c_prev[b, j] * (f - f * f)
                dz[3, j] = dct * i * _dtanh(g)
                dc[b, j] = dct * f
            if keep is not None:
                dh[b] = 0           # the caller adds dz U^T
        else:  # a skipped step: no gradient to its gates, dh and dc carried through unchanged
            dz[...] = 0
        zb = z[b]
        for k in range(4):
            for j in range(u):
                zb[k * u + j] = dz[k, j]


lstm_backward = StepKernel(lstm_backward_numpy, lstm_backward_loop, name="lstm_backward")


# --- GRU forward: p (batch, 3u) = x_t W + b = [x_z x_r x_h] (z, r with their recurrent biases),
#     rec (batch, 3u) = h_{t-1} U = [r_z r_r r_h'],  b_h (u,) the recurrent bias of h or None;
#     the z and r columns of p and rec halved by the caller (the 1/2 of sigma(a) = (tanh(a / 2) + 1) / 2)
#   z = sigma(x_z + r_z),  r = sigma(x_r + r_r),  r_h = r_h' + b_h,  hh = tanh(x_h + r r_h)   ([z r hh] over p)
#   h_t = z h_{t-1} + (1 - z) hh = hh + z (h_{t-1} - hh);   a skipped step: h_t = h_{t-1}
def gru_forward_numpy(p: Any, rec: Any, b_h: Any, h_prev: Any, keep: Any, rh: Any, h: Any) -> None:
    """One GRU step after its products, in NumPy (the equations above); writes p, rh and h."""
    u = h.shape[1]
    zr = p[:, :2 * u]
    zr += rec[:, :2 * u]
    xp.tanh(zr, out=zr)
    zr *= 0.5
    zr += 0.5
    _gru_candidate(p, rec, b_h, h_prev, keep, rh, h, lambda y: xp.tanh(y, out=y))


def gru_forward_general(p: Any, rec: Any, b_h: Any, h_prev: Any, keep: Any, rh: Any, h: Any,
                        f_gate: Callable[[Any], Any], f_in: Callable[[Any], Any]) -> None:
    """The step for other activations (z, r not halved; ``f_gate``, ``f_in`` in place): NumPy only."""
    u = h.shape[1]
    zr = p[:, :2 * u]
    zr += rec[:, :2 * u]
    f_gate(zr)
    _gru_candidate(p, rec, b_h, h_prev, keep, rh, h, f_in)


def _gru_candidate(p: Any, rec: Any, b_h: Any, h_prev: Any, keep: Any, rh: Any, h: Any,
                   f_in: Callable[[Any], Any]) -> None:
    u = h.shape[1]
    z, r, hh = p[:, :u], p[:, u:2 * u], p[:, 2 * u:]
    if b_h is None:
        rh[...] = rec[:, 2 * u:]
    else:
        xp.add(rec[:, 2 * u:], b_h, out=rh)
    hh += xp.multiply(r, rh, out=h)
    f_in(hh)
    xp.subtract(h_prev, hh, out=h)
    h *= z
    h += hh
    if keep is not None:
        xp.copyto(h, h_prev, where=~_col(keep))


def gru_forward_loop(p: Any, rec: Any, b_h: Any, h_prev: Any, keep: Any, rh: Any, h: Any) -> None:
    """The same as :func:`gru_forward_numpy`, one row at a time (compiled by numba)."""
    batch, u = h.shape
    s = np.empty((3, u), dtype=h.dtype)  # one row's [z r hh], copied over its p once all of p is read
    for b in range(batch):
        pz, pr, ph, rz, rr, rhb = p[b, :u], p[b, u:2 * u], p[b, 2 * u:], rec[b, :u], rec[b, u:2 * u], rec[b, 2 * u:]
        for j in range(u):
            s[0, j] = _sigmoid_half(pz[j] + rz[j])
            s[1, j] = _sigmoid_half(pr[j] + rr[j])
        for j in range(u):
            if b_h is None:
                a = rhb[j]
            else:
                a = rhb[j] + b_h[j]
            rh[b, j] = a
            hh = _tanh(ph[j] + s[1, j] * a)
            s[2, j] = hh
            hv = hh + s[0, j] * (h_prev[b, j] - hh)
            if keep is not None:
                if not keep[b]:
                    hv = h_prev[b, j]
            h[b, j] = hv
        for j in range(u):
            pz[j], pr[j], ph[j] = s[0, j], s[1, j], s[2, j]


gru_forward = StepKernel(gru_forward_numpy, gru_forward_loop, name="gru_forward")


# --- GRU backward: gates (batch, 3u) = [z r hh] of step t, overwritten by dZ_x; dh = dC/dh_t
#   da_h = dh (1 - z) tanh'(hh),  dz = dh (h_{t-1} - hh) sigma'(z),  dr = da_h r_h sigma'(r)
#   dZ_x = [dz dr da_h],  dZ_h = [dz dr da_h r] (into dzh),  dh <- dh z   (the caller adds dZ_h U^T)
#   a skipped step: dZ_x = dZ_h = 0 and dh unchanged (so dZ_h U^T adds nothing)
def gru_backward_numpy(gates: Any, rh: Any, h_prev: Any, dh: Any, keep: Any, dzh: Any,
                       d_gate: Callable[[Any], Any] = _DSIGMOID, d_in: Callable[[Any], Any] = _DTANH) -> None:
    """dZ_x over the gates, dZ_h into dzh, dh <- dh z (the equations above), in NumPy."""
    u = dh.shape[1]
    z, r, hh = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:]
    dah = (dh - dh * z) * d_in(hh)
    dz = dh * (h_prev - hh) * d_gate(z)
    dr = dah * rh * d_gate(r)
    dzh[:, 2 * u:] = dah * r
    dhz = dh * z
    gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:] = dz, dr, dah  # every gate is read: dZ_x over them
    dzh[:, :2 * u] = gates[:, :2 * u]
    if keep is None:
        dh[...] = dhz
    else:
        gates *= _col(keep)
        dzh *= _col(keep)
        xp.copyto(dh, dhz, where=_col(keep))


def gru_backward_loop(gates: Any, rh: Any, h_prev: Any, dh: Any, keep: Any, dzh: Any) -> None:
    """The same as :func:`gru_backward_numpy`, one row at a time (compiled by numba)."""
    batch, u = dh.shape
    s = np.empty((3, u), dtype=dh.dtype)  # one row's [dz dr da_h], copied over its gates once all are read
    for b in range(batch):
        gz, gr, gh = gates[b, :u], gates[b, u:2 * u], gates[b, 2 * u:]
        kept = True
        if keep is not None:
            kept = keep[b]
        if kept:
            for j in range(u):
                z, r, hh, d = gz[j], gr[j], gh[j], dh[b, j]
                dah = (d - d * z) * _dtanh(hh)
                s[0, j] = d * (h_prev[b, j] - hh) * (z - z * z)
                s[1, j] = dah * rh[b, j] * (r - r * r)
                s[2, j] = dah
                dzh[b, 2 * u + j] = dah * r
                dh[b, j] = d * z
        else:  # a skipped step: no gradient to its gates, dh carried through unchanged
            s[...] = 0
            dzh[b, 2 * u:] = 0
        for j in range(u):
            gz[j], gr[j], gh[j] = s[0, j], s[1, j], s[2, j]
        for j in range(2 * u):
            dzh[b, j] = gates[b, j]


gru_backward = StepKernel(gru_backward_numpy, gru_backward_loop, name="gru_backward")

__all__ = ["StepKernel", "gru_backward", "gru_forward", "lstm_backward", "lstm_forward"]


def step_bodies(cell: str, dtype: Any, default_activations: bool, f_gate: Any, f_in: Any, d_gate: Any,
                d_in: Any) -> tuple[Any, Any]:
    """The forward and backward step bodies of ``cell`` (``"lstm"`` or ``"gru"``) for a whole sequence.

    The compiled kernels cover the default tanh/sigmoid pair; any other pair runs the NumPy references
    with the activations (and their derivatives) passed in: the same layout, the same loop.
    """
    forward, backward, general, backward_numpy = {
        "lstm": (lstm_forward, lstm_backward, lstm_forward_general, lstm_backward_numpy),
        "gru": (gru_forward, gru_backward, gru_forward_general, gru_backward_numpy)}[cell]
    if default_activations:
        return forward.resolve(dtype), backward.resolve(dtype)

    def general_forward(*a: Any) -> None:
        general(*a, f_gate=f_gate, f_in=f_in)

    def general_backward(*a: Any) -> None:
        backward_numpy(*a, d_gate=d_gate, d_in=d_in)
    return general_forward, general_backward
