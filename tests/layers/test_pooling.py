"""Pooling primitives and layers: PyTorch parity (TF 'same' padding reproduced explicitly), ties,
finite differences, shapes, configs and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import layers
from glassnet.engine.ops import pooling as P
from glassnet.engine.tensor import GradientTape, Variable


def tf_same_pads(n: int, k: int, s: int) -> tuple[int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def glassnet_run(fn, x, seed=0):
    v = Variable(x, dtype="float64")
    with GradientTape() as tape:
        out = fn(v)
        r = np.random.default_rng(seed).normal(size=out.shape)
        loss = (out * r).sum()
    return out.numpy(), tape.gradient(loss, v), r


def torch_pool(kind, x, pool, strides, padding, r):
    """NHWC pooling through PyTorch; 'same' average pooling excludes padded cells, as TensorFlow does."""
    tx = torch.tensor(x, requires_grad=True)
    xi = tx.permute(0, 3, 1, 2)
    pads = (0, 0, 0, 0)
    if padding == "same":
        ph, pw = tf_same_pads(x.shape[1], pool[0], strides[0]), tf_same_pads(x.shape[2], pool[1], strides[1])
        pads = (pw[0], pw[1], ph[0], ph[1])
    if kind == "max":
        out = F.max_pool2d(F.pad(xi, pads, value=-np.inf), pool, strides)
    else:
        total = F.avg_pool2d(F.pad(xi, pads), pool, strides)
        count = F.avg_pool2d(F.pad(torch.ones_like(xi[:1, :1]), pads), pool, strides)
        out = total / count
    out = out.permute(0, 2, 3, 1)
    (out * torch.tensor(r)).sum().backward()
    return out.detach().numpy(), tx.grad.numpy()


POOL_CASES = [
    # (H, W, pool, strides, padding)
    (8, 8, (2, 2), (2, 2), "valid"),
    (7, 9, (2, 2), (2, 2), "valid"),     # odd sizes: the last row/column is dropped
    (7, 9, (2, 2), (2, 2), "same"),      # odd sizes: padded at the bottom/right
    (9, 9, (3, 3), (3, 3), "valid"),
    (9, 8, (3, 3), (1, 1), "same"),      # overlapping windows
    (9, 8, (3, 2), (2, 1), "valid"),
    (10, 7, (3, 3), (2, 2), "same"),
    (5, 6, (2, 3), (3, 2), "same"),      # strides larger than the window
    (6, 6, (1, 1), (2, 2), "valid"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("H,W,pool,strides,padding", POOL_CASES)
def test_pool2d_matches_torch(kind, H, W, pool, strides, padding):
    x = np.random.default_rng(H * W).normal(size=(3, H, W, 4))
    op = P.max_pool2d if kind == "max" else P.avg_pool2d
    out, grad, r = glassnet_run(lambda v: op(v, pool, strides, padding), x)
    t_out, t_grad = torch_pool(kind, x, pool, strides, padding, r)
    assert out.shape == t_out.shape
    np.testing.assert_allclose(out, t_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pool,strides,padding", [((2, 2), (2, 2), "valid"), ((3, 3), (1, 1), "same"),
                                                  ((2, 2), (2, 2), "same")])
def test_max_pool_ties_go_to_the_first_maximum_like_torch(pool, strides, padding):
    # Integer-valued input: many ties inside each window, including at 0 after a relu.
    x = np.maximum(np.random.default_rng(0).integers(-2, 3, size=(2, 7, 6, 3)), 0).astype("float64")
    out, grad, r = glassnet_run(lambda v: P.max_pool2d(v, pool, strides, padding), x)
    t_out, t_grad = torch_pool("max", x, pool, strides, padding, r)
    np.testing.assert_allclose(out, t_out)
    np.testing.assert_allclose(grad, t_grad, atol=1e-12)
    # every window passes back exactly its output gradient: never duplicated over tied entries
    np.testing.assert_allclose(grad.sum(), r.sum(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_finite_differences(kind):
    x = np.random.default_rng(1).permutation(2 * 5 * 7 * 2).reshape(2, 5, 7, 2) / 10.0  # distinct values
    op = P.max_pool2d if kind == "max" else P.avg_pool2d

    def f(v):
        return op(v, (3, 2), (2, 2), "same")

    _, grad, r = glassnet_run(f, x)
    num = np.zeros_like(x)
    eps = 1e-6
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num[idx] = ((f(Variable(xp, dtype="float64")).numpy() - f(Variable(xm, dtype="float64")).numpy()) * r).sum()
        num[idx] /= 2 * eps
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same"), (3, 1, "valid")])
def test_pool1d_matches_torch(kind, pool, strides, padding):
    x = np.random.default_rng(2).normal(size=(3, 11, 4))
    op = P.max_pool1d if kind == "max" else P.avg_pool1d
    out, grad, r = glassnet_run(lambda v: op(v, pool, strides, padding), x)
    s = pool if strides is None else strides
    t_out, t_grad = torch_pool(kind, x[:, None], (1, pool), (1, s), padding, r[:, None])
    np.testing.assert_allclose(out, t_out[:, 0], atol=1e-12)
    np.testing.assert_allclose(grad, t_grad[:, 0], atol=1e-12)


@pytest.mark.parametrize("cls,reduce,rank", [
    (layers.GlobalAveragePooling2D, "mean", 2), (layers.GlobalMaxPooling2D, "max", 2),
    (layers.GlobalAveragePooling1D, "mean", 1), (layers.GlobalMaxPooling1D, "max", 1)])
def test_global_pooling_matches_torch(cls, reduce, rank):
    gn.set_floatx("float64")
    shape = (3, 5, 6, 4) if rank == 2 else (3, 7, 4)
    x = np.random.default_rng(3).normal(size=shape)
    layer = cls()
    out, grad, r = glassnet_run(layer, x)
    tx = torch.tensor(x, requires_grad=True)
    dims = tuple(range(1, rank + 1))
    ty = tx.mean(dim=dims) if reduce == "mean" else tx.amax(dim=dims)
    (ty * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out, ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(grad, tx.grad.numpy(), atol=1e-12)
    assert cls(keepdims=True)(x).shape == (3,) + (1,) * rank + (4,)


def test_pooling_layers_shapes_defaults_and_summary(capsys):
    assert layers.MaxPooling2D()(np.zeros((1, 26, 26, 32))).shape == (1, 13, 13, 32)
    assert layers.MaxPooling2D(3, strides=2, padding="same")(np.zeros((1, 7, 7, 1))).shape == (1, 4, 4, 1)
    assert layers.AveragePooling2D((2, 3))(np.zeros((1, 7, 7, 1))).shape == (1, 3, 2, 1)
    assert layers.MaxPooling1D(2)(np.zeros((2, 9, 3))).shape == (2, 4, 3)
    assert layers.AveragePooling1D(3, strides=1, padding="same")(np.zeros((2, 9, 3))).shape == (2, 9, 3)
    pool = layers.MaxPooling2D((2, 3))
    assert pool.strides == (2, 3) and pool.padding == "valid"  # strides default to pool_size
    model = gn.Sequential([gn.Input(shape=(13, 13, 4)), layers.MaxPooling2D(2), layers.GlobalAveragePooling2D()])
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 6, 6, 4)" in text and "(None, 4)" in text


def test_max_pool_layer_passes_gradient_in_float32():
    x = np.random.default_rng(4).normal(size=(2, 6, 6, 3)).astype("float32")
    v = Variable(x)
    with GradientTape() as tape:
        y = layers.MaxPooling2D(2)(v)
        total = y.sum()
    g = tape.gradient(total, v)
    assert y.dtype == np.float32 and g.dtype == np.float32
    assert g.sum() == 2 * 3 * 3 * 3  # one cell per window receives each 1


@pytest.mark.parametrize("layer", [
    layers.MaxPooling2D((3, 2), strides=(1, 2), padding="same"), layers.AveragePooling2D(2),
    layers.MaxPooling1D(3, strides=2), layers.AveragePooling1D(2, padding="same"),
    layers.GlobalAveragePooling2D(keepdims=True), layers.GlobalMaxPooling1D(),
])
def test_pooling_config_round_trip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    x = np.random.default_rng(5).normal(size=(2, 6, 6, 3) if "2D" in type(layer).__name__ else (2, 6, 3))
    np.testing.assert_allclose(clone(x).numpy(), layer(x).numpy())


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"p1.*smaller than pool_size"):
        layers.MaxPooling2D(3, name="p1")(np.zeros((1, 2, 5, 1)))
    with pytest.raises(ValueError, match=r"p2.*expected ndim=4"):
        layers.AveragePooling2D(name="p2")(np.zeros((1, 5, 5)))
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(0)
    with pytest.raises(ValueError, match="channels_last"):
        layers.GlobalMaxPooling2D(data_format="channels_first")
