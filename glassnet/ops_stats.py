"""``keras.ops`` statistics: quantiles and medians, the NaN-ignoring reductions, differences, histograms.

Quantiles are a sort followed by a linear interpolation between two order statistics, so their gradient
goes to the one or two entries the answer was read from (as in PyTorch).  The ``nan*`` reductions
replace NaNs by the reduction's neutral value first, so NaN entries get a zero gradient.
"""

from __future__ import annotations

import builtins
from typing import Any

from .backend import xp
from .engine.ops import arrays as _arrays
from .engine.ops import math as _m
from .engine.ops import scans as _scans
from .engine.tensor import Tensor, as_tensor
from .ops_arrays import segment_max, sort, take_along_axis

__all__ = ["cdist", "corrcoef", "correlate", "diff", "histogram", "median", "nanargmax", "nanargmin", "nancumprod",
           "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanquantile", "nanprod", "nanstd", "nansum", "nanvar", "percentile",
           "quantile", "segment_min", "trapezoid", "unique"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th quantiles (``q`` in [0, 1], a number or a 1-D list) along ``axis`` (NumPy's rules).

    With several ``q`` the quantiles index the new first axis, as ``np.quantile`` returns them.
    """
    return _quantile(x, q, axis, method, keepdims, skip_nan=False, fn="quantile")


def nanquantile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """:func:`quantile` of the non-NaN entries (NaN where a slice has none)."""
    return _quantile(x, q, axis, method, keepdims, skip_nan=True, fn="nanquantile")


def _quantile(x: Any, q: Any, axis: Any, method: str, keepdims: bool, skip_nan: bool, fn: str) -> Tensor:
    if method not in _METHODS:
        raise ValueError(f"{fn}: method must be one of {_METHODS}, got {method!r}")
    x = as_tensor(x)
    qs = xp.asarray(q.data if isinstance(q, Tensor) else q, dtype=xp.float64)
    if qs.ndim > 1 or xp.any((qs < 0) | (qs > 1)):
        raise ValueError(f"{fn}: q must be a number or a 1-D list in [0, 1], got {q!r}")
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int)
                                                                                  else axis))
    # Gather the reduced axes at the end and flatten them into one, then sort along it.
    keep = [a for a in range(x.ndim) if a not in axes]
    flat = _m.reshape(_m.transpose(x, tuple(keep + list(axes))), tuple(x.shape[a] for a in keep) + (-1,))
    missing = xp.isnan(flat.data) if skip_nan else xp.zeros(flat.shape, dtype=bool)
    count = (~missing).sum(axis=-1, keepdims=True)
    if skip_nan:  # NaNs sort last as +inf and are left out of each row's count (all-NaN rows: 0, set NaN below)
        fill = xp.broadcast_to(xp.where(count > 0, xp.inf, 0.0), flat.shape).astype(flat.dtype)
        flat = _m.where(~missing, flat, Tensor(fill))
    ordered = sort(flat, axis=-1)
    pos = qs.reshape(-1) * (xp.maximum(count, 1) - 1)  # (rows..., len(q)): each row's own count
    lo, hi = xp.floor(pos).astype(xp.int64), xp.ceil(pos).astype(xp.int64)
    frac = pos - lo
    if method == "lower":
        hi = lo
    elif method == "higher":
        lo = hi
    elif method == "nearest":
        lo = hi = xp.round(pos).astype(xp.int64)  # halves to even, as NumPy
    elif method == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0)
    low, high = take_along_axis(ordered, lo, axis=-1), take_along_axis(ordered, hi, axis=-1)
    out = _m.add(low, _m.multiply(_m.subtract(high, low), Tensor(frac.astype(x.dtype))))
    if skip_nan and (count == 0).any():
        out = _m.where(xp.broadcast_to(count > 0, out.shape), out, Tensor(xp.full(out.shape, xp.nan, dtype=out.dtype)))
    out = _m.transpose(out, (out.ndim - 1,) + tuple(range(out.ndim - 1)))  # the q axis first, as NumPy
    if keepdims:
        out = _m.reshape(out, (qs.size, *[1 if a in axes else x.shape[a] for a in range(x.ndim)]))
    return _m.squeeze(out, axis=0) if qs.ndim == 0 else out


def percentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """The ``q``-th percentiles (``q`` in [0, 100]) along ``axis``."""
    qs = xp.asarray(q.data if isinstance(q, Tensor) else q, dtype=xp.float64)
    if xp.any((qs < 0) | (qs > 100)):
        raise ValueError(f"percentile: q must be in [0, 100], got {q!r}")
    return quantile(x, qs / 100, axis=axis, method=method, keepdims=keepdims)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The median along ``axis`` (the mean of the two middle entries for an even count)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def nanpercentile(x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False) -> Tensor:
    """:func:`percentile` of the non-NaN entries."""
    qs = xp.asarray(q.data if isinstance(q, Tensor) else q, dtype=xp.float64)
    if xp.any((qs < 0) | (qs > 100)):
        raise ValueError(f"nanpercentile: q must be in [0, 100], got {q!r}")
    return nanquantile(x, qs / 100, axis=axis, method=method, keepdims=keepdims)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The median of the non-NaN entries along ``axis``."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


# --- NaN-ignoring reductions ------------------------------------------------------------------------------
def _without_nan(x: Any, fill: float) -> Tensor:
    x = as_tensor(x)
    return _m.where(~xp.isnan(x.data), x, Tensor(xp.full(x.shape, fill, dtype=x.dtype)))


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum, NaNs counted as 0."""
    return _m.sum(_without_nan(x, 0.0), axis=axis, keepdims=keepdims)


def nanprod(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Product, NaNs counted as 1."""
    return _scans.prod(_without_nan(x, 1.0), axis=axis, keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean of the non-NaN entries."""
    x = as_tensor(x)
    count = (~xp.isnan(x.data)).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return _m.divide(nansum(x, axis=axis, keepdims=keepdims), Tensor(count))


def nanvar(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance of the non-NaN entries."""
    x = as_tensor(x)
    centred = _m.subtract(x, nanmean(x, axis=axis, keepdims=True))
    return nanmean(_m.square(centred), axis=axis, keepdims=keepdims)


def nanstd(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Standard deviation of the non-NaN entries."""
    return _m.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Maximum of the non-NaN entries."""
    return _m.max(_without_nan(x, -xp.inf), axis=axis, keepdims=keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Minimum of the non-NaN entries."""
    return _m.min(_without_nan(x, xp.inf), axis=axis, keepdims=keepdims)


def nancumsum(x: Any, axis: int | None = None) -> Tensor:
    """Running sum, NaNs counted as 0."""
    return _scans.cumsum(_without_nan(x, 0.0), axis=axis)


def nancumprod(x: Any, axis: int | None = None) -> Tensor:
    """Running product, NaNs counted as 1."""
    return _scans.cumprod(_without_nan(x, 1.0), axis=axis)


def nanargmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest non-NaN entry (no gradient)."""
    return Tensor(xp.nanargmax(as_tensor(x).data, axis=axis, keepdims=keepdims).astype(xp.int32))


def nanargmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest non-NaN entry (no gradient)."""
    return Tensor(xp.nanargmin(as_tensor(x).data, axis=axis, keepdims=keepdims).astype(xp.int32))


# --- differences, integrals, correlations --------------------------------------------------------------
def diff(a: Any, n: int = 1, axis: int = -1) -> Tensor:
    """The ``n``-th discrete difference along ``axis``: a[i + 1] - a[i], ``n`` times."""
    a = as_tensor(a)
    if n < 0:
        raise ValueError(f"diff: n must be >= 0, got {n}")
    ax = axis % a.ndim
    head = (builtins.slice(None),) * ax
    for _ in range(n):
        a = _m.subtract(a[head + (builtins.slice(1, None),)], a[head + (builtins.slice(None, -1),)])
    return a


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> Tensor:
    """The integral of ``y`` along ``axis`` by the trapezoid rule (sample points ``x``, or spacing ``dx``)."""
    y = as_tensor(y)
    ax = axis % y.ndim
    head = (builtins.slice(None),) * ax
    pair_sum = _m.add(y[head + (builtins.slice(1, None),)], y[head + (builtins.slice(None, -1),)])
    if x is None:
        return _m.multiply(_m.sum(pair_sum, axis=ax), 0.5 * dx)
    widths = diff(x, axis=-1 if as_tensor(x).ndim == 1 else ax)
    if widths.ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[ax] = widths.shape[0]
        widths = _m.reshape(widths, tuple(shape))
    return _m.multiply(_m.sum(_m.multiply(pair_sum, widths), axis=ax), 0.5)


def corrcoef(x: Any) -> Tensor:
    """Pearson correlation between the rows of ``x`` (variables in rows, observations in columns)."""
    x = as_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"corrcoef: x must be 1-D or 2-D, got shape {x.shape}")
    centred = _m.subtract(x, _m.mean(x, axis=-1, keepdims=True))
    cov = _m.matmul(centred, _m.transpose(centred)) if x.ndim == 2 else _m.sum(_m.square(centred))
    scale = _m.sqrt(_m.sum(_m.square(centred), axis=-1))
    if x.ndim == 1:
        return _m.divide(cov, _m.square(scale))
    return _m.divide(cov, _m.multiply(_m.reshape(scale, (-1, 1)), _m.reshape(scale, (1, -1))))


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Tensor:
    """1-D cross-correlation c[k] = sum_n x1[n + k] x2[n] (``np.correlate``: 'valid', 'same', 'full')."""
    a, v = as_tensor(x1), as_tensor(x2)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"correlate: x1 and x2 must be 1-D, got shapes {a.shape} and {v.shape}")
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    if a.shape[0] < v.shape[0]:  # NumPy swaps and reverses so the longer one slides
        from .ops_arrays import flip

        return flip(correlate(v, a, mode), axis=0)
    m = v.shape[0]
    pad = {"valid": (0, 0), "full": (m - 1, m - 1), "same": ((m - 1) // 2, m // 2)}[mode]
    from .ops_arrays import pad as _pad

    padded = _pad(a, [pad]) if pad != (0, 0) else a
    starts = xp.arange(padded.shape[0] - m + 1)
    windows = _arrays.take(padded, starts[:, None] + xp.arange(m)[None, :], axis=0)  # (positions, m)
    return _m.matmul(windows, v)


def cdist(x: Any, y: Any) -> Tensor:
    """Euclidean distances between the rows of ``x`` (..., n, d) and of ``y`` (..., m, d): shape (..., n, m)."""
    x, y = as_tensor(x), as_tensor(y)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: x and y need the same last axis, got shapes {x.shape} and {y.shape}")
    delta = _m.subtract(_m.expand_dims(x, -2), _m.expand_dims(y, -3))
    return _m.sqrt(_m.sum(_m.square(delta), axis=-1))


def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """The minimum of the rows of ``data`` that share a segment id (+inf for an empty segment)."""
    return _m.negative(segment_max(_m.negative(data), segment_ids, num_segments))


# --- counts (no gradient) -----------------------------------------------------------------------------------
def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras' name
    """``(counts, bin_edges)`` of the entries of ``x`` (NumPy's ``histogram``)."""
    counts, edges = xp.histogram(as_tensor(x).data, bins=bins, range=range)
    return Tensor(counts.astype(xp.int32)), Tensor(edges.astype(as_tensor(x).dtype))


def unique(x: Any, sorted: bool = True, return_index: bool = False, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, axis: int | None = None, size: int | None = None,
           fill_value: Any = None) -> Any:
    """The distinct entries (or slices along ``axis``), sorted; with ``size``, padded or cut to that length."""
    data = as_tensor(x).data
    out = xp.unique(data, return_index=return_index, return_inverse=return_inverse, return_counts=return_counts,
                    axis=axis)
    parts = list(out) if isinstance(out, tuple) else [out]
    if size is not None:
        values = parts[0]
        n = values.shape[0 if axis is None else axis]
        fill = values.reshape(-1)[:1] if fill_value is None else xp.asarray([fill_value], dtype=values.dtype)
        if n >= size:
            parts[0] = xp.take(values, xp.arange(size), axis=0 if axis is None else axis)
        else:
            pad_shape = list(values.shape)
            pad_shape[0 if axis is None else axis] = size - n
            parts[0] = xp.concatenate([values, xp.broadcast_to(fill, pad_shape)], axis=0 if axis is None else axis)
    result = tuple(Tensor(p) for p in parts)
    return result if len(result) > 1 else result[0]
