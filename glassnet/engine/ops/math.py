"""Primitive arithmetic, reduction and shape operations.

Each function computes its forward value and defines, right below it, the
``backward`` closure that maps the gradient of the output ``g`` to the
gradients of the inputs (the chain rule for that one operation).
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, record


def _unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` back down to ``shape``: the gradient of NumPy broadcasting.

    A value broadcast along an axis was used once per position on that axis,
    so its gradient is the sum over that axis.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _operand(value: Any, like: Tensor | None = None) -> Tensor:
    """Turn a Python number into a tensor of the other operand's dtype (so float32 stays float32)."""
    if isinstance(value, Tensor):
        return value
    if like is not None and not hasattr(value, "dtype"):
        return Tensor(xp.asarray(value, dtype=like.dtype))
    return as_tensor(value)


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, _operand(b, a)
    b = _operand(b)
    return _operand(a, b), b


# --- element-wise binary ---------------------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    """z = a + b.   dz/da = 1, dz/db = 1."""
    a, b = _pair(a, b)

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g, a.shape), _unbroadcast(g, b.shape)

    return record(a.data + b.data, (a, b), backward)


def subtract(a: Any, b: Any) -> Tensor:
    """z = a - b.   dz/da = 1, dz/db = -1."""
    a, b = _pair(a, b)

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g, a.shape), _unbroadcast(-g, b.shape)

    return record(a.data - b.data, (a, b), backward)


def multiply(a: Any, b: Any) -> Tensor:
    """z = a * b.   dz/da = b, dz/db = a."""
    a, b = _pair(a, b)

    def backward(g: Any) -> tuple[Any, Any]:
        ga = _unbroadcast(g * b.data, a.shape) if a.requires_grad else None
        gb = _unbroadcast(g * a.data, b.shape) if b.requires_grad else None
        return ga, gb

    return record(a.data * b.data, (a, b), backward)


def divide(a: Any, b: Any) -> Tensor:
    """z = a / b.   dz/da = 1/b, dz/db = -a/b^2."""
    a, b = _pair(a, b)
    out = a.data / b.data

    def backward(g: Any) -> tuple[Any, Any]:
        ga = _unbroadcast(g / b.data, a.shape) if a.requires_grad else None
        gb = _unbroadcast(-g * out / b.data, b.shape) if b.requires_grad else None
        return ga, gb

    return record(out, (a, b), backward)


def power(a: Any, b: Any) -> Tensor:
    """z = a ** b.   dz/da = b a^(b-1), dz/db = a^b ln a."""
    a, b = _pair(a, b)
    out = a.data**b.data

    def backward(g: Any) -> tuple[Any, Any]:
        ga = _unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            safe_log = xp.log(xp.where(a.data > 0, a.data, 1))
            gb = _unbroadcast(g * out * safe_log, b.shape)
        return ga, gb

    return record(out, (a, b), backward)


def maximum(a: Any, b: Any) -> Tensor:
    """z = max(a, b).  The gradient goes to the larger input (to ``a`` on ties)."""
    a, b = _pair(a, b)
    pick_a = a.data >= b.data

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g * pick_a, a.shape), _unbroadcast(g * ~pick_a, b.shape)

    return record(xp.maximum(a.data, b.data), (a, b), backward)


def minimum(a: Any, b: Any) -> Tensor:
    """z = min(a, b).  The gradient goes to the smaller input (to ``a`` on ties)."""
    a, b = _pair(a, b)
    pick_a = a.data <= b.data

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g * pick_a, a.shape), _unbroadcast(g * ~pick_a, b.shape)

    return record(xp.minimum(a.data, b.data), (a, b), backward)


def matmul(a: Any, b: Any) -> Tensor:
    """Z = A @ B.   dC/dA = G @ B^T,   dC/dB = A^T @ G  (batched over leading axes)."""
    a, b = _pair(a, b)
    if a.ndim < 1 or b.ndim < 1:
        raise ValueError(f"matmul: both operands need at least 1 axis, got {a.shape} and {b.shape}")

    def backward(g: Any) -> tuple[Any, Any]:
        ad, bd = a.data, b.data
        if ad.ndim == 1 and bd.ndim == 1:  # inner product: g is a scalar
            return (g * bd if a.requires_grad else None), (g * ad if b.requires_grad else None)
        if ad.ndim == 1:
            ad = ad[None, :]
            g = g[..., None, :]
        if bd.ndim == 1:
            bd = bd[:, None]
            g = g[..., None]
        ga = gb = None
        if a.requires_grad:
            ga = _unbroadcast(g @ xp.swapaxes(bd, -1, -2), ad.shape).reshape(a.shape)
        if b.requires_grad:
            gb = _unbroadcast(xp.swapaxes(ad, -1, -2) @ g, bd.shape).reshape(b.shape)
        return ga, gb

    return record(a.data @ b.data, (a, b), backward)


# --- element-wise unary ----------------------------------------------------------------------
def negative(a: Any) -> Tensor:
    """z = -a."""
    a = as_tensor(a)
    return record(-a.data, (a,), lambda g: (-g,))


def abs(a: Any) -> Tensor:  # noqa: A001 - mirrors numpy's name
    """z = |a|.   dz/da = sign(a)  (0 at 0)."""
    a = as_tensor(a)
    return record(xp.abs(a.data), (a,), lambda g: (g * xp.sign(a.data),))


def sign(a: Any) -> Tensor:
    """z = sign(a).  Piecewise constant: gradient 0."""
    a = as_tensor(a)
    return record(xp.sign(a.data), (a,), lambda g: (xp.zeros_like(g),))


def square(a: Any) -> Tensor:
    """z = a^2.   dz/da = 2a."""
    a = as_tensor(a)
    return record(a.data * a.data, (a,), lambda g: (2 * g * a.data,))


def sqrt(a: Any) -> Tensor:
    """z = sqrt(a).   dz/da = 1 / (2 sqrt(a))."""
    a = as_tensor(a)
    out = xp.sqrt(a.data)
    return record(out, (a,), lambda g: (g / (2 * out),))


def exp(a: Any) -> Tensor:
    """z = e^a.   dz/da = e^a."""
    a = as_tensor(a)
    out = xp.exp(a.data)
    return record(out, (a,), lambda g: (g * out,))


def sin(a: Any) -> Tensor:
    """z = sin(a).   dz/da = cos(a)."""
    a = as_tensor(a)
    return record(xp.sin(a.data), (a,), lambda g: (g * xp.cos(a.data),))


def cos(a: Any) -> Tensor:
    """z = cos(a).   dz/da = -sin(a)."""
    a = as_tensor(a)
    return record(xp.cos(a.data), (a,), lambda g: (-g * xp.sin(a.data),))


def log(a: Any) -> Tensor:
    """z = ln a.   dz/da = 1/a."""
    a = as_tensor(a)
    return record(xp.log(a.data), (a,), lambda g: (g / a.data,))


def log1p(a: Any) -> Tensor:
    """z = ln(1 + a).   dz/da = 1/(1 + a)."""
    a = as_tensor(a)
    return record(xp.log1p(a.data), (a,), lambda g: (g / (1 + a.data),))


def clip(a: Any, low: float, high: float) -> Tensor:
    """z = min(max(a, low), high).  Gradient 1 inside [low, high], 0 where clipped."""
    a = as_tensor(a)
    inside = (a.data >= low) & (a.data <= high)
    return record(xp.clip(a.data, low, high), (a,), lambda g: (g * inside,))


def cast(a: Any, dtype: Any) -> Tensor:
    """Convert to ``dtype``; the gradient is converted back."""
    a = as_tensor(a)
    src = a.dtype
    return record(a.data.astype(dtype), (a,), lambda g: (g.astype(src),))


def stop_gradient(a: Any) -> Tensor:
    """Return the values of ``a`` as a constant: no gradient flows back through it."""
    return Tensor(as_tensor(a).data)


# --- reductions ------------------------------------------------------------------------------
def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(ax % ndim for ax in axis)


def _restore_axes(g: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Re-insert reduced axes so ``g`` broadcasts against the input."""
    if keepdims:
        return g
    for ax in sorted(axes):
        g = xp.expand_dims(g, ax)
    return g


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """z = sum over axis.   dz/da = 1 for every summed element."""
    a = as_tensor(a)
    axes = _axes(axis, a.ndim)

    def backward(g: Any) -> tuple[Any]:
        return (xp.broadcast_to(_restore_axes(g, axes, keepdims), a.shape),)

    return record(a.data.sum(axis=axes, keepdims=keepdims), (a,), backward)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """z = mean over axis.   dz/da = 1/n for each of the n averaged elements."""
    a = as_tensor(a)
    axes = _axes(axis, a.ndim)
    count = 1
    for ax in axes:
        count *= a.shape[ax]

    def backward(g: Any) -> tuple[Any]:
        # n as a's dtype: NumPy 1 turns float32 / Python int into float64 when both are 0-d
        share = g / a.data.dtype.type(count)
        if len(axes) == a.ndim and not keepdims:  # the mean of everything (a loss): one value for all
            return (xp.full(a.shape, share),)
        return (xp.broadcast_to(_restore_axes(share, axes, keepdims), a.shape),)

    data = a.data
    if data.dtype.kind == "f" and data.dtype.itemsize >= 4 and 0 < count <= 1 << 24:
        # ndarray.mean's own steps (sum, then divide by n) without its Python-level wrapper: the same
        # correctly rounded quotient while n is exact in the dtype
        value = data.sum(axis=axes, keepdims=keepdims) / data.dtype.type(count)
    else:  # float16 (NumPy sums it in float32), integers, booleans
        value = data.mean(axis=axes, keepdims=keepdims)
    return record(value, (a,), backward)


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """z = max over axis.  The gradient is shared equally by the entries equal to the max."""
    a = as_tensor(a)
    axes = _axes(axis, a.ndim)
    out = a.data.max(axis=axes, keepdims=True)

    def backward(g: Any) -> tuple[Any]:
        # The share as a's dtype: dividing a bool mask by an integer count would promote to float64.
        share = (a.data == out).astype(a.dtype)
        share /= share.sum(axis=axes, keepdims=True)
        return (_restore_axes(g, axes, keepdims) * share,)

    return record(out if keepdims else out.squeeze(axis=axes), (a,), backward)


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """z = min over axis; the gradient is shared by the entries equal to the min."""
    return negative(max(negative(a), axis=axis, keepdims=keepdims))


# --- shape -----------------------------------------------------------------------------------
def reshape(a: Any, shape: tuple[int, ...]) -> Tensor:
    """Same values, new shape.  The gradient is reshaped back."""
    a = as_tensor(a)
    return record(a.data.reshape(shape), (a,), lambda g: (g.reshape(a.shape),))


def transpose(a: Any, axes: tuple[int, ...] | None = None) -> Tensor:
    """Permute axes.  The gradient is permuted by the inverse permutation."""
    a = as_tensor(a)
    # Normalise negative axes first: argsort of (-1, 0, 1) would not be the inverse permutation.
    inverse = None if axes is None else tuple(int(i) for i in xp.argsort([ax % a.ndim for ax in axes]))
    return record(xp.transpose(a.data, axes), (a,), lambda g: (xp.transpose(g, inverse),))


def expand_dims(a: Any, axis: int) -> Tensor:
    """Insert an axis of length 1."""
    a = as_tensor(a)
    return record(xp.expand_dims(a.data, axis), (a,), lambda g: (g.reshape(a.shape),))


def squeeze(a: Any, axis: Any = None) -> Tensor:
    """Remove axes of length 1."""
    a = as_tensor(a)
    return record(xp.squeeze(a.data, axis=axis), (a,), lambda g: (g.reshape(a.shape),))


def getitem(a: Any, index: Any) -> Tensor:
    """z = a[index].  The gradient scatters back into a zero array (repeated indices add up)."""
    a = as_tensor(a)
    if isinstance(index, Tensor):
        index = index.data

    parts = index if isinstance(index, tuple) else (index,)
    basic = all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)

    def backward(g: Any) -> tuple[Any]:
        grad = xp.zeros(a.shape, dtype=g.dtype)
        if basic:  # slices and ints never select an element twice: a plain assignment
            grad[index] = g
        else:  # integer/boolean arrays may repeat an index: add.at sums the repeats
            backend.scatter_add(grad, index, g)
        return (grad,)

    return record(a.data[index], (a,), backward)


def concatenate(tensors: list[Any], axis: int = -1) -> Tensor:
    """Join tensors along ``axis``; the gradient is split back at the same boundaries."""
    parts = [as_tensor(t) for t in tensors]
    ax = axis % parts[0].ndim
    bounds = xp.cumsum([p.shape[ax] for p in parts])[:-1]

    def backward(g: Any) -> list[Any]:
        return xp.split(g, bounds, axis=ax)

    return record(xp.concatenate([p.data for p in parts], axis=ax), tuple(parts), backward)


def stack(tensors: list[Any], axis: int = 0) -> Tensor:
    """Stack tensors along a new axis; the gradient is unstacked."""
    parts = [as_tensor(t) for t in tensors]
    out = xp.stack([p.data for p in parts], axis=axis)
    ax = axis % out.ndim

    def backward(g: Any) -> list[Any]:
        return [xp.take(g, i, axis=ax) for i in range(len(parts))]

    return record(out, tuple(parts), backward)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """z = a where condition else b.  Each input gets the gradient where it was chosen."""
    cond = condition.data if isinstance(condition, Tensor) else xp.asarray(condition)
    a, b = _pair(a, b)

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g * cond, a.shape), _unbroadcast(g * ~cond, b.shape)

    return record(xp.where(cond, a.data, b.data), (a, b), backward)


def zeros_like(a: Any) -> Tensor:
    """A constant tensor of zeros shaped like ``a``."""
    return Tensor(xp.zeros_like(as_tensor(a).data))


def ones_like(a: Any) -> Tensor:
    """A constant tensor of ones shaped like ``a``."""
    return Tensor(xp.ones_like(as_tensor(a).data))


def constant(value: Any, dtype: Any = None) -> Tensor:
    """A constant tensor (``floatx`` unless ``dtype`` says otherwise)."""
    return Tensor(xp.asarray(value, dtype=dtype or backend.floatx()))
