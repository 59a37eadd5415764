"""MultiHeadAttention, Attention and AdditiveAttention: finite differences, PyTorch parity, causal masks, a small
Transformer encoder that trains, configs, save/load and argument checks."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients


def _weight_inputs(layer):
    return list(layer.weights)


def test_mha_weights_follow_keras_layout_and_order():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=7)
    out = mha(np.zeros((1, 4, 6)), np.zeros((1, 9, 8)))
    assert out.shape == (1, 4, 7)
    assert [w.name for w in mha.weights] == ["query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel",
                                            "value_bias", "output_kernel", "output_bias"]
    assert [w.shape for w in mha.weights] == [(6, 2, 3), (2, 3), (8, 2, 3), (2, 3), (8, 2, 5), (2, 5), (2, 5, 7), (7,)]
    assert mha.compute_output_shape((None, 4, 6)) == (None, 4, 7)
    assert "softmax" in str(mha.explain()) and "dC/dS" in str(mha.explain())


@pytest.mark.parametrize("causal", [False, True])
def test_mha_gradients_match_finite_differences(rng, causal):
    gn.set_floatx("float64")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2)
    q, v = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 3, 6))
    mask = rng.random((2, 4, 3)) > 0.3
    mha(q, v)
    check_gradients(lambda a, b, *w: mha(a, b, attention_mask=None if causal else mask, use_causal_mask=causal),
                    [q, v] + _weight_inputs(mha))


def test_mha_matches_torch_multihead_attention(rng):
    gn.set_floatx("float64")
    e, h = 6, 2
    mha = layers.MultiHeadAttention(num_heads=h, key_dim=e // h)
    x = rng.normal(size=(2, 5, e))
    mha(x, x)
    for w in mha.weights:
        w.assign(rng.normal(size=w.shape) * 0.5)
    mask = rng.random((2, 5, 5)) > 0.3
    mask[..., 0] = True
    xt = gn.Variable(x)
    r = rng.normal(size=(2, 5, e))
    with gn.GradientTape() as tape:
        out, scores = mha(xt, xt, attention_mask=mask, return_attention_scores=True)
        loss = (out * gn.Tensor(r)).sum()
    grads = tape.gradient(loss, [xt] + mha.weights)

    ref = torch.nn.MultiheadAttention(e, h, batch_first=True, dtype=torch.float64)
    wq, bq, wk, bk, wv, bv, wo, bo = (w.numpy() for w in mha.weights)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.tensor(np.concatenate([w.reshape(e, e).T for w in (wq, wk, wv)])))
        ref.in_proj_bias.copy_(torch.tensor(np.concatenate([b.reshape(-1) for b in (bq, bk, bv)])))
        ref.out_proj.weight.copy_(torch.tensor(wo.reshape(e, e).T))
        ref.out_proj.bias.copy_(torch.tensor(bo))
    tx = torch.tensor(x, requires_grad=True)
    # torch's boolean attn_mask is True where attention is *not* allowed, one per (batch * head)
    tmask = torch.tensor(~mask).repeat_interleave(h, dim=0)
    tout, tscores = ref(tx, tx, tx, attn_mask=tmask, average_attn_weights=False)
    (tout * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), tscores.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(grads[0]), tx.grad.numpy(), rtol=1e-8, atol=1e-11)
    tgrad_in = ref.in_proj_weight.grad.numpy()
    for i in range(3):  # kernels (e, h, d) against torch's (h*d, e) rows
        np.testing.assert_allclose(np.asarray(grads[1 + 2 * i]).reshape(e, e).T, tgrad_in[i * e:(i + 1) * e],
                                   rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(np.asarray(grads[7]).reshape(e, e).T, ref.out_proj.weight.grad.numpy(), rtol=1e-8,
                               atol=1e-11)
    np.testing.assert_allclose(np.asarray(grads[8]), ref.out_proj.bias.grad.numpy(), rtol=1e-8, atol=1e-11)


def test_causal_mask_output_does_not_depend_on_the_future(rng):
    gn.set_floatx("float64")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    x = gn.Variable(rng.normal(size=(1, 6, 8)))
    for t in range(6):
        with gn.GradientTape() as tape:
            out = mha(x, x, use_causal_mask=True)
            loss = out[:, t].sum()
        g = np.asarray(tape.gradient(loss, x))
        assert np.all(g[:, t + 1:] == 0), f"output at {t} depends on later inputs"
        assert np.any(g[:, : t + 1] != 0)


def test_fully_masked_query_gives_finite_output(rng):
    mha = layers.MultiHeadAttention(num_heads=1, key_dim=2)
    mask = np.ones((1, 3, 3), bool)
    mask[0, 1] = False
    out, a = mha(rng.normal(size=(1, 3, 4)), rng.normal(size=(1, 3, 4)), attention_mask=mask,
                 return_attention_scores=True)
    assert np.all(np.isfinite(out.numpy())) and np.all(a.numpy()[0, :, 1] == 0)


@pytest.mark.parametrize("make", [lambda: layers.Attention(), lambda: layers.Attention(use_scale=True),
                                  lambda: layers.Attention(score_mode="concat", use_scale=True),
                                  lambda: layers.AdditiveAttention(), lambda: layers.AdditiveAttention(use_scale=False)],
                         ids=["dot", "dot-scale", "concat", "additive", "additive-noscale"])
def test_attention_layers_gradients_and_reference(rng, make):
    gn.set_floatx("float64")
    layer = make()
    q, v, k = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))
    out, a = layer([q, v, k], return_attention_scores=True)
    for w in layer.weights:
        w.assign(rng.normal(size=w.shape))
    out, a = layer([q, v, k], return_attention_scores=True)
    # NumPy reference of Keras' formulas
    if isinstance(layer, layers.AdditiveAttention):
        t = np.tanh(q[:, :, None] + k[:, None])
        s = (t * (layer.scale.numpy() if layer.use_scale else 1)).sum(-1)
    elif layer.score_mode == "dot":
        s = q @ k.transpose(0, 2, 1) * (layer.scale.numpy() if layer.use_scale else 1)
    else:
        s = layer.concat_score_weight.numpy() * np.tanh(layer.scale.numpy() * (q[:, :, None] + k[:, None])).sum(-1)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(a.numpy(), w, rtol=1e-10)
    np.testing.assert_allclose(out.numpy(), w @ v, rtol=1e-10)
    vmask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], bool)
    check_gradients(lambda a_, b_, c_, *ws: layer([a_, b_, c_], mask=[None, vmask], use_causal_mask=True),
                    [q, v, k] + list(layer.weights))


def test_attention_masks_follow_keras(rng):
    layer = layers.Attention()
    q, v = rng.normal(size=(1, 3, 2)), rng.normal(size=(1, 4, 2))
    out, a = layer([q, v], mask=[np.array([[1, 0, 1]], bool), np.array([[1, 1, 0, 0]], bool)],
                   return_attention_scores=True)
    assert np.all(a.numpy()[..., 2:] == 0) and np.all(out.numpy()[0, 1] == 0)
    assert layer.compute_output_shape([(None, 3, 2), (None, 4, 2)]) == (None, 3, 2)


def _encoder(vocab=None, seq=8, d=16):
    inp = gn.Input((seq, d))
    att = layers.MultiHeadAttention(num_heads=2, key_dim=8)(inp, inp)
    x = layers.LayerNormalization(epsilon=1e-6)(inp + att)
    ff = layers.Dense(d)(layers.Dense(32, activation="relu")(x))
    x = layers.LayerNormalization(epsilon=1e-6)(x + ff)
    out = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    return gn.Model(inp, out)


def _toy_task(rng, n=256, seq=8, d=16):
    # class 1: a marker feature appears somewhere in the sequence
    x = rng.normal(size=(n, seq, d)).astype("float32") * 0.5
    y = rng.integers(0, 2, n)
    pos = rng.integers(0, seq, n)
    x[np.arange(n), pos, 0] += np.where(y == 1, 3.0, -3.0)
    return x, y


def test_transformer_encoder_trains(rng):
    x, y = _toy_task(rng)
    model = _encoder()
    model.compile(optimizer=gn.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert time.perf_counter() - start < 30
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    assert hist.history["accuracy"][-1] > 0.9


def test_save_load_round_trip(rng, tmp_path):
    x, _ = _toy_task(rng, n=4)
    model = _encoder()
    path = tmp_path / "enc.keras"
    model.save(path)
    loaded = gn.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    model.save_weights(tmp_path / "enc.weights.h5")
    other = _encoder()
    other.load_weights(tmp_path / "enc.weights.h5")
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("layer", [layers.MultiHeadAttention(3, 4, value_dim=2, dropout=0.1, output_shape=5),
                                   layers.Attention(use_scale=True, score_mode="concat", dropout=0.2),
                                   layers.AdditiveAttention(use_scale=False)], ids=lambda layer: type(layer).__name__)
def test_configs_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    assert gn.layers.deserialize(gn.layers.serialize(layer)).get_config() == config


@pytest.mark.parametrize("make, match", [
    (lambda: layers.MultiHeadAttention(0, 4), "num_heads"),
    (lambda: layers.MultiHeadAttention(2, 4.5), "key_dim"),
    (lambda: layers.MultiHeadAttention(2, 4, dropout=1.0), "dropout"),
    (lambda: layers.MultiHeadAttention(2, 4, attention_axes=(2,)), "attention_axes"),
    (lambda: layers.MultiHeadAttention(2, 4, output_shape=(3, 4)), "output_shape"),
    (lambda: layers.Attention(score_mode="cosine"), "score_mode"),
    (lambda: layers.AdditiveAttention(dropout=-0.1), "dropout"),
])
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_calls_are_named():
    with pytest.raises(ValueError, match="value"):
        layers.MultiHeadAttention(2, 4)(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match=r"\(batch, T, features\)"):
        layers.MultiHeadAttention(2, 4)(np.zeros((1, 3, 3, 4)), np.zeros((1, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"\[query, value\]"):
        layers.Attention()(np.zeros((1, 3, 4)))
