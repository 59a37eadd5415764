"""BatchNormalization: PyTorch parity (training and inference), moving statistics, weight order and
counts, finite differences, configs and use inside models."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import layers
from glassnet.engine.ops import normalization as N
from glassnet.engine.tensor import GradientTape, Variable


def run_layer(layer, x, training, seed=0):
    v = Variable(x, dtype=x.dtype)
    with GradientTape() as tape:
        out = layer(v, training=training)
        r = np.random.default_rng(seed).normal(size=out.shape).astype(x.dtype)
        loss = (out * r).sum()
    grads = tape.gradient(loss, [v] + layer.trainable_weights)
    return out.numpy(), grads, r


def torch_bn(x_nchw, gamma, beta, r_nchw, momentum, eps, training, running=None):
    c = x_nchw.shape[1]
    bn = torch.nn.BatchNorm2d(c, eps=eps, momentum=1 - momentum).double() if x_nchw.ndim == 4 else \
        torch.nn.BatchNorm1d(c, eps=eps, momentum=1 - momentum).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
        if running is not None:
            bn.running_mean.copy_(torch.tensor(running[0]))
            bn.running_var.copy_(torch.tensor(running[1]))
    bn.train(training)
    tx = torch.tensor(x_nchw, requires_grad=True)
    out = bn(tx)
    (out * torch.tensor(r_nchw)).sum().backward()
    return out.detach().numpy(), tx.grad.numpy(), bn


@pytest.mark.parametrize("shape", [(8, 5, 6, 3), (16, 4), (5, 3, 7, 2)])
def test_training_forward_gradients_and_moving_stats_match_torch(shape):
    gn.set_floatx("float64")
    rng = np.random.default_rng(len(shape))
    x = rng.normal(2.0, 3.0, size=shape)
    layer = layers.BatchNormalization(momentum=0.9)
    layer.build((None,) + shape[1:])
    c = shape[-1]
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    layer.set_weights([gamma, beta, np.zeros(c), np.ones(c)])
    out, (gx, g_gamma, g_beta), r = run_layer(layer, x, training=True)

    to_nchw = (0, 3, 1, 2) if x.ndim == 4 else (0, 1)
    back = (0, 2, 3, 1) if x.ndim == 4 else (0, 1)
    t_out, t_gx, bn = torch_bn(x.transpose(to_nchw), gamma, beta, r.transpose(to_nchw), 0.9, 1e-3, True)
    np.testing.assert_allclose(out, t_out.transpose(back), atol=1e-10)
    np.testing.assert_allclose(gx, t_gx.transpose(back), atol=1e-10)
    np.testing.assert_allclose(g_gamma, bn.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(g_beta, bn.bias.grad.numpy(), atol=1e-10)
    # Moving mean: same rule as PyTorch.  Moving variance: Keras uses the biased batch variance,
    # PyTorch the unbiased one (n / (n - 1)), so compare against the formula and against torch rescaled.
    n = x.size // c
    batch_var = x.reshape(-1, c).var(axis=0)
    np.testing.assert_allclose(layer.moving_mean.numpy(), bn.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * batch_var, atol=1e-12)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + (bn.running_var.numpy() - 0.9) * (n - 1) / n,
                               atol=1e-12)


def test_inference_uses_moving_statistics_and_matches_torch_eval():
    gn.set_floatx("float64")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3, 5, 2))
    layer = layers.BatchNormalization()
    layer.build((None, 3, 5, 2))
    weights = [rng.normal(size=2), rng.normal(size=2), rng.normal(size=2), rng.uniform(0.5, 2, size=2)]
    layer.set_weights(weights)
    before = [w.copy() for w in layer.get_weights()]
    out, (gx, g_gamma, g_beta), r = run_layer(layer, x, training=False)
    t_out, t_gx, bn = torch_bn(x.transpose(0, 3, 1, 2), weights[0], weights[1], r.transpose(0, 3, 1, 2), 0.99,
                               1e-3, False, running=(weights[2], weights[3]))
    np.testing.assert_allclose(out, t_out.transpose(0, 2, 3, 1), atol=1e-12)
    np.testing.assert_allclose(gx, t_gx.transpose(0, 2, 3, 1), atol=1e-12)
    np.testing.assert_allclose(g_gamma, bn.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(g_beta, bn.bias.grad.numpy(), atol=1e-12)
    for a, b in zip(layer.get_weights(), before):  # inference never moves the statistics
        np.testing.assert_array_equal(a, b)
    layer(x)  # training=None means inference too
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_training_batch_norm_op_finite_differences():
    rng = np.random.default_rng(2)
    x, gamma, beta = rng.normal(size=(4, 3, 2)), rng.normal(size=2), rng.normal(size=2)
    r = rng.normal(size=x.shape)

    def loss(xa, ga, ba):
        out, _, _ = N.batch_norm(Variable(xa, dtype="float64"), Variable(ga, dtype="float64"),
                                 Variable(ba, dtype="float64"), axis=-1, epsilon=1e-3)
        return (out.numpy() * r).sum()

    vs = [Variable(a, dtype="float64") for a in (x, gamma, beta)]
    with GradientTape() as tape:
        out, _, _ = N.batch_norm(*vs, axis=-1, epsilon=1e-3)
        total = (out * r).sum()
    grads = tape.gradient(total, vs)
    arrays = [x, gamma, beta]
    for k, g in enumerate(grads):
        num = np.zeros_like(arrays[k])
        for idx in np.ndindex(num.shape):
            plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
            plus[k][idx] += 1e-6
            minus[k][idx] -= 1e-6
            num[idx] = (loss(*plus) - loss(*minus)) / 2e-6
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_weights_order_counts_and_keras_parameter_numbers(capsys):
    model = gn.Sequential([gn.Input(shape=(8, 8, 32)), layers.BatchNormalization()])
    bn = model.layers[-1]
    assert [v.path.split("/")[-1] for v in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [v.trainable for v in bn.weights] == [True, True, False, False]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    assert bn.count_params() == 128
    model.summary()
    text = capsys.readouterr().out
    assert "128" in text and "Non-trainable params: 64" in text
    np.testing.assert_array_equal(bn.get_weights()[3], np.ones(32))
    no_affine = layers.BatchNormalization(center=False, scale=False)
    no_affine.build((None, 4))
    assert [v.path.split("/")[-1] for v in no_affine.weights] == ["moving_mean", "moving_variance"]


def test_moving_stats_update_in_fit_but_not_in_predict_or_when_frozen():
    rng = np.random.default_rng(3)
    x = rng.normal(5.0, 2.0, size=(64, 6, 6, 2)).astype("float32")
    y = rng.integers(0, 3, size=64)
    model = gn.Sequential([gn.Input(shape=(6, 6, 2)), layers.Conv2D(4, 3), layers.BatchNormalization(),
                           layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    bn = model.layers[1]
    start = [w.copy() for w in bn.get_weights()]
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    for a, b in zip(bn.get_weights(), start):
        np.testing.assert_array_equal(a, b)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    after = bn.get_weights()
    assert not np.allclose(after[2], start[2]) and not np.allclose(after[3], start[3])
    bn.trainable = False  # Keras 3: a frozen BatchNormalization runs in inference mode
    frozen = [w.copy() for w in bn.get_weights()]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(bn.get_weights(), frozen):
        np.testing.assert_array_equal(a, b)


def test_axis_other_than_last_is_normalised_per_that_axis():
    gn.set_floatx("float64")
    x = np.random.default_rng(4).normal(size=(6, 3, 5))
    layer = layers.BatchNormalization(axis=1, epsilon=1e-3)
    out = layer(x, training=True).numpy()
    mean = x.mean(axis=(0, 2), keepdims=True)
    var = x.var(axis=(0, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), atol=1e-12)
    assert layer.gamma.shape == (3,)


def test_config_round_trip_and_errors():
    layer = layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-5, center=False,
                                      gamma_initializer="random_normal", gamma_regularizer=gn.regularizers.L2(0.1))
    x = np.random.default_rng(5).normal(size=(4, 3)).astype("float32")
    layer(x)
    config = json.loads(json.dumps(layer.get_config()))
    clone = layers.BatchNormalization.from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(clone(x).numpy(), layer(x).numpy())
    assert len(clone.losses) == 1
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match=r"bn1.*axis 0"):
        layers.BatchNormalization(axis=0, name="bn1")(x)
    bn = layers.BatchNormalization(name="bn2")
    bn(np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"bn2.*axis -1.*3"):
        bn(np.zeros((2, 4, 4, 5)))
