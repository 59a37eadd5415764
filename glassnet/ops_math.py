"""``keras.ops`` math: statistics, norms, products, the extra activations and the cross-entropies.

Everything is differentiable: each function is a primitive of ``engine/ops`` (``elementwise``,
``scans``) or a few lines composing them, so its gradient needs no code of its own.
"""

from __future__ import annotations

import math as _pymath
from typing import Any

from . import backend
from .backend import xp
from .engine.ops import math as _m
from .engine.ops import nn as _nn
from .engine.ops import scans as _scans
from .engine.ops.elementwise import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    cbrt,
    cosh,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    hypot,
    i0,
    log2,
    log10,
    log_sigmoid,
    logaddexp,
    reciprocal,
    rsqrt,
    sinh,
    tan,
)
from .engine.ops.scans import logsumexp
from .engine.tensor import Tensor, as_tensor

__all__ = ["absolute", "amax", "amin", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "average", "cbrt", "celu", "copy", "cosh", "cross",
           "cumprod", "cumsum", "deg2rad", "divide_no_nan", "dot", "erf", "erfc", "erfinv", "exp2", "expm1", "fabs",
           "fmod", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh", "hypot", "i0", "inner", "kron", "log10",
           "log2", "log_sigmoid", "logaddexp", "logaddexp2", "logsumexp", "mod", "moments", "nan_to_num",
           "normalize", "norm", "outer", "prod", "ptp", "rad2deg", "reciprocal", "relu6", "rsqrt", "sinh",
           "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus", "std",
           "tan", "tanh_shrink", "tensordot", "threshold", "trace", "true_divide", "var", "vdot"]

absolute = fabs = _m.abs
amax, amin = _m.max, _m.min
true_divide = _m.divide


def _const(value: Any, like: Tensor) -> Tensor:
    return Tensor(xp.asarray(value, dtype=like.dtype))


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else xp.asarray(value)


def _as_dtype(x: Any, dtype: Any) -> Tensor:
    x = as_tensor(x)
    return x if dtype is None or xp.dtype(dtype) == x.dtype else _m.cast(x, dtype)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis`` (of the flattened tensor when None), computed in ``dtype`` if given."""
    return _scans.cumsum(_as_dtype(x, dtype), axis=axis)


def cumprod(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running product along ``axis`` (of the flattened tensor when None), computed in ``dtype`` if given."""
    return _scans.cumprod(_as_dtype(x, dtype), axis=axis)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product over ``axis`` (all axes by default), computed in ``dtype`` if given; exact gradient at zeros."""
    return _scans.prod(_as_dtype(x, dtype), axis=axis, keepdims=keepdims)


# --- statistics and norms ------------------------------------------------------------------------
def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance mean((x - mean x)^2) over ``axis``."""
    x = as_tensor(x)
    centred = _m.subtract(x, _m.mean(x, axis=axis, keepdims=True))
    return _m.mean(_m.square(centred), axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation sqrt(var(x))."""
    return _m.sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """``(mean, variance)`` of ``x`` over ``axes`` (``synchronized`` only matters across devices)."""
    return _m.mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def average(x: Any, axis: Any = None, weights: Any = None) -> Tensor:
    """The mean over ``axis``, weighted by ``weights`` (1-D along ``axis``, or ``x``'s shape) when given."""
    x = as_tensor(x)
    if weights is None:
        return _m.mean(x, axis=axis)
    w = as_tensor(weights)
    if axis is not None and w.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = w.shape[0]
        w = _m.reshape(w, tuple(shape))
    return _m.divide(_m.sum(_m.multiply(x, w), axis=axis),
                     _m.sum(_m.multiply(w, _m.ones_like(x)), axis=axis))


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Range max - min over ``axis``."""
    return _m.subtract(_m.max(x, axis=axis, keepdims=keepdims), _m.min(x, axis=axis, keepdims=keepdims))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002 - Keras' name
    """Vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) over one axis; Frobenius over two.

    With ``axis=None`` the tensor is treated as one vector (``ord`` None only), like Keras.
    """
    x = as_tensor(x)
    two_axes = isinstance(axis, (tuple, list)) and len(axis) == 2
    if ord in (None, "fro", "euclidean") or (ord == 2 and not two_axes):
        if ord == "fro" and not two_axes and x.ndim != 2:
            raise ValueError(f"norm: ord='fro' needs a matrix (two axes), got axis={axis!r}")
        return _m.sqrt(_m.sum(_m.square(x), axis=axis, keepdims=keepdims))
    if two_axes or isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is not supported for matrices; use None or 'fro'")
    a = _m.abs(x)
    if ord == xp.inf:
        return _m.max(a, axis=axis, keepdims=keepdims)
    if ord == -xp.inf:
        return _m.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return Tensor((_raw(x) != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype))
    if ord == 1:
        return _m.sum(a, axis=axis, keepdims=keepdims)
    p = float(ord)
    return _m.power(_m.sum(_m.power(a, _const(p, x)), axis=axis, keepdims=keepdims), _const(1 / p, x))


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    """``x / max(norm(x, order, axis), epsilon)``: unit vectors along ``axis``."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}")
    x = as_tensor(x)
    eps = backend.epsilon() if epsilon is None else epsilon
    return _m.divide(x, _m.maximum(norm(x, ord=order, axis=axis, keepdims=True), _const(eps, x)))


# --- element-wise helpers -------------------------------------------------------------------------
def deg2rad(x: Any) -> Tensor:
    """Degrees to radians."""
    return _m.multiply(x, _pymath.pi / 180)


def rad2deg(x: Any) -> Tensor:
    """Radians to degrees."""
    return _m.multiply(x, 180 / _pymath.pi)


def logaddexp2(x1: Any, x2: Any) -> Tensor:
    """log2(2^x1 + 2^x2) without overflow."""
    return _m.multiply(logaddexp(_m.multiply(x1, _pymath.log(2)), _m.multiply(x2, _pymath.log(2))),
                       1 / _pymath.log(2))


def mod(x1: Any, x2: Any) -> Tensor:
    """x1 - x2 floor(x1 / x2) (the sign of x2, as Python's %); the floor counts as a constant."""
    a, b = _m._pair(x1, x2)
    return _m.subtract(a, _m.multiply(b, Tensor(xp.floor_divide(a.data, b.data))))


def fmod(x1: Any, x2: Any) -> Tensor:
    """x1 - x2 trunc(x1 / x2) (the sign of x1, as C's fmod)."""
    a, b = _m._pair(x1, x2)
    return _m.subtract(a, _m.multiply(b, Tensor(xp.trunc(a.data / b.data).astype(a.dtype))))


def divide_no_nan(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, and 0 where x2 is 0 (with a zero gradient there too)."""
    a, b = _m._pair(x1, x2)
    zero = _raw(b) == 0
    safe = _m.where(zero, _m.ones_like(b), b)
    return _m.where(zero, _m.zeros_like(_m.divide(a, safe)), _m.divide(a, safe))


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """Replace NaN, +inf and -inf by finite numbers; finite entries keep their gradient."""
    x = as_tensor(x)
    fixed = Tensor(xp.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf))
    return _m.where(xp.isfinite(x.data), x, fixed)


def copy(x: Any) -> Tensor:
    """A new tensor with the same values (and gradient 1)."""
    x = as_tensor(x)
    return _m.reshape(x, x.shape)


# --- products -------------------------------------------------------------------------------------
def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sum of products over ``axes`` (an int: the last/first that many; or two lists), as ``np.tensordot``."""
    a, b = as_tensor(x1), as_tensor(x2)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                      [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    ax_a, ax_b = [i % a.ndim for i in ax_a], [i % b.ndim for i in ax_b]
    if [a.shape[i] for i in ax_a] != [b.shape[i] for i in ax_b]:
        raise ValueError(f"tensordot: axes {ax_a} of {a.shape} and {ax_b} of {b.shape} differ in length")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = int(xp.prod([a.shape[i] for i in ax_a]))
    am = _m.reshape(_m.transpose(a, tuple(free_a + ax_a)), (-1, k))
    bm = _m.reshape(_m.transpose(b, tuple(ax_b + free_b)), (k, -1))
    return _m.reshape(_m.matmul(am, bm), tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


def dot(x1: Any, x2: Any) -> Tensor:
    """``np.dot``: scalar product, matrix product, or sum over x1's last and x2's second-to-last axis."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return _m.multiply(a, b)
    if b.ndim <= 2:
        return _m.matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def inner(x1: Any, x2: Any) -> Tensor:
    """Sum of products over the last axes of both."""
    a, b = as_tensor(x1), as_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        return _m.multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(x1: Any, x2: Any) -> Tensor:
    """z[i, j] = x1.flat[i] x2.flat[j]."""
    a, b = _m.reshape(x1, (-1, 1)), _m.reshape(x2, (1, -1))
    return _m.multiply(a, b)


def vdot(x1: Any, x2: Any) -> Tensor:
    """Sum of products of the flattened inputs."""
    return _m.sum(_m.multiply(_m.reshape(x1, (-1,)), _m.reshape(x2, (-1,))))


def kron(x1: Any, x2: Any) -> Tensor:
    """Kronecker product: blocks ``x1[i, j] * x2``, tiled."""
    a, b = as_tensor(x1), as_tensor(x2)
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + tuple(a.shape), (1,) * (n - b.ndim) + tuple(b.shape)
    # Interleave the axes: a on the even ones, b on the odd ones, then merge each pair.
    ai = _m.reshape(a, tuple(d for s in sa for d in (s, 1)))
    bi = _m.reshape(b, tuple(d for s in sb for d in (1, s)))
    return _m.reshape(_m.multiply(ai, bi), tuple(p * q for p, q in zip(sa, sb)))


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Tensor:
    """Cross product of 3-vectors (or 2-vectors, giving the z component) along the given axes."""
    from .ops_arrays import moveaxis

    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got shapes {a.shape} and {b.shape}")

    def part(v: Tensor, i: int) -> Tensor:
        return v[..., i] if i < v.shape[-1] else _m.zeros_like(v[..., 0])

    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return _m.subtract(_m.multiply(part(a, 0), part(b, 1)), _m.multiply(part(a, 1), part(b, 0)))
    comps = [_m.subtract(_m.multiply(part(a, j), part(b, k)), _m.multiply(part(a, k), part(b, j)))
             for j, k in ((1, 2), (2, 0), (0, 1))]
    return moveaxis(_m.stack(comps, axis=-1), -1, axisc)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Sum of the diagonal of the plane ``(axis1, axis2)``."""
    from .ops_arrays import diagonal

    return _m.sum(diagonal(x, offset, axis1, axis2), axis=-1)


# --- activations ----------------------------------------------------------------------------------
def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return _m.clip(x, 0.0, 6.0)


def hard_tanh(x: Any) -> Tensor:
    """min(max(x, -1), 1)."""
    return _m.clip(x, -1.0, 1.0)


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(x, 0) + min(0, alpha (e^(x/alpha) - 1))."""
    x = as_tensor(x)
    neg = _m.multiply(expm1(_m.divide(_m.minimum(x, _const(0, x)), _const(alpha, x))), _const(alpha, x))
    return _m.add(_m.maximum(x, _const(0, x)), neg)


def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit: the first half of ``axis`` times the sigmoid of the second half."""
    from .engine.ops.arrays import split

    x = as_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: axis {axis} must have an even length, got {x.shape[axis]}")
    a, b = split(x, 2, axis=axis)
    return _m.multiply(a, _nn.sigmoid(b))


def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x) (Keras' hard_sigmoid: relu6(x + 3) / 6)."""
    x = as_tensor(x)
    return _m.multiply(x, _m.divide(relu6(_m.add(x, 3.0)), 6.0))


hard_swish = hard_silu


def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where |x| > threshold, else 0."""
    x = as_tensor(x)
    return _m.where(xp.abs(x.data) > threshold, x, _m.zeros_like(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    x = as_tensor(x)
    return _m.where(xp.abs(x.data) > threshold, _m.subtract(x, _const(threshold, x) * _m.sign(x)), _m.zeros_like(x))


def tanh_shrink(x: Any) -> Tensor:
    """x - tanh(x)."""
    return _m.subtract(x, _nn.tanh(x))


def squareplus(x: Any, b: float = 4) -> Tensor:
    """(x + sqrt(x^2 + b)) / 2: a smooth ReLU."""
    x = as_tensor(x)
    return _m.multiply(_m.add(x, _m.sqrt(_m.add(_m.square(x), _const(b, x)))), 0.5)


def sparse_plus(x: Any) -> Tensor:
    """0 below -1, (x + 1)^2 / 4 between -1 and 1, x above 1."""
    x = as_tensor(x)
    mid = _m.multiply(_m.square(_m.add(x, 1.0)), 0.25)
    return _m.where(x.data <= -1, _m.zeros_like(x), _m.where(x.data >= 1, x, mid))


def sparse_sigmoid(x: Any) -> Tensor:
    """0 below -1, (x + 1) / 2 between, 1 above 1."""
    return _m.multiply(_m.add(_m.clip(x, -1.0, 1.0), 1.0), 0.5)


def threshold(x: Any, threshold: float, default_value: float) -> Tensor:
    """x where x > threshold, else ``default_value``."""
    x = as_tensor(x)
    return _m.where(x.data > threshold, x, _m.add(_m.zeros_like(x), _const(default_value, x)))
