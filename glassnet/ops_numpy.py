"""``keras.ops`` with no gradient: creation (arange, eye, one_hot...), tests (isnan, isclose...), integer ops.

Their results are constant tensors: the outputs are integers, booleans or fixed grids, or (floor,
round, ...) piecewise constant, whose gradient is zero almost everywhere, as in Keras.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from . import backend
from .backend import xp
from .engine.tensor import Tensor

__all__ = ["all", "allclose", "any", "arange", "argpartition", "argsort", "array", "bartlett", "bincount",
           "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
           "bitwise_xor", "blackman", "ceil", "count_nonzero", "digitize", "dtype", "empty", "empty_like", "eye",
           "floor", "floor_divide", "full", "full_like", "gcd", "geomspace", "hamming", "hanning", "heaviside",
           "identity", "in_top_k", "is_tensor", "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf",
           "isposinf", "isreal", "kaiser", "lcm", "left_shift", "linspace", "logical_xor", "logspace", "multi_hot",
           "ndim", "nextafter", "nonzero", "one_hot", "ones_like", "right_shift", "round", "searchsorted",
           "signbit", "size", "tri", "trunc", "unravel_index", "view", "zeros_like"]


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else xp.asarray(value)


def _float(dtype: Any) -> Any:
    return dtype or backend.floatx()


def _constant(fn: Callable[..., Any], name: str, doc: str) -> Callable[..., Tensor]:
    """Wrap a NumPy function: tensors in, a constant tensor out."""
    def op(*args: Any, **kwargs: Any) -> Tensor:
        return Tensor(xp.asarray(fn(*[_raw(a) for a in args], **kwargs)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + "  No gradient."
    return op


# --- tests and integer arithmetic (NumPy's function, constant result) --------------------------------
isnan = _constant(xp.isnan, "isnan", "True where x is NaN.")
isinf = _constant(xp.isinf, "isinf", "True where x is +-inf.")
isfinite = _constant(xp.isfinite, "isfinite", "True where x is neither NaN nor infinite.")
isneginf = _constant(xp.isneginf, "isneginf", "True where x is -inf.")
isposinf = _constant(xp.isposinf, "isposinf", "True where x is +inf.")
isreal = _constant(xp.isreal, "isreal", "True where x has no imaginary part.")
signbit = _constant(xp.signbit, "signbit", "True where the sign bit is set (negative numbers, -0.0).")
isclose = _constant(xp.isclose, "isclose", "|x1 - x2| <= atol + rtol |x2|, element-wise.")
isin = _constant(xp.isin, "isin", "True where an entry of x1 occurs in x2.")
logical_xor = _constant(xp.logical_xor, "logical_xor", "Element-wise exclusive or.")
floor = _constant(xp.floor, "floor", "The largest whole number <= x.")
ceil = _constant(xp.ceil, "ceil", "The smallest whole number >= x.")
trunc = _constant(xp.trunc, "trunc", "x rounded towards zero.")
round = _constant(xp.round, "round", "x rounded to ``decimals`` places, halves to even.")  # noqa: A001
floor_divide = _constant(xp.floor_divide, "floor_divide", "floor(x1 / x2).")
heaviside = _constant(xp.heaviside, "heaviside", "0 for x1 < 0, x2 at 0, 1 for x1 > 0.")
nextafter = _constant(xp.nextafter, "nextafter", "The next float after x1 towards x2.")
gcd = _constant(xp.gcd, "gcd", "Greatest common divisor of integers.")
lcm = _constant(xp.lcm, "lcm", "Least common multiple of integers.")
bitwise_and = _constant(xp.bitwise_and, "bitwise_and", "Bitwise and of integers.")
bitwise_or = _constant(xp.bitwise_or, "bitwise_or", "Bitwise or of integers.")
bitwise_xor = _constant(xp.bitwise_xor, "bitwise_xor", "Bitwise exclusive or of integers.")
bitwise_not = bitwise_invert = _constant(xp.invert, "bitwise_not", "Bitwise not of integers.")
bitwise_left_shift = left_shift = _constant(xp.left_shift, "left_shift", "x << y for integers.")
bitwise_right_shift = right_shift = _constant(xp.right_shift, "right_shift", "x >> y for integers.")
argsort = _constant(lambda x, axis=-1: xp.argsort(x, axis=axis, kind="stable").astype(xp.int32), "argsort",
                    "Indices that sort x along ``axis`` (stable).")
argpartition = _constant(lambda x, kth, axis=-1: xp.argpartition(x, kth, axis=axis).astype(xp.int32),
                         "argpartition", "Indices that put the ``kth`` entry in sorted position.")
digitize = _constant(lambda x, bins: xp.digitize(x, bins).astype(xp.int32), "digitize",
                     "The index of the bin each entry falls in.")
searchsorted = _constant(lambda s, v, side="left": xp.searchsorted(s, v, side=side).astype(xp.int32),
                         "searchsorted", "Where ``values`` would be inserted to keep ``sorted_sequence`` sorted.")
count_nonzero = _constant(lambda x, axis=None: xp.asarray(xp.count_nonzero(x, axis=axis)).astype(xp.int32), "count_nonzero",
                          "The number of non-zero entries along ``axis``.")


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """Whether every entry is close (a boolean scalar tensor).  No gradient."""
    return Tensor(xp.asarray(xp.allclose(_raw(x1), _raw(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)))


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras' name
    """Whether every entry along ``axis`` is true.  No gradient."""
    return Tensor(xp.all(_raw(x), axis=axis, keepdims=keepdims))


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Whether some entry along ``axis`` is true.  No gradient."""
    return Tensor(xp.any(_raw(x), axis=axis, keepdims=keepdims))


def nonzero(x: Any) -> tuple[Tensor, ...]:
    """The indices of the non-zero entries, one int tensor per axis."""
    return tuple(Tensor(i) for i in xp.nonzero(_raw(x)))


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """Flat indices as coordinates into ``shape``, one tensor per axis."""
    return tuple(Tensor(i) for i in xp.unravel_index(_raw(indices), tuple(shape)))


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """Occurrences of each non-negative integer in a 1-D (or per row of a 2-D) ``x``."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported (glassnet has no sparse tensors)")
    v = _raw(x).astype(xp.int64)
    if v.size and v.min() < 0:
        raise ValueError(f"bincount: x must be non-negative, got a minimum of {v.min()}")
    w = None if weights is None else _raw(weights)
    length = max(int(minlength), int(v.max()) + 1 if v.size else 0)
    if v.ndim == 1:
        return Tensor(xp.bincount(v, weights=w, minlength=length))
    rows = [xp.bincount(r, weights=None if w is None else w[i], minlength=length) for i, r in enumerate(v)]
    return Tensor(xp.stack(rows))


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """Whether each row's target class is among its ``k`` highest predictions (ties count as in)."""
    p = _raw(predictions)
    t = _raw(targets).astype(xp.int64)
    target_score = xp.take_along_axis(p, t[:, None], axis=1)
    return Tensor((p > target_score).sum(axis=1) < k)


# --- creation -----------------------------------------------------------------------------------------
def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop) (int32 unless a bound is a float, as in Keras)."""
    if stop is None:
        start, stop = 0, start
    args = (_raw(start).item(), _raw(stop).item(), 1 if step is None else _raw(step).item())
    if dtype is None:
        dtype = backend.floatx() if builtins.any(isinstance(a, float) for a in args) else "int32"
    return Tensor(xp.arange(*args, dtype=dtype))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = None,
             axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    out = xp.linspace(_raw(start), _raw(stop), num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return Tensor(out[0].astype(_float(dtype))), out[1]
    return Tensor(out.astype(_float(dtype)))


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10, dtype: Any = None,
             axis: int = 0) -> Tensor:
    """``base ** linspace(start, stop, num)``."""
    return Tensor(xp.logspace(_raw(start), _raw(stop), num, endpoint=endpoint, base=base, axis=axis)
                  .astype(_float(dtype)))


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Tensor:
    """``num`` values from ``start`` to ``stop`` evenly spaced on a log scale."""
    return Tensor(xp.geomspace(_raw(start), _raw(stop), num, endpoint=endpoint, axis=axis).astype(_float(dtype)))


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803 - NumPy's names
    """Ones on the ``k``-th diagonal of an N x M matrix."""
    return Tensor(xp.eye(N, M, k, dtype=_float(dtype)))


def identity(n: int, dtype: Any = None) -> Tensor:
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:  # noqa: N803
    """Ones at and below the ``k``-th diagonal."""
    return Tensor(xp.tri(N, M, k, dtype=_float(dtype)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    return Tensor(xp.full(shape, _raw(fill_value), dtype=_float(dtype)))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """Filled with ``fill_value``, shaped (and typed, unless ``dtype``) like ``x``."""
    return Tensor(xp.full_like(_raw(x), _raw(fill_value), dtype=dtype))


def zeros_like(x: Any, dtype: Any = None) -> Tensor:
    """Zeros shaped like ``x``."""
    return Tensor(xp.zeros_like(_raw(x), dtype=dtype))


def ones_like(x: Any, dtype: Any = None) -> Tensor:
    """Ones shaped like ``x``."""
    return Tensor(xp.ones_like(_raw(x), dtype=dtype))


def empty(shape: Any, dtype: Any = None) -> Tensor:
    """A tensor of ``shape`` (filled with zeros here: uninitialised memory helps no one in NumPy)."""
    return Tensor(xp.zeros(shape, dtype=_float(dtype)))


def empty_like(x: Any, dtype: Any = None) -> Tensor:
    """A tensor shaped like ``x`` (zeros)."""
    return zeros_like(x, dtype)


def array(x: Any, dtype: Any = None) -> Tensor:
    """A constant tensor of ``x``'s values (NumPy's dtype rules)."""
    return Tensor(xp.array(_raw(x), dtype=dtype))


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False) -> Tensor:
    """Integer labels as one-hot vectors along ``axis``; labels outside [0, num_classes) give all zeros."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (glassnet has no sparse tensors)")
    labels = _raw(x).astype(xp.int64)
    hot = labels[..., None] == xp.arange(int(num_classes))
    return Tensor(xp.moveaxis(hot, -1, axis).astype(_float(dtype)))


def multi_hot(inputs: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False) -> Tensor:
    """Each row's labels as one vector with ones at every label (the last axis of ``inputs`` is reduced)."""
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported (glassnet has no sparse tensors)")
    labels = _raw(inputs).astype(xp.int64)
    hot = (labels[..., None] == xp.arange(int(num_classes))).any(axis=-2 if labels.ndim > 1 else 0)
    return Tensor(xp.moveaxis(hot, -1, axis).astype(_float(dtype)) if hot.ndim > 1 else hot.astype(_float(dtype)))


def _window(fn: Callable[..., Any], name: str) -> Callable[..., Tensor]:
    def window(x: int, *args: Any) -> Tensor:
        return Tensor(fn(int(x), *args).astype(backend.floatx()))

    window.__name__ = window.__qualname__ = name
    window.__doc__ = f"The {name} window of ``x`` points (NumPy's ``{name}``)."
    return window


bartlett, blackman, hamming, hanning = (_window(getattr(xp, n), n) for n in ("bartlett", "blackman", "hamming",
                                                                             "hanning"))
kaiser = _window(xp.kaiser, "kaiser")


# --- facts about a tensor --------------------------------------------------------------------------------
def ndim(x: Any) -> int:
    """The number of axes."""
    return int(xp.ndim(_raw(x)))


def size(x: Any) -> int:
    """The number of entries."""
    return int(xp.size(_raw(x)))


def dtype(x: Any) -> str:
    """The dtype's name, e.g. ``'float32'``."""
    return xp.dtype(_raw(x).dtype).name  # NumPy's dtype class, which CuPy re-exports


def view(x: Any, dtype: Any = None) -> Tensor:
    """The same bytes read as ``dtype`` (``x.view(dtype)``; the last axis rescales with the item size)."""
    return Tensor(_raw(x).view(dtype) if dtype is not None else _raw(x).view())


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a glassnet tensor."""
    return isinstance(x, Tensor)
