"""The fused Conv2D(relu) + MaxPooling2D(2) op equals the two layers run separately, values and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as keras
from glassnet import layers
from glassnet.engine.ops import conv as C
from glassnet.engine.ops import fused as F
from glassnet.engine.ops import nn
from glassnet.engine.ops import pooling as P
from glassnet.engine.tensor import GradientTape, Tensor, Variable
from glassnet.models import fusion

CASES = [
    # input shape, kernel shape, padding, strides, dilation
    ((3, 28, 28, 1), (3, 3, 1, 8), "valid", 1, 1),
    ((4, 13, 13, 6), (3, 3, 6, 5), "valid", 1, 1),      # odd conv output (11): last row/column dropped
    ((2, 9, 10, 3), (3, 3, 3, 4), "same", 1, 1),
    ((2, 12, 11, 4), (5, 3, 4, 6), "valid", 2, 1),
    ((2, 14, 14, 2), (3, 3, 2, 3), "same", 1, 2),
]


def _pair_of_results(case, block: int | None = None, seed: int = 0):
    shape, kshape, padding, strides, dilation = case
    rng = np.random.default_rng(seed)
    x = Variable(rng.normal(size=shape), dtype="float64")
    w = Variable(rng.normal(size=kshape) * 0.4, dtype="float64")
    b = Variable(rng.normal(size=kshape[-1]) * 0.1, dtype="float64")
    saved = F.FUSED_BLOCK
    if block is not None:
        F.FUSED_BLOCK = block
    try:
        with GradientTape(persistent=True) as tape:
            separate = P.max_pool2d(nn.relu(C.conv2d(x, w, b, strides, padding, dilation)), 2)
            fused = F.conv2d_relu_max_pool(x, w, b, strides, padding, dilation)
            g = Tensor(rng.normal(size=separate.shape))
            loss_separate = (separate * g).sum()
            loss_fused = (fused * g).sum()
        return (separate, tape.gradient(loss_separate, [x, w, b])), (fused, tape.gradient(loss_fused, [x, w, b]))
    finally:
        F.FUSED_BLOCK = saved


@pytest.mark.parametrize("case", CASES, ids=[str(c[0]) + c[2] for c in CASES])
@pytest.mark.parametrize("block", [None, 64])  # 64 values per chunk: one sample per chunk
def test_fused_equals_separate_ops(case, block) -> None:
    (a, grads_a), (b, grads_b) = _pair_of_results(case, block)
    assert a.shape == b.shape
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-12, atol=1e-12)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_allclose(gb, ga, rtol=1e-10, atol=1e-12)


def test_fused_matches_torch() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 11, 12, 4))
    w = rng.normal(size=(3, 3, 4, 5)) * 0.3
    b = rng.normal(size=5) * 0.1
    gx, gw, gb = (Variable(a, dtype="float64") for a in (x, w, b))
    with GradientTape() as tape:
        out = F.conv2d_relu_max_pool(gx, gw, gb)
        loss = (out * out).sum()
    grads = tape.gradient(loss, [gx, gw, gb])
    tx = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    tw = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(tx, tw, tb)), 2)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12)
    np.testing.assert_allclose(grads[0], tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[1], tw.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[2], tb.grad.numpy(), rtol=1e-10)


def test_ties_go_to_the_first_cell_like_max_pool() -> None:
    # A 1x1 identity convolution of an image whose 2x2 windows hold equal positive values.
    x = Variable(np.array([[[[2.0], [2.0]], [[2.0], [1.0]]]]), dtype="float64")
    w = Variable(np.ones((1, 1, 1, 1)), dtype="float64")
    with GradientTape() as tape:
        loss = F.conv2d_relu_max_pool(x, w).sum()
    np.testing.assert_array_equal(tape.gradient(loss, x)[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])


def _convnet(fuse: bool) -> keras.Sequential:
    keras.utils.set_random_seed(5)
    model = keras.Sequential([
        keras.Input(shape=(12, 12, 2)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(3, 2, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])
    model.fuse_layers = fuse
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    return model


def test_sequential_fusion_trains_identically_and_keeps_the_layers(monkeypatch) -> None:
    calls = []
    original = fusion.conv2d_relu_max_pool
    monkeypatch.setattr(fusion, "conv2d_relu_max_pool", lambda *a, **k: calls.append(1) or original(*a, **k))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 12, 12, 2)).astype("float32")
    y = rng.integers(0, 3, 20)
    fused, separate = _convnet(True), _convnet(False)
    for model in (fused, separate):
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert calls, "the fused op was not used"
    for a, b in zip(fused.get_weights(), separate.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused.predict(x, verbose=0), separate.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in fused.layers][:2] == ["Conv2D", "MaxPooling2D"]
    assert fused.count_params() == separate.count_params()


@pytest.mark.parametrize("conv,pool", [
    (layers.Conv2D(2, 3, activation="tanh"), layers.MaxPooling2D(2)),
    (layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(3)),
    (layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(2, padding="same")),
    (layers.Conv2D(2, 3, activation="relu"), layers.AveragePooling2D(2)),
    (layers.Conv2D(2, 3, activation="relu", activity_regularizer="l2"), layers.MaxPooling2D(2)),
])
def test_other_patterns_are_not_fused(conv, pool) -> None:
    keras.Sequential([keras.Input(shape=(8, 8, 1)), conv, pool])
    assert not fusion.can_fuse(conv, pool)


def test_fused_path_still_reports_bad_input_shapes() -> None:
    model = _convnet(True)
    with pytest.raises(ValueError, match=r"expected shape \(None, 12, 12, 2\)"):
        model.predict(np.zeros((2, 12, 12, 3), "float32"), verbose=0)


def _functional_convnet(fuse: bool, branch: bool = False) -> keras.Model:
    keras.utils.set_random_seed(6)
    inputs = keras.Input(shape=(12, 12, 2))
    conv = layers.Conv2D(4, 3, activation="relu")(inputs)
    pooled = layers.MaxPooling2D(2)(conv)
    features = layers.Flatten()(pooled)
    if branch:  # the conv output is used twice: this pair must not be fused
        features = layers.Concatenate()([features, layers.Flatten()(conv)])
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(features))
    model.fuse_layers = fuse
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("branch", [False, True])
def test_functional_fusion_trains_identically(branch: bool, monkeypatch) -> None:
    calls = []
    original = fusion.conv2d_relu_max_pool
    monkeypatch.setattr(fusion, "conv2d_relu_max_pool", lambda *a, **k: calls.append(1) or original(*a, **k))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 12, 12, 2)).astype("float32")
    y = rng.integers(0, 3, 16)
    fused, separate = _functional_convnet(True, branch), _functional_convnet(False, branch)
    for model in (fused, separate):
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert bool(calls) is not branch
    for a, b in zip(fused.get_weights(), separate.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# --- the plan: built once per model, rebuilt when the layers or fuse_layers change -----------------------------
def test_sequential_plan_is_built_once_and_follows_fuse_layers_and_the_layer_list() -> None:
    model = _convnet(True)
    plan = model._forward_plan()
    assert [type(step).__name__ for step in plan] == ["FusedPair", "FusedPair", "Flatten", "Dense"]
    assert plan[0].conv is model.layers[0] and plan[0].pool is model.layers[1]
    assert model._forward_plan() is plan  # reused, not decided again on every forward
    model.fuse_layers = False
    assert model._forward_plan() == model.layers  # every layer on its own, e.g. to step through them
    model.fuse_layers = True
    assert isinstance(model._forward_plan()[1], fusion.FusedPair)
    model.pop()
    assert [type(step).__name__ for step in model._forward_plan()] == ["FusedPair", "FusedPair", "Flatten"]
    model.add(layers.Dense(2))
    assert model._forward_plan()[-1] is model.layers[-1]


def test_sequential_without_input_fuses_once_its_layers_are_built() -> None:
    model = keras.Sequential([layers.Conv2D(2, 3, activation="relu"), layers.MaxPooling2D(2)])
    assert model._forward_plan() == model.layers  # shapes unknown: nothing to fuse yet
    out = model(np.ones((1, 6, 6, 1), "float32"))
    assert [type(step).__name__ for step in model._forward_plan()] == ["FusedPair"]
    np.testing.assert_allclose(model(np.ones((1, 6, 6, 1), "float32")).numpy(), out.numpy(), rtol=1e-6)


@pytest.mark.parametrize("branch", [False, True])
def test_functional_plan_replaces_the_pair_by_one_step(branch: bool) -> None:
    model = _functional_convnet(True, branch)
    kinds = [type(step.layer).__name__ for step in model._forward_plan()]
    unfused = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == (unfused if branch else ["FusedPair"] + unfused[2:])
    model.fuse_layers = False
    assert [type(step.layer).__name__ for step in model._forward_plan()] == unfused
