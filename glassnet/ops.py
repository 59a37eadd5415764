"""``keras.ops``: differentiable operations for custom layers, losses and ``call`` code.

Everything here records on a :class:`~glassnet.GradientTape` like the
built-in layers do.
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import xp
from .engine.ops.math import (
    abs,
    add,
    cast,
    clip,
    concatenate,
    divide,
    exp,
    expand_dims,
    getitem,
    log,
    log1p,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    power,
    reshape,
    sign,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    sum,
    transpose,
    where,
)
from .engine.ops.nn import (
    dense,
    dropout,
    elu,
    gelu,
    hard_sigmoid,
    leaky_relu,
    log_softmax,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    tanh,
)
from .engine.tensor import Tensor, as_tensor

swish = silu


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """An array-like as a constant tensor (floats become floatx)."""
    if isinstance(x, Tensor):
        return x
    arr = xp.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype.kind == "f":
        arr = arr.astype(backend.floatx())
    return Tensor(arr)


def convert_to_numpy(x: Any) -> Any:
    """A tensor's values as a NumPy array."""
    return backend.to_numpy(x)


def ones(shape: Any, dtype: Any = None) -> Tensor:
    """A constant tensor of ones."""
    return Tensor(xp.ones(shape, dtype=dtype or backend.floatx()))


def zeros(shape: Any, dtype: Any = None) -> Tensor:
    """A constant tensor of zeros."""
    return Tensor(xp.zeros(shape, dtype=dtype or backend.floatx()))


def shape(x: Any) -> tuple[int, ...]:
    """The shape of a tensor or array."""
    return tuple(as_tensor(x).shape)


def norm(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Euclidean norm sqrt(sum x^2) (differentiable)."""
    return sqrt(sum(square(x), axis=axis, keepdims=keepdims))


__all__ = [
    "abs", "add", "cast", "clip", "concatenate", "convert_to_numpy", "convert_to_tensor", "dense", "divide",
    "dropout", "elu", "exp", "expand_dims", "gelu", "getitem", "hard_sigmoid", "leaky_relu", "log", "log1p",
    "log_softmax", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "negative", "norm", "ones",
    "power", "relu", "reshape", "selu", "shape", "sigmoid", "sign", "silu", "softmax", "softplus", "softsign",
    "sqrt", "square", "squeeze", "stack", "stop_gradient", "subtract", "sum", "swish", "tanh", "transpose",
    "where", "zeros",
]
