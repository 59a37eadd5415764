"""Keras 3's mask semantics in the merge, attention, pooling and normalization layers, and on symbolic tensors.

Each behaviour is checked against a NumPy computation of what Keras does (its source: merging/, attention/,
pooling/global_average_pooling1d.py, normalization/batch_normalization.py), new backwards against finite
differences, and a few against real Keras itself (torch backend, in a subprocess) when it is installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients

MA = np.array([[1, 1, 0, 0], [1, 0, 1, 0]], bool)
MB = np.array([[1, 0, 0, 1], [1, 1, 1, 0]], bool)


def _masked(x, mask):
    t = gn.ops.convert_to_tensor(x)
    t._keras_mask = mask
    return t


# -- which layers pass a mask on (Keras 3's supports_masking) ---------------------------------------------------

KERAS_SUPPORTS_MASKING = {
    # read from Keras 3.15.1: layer.supports_masking
    True: ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Activation", "Dense",
           "Dropout", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "LayerNormalization", "BatchNormalization",
           "GlobalAveragePooling1D", "MultiHeadAttention", "Attention", "AdditiveAttention", "Masking", "LSTM",
           "GRU", "SimpleRNN"],
    False: ["Flatten", "Reshape", "Lambda", "Conv1D", "Conv2D", "MaxPooling1D", "AveragePooling1D", "MaxPooling2D",
            "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Cropping2D", "UpSampling2D",
            "ZeroPadding2D"],
}
_ARGS = {"Dense": (3,), "Activation": ("relu",), "Dropout": (0.1,), "Reshape": ((2,),), "Lambda": (lambda x: x,),
         "Conv1D": (2, 2), "Conv2D": (2, 2), "MultiHeadAttention": (2, 2), "LSTM": (2,), "GRU": (2,),
         "SimpleRNN": (2,)}


@pytest.mark.parametrize("flag", [True, False])
def test_supports_masking_is_keras_3s(flag):
    for name in KERAS_SUPPORTS_MASKING[flag]:
        layer = getattr(layers, name)(*_ARGS.get(name, ()))
        assert layer.supports_masking is flag, name


# -- merge layers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Add", "Subtract", "Average", "Multiply", "Maximum", "Minimum"])
def test_elementwise_merges_pass_on_the_or_of_the_masks_only_when_every_input_has_one(rng, name):
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    out = getattr(layers, name)()([_masked(a, MA), _masked(b, MB)])
    np.testing.assert_array_equal(out._keras_mask, MA | MB)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a merge supports masking: nothing is dropped, no warning
        assert getattr(layers, name)()([_masked(a, MA), gn.ops.convert_to_tensor(b)])._keras_mask is None


def test_add_subtract_average_values_ignore_the_masks(rng):
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    ta, tb = _masked(a, MA), _masked(b, MB)
    np.testing.assert_allclose(layers.Add()([ta, tb]).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(layers.Subtract()([ta, tb]).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose(layers.Average()([ta, tb]).numpy(), (a + b) / 2, rtol=1e-6)


def _keras_pairwise(op, xs, masks):
    """Keras' Merge._apply_merge_op_and_or_mask, in NumPy."""
    out, out_mask = xs[0], None if masks[0] is None else np.broadcast_to(masks[0][..., None], xs[0].shape)
    for x, mk in zip(xs[1:], masks[1:]):
        mk = None if mk is None else np.broadcast_to(mk[..., None], x.shape)
        if mk is not None:
            x = np.where(mk, x, out)
        if out_mask is not None:
            out = np.where(out_mask, out, x)
        out_mask = out_mask | mk if out_mask is not None and mk is not None else None
        out = op(out, x)
    return out


@pytest.mark.parametrize("name, op", [("Maximum", np.maximum), ("Minimum", np.minimum)])
@pytest.mark.parametrize("second_masked", [True, False])
def test_maximum_minimum_never_let_a_masked_value_win(rng, name, op, second_masked):
    xs = [rng.normal(size=(2, 4, 3)) for _ in range(3)]
    masks = [MA, MB if second_masked else None, MA ^ MB]
    out = getattr(layers, name)()([_masked(x, mk) for x, mk in zip(xs, masks)])
    np.testing.assert_allclose(out.numpy(), _keras_pairwise(op, xs, masks), rtol=1e-6)
    # a step masked in the first input but kept in the second takes the second's value alone
    ref = np.where(MA[..., None], op(xs[0], xs[1]), xs[1])
    two = getattr(layers, name)()([_masked(xs[0], MA), _masked(xs[1], np.ones_like(MA))])
    np.testing.assert_allclose(two.numpy(), ref, rtol=1e-6)


@pytest.mark.parametrize("both", [True, False])
def test_multiply_counts_masked_values_as_one(rng, both):
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    out = layers.Multiply()([_masked(a, MA), _masked(b, MB) if both else gn.ops.convert_to_tensor(b)])
    fa = np.where(MA[..., None], a, 1.0)
    fb = np.where(MB[..., None], b, 1.0) if both else b
    want = fa * fb
    if both:
        want = np.where((MA | MB)[..., None], want, 0.0)  # zero where every input is masked
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


@pytest.mark.parametrize("name", ["Maximum", "Minimum", "Multiply"])
def test_masked_merge_gradients_match_finite_differences(rng, name):
    gn.set_floatx("float64")
    xs = [rng.normal(size=(2, 4, 3)) for _ in range(3)]
    masks = [MA, MB, np.ones_like(MA)]
    layer = getattr(layers, name)()

    def fn(*ts):
        for t, mk in zip(ts, masks):
            t._keras_mask = mk
        return layer(list(ts))

    check_gradients(fn, xs)


def test_concatenate_joins_the_masks_as_keras_does(rng):
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 5))
    # features axis: an unmasked input counts as all True, so every step with any kept feature is kept
    out = layers.Concatenate()([_masked(a, MA), gn.ops.convert_to_tensor(b)])
    np.testing.assert_array_equal(out._keras_mask, np.ones_like(MA))
    np.testing.assert_array_equal(layers.Concatenate()([_masked(a, MA), _masked(b, MB)])._keras_mask, MA | MB)
    # time axis: the masks are joined end to end
    c = rng.normal(size=(2, 4, 3))
    out = layers.Concatenate(axis=1)([_masked(a, MA), _masked(c, MB)])
    assert out.shape == (2, 8, 3)
    np.testing.assert_array_equal(out._keras_mask, np.concatenate([MA, MB], axis=1))
    out = layers.Concatenate(axis=1)([_masked(a, MA), gn.ops.convert_to_tensor(c)])
    np.testing.assert_array_equal(out._keras_mask, np.concatenate([MA, np.ones_like(MA)], axis=1))
    assert layers.Concatenate()([gn.ops.convert_to_tensor(a), gn.ops.convert_to_tensor(b)])._keras_mask is None


def test_merge_mask_errors_name_the_layer(rng):
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    with pytest.raises(ValueError, match=r"Maximum layer 'maxi'.*\(3, 4\).*\(2, 4\)"):
        layers.Maximum(name="maxi")([_masked(a, np.ones((3, 4), bool)), gn.ops.convert_to_tensor(b)])
    with pytest.raises(ValueError, match="Add layer 'adder'.*does not fit"):
        layers.Add(name="adder")([_masked(a, MA), _masked(b, np.ones((2, 5), bool))])
    cat = layers.Concatenate(name="cat")
    with pytest.raises(ValueError, match="Concatenate layer 'cat'.*should be a list"):
        cat.compute_mask([a, b], MA)
    with pytest.raises(ValueError, match="Concatenate layer 'cat'.*same length"):
        cat.compute_mask([a, b], [MA])


# -- attention -------------------------------------------------------------------------------------------------

def _mha_reference(mha, q, v, k, mask):
    """Keras' MultiHeadAttention in NumPy: projections, masked softmax (0 where masked), output projection."""
    w = {x.name: x.numpy() for x in mha.weights}
    qh = np.einsum("btd,dhk->bhtk", q, w["query_kernel"]) + w["query_bias"][None, :, None]
    kh = np.einsum("btd,dhk->bhtk", k, w["key_kernel"]) + w["key_bias"][None, :, None]
    vh = np.einsum("btd,dhk->bhtk", v, w["value_kernel"]) + w["value_bias"][None, :, None]
    s = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(mha.key_dim)
    s = np.where(mask[:, None], s, -1e9)
    a = np.exp(s - s.max(-1, keepdims=True))
    a = np.where(mask[:, None], a / a.sum(-1, keepdims=True), 0.0)
    o = a @ vh
    return np.einsum("bhtk,hko->bto", o, w["output_kernel"]) + w["output_bias"], a


def test_mha_combines_the_riding_masks_with_attention_and_causal_masks(rng):
    gn.set_floatx("float64")
    q, v, k = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))
    qm, vm = np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    km = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 1, 0]], bool)
    am = rng.random((2, 3, 5)) > 0.3
    mha = layers.MultiHeadAttention(2, 3)
    mha(q, v)
    causal = np.tril(np.ones((3, 5), bool))  # Keras: key j visible to query i when j <= i, also for T_q != T_k
    for kw, key, mask in [
        ({}, None, qm[:, :, None] & vm[:, None]),
        ({"attention_mask": am}, None, am & qm[:, :, None] & vm[:, None]),
        ({"use_causal_mask": True}, k, qm[:, :, None] & vm[:, None] & km[:, None] & causal),
    ]:
        out, a = mha(_masked(q, qm), _masked(v, vm), None if key is None else _masked(key, km),
                     return_attention_scores=True, **kw)
        want, want_a = _mha_reference(mha, q, v, v if key is None else key, mask)
        np.testing.assert_allclose(a.numpy(), want_a, atol=1e-12)
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(out._keras_mask, qm)  # the output carries the query's mask
    # the same masks given as arguments instead of riding on the tensors
    out = mha(q, v, k, query_mask=qm, value_mask=vm, key_mask=km)
    want, _ = _mha_reference(mha, q, v, k, qm[:, :, None] & vm[:, None] & km[:, None])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(out._keras_mask, qm)
    assert mha(q, v)._keras_mask is None


def test_mha_gradients_with_riding_masks_match_finite_differences(rng):
    gn.set_floatx("float64")
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    qm, vm = np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    mha = layers.MultiHeadAttention(2, 3)
    mha(q, v)

    def fn(a, b, *w):
        a._keras_mask, b._keras_mask = qm, vm
        return mha(a, b, use_causal_mask=True)

    check_gradients(fn, [q, v] + list(mha.weights))


def test_mha_mask_errors_name_the_layer(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    mha = layers.MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(ValueError, match=r"MultiHeadAttention 'mha': value_mask must be .*\(2, 5\).*\(2, 4\)"):
        mha(q, _masked(v, np.ones((2, 4), bool)))
    with pytest.raises(ValueError, match="MultiHeadAttention 'mha': query_mask"):
        mha(q, v, query_mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="MultiHeadAttention 'mha': attention_mask of shape"):
        mha(q, v, attention_mask=np.ones((2, 3, 4), bool))


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_score_attention_uses_mask_lists_and_riding_masks_as_keras(rng, name):
    gn.set_floatx("float64")
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    qm, vm = np.array([[1, 1, 0], [1, 0, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    layer = getattr(layers, name)()
    _, a0 = layer([q, v], return_attention_scores=True)
    explicit, a = layer([q, v], mask=[qm, vm], return_attention_scores=True, use_causal_mask=True)
    riding = layer([_masked(q, qm), _masked(v, vm)], use_causal_mask=True)
    # reference: the unmasked scores, recovered from the unmasked weights (log A = S - logsumexp)
    s = np.log(a0.numpy())
    keys = vm[:, None] & np.tril(np.ones((3, 5), bool))
    w = np.where(keys, np.exp(s - s.max(-1, keepdims=True)), 0.0)
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(a.numpy(), w, atol=1e-12)
    want = np.where(qm[..., None], w @ v, 0.0)  # masked queries give 0
    np.testing.assert_allclose(explicit.numpy(), want, atol=1e-12)
    np.testing.assert_allclose(riding.numpy(), want, atol=1e-12)
    np.testing.assert_array_equal(explicit._keras_mask, qm)
    np.testing.assert_array_equal(riding._keras_mask, qm)
    np.testing.assert_array_equal(layer.compute_mask([q, v], [qm, vm]), qm)
    assert layer.compute_mask([q, v], None) is None


def test_score_attention_mask_errors_name_the_layer(rng):
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    att = layers.Attention(name="att")
    with pytest.raises(ValueError, match="Attention 'att': mask must be a list"):
        att([q, v], mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="Attention 'att': mask must be a list of length 2 or 3"):
        att([q, v], mask=[np.ones((2, 3), bool)])
    with pytest.raises(ValueError, match=r"Attention 'att': value_mask must be .*\(2, 5\)"):
        att([q, v], mask=[None, np.ones((2, 3), bool)])


# -- pooling ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling_1d_averages_the_kept_steps(rng, keepdims):
    x = rng.normal(size=(2, 4, 3))
    layer = layers.GlobalAveragePooling1D(keepdims=keepdims)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer(_masked(x, MA))
    want = (x * MA[..., None]).sum(1, keepdims=keepdims) / MA.sum(1).reshape((2, 1, 1) if keepdims else (2, 1))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    assert out._keras_mask is None  # the time axis is gone: no mask after it (Keras' compute_mask)
    np.testing.assert_allclose(layer(x, mask=MA).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(layer(x).numpy(), x.mean(1, keepdims=keepdims), rtol=1e-6)
    with np.errstate(invalid="ignore"):
        assert np.isnan(layer(x, mask=np.zeros_like(MA)).numpy()).all()  # 0 / 0, as Keras


def test_global_average_pooling_1d_masked_gradient_and_errors(rng):
    gn.set_floatx("float64")
    layer = layers.GlobalAveragePooling1D(name="gap")
    check_gradients(lambda t: layer(t, mask=MA), [rng.normal(size=(2, 4, 3))])
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D 'gap': the mask must be \(batch, steps\)"):
        layer(rng.normal(size=(2, 4, 3)), mask=np.ones((2, 3), bool))


@pytest.mark.parametrize("make", [lambda: layers.GlobalMaxPooling1D(), lambda: layers.Flatten(),
                                  lambda: layers.MaxPooling1D(2), lambda: layers.Reshape((12,))])
def test_layers_without_mask_support_drop_it_with_a_warning(rng, make):
    x = rng.normal(size=(2, 4, 3))
    layer = make()
    with pytest.warns(UserWarning, match="does not support masking"):
        out = layer(_masked(x, MA))
    assert out._keras_mask is None
    np.testing.assert_allclose(out.numpy(), layer(x).numpy())  # the mask changes nothing: max over every step


# -- normalization ---------------------------------------------------------------------------------------------

def test_batch_normalization_uses_the_mask_for_its_training_moments(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.5)
    out = bn(_masked(x, MA), training=True)
    w = MA[..., None]
    n = MA.sum() + 1e-7
    mu = (x * w).sum((0, 1)) / n
    var = (((x - mu) * w) ** 2).sum((0, 1)) / n
    np.testing.assert_allclose(out.numpy(), (x - mu) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * mu, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5)
    np.testing.assert_array_equal(out._keras_mask, MA)  # the mask passes on
    inference = bn(_masked(x, MA), training=False)  # the moving statistics: the mask does not matter
    np.testing.assert_allclose(inference.numpy(), bn(x, training=False).numpy())


def test_masked_batch_normalization_gradients_match_finite_differences(rng):
    gn.set_floatx("float64")
    bn = layers.BatchNormalization()
    bn(rng.normal(size=(2, 4, 3)))
    for wt in (bn.gamma, bn.beta):
        wt.assign(rng.normal(size=wt.shape))
    check_gradients(lambda t, *w: bn(t, training=True, mask=MA), [rng.normal(size=(2, 4, 3)), bn.gamma, bn.beta])


def test_batch_normalization_mask_error_names_the_layer(rng):
    bn = layers.BatchNormalization(name="bn")
    with pytest.raises(ValueError, match="BatchNormalization 'bn': the mask must be one axis shorter"):
        bn(rng.normal(size=(2, 4, 3)), training=True, mask=np.ones((2, 4, 3), bool))


def test_layer_normalization_and_elementwise_layers_pass_the_mask_on(rng):
    x = _masked(rng.normal(size=(2, 4, 3)), MA)
    for layer in (layers.LayerNormalization(), layers.Dense(2), layers.Dropout(0.5), layers.Activation("tanh")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(layer(x)._keras_mask, MA)


# -- symbolic tensors (Functional construction) ----------------------------------------------------------------

def test_symbolic_tensors_carry_the_mask_through_a_functional_graph(tmp_path):
    inp = gn.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inp)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, None) and x._keras_mask.dtype == bool
    seq = layers.LSTM(3, return_sequences=True)(x)
    assert seq._keras_mask is not None
    att = layers.MultiHeadAttention(2, 2)(seq, seq)
    assert att._keras_mask is not None
    merged = layers.Add()([seq, layers.Dense(3)(att)])
    assert merged._keras_mask is not None
    pooled = layers.GlobalAveragePooling1D()(merged)
    assert pooled._keras_mask is None and inp._keras_mask is None
    assert layers.Masking()(gn.Input(shape=(5, 2)))._keras_mask.shape == (None, 5)
    model = gn.Model(inp, [merged, pooled])
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    seq_out, pooled_out = model(ids)
    np.testing.assert_array_equal(seq_out._keras_mask, ids != 0)
    # the pooled output averages the kept steps only, as in an eager run of the same layers
    want = (seq_out.numpy() * (ids != 0)[..., None]).sum(1) / (ids != 0).sum(1, keepdims=True)
    np.testing.assert_allclose(pooled_out.numpy(), want, rtol=1e-5)
    path = str(tmp_path / "masked.keras")
    model.save(path)
    loaded = gn.models.load_model(path)
    seq2, pooled2 = loaded(ids)
    np.testing.assert_allclose(pooled2.numpy(), pooled_out.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(seq2._keras_mask, ids != 0)
    padded = np.array([[3, 1, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0]])  # more padding changes nothing
    np.testing.assert_allclose(loaded(padded)[1].numpy(), pooled_out.numpy(), rtol=1e-5)


def test_a_symbolic_mask_is_a_graph_tensor_that_layers_can_take(tmp_path):
    inp = gn.Input(shape=(None,), dtype="int32")
    masked = layers.Embedding(10, 4, mask_zero=True)(inp)
    mask = masked._keras_mask
    assert mask is masked._keras_mask and mask.dtype == bool and mask.shape == (None, None)
    out = layers.LSTM(3)(layers.Embedding(10, 4)(inp), mask=mask)  # another embedding, with no mask of its own
    model = gn.Model(inp, out)
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0]])
    want = model(ids).numpy()
    # the mask is read at run time: more padding changes nothing
    np.testing.assert_allclose(model(np.pad(ids, ((0, 0), (0, 3)))).numpy(), want, rtol=1e-6)
    path = str(tmp_path / "explicit_mask.keras")
    model.save(path)
    np.testing.assert_allclose(gn.models.load_model(path)(ids).numpy(), want, rtol=1e-6)


# -- real Keras as the oracle ----------------------------------------------------------------------------------

_KERAS_SCRIPT = r"""
import json, os, sys
os.environ["KERAS_BACKEND"] = "torch"
import numpy as np, keras, torch
from keras.src import backend
torch.set_grad_enabled(False)
data = json.loads(sys.stdin.read())
a, b, ma, mb = (np.asarray(data[k], dtype="float32") for k in ("a", "b", "ma", "mb"))
ma, mb = ma.astype(bool), mb.astype(bool)
def t(x, m=None):
    x = keras.ops.convert_to_tensor(x)
    if m is not None:
        backend.set_keras_mask(x, keras.ops.convert_to_tensor(m))
    return x
res = {}
for name in ("Maximum", "Minimum", "Multiply", "Concatenate"):
    out = getattr(keras.layers, name)()([t(a, ma), t(b, mb)])
    res[name] = np.asarray(out).tolist()
    res[name + "_mask"] = np.asarray(out._keras_mask).tolist()
res["gap"] = np.asarray(keras.layers.GlobalAveragePooling1D()(t(a, ma))).tolist()
bn = keras.layers.BatchNormalization(momentum=0.5)
res["bn"] = np.asarray(bn(t(a, ma), training=True)).tolist()
res["bn_moving"] = np.asarray(bn.moving_variance).tolist()
print(json.dumps(res))
"""


def test_masks_match_real_keras(rng):
    # Not imported here: Keras picks its backend at import time (torch, in the subprocess below).
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("real Keras (with PyTorch) is not installed")
    a, b = rng.normal(size=(2, 4, 3)).astype("float32"), rng.normal(size=(2, 4, 3)).astype("float32")
    payload = json.dumps({"a": a.tolist(), "b": b.tolist(), "ma": MA.tolist(), "mb": MB.tolist()})
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.run([sys.executable, "-c", _KERAS_SCRIPT], input=payload, capture_output=True, text=True,
                          env=env, timeout=300)
    if proc.returncode != 0:
        pytest.skip(f"real Keras could not run: {proc.stderr[-300:]}")
    ref = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("Maximum", "Minimum", "Multiply", "Concatenate"):
        out = getattr(layers, name)()([_masked(a, MA), _masked(b, MB)])
        np.testing.assert_allclose(out.numpy(), ref[name], rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(out._keras_mask, ref[name + "_mask"])
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(_masked(a, MA)).numpy(), ref["gap"], rtol=1e-5)
    bn = layers.BatchNormalization(momentum=0.5)
    np.testing.assert_allclose(bn(_masked(a, MA), training=True).numpy(), ref["bn"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), ref["bn_moving"], rtol=1e-5)
