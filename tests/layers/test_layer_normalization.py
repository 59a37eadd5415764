"""LayerNormalization: PyTorch parity (forward and gradients), finite differences, weights, configs, checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_matches_torch_layer_norm(rng, axis):
    gn.set_floatx("float64")
    x = rng.normal(size=(3, 4, 5)) * 3 + 2
    layer = layers.LayerNormalization(axis=axis, epsilon=1e-5)
    layer(x)
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape))
    shape = (5,) if axis == -1 else (4, 5)
    ref = torch.nn.LayerNorm(shape, eps=1e-5, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.gamma.numpy()))
        ref.bias.copy_(torch.tensor(layer.beta.numpy()))
    xv = gn.Variable(x)
    r = rng.normal(size=x.shape)
    with gn.GradientTape() as tape:
        loss = (layer(xv) * gn.Tensor(r)).sum()
    gx, gg, gb = tape.gradient(loss, [xv, layer.gamma, layer.beta])
    tx = torch.tensor(x, requires_grad=True)
    tout = ref(tx)
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(layer(x).numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, want in ((gx, tx.grad), (gg, ref.weight.grad), (gb, ref.bias.grad)):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_gradients_match_finite_differences(rng, center, scale):
    gn.set_floatx("float64")
    layer = layers.LayerNormalization(center=center, scale=scale)
    x = rng.normal(size=(2, 3, 4))
    layer(x)
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape))
    check_gradients(lambda a, *ws: layer(a), [x] + list(layer.weights))


def test_weights_names_order_and_explain():
    layer = layers.LayerNormalization()
    layer(np.zeros((2, 3, 4)))
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    assert layer.count_params() == 8
    text = str(layer.explain())
    assert "x_hat" in text and "dC/dgamma" in text
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)


def test_config_round_trip():
    layer = layers.LayerNormalization(axis=[1, 2], epsilon=1e-6, center=False)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    assert gn.layers.deserialize(gn.layers.serialize(layer)).get_config() == config


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="epsilon"):
        layers.LayerNormalization(epsilon=0)
    with pytest.raises(ValueError, match="axis"):
        layers.LayerNormalization(axis=3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="axis"):
        layers.LayerNormalization(axis=0)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rms_scaling"):
        layers.LayerNormalization(rms_scaling=True)
