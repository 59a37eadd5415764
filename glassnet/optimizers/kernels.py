"""One-pass update kernels for the common optimizers: a NumPy reference and a loop, side by side.

Written in NumPy, Adam's update is a dozen whole-array operations, each a pass over every weight and
its moments; on a network of a million weights those passes, not the matrix products, set the time of
a training step.  Each kernel here is a :class:`glassnet.jit.Kernel`: the *reference* is the NumPy
definition (what runs without numba or with ``GLASSNET_JIT=0``), the *loop* computes the same thing
element by element and numba compiles it into one pass that reads each array once and writes it once.
The tests run both on the same data and compare them.

Every kernel has the same shape of arguments: ``p`` the parameters, ``g`` the gradient, the slot
arrays, ``tmp`` scratch space the reference needs (the loop ignores it), ``decay``, then the rule's
scalars, already cast to the parameters' dtype so float32 arithmetic stays float32.  All arrays are flat and of equal size; a
rule without some slot (Adam without AMSGrad) passes another slot in its place and a flag saying so.
``decay`` is ``lr * weight_decay`` (0 for none): the decoupled weight decay ``p -= decay p`` that
Keras applies before the update, folded into the same pass.  ``tiny`` is the dtype's smallest normal
number (``np.finfo(dtype).tiny``, 1.2e-38 in float32).

Subnormal numbers.  A slot that decays geometrically where the gradient is zero (the momentum
``m <- 0.9 m`` of a weight on an always-black MNIST pixel) reaches float32's subnormal range, below
1.2e-38, after about 800 steps and stays there (0.9 times a few units of the last place rounds back to
itself).  Intel CPUs handle each operation on a subnormal number with a microcode assist of about a
hundred cycles: on the lecture MLP, 6,000 such moments made Adam's pass 6x slower and the whole
training step 1.6x (AMD CPUs barely slow down).  So every slot that decays is set to zero once it falls
below ``tiny``, as TensorFlow's CPU kernels do by switching the FPU to flush-to-zero.  Nothing is lost:
the update such a moment makes, at most ``lr * 1e-38 / eps``, is below the rounding of any weight.

The loops are written so that each floating-point operation is the reference's, in the same order;
the results agree to rounding (numba may use other instructions for sqrt and division).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import jit
from ..backend import xp


def flush_threshold(dtype: Any) -> Any:
    """The ``tiny`` the kernels take for parameters of ``dtype``: its smallest normal number, as a scalar of it.

    0 (nothing flushed) in float16: its values reach the CPU as normal float32 numbers, and its
    subnormals (6e-8 to 6e-5) are common moments.
    """
    dtype = xp.dtype(dtype)
    return dtype.type(xp.finfo(dtype).tiny if dtype.itemsize >= 4 else 0)


def _decay_reference(p: Any, decay: Any) -> None:
    if decay != 0:
        p -= decay * p  # decoupled weight decay, before the update (Keras' order)


def _flush_reference(slot: Any, tiny: Any) -> None:
    """Set the slot's subnormal numbers (0 < |x| < ``tiny``) to zero (see "Subnormal numbers" above)."""
    xp.copyto(slot, 0, where=xp.abs(slot) < tiny)


# --- SGD ---------------------------------------------------------------------------------------------
# plain:     p <- p - lr g
# momentum:  m <- mu m - lr g;   p <- p + m
# Nesterov:  m <- mu m - lr g;   p <- p - lr g + mu m


def sgd_reference(p: Any, g: Any, m: Any, tmp: Any, decay: Any, tiny: Any, lr: Any, mu: Any,
                  momentum: bool, nesterov: bool) -> None:
    _decay_reference(p, decay)
    xp.multiply(g, lr, out=tmp)  # tmp = lr g
    if not momentum:
        p -= tmp
        return
    m *= mu
    m -= tmp
    _flush_reference(m, tiny)
    if nesterov:
        p -= tmp
        xp.multiply(m, mu, out=tmp)
        p += tmp
    else:
        p += m


def sgd_loop(p: Any, g: Any, m: Any, tmp: Any, decay: Any, tiny: Any, lr: Any, mu: Any,
             momentum: bool, nesterov: bool) -> None:
    zero = tiny - tiny  # 0 in the parameters' dtype (a literal 0 would turn the loop to float64)
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        step = g[i] * lr
        if momentum:
            mi = m[i] * mu - step
            mi = mi if abs(mi) >= tiny else zero
            m[i] = mi
            if nesterov:
                pi = (pi - step) + mi * mu
            else:
                pi += mi
        else:
            pi -= step
        p[i] = pi


sgd = jit.Kernel(sgd_reference, sgd_loop, name="sgd")


# --- Adam, AdamW (Keras' form) ------------------------------------------------------------------------
# m <- m + (1 - b1)(g - m);   v <- v + (1 - b2)(g^2 - v);   (AMSGrad: v_max <- max(v_max, v), used for v)
# p <- p - alpha m / (sqrt(v) + eps),   alpha = lr sqrt(1 - b2^t) / (1 - b1^t)


def adam_reference(p: Any, g: Any, m: Any, v: Any, vmax: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, c2: Any,
                   alpha: Any, eps: Any, amsgrad: bool) -> None:
    _decay_reference(p, decay)
    xp.subtract(g, m, out=tmp)
    tmp *= c1
    m += tmp
    xp.multiply(g, g, out=tmp)
    tmp -= v
    tmp *= c2
    v += tmp
    _flush_reference(m, tiny)
    _flush_reference(v, tiny)
    if amsgrad:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    xp.sqrt(v, out=tmp)
    tmp += eps
    xp.divide(m, tmp, out=tmp)
    tmp *= alpha
    p -= tmp


def adam_loop(p: Any, g: Any, m: Any, v: Any, vmax: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, c2: Any,
              alpha: Any, eps: Any, amsgrad: bool) -> None:
    zero = tiny - tiny  # 0 in the parameters' dtype (a literal 0 would turn the loop to float64)
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        mi = mi if abs(mi) >= tiny else zero
        vi = vi if vi >= tiny else zero
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] = pi - (mi / (math.sqrt(vi) + eps)) * alpha


adam = jit.Kernel(adam_reference, adam_loop, name="adam")


# --- RMSprop -----------------------------------------------------------------------------------------
# v <- rho v + (1 - rho) g^2;   (centered: a <- rho a + (1 - rho) g, and v - a^2 in place of v)
# s = lr g / sqrt(v + eps);     momentum: s_m <- mu s_m + s, p <- p - s_m;   else p <- p - s


def rmsprop_reference(p: Any, g: Any, v: Any, mom: Any, avg: Any, tmp: Any, decay: Any, tiny: Any, rho: Any, c: Any, eps: Any,
                      lr: Any, mu: Any, centered: bool, momentum: bool) -> None:
    _decay_reference(p, decay)
    v *= rho
    xp.multiply(g, g, out=tmp)
    tmp *= c
    v += tmp
    _flush_reference(v, tiny)
    if centered:
        avg *= rho
        xp.multiply(g, c, out=tmp)
        avg += tmp
        _flush_reference(avg, tiny)
        xp.multiply(avg, avg, out=tmp)
        xp.subtract(v, tmp, out=tmp)
        tmp += eps
    else:
        xp.add(v, eps, out=tmp)
    xp.sqrt(tmp, out=tmp)
    xp.divide(g, tmp, out=tmp)
    tmp *= lr
    if momentum:
        mom *= mu
        mom += tmp
        _flush_reference(mom, tiny)
        p -= mom
    else:
        p -= tmp


def rmsprop_loop(p: Any, g: Any, v: Any, mom: Any, avg: Any, tmp: Any, decay: Any, tiny: Any, rho: Any, c: Any, eps: Any,
                 lr: Any, mu: Any, centered: bool, momentum: bool) -> None:
    zero = tiny - tiny  # 0 in the parameters' dtype (a literal 0 would turn the loop to float64)
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        gi = g[i]
        vi = v[i] * rho + (gi * gi) * c
        vi = vi if vi >= tiny else zero
        v[i] = vi
        if centered:
            ai = avg[i] * rho + gi * c
            ai = ai if abs(ai) >= tiny else zero
            avg[i] = ai
            denom = (vi - ai * ai) + eps
        else:
            denom = vi + eps
        step = (gi / math.sqrt(denom)) * lr
        if momentum:
            step = mom[i] * mu + step
            step = step if abs(step) >= tiny else zero
            mom[i] = step
        p[i] = pi - step


rmsprop = jit.Kernel(rmsprop_reference, rmsprop_loop, name="rmsprop")

# --- Nadam (Keras 3's form; the momentum-schedule factors a, b come from optimizers.rules.Nadam) ---------
# m, v as in Adam;   p <- p - lr (a m + b g) / (sqrt(v / (1 - b2^t)) + eps)


def nadam_reference(p: Any, g: Any, m: Any, v: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, c2: Any, a: Any, b: Any,
                    vscale: Any, eps: Any, lr: Any) -> None:
    _decay_reference(p, decay)
    xp.subtract(g, m, out=tmp)
    tmp *= c1
    m += tmp
    xp.multiply(g, g, out=tmp)
    tmp -= v
    tmp *= c2
    v += tmp
    _flush_reference(m, tiny)
    _flush_reference(v, tiny)
    xp.multiply(v, vscale, out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += eps  # tmp: the denominator
    m_hat = m * a
    m_hat += g * b
    m_hat /= tmp
    m_hat *= lr
    p -= m_hat


def nadam_loop(p: Any, g: Any, m: Any, v: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, c2: Any, a: Any, b: Any,
               vscale: Any, eps: Any, lr: Any) -> None:
    zero = tiny - tiny  # 0 in the parameters' dtype (a literal 0 would turn the loop to float64)
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        vi = v[i] + (gi * gi - v[i]) * c2
        mi = mi if abs(mi) >= tiny else zero
        vi = vi if vi >= tiny else zero
        m[i] = mi
        v[i] = vi
        p[i] = pi - ((mi * a + gi * b) / (math.sqrt(vi * vscale) + eps)) * lr


nadam = jit.Kernel(nadam_reference, nadam_loop, name="nadam")


# --- Adamax: m <- m + (1 - b1)(g - m);  u <- max(b2 u, |g|);  p <- p - alpha m / (u + eps) -------------


def adamax_reference(p: Any, g: Any, m: Any, u: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, b2: Any, alpha: Any,
                     eps: Any) -> None:
    _decay_reference(p, decay)
    xp.subtract(g, m, out=tmp)
    tmp *= c1
    m += tmp
    u *= b2
    xp.maximum(u, xp.abs(g, out=tmp), out=u)
    _flush_reference(m, tiny)
    _flush_reference(u, tiny)
    xp.add(u, eps, out=tmp)
    p -= xp.divide(xp.multiply(m, alpha), tmp, out=tmp)


def adamax_loop(p: Any, g: Any, m: Any, u: Any, tmp: Any, decay: Any, tiny: Any, c1: Any, b2: Any, alpha: Any,
                eps: Any) -> None:
    zero = tiny - tiny  # 0 in the parameters' dtype (a literal 0 would turn the loop to float64)
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        gi = g[i]
        mi = m[i] + (gi - m[i]) * c1
        ui = max(u[i] * b2, abs(gi))
        mi = mi if abs(mi) >= tiny else zero
        ui = ui if ui >= tiny else zero
        m[i] = mi
        u[i] = ui
        p[i] = pi - (mi * alpha) / (ui + eps)


adamax = jit.Kernel(adamax_reference, adamax_loop, name="adamax")


# --- Adagrad: a <- a + g^2;  p <- p - lr g / sqrt(a + eps) ---------------------------------------------


def adagrad_reference(p: Any, g: Any, acc: Any, tmp: Any, decay: Any, tiny: Any, lr: Any, eps: Any) -> None:
    _decay_reference(p, decay)
    xp.multiply(g, g, out=tmp)
    acc += tmp
    xp.add(acc, eps, out=tmp)
    xp.sqrt(tmp, out=tmp)
    xp.divide(g, tmp, out=tmp)
    tmp *= lr
    p -= tmp


def adagrad_loop(p: Any, g: Any, acc: Any, tmp: Any, decay: Any, tiny: Any, lr: Any, eps: Any) -> None:
    # The accumulator only grows: nothing here can decay into the subnormals.
    for i in range(p.size):
        pi = p[i]
        if decay != 0:
            pi -= decay * pi
        gi = g[i]
        ai = acc[i] + gi * gi
        acc[i] = ai
        p[i] = pi - (gi / math.sqrt(ai + eps)) * lr


adagrad = jit.Kernel(adagrad_reference, adagrad_loop, name="adagrad")

KERNELS = (sgd, adam, rmsprop, nadam, adamax, adagrad)


# --- splitting a large variable over threads ----------------------------------------------------------
SPLIT_MIN = 1 << 18  # elements: below this a thread hand-off (~20-50 us) costs more than it saves


def run_split(fn: Callable[..., Any], arrays: tuple[Any, ...], scalars: tuple[Any, ...], threads: int) -> None:
    """``fn(*arrays, *scalars)`` with the (equal-sized, flat) arrays cut into ``threads`` chunks run at once.

    The compiled loops release the GIL (``nogil``) and each element depends on its own position only,
    so the chunks are independent and the result is bit for bit that of one call.
    """
    n = arrays[0].size
    if threads < 2 or n < SPLIT_MIN:
        fn(*arrays, *scalars)
        return
    bounds = [n * k // threads for k in range(threads + 1)]
    jit.run_parts(fn, [(*(a[lo:hi] for a in arrays), *scalars) for lo, hi in zip(bounds[:-1], bounds[1:])])


__all__ = ["KERNELS", "SPLIT_MIN", "adagrad", "adam", "adamax", "flush_threshold", "nadam", "rmsprop",
           "run_split", "sgd"]
