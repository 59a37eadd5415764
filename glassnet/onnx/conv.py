"""Converters for convolutions, pooling and the spatial layers.

glassnet is channels-last (N, H, W, C) while ONNX's Conv, ConvTranspose and pooling ops read
channels-first (N, C, H, W): each such layer is wrapped in a Transpose pair.  Layers that only
reduce or pad (GlobalPooling, ZeroPadding2D, Cropping2D, UpSampling2D) work on NHWC directly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..layers import convolutional, pooling, spatial
from .core import activation
from .graph import GraphBuilder, converts, unsupported, weight


def _channels_last(layer: Any) -> bool:
    return getattr(layer, "data_format", "channels_last") != "channels_first"


def _to_nchw(b: GraphBuilder, layer: Any, x: str, rank: int) -> str:
    if not _channels_last(layer):
        return x
    return b.op("Transpose", [x], layer.name, perm=[0, rank + 1, *range(1, rank + 1)])


def _to_nhwc(b: GraphBuilder, layer: Any, x: str, rank: int) -> str:
    if not _channels_last(layer):
        return x
    return b.op("Transpose", [x], layer.name, perm=[0, *range(2, rank + 2), 1])


def _spatial(layer: Any, shape: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(shape[1:-1]) if _channels_last(layer) else tuple(shape[2:])


def _pads(layer: Any, in_shape: tuple[Any, ...], kernel: tuple[int, ...], strides: tuple[int, ...],
          dilation: tuple[int, ...]) -> dict[str, Any]:
    """ONNX padding attributes for Keras' 'valid', 'same' (extra zero at the end, as TensorFlow) and 'causal'."""
    rank = len(kernel)
    if layer.padding == "valid":
        return {"pads": [0] * (2 * rank)}
    if layer.padding == "causal":
        return {"pads": [dilation[0] * (kernel[0] - 1), 0]}
    sizes = _spatial(layer, in_shape)
    if any(n is None for n in sizes):
        return {"auto_pad": "SAME_UPPER"}
    before, after = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return {"pads": before + after}


@converts(convolutional.Conv1D, convolutional.Conv2D)
def conv(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    rank = layer.rank
    kernel = weight(layer.kernel)  # (k..., in / groups, out) -> ONNX (out, in / groups, k...)
    w = np.transpose(kernel, (rank + 1, rank, *range(rank)))
    args = [_to_nchw(b, layer, inputs[0], rank), b.const(w, f"{layer.name}_kernel")]
    if layer.use_bias:
        args.append(b.const(weight(layer.bias), f"{layer.name}_bias"))
    pads = _pads(layer, node.parents[0].shape, layer.kernel_size, layer.strides, layer.dilation_rate)
    y = b.op("Conv", args, layer.name, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), group=int(layer.groups or 1), **pads)
    return [activation(b, layer.activation, _to_nhwc(b, layer, y, rank), layer.name, layer)]


@converts(convolutional.Conv2DTranspose)
def conv_transpose(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    kernel = weight(layer.kernel)  # (kh, kw, out, in) -> ONNX (in, out, kh, kw)
    args = [_to_nchw(b, layer, inputs[0], 2), b.const(np.transpose(kernel, (3, 2, 0, 1)), f"{layer.name}_kernel")]
    if layer.use_bias:
        args.append(b.const(weight(layer.bias), f"{layer.name}_bias"))
    sizes_in = _spatial(layer, node.parents[0].shape)
    sizes_out = _spatial(layer, node.outputs[0].shape)
    if any(n is None for n in sizes_in + sizes_out):
        raise unsupported(layer, "transposed convolutions are exported for known spatial sizes only")
    # ONNX: out = s (n - 1) + output_padding + d (k - 1) + 1 - pads; solve for the pads (cropping the
    # start by half, as TensorFlow's 'same'), or for output_padding when Keras' output is larger.
    pads_begin, pads_end, extra = [], [], []
    for n, out, k, s, d in zip(sizes_in, sizes_out, layer.kernel_size, layer.strides, layer.dilation_rate):
        total = s * (n - 1) + d * (k - 1) + 1 - out
        pads_begin.append(max(total, 0) // 2)
        pads_end.append(max(total, 0) - max(total, 0) // 2)
        extra.append(max(-total, 0))
    y = b.op("ConvTranspose", args, layer.name, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
             dilations=list(layer.dilation_rate), pads=pads_begin + pads_end, output_padding=extra)
    return [activation(b, layer.activation, _to_nhwc(b, layer, y, 2), layer.name, layer)]


@converts(pooling._Pooling)
def pool(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    rank = layer.rank
    op_type = "MaxPool" if "Max" in type(layer).__name__ else "AveragePool"
    pads = _pads(layer, node.parents[0].shape, layer.pool_size, layer.strides, (1,) * rank)
    # Keras averages over the window's real inputs only (count_include_pad=0, ONNX's default).
    y = b.op(op_type, [_to_nchw(b, layer, inputs[0], rank)], layer.name, kernel_shape=list(layer.pool_size),
             strides=list(layer.strides), **pads)
    return [_to_nhwc(b, layer, y, rank)]


@converts(pooling._GlobalPooling)
def global_pool(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    rank = layer.rank
    axes = list(range(1, rank + 1)) if _channels_last(layer) else list(range(2, rank + 2))
    op_type = "ReduceMax" if "Max" in type(layer).__name__ else "ReduceMean"
    return [b.op(op_type, inputs[:1], layer.name, axes=axes, keepdims=int(bool(layer.keepdims)))]


def _hw_axes(layer: Any) -> tuple[int, int]:
    return (1, 2) if _channels_last(layer) else (2, 3)


@converts(spatial.ZeroPadding2D)
def zero_padding(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    (top, bottom), (left, right) = layer.padding
    begin, end = [0, 0, 0, 0], [0, 0, 0, 0]
    h, w = _hw_axes(layer)
    begin[h], begin[w], end[h], end[w] = top, left, bottom, right
    return [b.op("Pad", [inputs[0], b.ints(begin + end, "pads")], layer.name, mode="constant")]


@converts(spatial.Cropping2D)
def cropping(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    (top, bottom), (left, right) = layer.cropping
    h, w = _hw_axes(layer)
    big = np.iinfo(np.int64).max
    # A negative end counts from the end; a zero crop at the end means "to the end".
    ends = [-bottom if bottom else big, -right if right else big]
    return [b.op("Slice", [inputs[0], b.ints([top, left], "starts"), b.ints(ends, "ends"), b.ints([h, w], "axes")],
                 layer.name)]


@converts(spatial.UpSampling2D)
def upsampling(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    if layer.interpolation != "nearest":
        raise unsupported(layer, f"interpolation={layer.interpolation!r} (only 'nearest' is exported)")
    shape = tuple(node.parents[0].shape)
    if any(n is None for n in shape[1:]):
        raise unsupported(layer, "upsampling is exported for known spatial sizes only")
    h, w = _hw_axes(layer)
    sh, sw = layer.size
    # Nearest-neighbour repeat without Resize: (N, H, 1, W, 1, C) broadcast to (N, H, sh, W, sw, C).
    split = [0, *shape[1:]]
    split.insert(w + 1, 1)
    split.insert(h + 1, 1)
    reps = [1] * 6
    reps[h + 1], reps[w + 2] = sh, sw
    y = b.op("Reshape", [inputs[0], b.ints(split)], layer.name)
    y = b.op("Expand", [y, b.ints(reps)], layer.name)
    out = [0, *shape[1:]]
    out[h], out[w] = shape[h] * sh, shape[w] * sw
    return [b.op("Reshape", [y, b.ints(out)], layer.name)]
