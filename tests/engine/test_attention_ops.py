"""Scaled dot-product attention, ``attend`` and layer norm as ops: finite differences (float64), PyTorch parity,
masks (fully masked rows give zeros), causal masks and dropout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.engine.gradcheck import check_gradients
from glassnet.engine.ops import attention as att
from glassnet.engine.ops import normalization as norm


@pytest.fixture
def qkv(rng):
    gn.set_floatx("float64")
    return rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(2, 3, 6, 7))


@pytest.mark.parametrize("kind", ["none", "mask", "causal"])
def test_attention_gradients_match_finite_differences(qkv, rng, kind):
    mask = {"none": None, "mask": rng.random((2, 1, 4, 6)) > 0.4, "causal": att.causal_mask(4, 6)}[kind]
    check_gradients(lambda q, k, v: att.scaled_dot_product_attention(q, k, v, mask), list(qkv))
    # the returned weights A are differentiable too
    check_gradients(lambda q, k, v: att.scaled_dot_product_attention(q, k, v, mask, return_scores=True)[1],
                    list(qkv), wrt=[0, 1])


@pytest.mark.parametrize("masked", [False, True])
def test_attention_matches_torch(qkv, rng, masked):
    q, k, v = qkv
    mask = rng.random((2, 1, 4, 6)) > 0.3 if masked else None
    if masked:
        mask[..., 0] = True  # torch gives NaN on a fully masked row; glassnet gives zeros (tested below)
    tens = [gn.Tensor(a, requires_grad=True) for a in qkv]
    r = rng.normal(size=(2, 3, 4, 7))
    with gn.GradientTape() as tape:
        out = att.scaled_dot_product_attention(*tens, mask)
        loss = (out * gn.Tensor(r)).sum()
    grads = tape.gradient(loss, tens)
    tt = [torch.tensor(a, requires_grad=True) for a in qkv]
    ref = torch.nn.functional.scaled_dot_product_attention(*tt, attn_mask=None if mask is None else torch.tensor(mask))
    (ref * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for g, t in zip(grads, tt):
        np.testing.assert_allclose(np.asarray(g), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_fully_masked_rows_give_zeros_not_nan(qkv):
    q, k, v = (gn.Tensor(a, requires_grad=True) for a in qkv)
    mask = np.ones((4, 6), bool)
    mask[2] = False
    with gn.GradientTape() as tape:
        out, a = att.scaled_dot_product_attention(q, k, v, mask, return_scores=True)
        loss = out.sum()
    assert np.all(out.numpy()[..., 2, :] == 0) and np.all(a.numpy()[..., 2, :] == 0)
    gq, gk, gv = tape.gradient(loss, [q, k, v])
    assert np.all(np.isfinite(gq)) and np.all(np.asarray(gq)[..., 2, :] == 0)


def test_causal_mask_hides_the_future():
    m = att.causal_mask(3, 3)
    assert m.tolist() == [[True, False, False], [True, True, False], [True, True, True]]


def test_dropout_only_in_training_and_reproducible(qkv):
    q, k, v = qkv
    plain = att.scaled_dot_product_attention(q, k, v, dropout_rate=0.5).numpy()
    assert np.allclose(plain, att.scaled_dot_product_attention(q, k, v, dropout_rate=0.5, training=False).numpy())
    dropped = att.scaled_dot_product_attention(q, k, v, dropout_rate=0.5, training=True,
                                               seed=np.random.default_rng(3)).numpy()
    assert not np.allclose(plain, dropped)
    check_gradients(lambda a, b, c: att.scaled_dot_product_attention(a, b, c, dropout_rate=0.3, training=True,
                                                                     seed=np.random.default_rng(5)), [q, k, v])


def test_attend_gradients(rng):
    gn.set_floatx("float64")
    s, v = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 6, 3))
    mask = rng.random((2, 1, 6)) > 0.3
    check_gradients(lambda a, b: att.attend(a, b, mask), [s, v])


def test_bad_arguments_are_named(qkv):
    q, k, v = qkv
    with pytest.raises(ValueError, match="query and key"):
        att.scaled_dot_product_attention(q, k[..., :3], v)
    with pytest.raises(ValueError, match="same length"):
        att.scaled_dot_product_attention(q, k, v[..., :2, :])
    with pytest.raises(ValueError, match="dropout_rate"):
        att.scaled_dot_product_attention(q, k, v, dropout_rate=1.0)


@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_layer_norm_gradients_and_torch(rng, axis):
    gn.set_floatx("float64")
    x = rng.normal(size=(3, 4, 5)) * 2 + 1
    shape = (5,) if axis == -1 else (4, 5)
    g, b = rng.normal(size=shape), rng.normal(size=shape)
    check_gradients(lambda a, gg, bb: norm.layer_norm(a, gg, bb, axis, 1e-3), [x, g, b])
    check_gradients(lambda a: norm.layer_norm(a, None, None, axis, 1e-3), [x])
    out = norm.layer_norm(gn.Tensor(x), gn.Tensor(g), gn.Tensor(b), axis, 1e-3).numpy()
    ref = torch.nn.functional.layer_norm(torch.tensor(x), shape, torch.tensor(g), torch.tensor(b), eps=1e-3)
    np.testing.assert_allclose(out, ref.numpy(), rtol=1e-10, atol=1e-12)
