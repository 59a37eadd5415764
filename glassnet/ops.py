"""``keras.ops``: differentiable operations for custom layers, losses and ``call`` code.

Everything here records on a :class:`~glassnet.GradientTape` like the
built-in layers do.
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import xp
from .engine.ops import conv as _conv
from .engine.ops import pooling as _pooling
from .engine.ops.arrays import split, take, tile
from .engine.ops.compare import (
    argmax,
    argmin,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    not_equal,
)
from .engine.ops.einsum import einsum
from .engine.ops.math import (
    abs,
    add,
    cast,
    clip,
    concatenate,
    cos,
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
    sin,
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



# --- convolutional-network operations (channels_last), with Keras' names ---------------------------
def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid", data_format: Any = None,
         dilation_rate: Any = 1) -> Tensor:
    """1-D or 2-D convolution (chosen by the rank of ``inputs``); kernel ``(k[, k], in, out)``."""
    _channels_last(data_format)
    inputs = as_tensor(inputs)
    if inputs.ndim == 3:
        return _conv.conv1d(inputs, kernel, None, strides, padding, dilation_rate)
    return _conv.conv2d(inputs, kernel, None, strides, padding, dilation_rate)


def conv_transpose(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid", output_padding: Any = None,
                   data_format: Any = None, dilation_rate: Any = 1) -> Tensor:
    """2-D transposed convolution; kernel ``(kh, kw, out, in)`` as in Keras."""
    _channels_last(data_format)
    return _conv.conv2d_transpose(inputs, kernel, None, strides, padding, output_padding, dilation_rate)


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: Any = None) -> Tensor:
    """1-D or 2-D max pooling (chosen by the rank of ``inputs``)."""
    _channels_last(data_format)
    fn = _pooling.max_pool1d if as_tensor(inputs).ndim == 3 else _pooling.max_pool2d
    return fn(inputs, pool_size, strides, padding)


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: Any = None) -> Tensor:
    """1-D or 2-D average pooling; 'same' padding leaves padded cells out of the mean."""
    _channels_last(data_format)
    fn = _pooling.avg_pool1d if as_tensor(inputs).ndim == 3 else _pooling.avg_pool2d
    return fn(inputs, pool_size, strides, padding)


def _channels_last(data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"data_format={data_format!r} is not supported: glassnet is channels_last only")


__all__ = [
    "abs", "add", "cast", "clip", "concatenate", "cos", "convert_to_numpy", "convert_to_tensor", "dense", "divide",
    "dropout", "elu", "exp", "expand_dims", "gelu", "getitem", "hard_sigmoid", "leaky_relu", "log", "log1p",
    "log_softmax", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "negative", "norm", "ones",
    "power", "relu", "reshape", "selu", "shape", "sigmoid", "sign", "sin", "silu", "softmax", "softplus", "softsign",
    "sqrt", "square", "squeeze", "stack", "stop_gradient", "subtract", "sum", "swish", "tanh", "transpose",
    "where", "zeros",
]
__all__ += ["average_pool", "conv", "conv_transpose", "max_pool"]
__all__ += ["argmax", "argmin", "equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not",
            "logical_or", "not_equal", "split", "take", "tile", "einsum"]
