"""``keras.ops``: differentiable operations for custom layers, losses and ``call`` code.

Everything here records on a :class:`~glassnet.GradientTape` like the
built-in layers do.  This module holds the core ops and Keras' signatures for them; the rest
come from one module per job: ``ops_math`` (element-wise maths, statistics, products, activations),
``ops_arrays`` (flip, pad, sort, slice, scatter, segments...), ``ops_stats`` (quantiles, NaN-reductions),
``ops_linalg``, ``ops_fourier`` (fft on (real, imag) pairs, stft), ``ops_nn`` (normalizations, attention,
cross-entropies), ``ops_control`` (cond, loops, scan, vectorize, custom_gradient) and ``ops_numpy``
(creation, tests and integer ops, which have no gradient).
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import xp
from .engine.ops import conv as _conv
from .engine.ops import math as _math
from .engine.ops import nn as _nn
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
)
from .engine.ops.nn import (
    dense,
    dropout,
    elu,
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
from .ops_arrays import *  # noqa: F403 - flip, roll, pad, sort, slice, scatter, ...
from .ops_arrays import __all__ as _arrays_all
from .ops_control import *  # noqa: F403 - cond, fori_loop, while_loop, scan, ...
from .ops_control import __all__ as _control_all
from .ops_fourier import *  # noqa: F403 - fft, fft2, ifft2, rfft, irfft on (real, imag) pairs
from .ops_fourier import __all__ as _fourier_all
from .ops_linalg import *  # noqa: F403 - inv, det, solve, cholesky, ...
from .ops_linalg import __all__ as _linalg_all
from .ops_math import *  # noqa: F403 - trigonometry, erf, cumsum, logsumexp, norm, moments, cross-entropies, ...
from .ops_math import __all__ as _math_all
from .ops_nn import *  # noqa: F403 - normalizations, dot_product_attention, sparsemax, depth_to_space, ...
from .ops_nn import __all__ as _nn_all
from .ops_numpy import *  # noqa: F403 - arange, eye, one_hot, isnan, floor, argsort, ... (no gradient)
from .ops_numpy import __all__ as _numpy_all
from .ops_stats import *  # noqa: F403 - quantile, median, nan-reductions, diff, histogram, ...
from .ops_stats import __all__ as _stats_all

swish = silu


# --- Keras' signatures where they differ from the engine primitives' (names, defaults) ------------------------
def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """min(max(x, x_min), x_max); gradient 1 inside the range, 0 where clipped."""
    return _math.clip(x, x_min, x_max)


def concatenate(xs: Any, axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (Keras' default: the first)."""
    return _math.concatenate(list(xs), axis=axis)


def reshape(x: Any, newshape: Any) -> Tensor:
    """The same values in shape ``newshape`` (one entry may be -1)."""
    return _math.reshape(x, (newshape,) if isinstance(newshape, int) else tuple(newshape))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    """``x1`` where ``condition`` else ``x2``; with neither, the indices of the true entries (``nonzero``)."""
    if x1 is None and x2 is None:
        from .ops_numpy import nonzero

        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    return _math.where(condition, x1, x2)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """GELU; ``keras.ops.gelu`` defaults to the tanh approximation (the activation to the exact erf form)."""
    return _nn.gelu(x, approximate=approximate)


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None, ragged: Any = None) -> Tensor:
    """An array-like as a constant tensor (floats become floatx)."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported (glassnet's are dense)")
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
    "log_softmax", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "negative", "ones",
    "power", "relu", "reshape", "selu", "shape", "sigmoid", "sign", "sin", "silu", "softmax", "softplus", "softsign",
    "sqrt", "square", "squeeze", "stack", "stop_gradient", "subtract", "sum", "swish", "tanh", "transpose",
    "where", "zeros",
]
__all__ += ["average_pool", "conv", "conv_transpose", "max_pool"]
__all__ += ["argmax", "argmin", "equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_not",
            "logical_or", "not_equal", "split", "take", "tile", "einsum"]
__all__ += _arrays_all + _control_all + _fourier_all + _linalg_all + _math_all + _nn_all + _numpy_all + _stats_all


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
