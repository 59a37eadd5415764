"""Op samples of the convnet rooms of ``engine/ops``: conv, pooling, normalization, spatial and fused.

They join the one table (:data:`oracles.samples.SAMPLES`), so the finite-difference (float64), PyTorch
parity and float32 tests run on them like on every other op, and the coverage test in
``tests/test_op_gradients.py`` counts them.

PyTorch works in NCHW: inputs are permuted, kernels re-laid out ((kh, kw, in, out) -> (out, in, kh, kw)),
and TensorFlow's 'same' padding (the odd extra row/column at the bottom/right) is reproduced with an
explicit, possibly asymmetric ``F.pad``, computed here independently of glassnet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.engine.ops import conv, fused, normalization, pooling, spatial

from .samples import A, P, simple
from .torch_ref import F, torch

# --- TensorFlow's conventions, written out for torch -----------------------------------------------


def tf_same_pads(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding along one axis: ceil(n / s) outputs, the extra pad after."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def _nchw(x: Any) -> Any:
    return x.permute(0, 3, 1, 2)


def _nhwc(x: Any) -> Any:
    return x.permute(0, 2, 3, 1)


def _torch_pads(x_hw: tuple[int, int], window: tuple[int, int], strides: tuple[int, int], padding: Any,
                dilation: tuple[int, int] = (1, 1)) -> tuple[int, int, int, int]:
    """``F.pad``'s (left, right, top, bottom) for 'valid', 'same' or ((top, bottom), (left, right))."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        (top, bottom), (left, right) = (tf_same_pads(n, k, s, d) for n, k, s, d in zip(x_hw, window, strides, dilation))
    else:
        (top, bottom), (left, right) = padding
    return left, right, top, bottom


def torch_conv2d(strides: tuple[int, int] = (1, 1), padding: Any = "valid", dilation: tuple[int, int] = (1, 1),
                 relu: bool = False) -> Any:
    """A torch twin of ``conv.conv2d(x, w[, b], strides, padding, dilation)`` on NHWC tensors."""
    def fn(x: Any, w: Any, b: Any = None) -> Any:
        pads = _torch_pads(tuple(x.shape[1:3]), tuple(w.shape[:2]), strides, padding, dilation)
        z = F.conv2d(F.pad(_nchw(x), pads), w.permute(3, 2, 0, 1), b, stride=strides, dilation=dilation)
        return _nhwc(torch.relu(z) if relu else z)

    return fn


def torch_conv2d_transpose(strides: tuple[int, int], padding: str, output_padding: int | None = None) -> Any:
    """A torch twin of ``conv.conv2d_transpose``: the full transposed convolution, then TF's crop.

    The output size is Keras' ``deconv_output_length``; the crop at the top/left is TF's 'same' pad of
    the convolution that maps the output back to the input.
    """
    def fn(x: Any, w: Any, b: Any = None) -> Any:
        kernel = tuple(w.shape[:2])
        if output_padding is None:
            size = [n * s + max(k - s, 0) if padding == "valid" else n * s
                    for n, k, s in zip(x.shape[1:3], kernel, strides)]
        else:
            size = [(n - 1) * s + k - 2 * (k // 2 if padding == "same" else 0) + output_padding
                    for n, k, s in zip(x.shape[1:3], kernel, strides)]
        full = [(n - 1) * s + k for n, k, s in zip(x.shape[1:3], kernel, strides)]
        extra = tuple(max(L - f, 0) for L, f in zip(size, full))
        y = F.conv_transpose2d(_nchw(x), w.permute(3, 2, 0, 1), stride=strides, output_padding=extra)
        top, left = (tf_same_pads(L, k, s)[0] if padding == "same" else 0 for L, k, s in zip(size, kernel, strides))
        y = y[:, :, top:top + size[0], left:left + size[1]]
        return _nhwc(y if b is None else y + b[None, :, None, None])

    return fn


def torch_conv1d(stride: int, padding: Any, dilation: int) -> Any:
    """A torch twin of ``conv.conv1d`` on (batch, steps, channels) tensors."""
    def fn(x: Any, w: Any, b: Any) -> Any:
        pads = tf_same_pads(x.shape[1], w.shape[0], stride, dilation) if padding == "same" else padding
        xi = F.pad(x.permute(0, 2, 1), pads)
        return F.conv1d(xi, w.permute(2, 1, 0), b, stride=stride, dilation=dilation).permute(0, 2, 1)

    return fn


def torch_pool2d(kind: str, pool: tuple[int, int], strides: tuple[int, int], padding: str) -> Any:
    """A torch twin of 2-D pooling; 'same' average pooling leaves padded cells out of the count, as TF."""
    def fn(x: Any) -> Any:
        pads = _torch_pads(tuple(x.shape[1:3]), pool, strides, padding)
        xi = _nchw(x)
        if kind == "max":
            return _nhwc(F.max_pool2d(F.pad(xi, pads, value=-np.inf), pool, strides))
        total = F.avg_pool2d(F.pad(xi, pads), pool, strides, divisor_override=1)
        count = F.avg_pool2d(F.pad(torch.ones_like(xi[:1, :1]), pads), pool, strides, divisor_override=1)
        return _nhwc(total / count)

    return fn


def torch_pool1d(kind: str, pool: int, stride: int, padding: str) -> Any:
    """The 2-D twin on a height of 1."""
    twin = torch_pool2d(kind, (1, pool), (1, stride), padding)
    return lambda x: twin(x[:, None])[:, 0]


def torch_batch_norm(axis: int = -1, eps: float = 1e-3, mean: Any = None, variance: Any = None) -> Any:
    """``F.batch_norm`` with the feature axis moved to position 1 (and back)."""
    def fn(x: Any, gamma: Any = None, beta: Any = None) -> Any:
        xi = x.movedim(axis, 1)
        stats = [None if s is None else torch.tensor(s, dtype=x.dtype) for s in (mean, variance)]
        y = F.batch_norm(xi, stats[0], stats[1], gamma, beta, training=mean is None, eps=eps)
        return y.movedim(1, axis)

    return fn


# --- engine/ops/conv.py ----------------------------------------------------------------------------
simple("conv2d_valid", "conv.conv2d", conv.conv2d, torch_conv2d(), A(2, 5, 6, 3), A(3, 3, 3, 4), A(4))
simple("conv2d_same_strided_asymmetric", "conv.conv2d",
       lambda x, w, b: conv.conv2d(x, w, b, strides=(2, 1), padding="same"),
       torch_conv2d((2, 1), "same"), A(2, 6, 5, 2), A(3, 2, 2, 3), A(3))
simple("conv2d_dilated_same", "conv.conv2d", lambda x, w, b: conv.conv2d(x, w, b, padding="same", dilation_rate=2),
       torch_conv2d(padding="same", dilation=(2, 2)), A(1, 6, 7, 2), A(3, 2, 2, 2), A(2))
simple("conv2d_explicit_padding_no_bias", "conv.conv2d",
       lambda x, w: conv.conv2d(x, w, padding=((1, 0), (2, 1)), strides=2),
       torch_conv2d((2, 2), ((1, 0), (2, 1))), A(2, 5, 5, 2), A(2, 3, 2, 3))
# Eight channels or more with unit strides: the column matrix is one copy of a sliding-window view.
simple("conv2d_many_channels", "conv.conv2d", conv.conv2d, torch_conv2d(), A(1, 5, 4, 8), A(3, 2, 8, 2), A(2))
simple("conv2d_fused_relu", "conv.conv2d", lambda x, w, b: conv.conv2d(x, w, b, padding="same", fuse_relu=True),
       torch_conv2d(padding="same", relu=True), A(2, 4, 5, 2), A(3, 3, 2, 3), A(3))
simple("conv1d_same_strided", "conv.conv1d", lambda x, w, b: conv.conv1d(x, w, b, strides=2, padding="same"),
       torch_conv1d(2, "same", 1), A(2, 9, 3), A(3, 3, 4), A(4))
# Conv1D(padding="causal") pads d (k - 1) steps in front only.
simple("conv1d_causal_dilated", "conv.conv1d", lambda x, w, b: conv.conv1d(x, w, b, padding=(4, 0), dilation_rate=2),
       torch_conv1d(1, (4, 0), 2), A(2, 8, 2), A(3, 2, 3), A(3))
simple("conv2d_transpose_valid", "conv.conv2d_transpose", lambda x, w, b: conv.conv2d_transpose(x, w, b, strides=2),
       torch_conv2d_transpose((2, 2), "valid"), A(2, 3, 4, 3), A(3, 3, 2, 3), A(2))
simple("conv2d_transpose_same_strides_2_1", "conv.conv2d_transpose",
       lambda x, w: conv.conv2d_transpose(x, w, strides=(2, 1), padding="same"),
       torch_conv2d_transpose((2, 1), "same"), A(1, 3, 4, 2), A(3, 2, 2, 2))
simple("conv2d_transpose_output_padding", "conv.conv2d_transpose",
       lambda x, w, b: conv.conv2d_transpose(x, w, b, strides=2, padding="same", output_padding=1),
       torch_conv2d_transpose((2, 2), "same", 1), A(2, 3, 3, 2), A(3, 3, 3, 2), A(3))


# --- engine/ops/pooling.py -------------------------------------------------------------------------
simple("max_pool2d_2x2", "pooling.max_pool2d", pooling.max_pool2d, torch_pool2d("max", (2, 2), (2, 2), "valid"),
       A(2, 4, 6, 3))
simple("max_pool2d_2x2_odd_size", "pooling.max_pool2d", pooling.max_pool2d,  # the last row/column is dropped
       torch_pool2d("max", (2, 2), (2, 2), "valid"), A(2, 5, 7, 2))
simple("max_pool2d_overlapping_same", "pooling.max_pool2d", lambda x: pooling.max_pool2d(x, 3, 1, "same"),
       torch_pool2d("max", (3, 3), (1, 1), "same"), A(2, 5, 4, 2))
simple("max_pool2d_strides_beyond_window", "pooling.max_pool2d", lambda x: pooling.max_pool2d(x, (2, 3), (3, 2), "same"),
       torch_pool2d("max", (2, 3), (3, 2), "same"), A(2, 5, 6, 2))
simple("avg_pool2d_2x2", "pooling.avg_pool2d", pooling.avg_pool2d, torch_pool2d("avg", (2, 2), (2, 2), "valid"),
       A(2, 4, 6, 3))
simple("avg_pool2d_overlapping_same", "pooling.avg_pool2d", lambda x: pooling.avg_pool2d(x, 3, 2, "same"),
       torch_pool2d("avg", (3, 3), (2, 2), "same"), A(2, 6, 5, 2))
simple("max_pool1d", "pooling.max_pool1d", pooling.max_pool1d, torch_pool1d("max", 2, 2, "valid"), A(2, 7, 3))
simple("max_pool1d_same", "pooling.max_pool1d", lambda x: pooling.max_pool1d(x, 3, 2, "same"),
       torch_pool1d("max", 3, 2, "same"), A(2, 8, 2))
simple("avg_pool1d_same", "pooling.avg_pool1d", lambda x: pooling.avg_pool1d(x, 3, 2, "same"),
       torch_pool1d("avg", 3, 2, "same"), A(2, 8, 2))


# --- engine/ops/normalization.py -------------------------------------------------------------------
simple("batch_norm_training_nhwc", "normalization.batch_norm",
       lambda x, g, b: normalization.batch_norm(x, g, b)[0], torch_batch_norm(), A(4, 3, 2, 3), A(3), A(3))
simple("batch_norm_training_axis1_no_scale", "normalization.batch_norm",
       lambda x: normalization.batch_norm(x, None, None, axis=1, epsilon=0.01)[0],
       torch_batch_norm(axis=1, eps=0.01), A(3, 4, 5))
_MEAN, _VAR = np.array([0.3, -0.2, 1.1]), np.array([0.5, 2.0, 1.3])
simple("batch_norm_inference", "normalization.batch_norm",
       lambda x, g, b: normalization.batch_norm(x, g, b, mean=_MEAN, variance=_VAR)[0],
       torch_batch_norm(mean=_MEAN, variance=_VAR), A(5, 3), A(3), A(3))


# --- engine/ops/spatial.py -------------------------------------------------------------------------
simple("upsample2d", "spatial.upsample2d", lambda x: spatial.upsample2d(x, (2, 3)),
       lambda x: x.repeat_interleave(2, dim=1).repeat_interleave(3, dim=2), A(2, 3, 2, 2))
simple("resize_bilinear_up", "spatial.resize_bilinear", lambda x: spatial.resize_bilinear(x, (5, 7)),
       lambda x: _nhwc(F.interpolate(_nchw(x), size=(5, 7), mode="bilinear", align_corners=False)), A(2, 3, 4, 2))
simple("resize_bilinear_down", "spatial.resize_bilinear", lambda x: spatial.resize_bilinear(x, (4, 3)),
       lambda x: _nhwc(F.interpolate(_nchw(x), size=(4, 3), mode="bilinear", align_corners=False)), A(1, 6, 5, 2))
simple("pad2d", "spatial.pad2d", lambda x: spatial.pad2d(x, ((1, 2), (0, 3))),
       lambda x: F.pad(x, (0, 0, 0, 3, 1, 2)), A(2, 3, 2, 2))
simple("crop2d", "spatial.crop2d", lambda x: spatial.crop2d(x, ((1, 0), (2, 1))),
       lambda x: x[:, 1:, 2:-1, :], A(2, 4, 6, 2))


# --- engine/ops/fused.py ---------------------------------------------------------------------------
def _separate(strides: tuple[int, int] = (1, 1), padding: Any = "valid", dilation: tuple[int, int] = (1, 1)) -> Any:
    """max_pool2d(relu(conv2d(...)), 2) in torch."""
    conv_relu = torch_conv2d(strides, padding, dilation, relu=True)
    return lambda x, w, b=None: _nhwc(F.max_pool2d(_nchw(conv_relu(x, w, b)), 2))


simple("fused_conv_relu_pool", "fused.conv2d_relu_max_pool", fused.conv2d_relu_max_pool, _separate(),
       A(2, 6, 7, 3), A(3, 3, 3, 4), A(4))
simple("fused_same_odd_output", "fused.conv2d_relu_max_pool",  # conv output 5x5: the last row/column is dropped
       lambda x, w, b: fused.conv2d_relu_max_pool(x, w, b, padding="same"), _separate(padding="same"),
       A(2, 5, 5, 2), A(3, 2, 2, 3), A(3))
simple("fused_strided_dilated_no_bias", "fused.conv2d_relu_max_pool",
       lambda x, w: fused.conv2d_relu_max_pool(x, w, strides=2, padding="same", dilation_rate=1),
       _separate((2, 2), "same"), A(1, 9, 8, 2), A(3, 3, 2, 2))
simple("fused_dilated", "fused.conv2d_relu_max_pool",
       lambda x, w, b: fused.conv2d_relu_max_pool(x, w, b, dilation_rate=2),
       _separate(dilation=(2, 2)), A(1, 8, 9, 2), A(2, 2, 2, 2), P(2))
