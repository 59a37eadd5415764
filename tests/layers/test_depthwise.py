"""DepthwiseConv2D: PyTorch parity (conv2d with groups=channels), finite differences, Keras' layout.

PyTorch is NCHW with the kernel (C M, 1, kh, kw): glassnet's (kh, kw, C, M) kernel is permuted to
it; TensorFlow's 'same' padding (odd extra pad after) is an explicit F.pad.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from glassnet import layers
from glassnet.engine.tensor import GradientTape, Variable
from glassnet.layers.depthwise import depthwise_conv2d


def tf_same_pads(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def torch_depthwise(x, w, b, strides, padding, dilation):
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    kh, kw, c, m = w.shape
    inp = xt.permute(0, 3, 1, 2)
    if padding == "same":
        pt, pb = tf_same_pads(x.shape[1], kh, strides[0], dilation[0])
        pl, pr = tf_same_pads(x.shape[2], kw, strides[1], dilation[1])
        inp = F.pad(inp, (pl, pr, pt, pb))
    kernel = wt.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)  # output channel c M + m
    out = F.conv2d(inp, kernel, bt, stride=strides, dilation=dilation, groups=c).permute(0, 2, 3, 1)
    return out, (xt, wt, bt)


@pytest.mark.parametrize("kernel, strides, padding, dilation, mult", [
    ((3, 3), (1, 1), "valid", (1, 1), 1), ((3, 3), (2, 2), "same", (1, 1), 1), ((3, 2), (1, 2), "same", (1, 1), 2),
    ((3, 3), (1, 1), "same", (2, 2), 3), ((5, 5), (2, 1), "valid", (1, 1), 1),
])
def test_matches_pytorch_groups_conv(kernel, strides, padding, dilation, mult, rng):
    x = rng.normal(size=(2, 9, 8, 3))
    w = rng.normal(size=kernel + (3, mult))
    b = rng.normal(size=3 * mult)
    vs = [Variable(a, dtype="float64") for a in (x, w, b)]
    with GradientTape() as tape:
        out = depthwise_conv2d(vs[0], vs[1], vs[2], strides, padding, dilation)
        r = rng.normal(size=out.shape)
        loss = (out * r).sum()
    grads = tape.gradient(loss, vs)
    t_out, t_vars = torch_depthwise(x, w, b, strides, padding, dilation)
    (t_out * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=1e-10)
    for g, t in zip(grads, t_vars):
        np.testing.assert_allclose(np.asarray(g), t.grad.numpy(), atol=1e-10)


def test_finite_differences(rng):
    x, w = rng.normal(size=(1, 5, 4, 2)), rng.normal(size=(3, 3, 2, 2))
    r = rng.normal(size=(1, 5, 2, 4))

    def f(xa, wa):
        return float((depthwise_conv2d(Variable(xa, dtype="float64"), Variable(wa, dtype="float64"),
                                       None, (1, 2), "same", (1, 1)).numpy() * r).sum())

    vs = [Variable(x, dtype="float64"), Variable(w, dtype="float64")]
    with GradientTape() as tape:
        loss = (depthwise_conv2d(vs[0], vs[1], None, (1, 2), "same", (1, 1)) * r).sum()
    gx, gw = (np.asarray(g) for g in tape.gradient(loss, vs))
    eps = 1e-6
    for arr, g, which in ((x, gx, 0), (w, gw, 1)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            hi, lo = arr.copy(), arr.copy()
            hi[idx] += eps
            lo[idx] -= eps
            args_hi = (hi, w) if which == 0 else (x, hi)
            args_lo = (lo, w) if which == 0 else (x, lo)
            num[idx] = (f(*args_hi) - f(*args_lo)) / (2 * eps)
        np.testing.assert_allclose(g, num, atol=1e-6)


def test_layer_matches_keras_with_the_same_weights(rng, keras):

    x = rng.normal(size=(2, 7, 7, 4)).astype(np.float32)
    ours = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu")
    theirs = keras.layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu")
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [tuple(v.shape) for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    assert ours.count_params() == theirs.count_params() == 3 * 3 * 4 * 2 + 8
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_config_round_trip_and_errors():
    layer = layers.DepthwiseConv2D((3, 5), depth_multiplier=2, use_bias=False)
    clone = layers.deserialize(layers.serialize(layer))
    assert clone.kernel_size == (3, 5) and clone.depth_multiplier == 2 and not clone.use_bias
    with pytest.raises(ValueError, match="padding"):
        layers.DepthwiseConv2D(3, padding="full")
    with pytest.raises((ValueError, TypeError), match="depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    explanation = layers.DepthwiseConv2D(3).explain() if hasattr(layers.Layer, "explain") else None
    assert explanation is None or "W" in str(explanation)
