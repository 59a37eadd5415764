"""Convolutional networks end to end: the three model APIs, get/set_weights, optimizer steps against
PyTorch from identical weights, the spatial layers, config round trips and the ``--model cnn`` demo."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import layers
from glassnet.engine.tensor import GradientTape, Variable


def simple_convnet_layers():
    return [layers.Conv2D(32, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")]


class SubclassedConvnet(gn.Model):
    def __init__(self):
        super().__init__()
        self.blocks = simple_convnet_layers()

    def call(self, x, training=None):
        for layer in self.blocks:
            x = layer(x, training=training)
        return x


def test_simple_convnet_in_all_three_apis_has_keras_shapes_params_and_shares_weights(capsys):
    seq = gn.Sequential([gn.Input(shape=(28, 28, 1))] + simple_convnet_layers())
    inp = gn.Input(shape=(28, 28, 1))
    x = inp
    for layer in simple_convnet_layers():
        x = layer(x)
    func = gn.Model(inp, x)
    sub = SubclassedConvnet()
    images = np.random.default_rng(0).random((5, 28, 28, 1)).astype("float32")
    sub(images)
    for model in (seq, func, sub):
        assert model.count_params() == 34_826
    seq.summary()
    text = capsys.readouterr().out
    for shape in ("(None, 26, 26, 32)", "(None, 13, 13, 32)", "(None, 11, 11, 64)", "(None, 5, 5, 64)",
                  "(None, 1600)", "34,826"):
        assert shape in text
    weights = seq.get_weights()
    assert [w.shape for w in weights] == [(3, 3, 1, 32), (32,), (3, 3, 32, 64), (64,), (1600, 10), (10,)]
    func.set_weights(weights)
    sub.set_weights(weights)
    expected = seq.predict(images, verbose=0)
    np.testing.assert_allclose(func.predict(images, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(sub.predict(images, verbose=0), expected, rtol=1e-6)


def _torch_twin(kmodel):
    """The same small CNN in PyTorch, weights copied from the glassnet model (NHWC -> NCHW)."""
    w = kmodel.get_weights()
    net = torch.nn.ModuleDict({
        "c1": torch.nn.Conv2d(2, 4, 3, stride=2, bias=False), "bn": torch.nn.BatchNorm2d(4, eps=1e-3, momentum=0.01),
        "c2": torch.nn.Conv2d(4, 6, (2, 3)), "t": torch.nn.ConvTranspose2d(6, 3, 2, stride=2),
        "d": torch.nn.Linear(3, 5)}).double()
    with torch.no_grad():
        net["c1"].weight.copy_(torch.tensor(w[0].transpose(3, 2, 0, 1)))
        net["bn"].weight.copy_(torch.tensor(w[1]))
        net["bn"].bias.copy_(torch.tensor(w[2]))
        net["c2"].weight.copy_(torch.tensor(w[5].transpose(3, 2, 0, 1)))
        net["c2"].bias.copy_(torch.tensor(w[6]))
        net["t"].weight.copy_(torch.tensor(w[7].transpose(3, 2, 0, 1)))
        net["t"].bias.copy_(torch.tensor(w[8]))
        net["d"].weight.copy_(torch.tensor(w[9].T))
        net["d"].bias.copy_(torch.tensor(w[10]))
    return net


def _torch_forward(net, x):
    h = x.permute(0, 3, 1, 2)
    h = F.pad(h, (1, 1, 1, 1))                                  # TF 'same' for 9x9, k3, s2: one on each side
    h = torch.relu(net["bn"](net["c1"](h)))
    h = F.max_pool2d(F.pad(h, (0, 1, 0, 1), value=-np.inf), 2)  # 'same' 2x2 pooling of 5x5
    h = torch.tanh(net["c2"](h))
    h = net["t"](h)
    return net["d"](h.mean(dim=(2, 3)))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_optimizer_steps_match_torch_from_identical_weights(optimizer):
    gn.set_floatx("float64")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 9, 9, 2))
    y = rng.integers(0, 5, size=6)
    model = gn.Sequential([
        gn.Input(shape=(9, 9, 2)),
        # no bias before BatchNormalization: its gradient is exactly 0, and Adam with epsilon 0 would divide 0 by 0
        layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False), layers.BatchNormalization(momentum=0.99),
        layers.Activation("relu"), layers.MaxPooling2D(2, padding="same"),
        layers.Conv2D(6, (2, 3), activation="tanh"), layers.Conv2DTranspose(3, 2, strides=2),
        layers.GlobalAveragePooling2D(), layers.Dense(5)])
    net = _torch_twin(model)
    if optimizer == "sgd":
        opt, topt = gn.optimizers.SGD(0.1), torch.optim.SGD(net.parameters(), lr=0.1)
    else:
        # epsilon 0: Keras adds epsilon to sqrt(v) before bias correction, PyTorch after it.
        opt, topt = gn.optimizers.Adam(0.01, epsilon=0.0), torch.optim.Adam(net.parameters(), lr=0.01, eps=0.0)
    model.compile(optimizer=opt, loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True))
    tx, ty = torch.tensor(x), torch.tensor(y)
    for _ in range(3):
        model.train_on_batch(x, y)
        topt.zero_grad()
        F.cross_entropy(_torch_forward(net, tx), ty).backward()
        topt.step()
    w = model.get_weights()
    assert all(np.isfinite(a).all() for a in w)
    np.testing.assert_allclose(w[0], net["c1"].weight.detach().numpy().transpose(2, 3, 1, 0), atol=1e-9)
    np.testing.assert_allclose(w[1], net["bn"].weight.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(w[2], net["bn"].bias.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(w[3], net["bn"].running_mean.numpy(), atol=1e-9)
    np.testing.assert_allclose(w[5], net["c2"].weight.detach().numpy().transpose(2, 3, 1, 0), atol=1e-9)
    np.testing.assert_allclose(w[6], net["c2"].bias.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(w[7], net["t"].weight.detach().numpy().transpose(2, 3, 1, 0), atol=1e-9)
    np.testing.assert_allclose(w[8], net["t"].bias.detach().numpy(), atol=1e-9)
    np.testing.assert_allclose(w[9], net["d"].weight.detach().numpy().T, atol=1e-9)
    net.eval()
    np.testing.assert_allclose(model.predict(x, verbose=0), _torch_forward(net, tx).detach().numpy(),
                               atol=1e-3)  # loose only because the moving variances differ (biased vs unbiased)


# --- spatial layers ---------------------------------------------------------------------------------
def _grad_of(layer, x):
    v = Variable(x, dtype="float64")
    with GradientTape() as tape:
        out = layer(v)
        r = np.random.default_rng(2).normal(size=out.shape)
        total = (out * r).sum()
    return out.numpy(), tape.gradient(total, v), r


@pytest.mark.parametrize("interpolation,size", [("nearest", (2, 2)), ("nearest", (2, 3)), ("bilinear", (2, 2)),
                                                ("bilinear", (3, 2))])
def test_upsampling2d_matches_torch(interpolation, size):
    gn.set_floatx("float64")
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3))
    out, grad, r = _grad_of(layers.UpSampling2D(size, interpolation=interpolation), x)
    tx = torch.tensor(x, requires_grad=True)
    kwargs = {"align_corners": False} if interpolation == "bilinear" else {}
    ty = F.interpolate(tx.permute(0, 3, 1, 2), scale_factor=size, mode=interpolation, **kwargs).permute(0, 2, 3, 1)
    (ty * torch.tensor(r)).sum().backward()
    assert out.shape == (2, 4 * size[0], 5 * size[1], 3)
    np.testing.assert_allclose(out, ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(grad, tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("padding,expected", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                              (((0, 1), (2, 3)), ((0, 1), (2, 3)))])
def test_zero_padding_and_cropping_are_adjoint(padding, expected):
    gn.set_floatx("float64")
    x = np.random.default_rng(4).normal(size=(2, 4, 5, 3))
    pad = layers.ZeroPadding2D(padding)
    out, grad, r = _grad_of(pad, x)
    (t, b), (left, right) = expected
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (t, b), (left, right), (0, 0))))
    np.testing.assert_array_equal(grad, r[:, t:t + 4, left:left + 5, :])  # the gradient of padding is a crop
    crop = layers.Cropping2D(padding)
    back, cgrad, cr = _grad_of(crop, out)
    np.testing.assert_array_equal(back, x)
    np.testing.assert_array_equal(cgrad, np.pad(cr, ((0, 0), (t, b), (left, right), (0, 0))))


def test_spatial_layer_errors():
    with pytest.raises(ValueError, match=r"crop1.*removes everything"):
        layers.Cropping2D(2, name="crop1")(np.zeros((1, 4, 9, 1)))
    with pytest.raises(ValueError, match="negative"):
        layers.ZeroPadding2D(-1)
    with pytest.raises(ValueError, match="padding must be"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="bicubic")


# --- every exported convolutional-network layer survives get_config / from_config ------------------
CNN_LAYERS = {
    "Conv1D": (lambda: layers.Conv1D(3, 2), (2, 6, 2)),
    "Conv2D": (lambda: layers.Conv2D(3, 2, padding="same"), (2, 5, 5, 2)),
    "Conv2DTranspose": (lambda: layers.Conv2DTranspose(3, 2, strides=2), (2, 3, 3, 2)),
    "MaxPooling1D": (lambda: layers.MaxPooling1D(), (2, 6, 2)),
    "MaxPooling2D": (lambda: layers.MaxPooling2D(), (2, 6, 6, 2)),
    "AveragePooling1D": (lambda: layers.AveragePooling1D(), (2, 6, 2)),
    "AveragePooling2D": (lambda: layers.AveragePooling2D(), (2, 6, 6, 2)),
    "GlobalAveragePooling1D": (lambda: layers.GlobalAveragePooling1D(), (2, 6, 2)),
    "GlobalAveragePooling2D": (lambda: layers.GlobalAveragePooling2D(), (2, 6, 6, 2)),
    "GlobalMaxPooling1D": (lambda: layers.GlobalMaxPooling1D(), (2, 6, 2)),
    "GlobalMaxPooling2D": (lambda: layers.GlobalMaxPooling2D(), (2, 6, 6, 2)),
    "BatchNormalization": (lambda: layers.BatchNormalization(), (2, 6, 6, 2)),
    "UpSampling2D": (lambda: layers.UpSampling2D(), (2, 3, 3, 2)),
    "ZeroPadding2D": (lambda: layers.ZeroPadding2D(), (2, 3, 3, 2)),
    "Cropping2D": (lambda: layers.Cropping2D(1), (2, 4, 4, 2)),
}


@pytest.mark.parametrize("name", sorted(CNN_LAYERS))
def test_every_cnn_layer_is_exported_and_round_trips_its_config(name):
    make, shape = CNN_LAYERS[name]
    assert name in layers.__all__ and getattr(layers, name) is type(make())
    layer = make()
    x = np.random.default_rng(5).normal(size=shape).astype("float32")
    out = layer(x).numpy()
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(clone(x).numpy(), out, rtol=1e-6)


def test_cnn_demo_runs_from_the_command_line(tmp_path, capsys, monkeypatch):
    from glassnet.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["demo", "mnist", "--model", "cnn", "--samples", "256", "--epochs", "1", "--batch-size", "128",
                 "--verbose", "0", "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "simple_mnist_convnet" in text and "(None, 26, 26, 32)" in text and "34,826" in text
    assert "Test accuracy" in text and "Confusion matrix" in text


@pytest.mark.slow
def test_simple_convnet_learns_mnist():
    """End to end on real digits (a 12,000-image subset, one epoch): well above chance."""
    from glassnet.demo import build_cnn

    (x, y), (xt, yt) = gn.datasets.mnist.load_data()
    x, xt = (x[:12_000, ..., None] / 255.0).astype("float32"), (xt[:2000, ..., None] / 255.0).astype("float32")
    model = build_cnn()
    model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y[:12_000], batch_size=128, epochs=1, verbose=0)
    _, acc = model.evaluate(xt, yt[:2000], verbose=0)
    assert acc > 0.85  # (the benchmark's --accuracy run checks the full 2-epoch figure)
