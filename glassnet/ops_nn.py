"""``keras.ops`` building blocks for models: normalizations, attention, sparsemax, space/depth moves, framing.

All differentiable, written as compositions of engine primitives (their gradients come from those).
"""

from __future__ import annotations

import math as _pymath
from typing import Any

from . import backend
from .backend import xp
from .engine.ops import elementwise as _ew
from .engine.ops import math as _m
from .engine.ops import nn as _nn
from .engine.ops import scans as _scans
from .engine.ops.indexing import gather_flat
from .engine.tensor import Tensor, as_tensor

__all__ = ["batch_normalization", "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "depth_to_space", "dot_product_attention", "extract_sequences", "fmax", "fmin",
           "layer_normalization", "ldexp", "psnr", "rms_normalization", "saturate_cast", "sinc", "space_to_depth",
           "sparsemax", "vander"]


def _const(value: Any, like: Tensor) -> Tensor:
    return Tensor(xp.asarray(value, dtype=like.dtype))


def _eps(epsilon: float | None) -> float:
    return backend.epsilon() if epsilon is None else float(epsilon)


def rms_normalization(x: Any, scale: Any = None, axis: Any = -1, epsilon: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over ``axis``, times ``scale``."""
    x = as_tensor(x)
    out = _m.multiply(x, _ew.rsqrt(_m.add(_m.mean(_m.square(x), axis=axis, keepdims=True), _const(_eps(epsilon), x))))
    return out if scale is None else _m.multiply(out, scale)


def layer_normalization(x: Any, gamma: Any = None, beta: Any = None, axis: Any = -1, epsilon: float | None = None,
                        rms_scaling: bool = False, **kwargs: Any) -> Tensor:
    """(x - mean) / sqrt(var + eps) over ``axis``, times ``gamma``, plus ``beta``."""
    x = as_tensor(x)
    if rms_scaling:
        return rms_normalization(x, gamma, axis=axis, epsilon=epsilon)
    mean = _m.mean(x, axis=axis, keepdims=True)
    centred = _m.subtract(x, mean)
    var = _m.mean(_m.square(centred), axis=axis, keepdims=True)
    out = _m.multiply(centred, _ew.rsqrt(_m.add(var, _const(_eps(epsilon), x))))
    out = out if gamma is None else _m.multiply(out, gamma)
    return out if beta is None else _m.add(out, beta)


def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None, scale: Any = None,
                        epsilon: float = 1e-3) -> Tensor:
    """(x - mean) / sqrt(variance + eps) * scale + offset, with the statistics given per feature of ``axis``."""
    x = as_tensor(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def per_feature(v: Any) -> Tensor:
        return _m.reshape(v, tuple(shape))

    out = _m.multiply(_m.subtract(x, per_feature(mean)),
                      _ew.rsqrt(_m.add(per_feature(variance), _const(epsilon, x))))
    out = out if scale is None else _m.multiply(out, per_feature(scale))
    return out if offset is None else _m.add(out, per_feature(offset))


def psnr(x1: Any, x2: Any, max_val: float) -> Tensor:
    """Peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mse(x1, x2)), in dB."""
    a, b = _m._pair(x1, x2)
    if a.shape != b.shape:
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {a.shape} and {b.shape}")
    mse = _m.mean(_m.square(_m.subtract(a, b)))
    return _m.subtract(_const(20 * _pymath.log10(max_val), a), _m.multiply(_ew.log10(mse), 10.0))


def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """max(x - tau, 0) with tau chosen so the result sums to 1 (Martins & Astudillo, 2016): a sparse softmax.

    The support (which entries stay positive) is found from the sorted values and held fixed; tau is
    then the differentiable mean of the supported entries minus 1/k, which gives exactly the sparsemax
    Jacobian.
    """
    x = as_tensor(x)
    z = xp.moveaxis(x.data, axis, -1)
    desc = -xp.sort(-z, axis=-1)
    k = xp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    in_support = 1 + k * desc > xp.cumsum(desc, axis=-1)
    size = in_support.sum(axis=-1, keepdims=True)
    threshold = xp.take_along_axis(desc, size - 1, axis=-1)
    mask = Tensor(xp.moveaxis((z >= threshold).astype(x.dtype), -1, axis))
    count = Tensor(xp.moveaxis(size.astype(x.dtype), -1, axis))
    tau = _m.divide(_m.subtract(_m.sum(_m.multiply(x, mask), axis=axis, keepdims=True), 1.0), count)
    return _m.maximum(_m.subtract(x, tau), _const(0, x))


def _space_depth_args(x: Any, block_size: int, data_format: str, fn: str) -> tuple[Tensor, int]:
    x = as_tensor(x)
    if data_format != "channels_last":
        raise ValueError(f"{fn}: data_format={data_format!r} is not supported: glassnet is channels_last only")
    if x.ndim != 4 or int(block_size) < 2:
        raise ValueError(f"{fn}: x must be (batch, height, width, channels) and block_size >= 2, "
                         f"got shape {x.shape} and block_size={block_size}")
    return x, int(block_size)


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move channel blocks into ``block_size`` x ``block_size`` spatial blocks (the inverse of space_to_depth)."""
    x, b = _space_depth_args(x, block_size, data_format, "depth_to_space")
    n, h, w, c = x.shape
    if c % (b * b):
        raise ValueError(f"depth_to_space: channels ({c}) must be divisible by block_size^2 ({b * b})")
    out = _m.transpose(_m.reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
    return _m.reshape(out, (n, h * b, w * b, c // (b * b)))


def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move each ``block_size`` x ``block_size`` spatial block into the channels."""
    x, b = _space_depth_args(x, block_size, data_format, "space_to_depth")
    n, h, w, c = x.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height and width ({h}, {w}) must be divisible by block_size {b}")
    out = _m.transpose(_m.reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
    return _m.reshape(out, (n, h // b, w // b, b * b * c))


def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Tensor:
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis: (..., frames, length)."""
    x = as_tensor(x)
    n = x.shape[-1]
    if not 0 < int(sequence_length) <= n or int(sequence_stride) < 1:
        raise ValueError(f"extract_sequences: need 0 < sequence_length <= {n} and sequence_stride >= 1, "
                         f"got {sequence_length} and {sequence_stride}")
    starts = xp.arange(0, n - int(sequence_length) + 1, int(sequence_stride))
    cols = starts[:, None] + xp.arange(int(sequence_length))[None, :]
    positions = xp.arange(x.data.size).reshape(x.shape)
    return gather_flat(x, positions[..., cols])


def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None,
                          scale: float | None = None, is_causal: bool = False, flash_attention: Any = None,
                          attn_logits_soft_cap: float | None = None) -> Tensor:
    """softmax(Q K^T * scale + bias, masked) V with Keras' layout (batch, seq, heads, head_dim)."""
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"dot_product_attention: query, key and value must be (batch, seq, heads, dim), "
                         f"got {q.shape}, {k.shape}, {v.shape}")
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True needs a GPU kernel; glassnet has none")
    heads = (0, 2, 1, 3)  # to (batch, heads, seq, dim)
    qh, kh, vh = _m.transpose(q, heads), _m.transpose(k, heads), _m.transpose(v, heads)
    s = 1 / _pymath.sqrt(q.shape[-1]) if scale is None else scale
    logits = _m.multiply(_m.matmul(qh, _m.transpose(kh, (0, 1, 3, 2))), float(s))
    if bias is not None:
        logits = _m.add(logits, bias)
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = _m.multiply(_nn.tanh(_m.divide(logits, cap)), cap)
    keep = xp.ones(logits.shape, dtype=bool)
    if mask is not None:
        keep &= xp.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=bool)
    if is_causal:
        keep &= xp.tri(q.shape[1], k.shape[1], dtype=bool)
    if not keep.all():
        logits = _m.where(keep, logits, Tensor(xp.full(logits.shape, -1e9 if logits.dtype == xp.float64 else -3e4,
                                                          dtype=logits.dtype)))
    weights = _nn.softmax(logits, axis=-1)
    return _m.transpose(_m.matmul(weights, vh), heads)


def sinc(x: Any) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    x = as_tensor(x)
    zero = x.data == 0
    safe = _m.where(zero, _m.ones_like(x), x)  # keeps 0/0 out of both the value and the gradient
    px = _m.multiply(safe, _pymath.pi)
    return _m.where(zero, _m.ones_like(x), _m.divide(_m.sin(px), px))


def fmax(x1: Any, x2: Any) -> Tensor:
    """Element-wise maximum that ignores a NaN when the other value is a number."""
    a, b = _m._pair(x1, x2)
    a, b = _m.add(a, _m.zeros_like(b)), _m.add(b, _m.zeros_like(a))
    out = _m.maximum(a, b)
    out = _m.where(xp.isnan(a.data), b, out)
    return _m.where(xp.isnan(b.data) & ~xp.isnan(a.data), a, out)


def fmin(x1: Any, x2: Any) -> Tensor:
    """Element-wise minimum that ignores a NaN when the other value is a number."""
    return _m.negative(fmax(_m.negative(x1), _m.negative(x2)))


def ldexp(x1: Any, x2: Any) -> Tensor:
    """x1 * 2**x2 (``x2`` integers; the gradient flows to ``x1``)."""
    a = as_tensor(x1)
    exponent = x2.data if isinstance(x2, Tensor) else xp.asarray(x2)
    if exponent.dtype.kind not in "iu":
        raise ValueError(f"ldexp: x2 must be integers, got dtype {exponent.dtype}")
    return _m.multiply(a, Tensor(xp.ldexp(xp.ones((), dtype=a.dtype if a.dtype.kind == "f" else "float64"),
                                          exponent)))


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803 - NumPy's name
    """The Vandermonde matrix: columns x^(N-1), ..., x, 1 (or increasing powers)."""
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    if n == 0:
        return Tensor(xp.zeros((x.shape[0], 0), dtype=x.dtype))
    # Row i is 1, x_i, x_i^2, ...: a running product, exact at x = 0 (power() would differentiate 0^0).
    factors = _m.concatenate([_m.ones_like(_m.reshape(x, (-1, 1))),
                              _m.add(_m.reshape(x, (-1, 1)), Tensor(xp.zeros((1, n - 1), dtype=x.dtype)))], axis=1)
    powers = _scans.cumprod(factors, axis=1)
    if increasing:
        return powers
    from .ops_arrays import flip

    return flip(powers, axis=1)


def saturate_cast(x: Any, dtype: Any) -> Tensor:
    """Cast to ``dtype``, clipping to its range first (so 300 becomes 255 in uint8, not 44)."""
    x = as_tensor(x)
    target = xp.dtype(dtype)  # xp.dtype/finfo/iinfo: NumPy's own classes, re-exported by CuPy
    if target.kind in "iu":
        info = xp.iinfo(target)
    elif target.kind == "f":
        info = xp.finfo(target)
    else:
        raise ValueError(f"saturate_cast: dtype must be a numeric type, got {target.name!r}")
    low = max(float(info.min), float(xp.finfo(x.dtype).min)) if x.dtype.kind == "f" else info.min
    high = min(float(info.max), float(xp.finfo(x.dtype).max)) if x.dtype.kind == "f" else info.max
    return _m.cast(_m.clip(x, low, high), target)


# --- cross-entropies (Keras' ops: per-entry / per-sample, no reduction) ------------------------------
def _clipped(output: Any) -> Tensor:
    eps = backend.epsilon()
    return _m.clip(as_tensor(output), eps, 1 - eps)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Element-wise -[y log p + (1 - y) log(1 - p)] (``output`` probabilities clipped to [eps, 1 - eps])."""
    target, output = as_tensor(target), as_tensor(output)
    if target.shape != output.shape:
        raise ValueError(f"binary_crossentropy: target shape {target.shape} != output shape {output.shape}")
    if from_logits:
        return _nn.sigmoid_cross_entropy(output, _m.cast(target, output.dtype))
    p = _clipped(output)
    y = _m.cast(target, output.dtype)
    return _m.negative(_m.add(_m.multiply(y, _m.log(p)), _m.multiply(_m.subtract(1.0, y), _m.log(_m.subtract(1.0, p)))))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """Per-sample -sum y log p over ``axis``; probabilities are renormalised to sum to 1 and clipped."""
    target, output = as_tensor(target), as_tensor(output)
    if target.shape != output.shape:
        raise ValueError(f"categorical_crossentropy: target shape {target.shape} != output shape {output.shape}")
    y = _m.cast(target, output.dtype)
    if from_logits:
        return _nn.softmax_cross_entropy(output, y, axis=axis)
    p = _clipped(_m.divide(output, _m.sum(output, axis=axis, keepdims=True)))
    return _m.negative(_m.sum(_m.multiply(y, _m.log(p)), axis=axis))


def sparse_categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """Per-sample -log p[label] with integer ``target`` of ``output``'s shape less ``axis``."""
    output = as_tensor(output)
    labels = (target.data if isinstance(target, Tensor) else xp.asarray(target))
    if labels.ndim == output.ndim and labels.shape[axis] == 1:  # Keras accepts a trailing axis of 1
        labels = xp.squeeze(labels, axis=axis)
    classes = output.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"sparse_categorical_crossentropy: target must be in [0, {classes - 1}], "
                         f"got values from {labels.min()} to {labels.max()}")
    onehot = xp.moveaxis(xp.eye(classes, dtype=output.dtype)[labels.astype(xp.int64)], -1, axis)
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)
