"""Convolution primitives and layers: PyTorch parity, finite differences, shapes, configs, errors.

Oracles: PyTorch 2.13 CPU (NCHW, so inputs are permuted; TensorFlow's 'same' padding is reproduced
with an explicit, possibly asymmetric ``F.pad``) and central differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import layers
from glassnet.engine.ops import conv as C
from glassnet.engine.ops import im2col
from glassnet.engine.ops import pooling as P
from glassnet.engine.tensor import GradientTape, Variable


# --- helpers ----------------------------------------------------------------------------------
def tf_same_pads(n: int, k: int, s: int, d: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding (extra pad after), computed independently of glassnet."""
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def run_with_grads(fn, arrays, seed=0):
    """Forward fn on float64 Variables; return output and grads of sum(out * R) for a random R."""
    vs = [Variable(a, dtype="float64") for a in arrays]
    with GradientTape() as tape:
        out = fn(*vs)
        r = np.random.default_rng(seed).normal(size=out.shape)
        loss = (out * r).sum()
    return out.numpy(), tape.gradient(loss, vs), r


def numeric_grads(fn, arrays, r, eps=1e-6):
    """Central differences of sum(fn(arrays) * r) with respect to every element of every array."""
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fp = (fn(*[Variable(b, dtype="float64") for b in plus]).numpy() * r).sum()
            fm = (fn(*[Variable(b, dtype="float64") for b in minus]).numpy() * r).sum()
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def torch_conv2d(x, w, b, stride, padding, dilation):
    """NHWC conv via PyTorch (NCHW), with TF-style asymmetric 'same' padding."""
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    xi = tx.permute(0, 3, 1, 2)
    sh, sw = stride
    dh, dw = dilation
    if padding == "same":
        ph = tf_same_pads(x.shape[1], w.shape[0], sh, dh)
        pw = tf_same_pads(x.shape[2], w.shape[1], sw, dw)
        xi = F.pad(xi, (pw[0], pw[1], ph[0], ph[1]))
    out = F.conv2d(xi, tw.permute(3, 2, 0, 1), tb, stride=stride, dilation=dilation).permute(0, 2, 3, 1)
    return out, (tx, tw, tb)


CONV_CASES = [
    # (H, W, kh, kw, strides, dilation, padding)
    (7, 9, 3, 3, (1, 1), (1, 1), "valid"),
    (7, 9, 3, 3, (1, 1), (1, 1), "same"),
    (8, 8, 3, 3, (2, 2), (1, 1), "same"),
    (9, 7, 3, 2, (2, 2), (1, 1), "same"),
    (9, 7, 3, 2, (2, 2), (1, 1), "valid"),
    (10, 11, 2, 3, (3, 2), (1, 1), "valid"),
    (11, 10, 4, 4, (3, 3), (1, 1), "same"),
    (9, 8, 3, 3, (1, 1), (2, 2), "same"),
    (12, 9, 3, 2, (1, 1), (2, 3), "valid"),
    (6, 6, 1, 1, (2, 2), (1, 1), "same"),
    (5, 5, 5, 5, (1, 1), (1, 1), "valid"),
]


@pytest.mark.parametrize("H,W,kh,kw,strides,dilation,padding", CONV_CASES)
def test_conv2d_matches_torch(H, W, kh, kw, strides, dilation, padding):
    rng = np.random.default_rng(H * 100 + W)
    x, w, b = rng.normal(size=(3, H, W, 4)), rng.normal(size=(kh, kw, 4, 5)), rng.normal(size=5)
    out, (gx, gw, gb), r = run_with_grads(
        lambda x_, w_, b_: C.conv2d(x_, w_, b_, strides=strides, padding=padding, dilation_rate=dilation), [x, w, b])
    ty, (tx, tw, tb) = torch_conv2d(x, w, b, strides, padding, dilation)
    (ty * torch.tensor(r)).sum().backward()
    assert out.shape == tuple(ty.shape)
    np.testing.assert_allclose(out, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("strides,padding,dilation", [((1, 1), "same", (1, 1)), ((2, 2), "same", (1, 1)),
                                                      ((2, 1), "valid", (1, 1)), ((1, 1), "same", (2, 1))])
def test_conv2d_finite_differences(strides, padding, dilation):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 5, 6, 2)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)

    def fn(x_, w_, b_):
        return C.conv2d(x_, w_, b_, strides=strides, padding=padding, dilation_rate=dilation)

    _, grads, r = run_with_grads(fn, [x, w, b])
    for g, n in zip(grads, numeric_grads(fn, [x, w, b], r)):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)


def test_fused_relu_equals_separate_relu():
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(2, 6, 6, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    fused = run_with_grads(lambda x_, w_, b_: C.conv2d(x_, w_, b_, padding="same", fuse_relu=True), [x, w, b])
    plain = run_with_grads(lambda x_, w_, b_: gn.ops.relu(C.conv2d(x_, w_, b_, padding="same")), [x, w, b])
    np.testing.assert_allclose(fused[0], plain[0])
    for a, c in zip(fused[1], plain[1]):
        np.testing.assert_allclose(a, c)


@pytest.mark.parametrize("limit,cin", [("COLS_LIMIT", 3), ("CACHE_BLOCK", 4)])
def test_chunked_columns_give_the_same_result(monkeypatch, limit, cin):
    """Bounded memory and cache blocking: tiny limits force per-chunk im2col; results must not change."""
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(5, 7, 8, cin)), rng.normal(size=(3, 3, cin, 4)), rng.normal(size=4)
    wt = rng.normal(size=(3, 3, 2, cin))

    def fn(x_, w_, b_):
        return C.conv2d(x_, w_, b_, strides=(2, 1), padding="same")

    def fn_t(x_, w_):
        return C.conv2d_transpose(x_, w_, strides=2, padding="same")

    whole, whole_t = run_with_grads(fn, [x, w, b]), run_with_grads(fn_t, [x, wt])
    per_sample = 4 * 8 * 9 * cin
    monkeypatch.setattr(im2col, limit, per_sample // 2)  # less than one sample: one sample per chunk
    assert len(im2col.sample_chunks(5, per_sample, 9 * cin)) == 5
    for (out, grads, _), (ref, ref_grads, _) in ((run_with_grads(fn, [x, w, b]), whole),
                                                 (run_with_grads(fn_t, [x, wt]), whole_t)):
        np.testing.assert_allclose(out, ref, rtol=1e-12)
        for a, c in zip(grads, ref_grads):
            np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


class _AddWithoutAt:
    """np.add that refuses np.add.at, to prove the backward passes never scatter with it."""

    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return self._ufunc(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._ufunc, name)

    def at(self, *args, **kwargs):
        raise AssertionError("np.add.at was called")


def test_backward_never_uses_add_at(monkeypatch):
    monkeypatch.setattr(np, "add", _AddWithoutAt(np.add))
    with pytest.raises(AssertionError, match="add.at"):  # the trap works
        np.add.at(np.zeros(3), [0, 0], 1.0)
    rng = np.random.default_rng(4)
    x, w, wt = rng.normal(size=(2, 7, 7, 3)), rng.normal(size=(3, 3, 3, 2)), rng.normal(size=(3, 3, 2, 3))
    run_with_grads(lambda a, k: C.conv2d(a, k, strides=2, padding="same", dilation_rate=1), [x, w])
    run_with_grads(lambda a, k: P.max_pool2d(C.conv2d(a, k), 3, 1, "same"), [x, w])
    run_with_grads(lambda a, k: P.max_pool2d(C.conv2d(a, k), 2), [x, w])
    run_with_grads(lambda a, k: P.avg_pool2d(C.conv2d(a, k), 2, 1, "same"), [x, w])
    run_with_grads(lambda a, k: C.conv2d_transpose(a, k, strides=2, padding="same"), [x, wt])


def test_conv1d_matches_torch_including_causal():
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(3, 11, 4)), rng.normal(size=(3, 4, 5)), rng.normal(size=5)
    for strides, padding, dilation in [(1, "valid", 1), (2, "same", 1), (1, "same", 2), (1, (4, 0), 2)]:
        out, (gx, gw, gb), r = run_with_grads(
            lambda x_, w_, b_: C.conv1d(x_, w_, b_, strides, padding, dilation), [x, w, b])  # noqa: B023
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        xi = tx.permute(0, 2, 1)
        if padding == "same":
            xi = F.pad(xi, tf_same_pads(11, 3, strides, dilation))
        elif isinstance(padding, tuple):
            xi = F.pad(xi, padding)
        ty = F.conv1d(xi, tw.permute(2, 1, 0), tb, stride=strides, dilation=dilation).permute(0, 2, 1)
        (ty * torch.tensor(r)).sum().backward()
        np.testing.assert_allclose(out, ty.detach().numpy(), atol=1e-10)
        for g, t in zip((gx, gw, gb), (tx, tw, tb)):
            np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-10)


TRANSPOSE_CASES = [(7, 7, 3, 2, "valid", None), (7, 7, 3, 2, "same", None), (5, 6, 2, 3, "valid", None),
                   (4, 5, 3, 1, "same", None), (5, 5, 3, 2, "same", 1), (5, 4, 3, 2, "valid", 1),
                   (4, 4, 4, 2, "same", None), (3, 3, 1, 2, "valid", None)]


@pytest.mark.parametrize("H,W,k,s,padding,output_padding", TRANSPOSE_CASES)
def test_conv2d_transpose_matches_torch(H, W, k, s, padding, output_padding):
    rng = np.random.default_rng(H + 10 * k + s)
    x, w, b = rng.normal(size=(2, H, W, 4)), rng.normal(size=(k, k, 3, 4)), rng.normal(size=3)
    out, (gx, gw, gb), r = run_with_grads(
        lambda x_, w_, b_: C.conv2d_transpose(x_, w_, b_, s, padding, output_padding), [x, w, b])
    # Expected size from Keras' deconv_output_length, written out here independently.
    if output_padding is None:
        size = [n * s + max(k - s, 0) if padding == "valid" else n * s for n in (H, W)]
    else:
        pad = k // 2 if padding == "same" else 0
        size = [(n - 1) * s + k - 2 * pad + output_padding for n in (H, W)]
    assert out.shape == (2, size[0], size[1], 3)
    # PyTorch: full transposed convolution, then crop TensorFlow's (possibly asymmetric) padding.
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    full = [(n - 1) * s + k for n in (H, W)]
    extra = tuple(max(L - f, 0) for L, f in zip(size, full))
    ty = F.conv_transpose2d(tx.permute(0, 3, 1, 2), tw.permute(3, 2, 0, 1), stride=s, output_padding=extra)
    lo = [tf_same_pads(L, k, s)[0] if padding == "same" else 0 for L in size]
    ty = ty[:, :, lo[0]:lo[0] + size[0], lo[1]:lo[1] + size[1]] + tb[None, :, None, None]
    ty = ty.permute(0, 2, 3, 1)
    (ty * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out, ty.detach().numpy(), atol=1e-10)
    for g, t in zip((gx, gw, gb), (tx, tw, tb)):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-10)


def test_conv2d_transpose_finite_differences():
    rng = np.random.default_rng(6)
    x, w, b = rng.normal(size=(1, 3, 4, 2)), rng.normal(size=(3, 2, 2, 2)), rng.normal(size=2)

    def fn(x_, w_, b_):
        return C.conv2d_transpose(x_, w_, b_, strides=(2, 1), padding="same")

    _, grads, r = run_with_grads(fn, [x, w, b])
    for g, n in zip(grads, numeric_grads(fn, [x, w, b], r)):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)


# --- layers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,s,padding,expected", [(7, 3, 2, "valid", 3), (7, 3, 2, "same", 4),
                                                    (28, 3, 1, "valid", 26), (13, 3, 1, "valid", 11),
                                                    (5, 2, 2, "valid", 2), (5, 2, 2, "same", 3)])
def test_conv2d_output_size_follows_w_minus_f_plus_2p_over_s(n, k, s, padding, expected):
    layer = layers.Conv2D(2, k, strides=s, padding=padding)
    assert layer(np.zeros((1, n, n, 1), "float32")).shape == (1, expected, expected, 2)
    assert im2col.conv_output_length(n, k, s, padding) == expected


def test_conv2d_layer_weights_layout_and_params():
    layer = layers.Conv2D(32, (3, 3), activation="relu")
    layer(np.zeros((2, 28, 28, 1), "float32"))
    assert [v.shape for v in layer.weights] == [(3, 3, 1, 32), (32,)]
    assert layer.count_params() == 320
    assert layer.kernel.path.endswith("kernel")
    t = layers.Conv2DTranspose(16, 3, strides=2)
    assert t(np.zeros((1, 7, 7, 8), "float32")).shape == (1, 15, 15, 16)
    assert t.kernel.shape == (3, 3, 16, 8) and t.count_params() == 1168
    assert layers.Conv2DTranspose(16, 3, strides=2, padding="same")(np.zeros((1, 7, 7, 8))).shape == (1, 14, 14, 16)
    c1 = layers.Conv1D(6, 5, padding="causal", dilation_rate=2)
    assert c1(np.zeros((2, 20, 3), "float32")).shape == (2, 20, 6)
    assert c1.kernel.shape == (5, 3, 6) and c1.count_params() == 5 * 3 * 6 + 6


def test_conv2d_layer_matches_torch_module_in_float32():
    rng = np.random.default_rng(7)
    layer = layers.Conv2D(8, (3, 5), strides=(2, 1), padding="same", activation="relu")
    x = rng.normal(size=(4, 9, 10, 3)).astype("float32")
    out = layer(x).numpy()
    ty, _ = torch_conv2d(x.astype("float64"), layer.kernel.numpy().astype("float64"),
                         layer.bias.numpy().astype("float64"), (2, 1), "same", (1, 1))
    np.testing.assert_allclose(out, torch.relu(ty).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32


def test_conv_layers_in_summary_show_output_shapes(capsys):
    model = gn.Sequential([gn.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                           layers.Conv2D(4, 3, strides=2, padding="same")])
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 26, 26, 32)" in text and "(None, 13, 13, 4)" in text and "320" in text


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu", use_bias=False,
                          kernel_initializer="he_normal", kernel_regularizer=gn.regularizers.L2(0.01)),
    lambda: layers.Conv2D(3, 3, dilation_rate=2, bias_initializer="ones", activation="tanh"),
    lambda: layers.Conv1D(5, 3, padding="causal", dilation_rate=2, activation="sigmoid"),
    lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
])
def test_conv_config_round_trip(make):
    import json

    layer = make()
    shape = (2, 9, 3) if isinstance(layer, layers.Conv1D) else (2, 8, 7, 3)
    x = np.random.default_rng(8).normal(size=shape).astype("float32")
    out = layer(x).numpy()
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(clone(x).numpy(), out, rtol=1e-6)
    assert len(clone.losses) == len(layer.losses)


def test_conv_errors_name_the_layer_and_shapes():
    layer = layers.Conv2D(4, 3, name="c1")
    layer(np.zeros((1, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"c1.*axis -1.*3"):
        layer(np.zeros((1, 8, 8, 2), "float32"))
    with pytest.raises(ValueError, match=r"c2.*smaller than the kernel"):
        layers.Conv2D(4, 5, name="c2")(np.zeros((1, 3, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"c3.*expected ndim=4"):
        layers.Conv2D(4, 3, name="c3")(np.zeros((1, 8, 8), "float32"))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="causal"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 together with dilation"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="channels_last"):
        layers.Conv2D(4, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"channels.*kernel"):
        C.conv2d(np.zeros((1, 5, 5, 2)), Variable(np.zeros((3, 3, 3, 1))))
