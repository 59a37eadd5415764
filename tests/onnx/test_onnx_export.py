"""ONNX export: onnxruntime reproduces ``predict`` to 1e-5 for MLPs, CNNs, RNNs and Functional graphs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import glassnet as keras  # noqa: E402
from glassnet import layers  # noqa: E402
from glassnet.onnx import UnsupportedLayerError, export  # noqa: E402

RNG = np.random.default_rng(0)


def _run(model, xs, tmp_path, via_method=True):
    path = tmp_path / "model.onnx"
    if via_method:
        model.export(path, format="onnx", verbose=False)
    else:
        export(model, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})
    want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    want = list(want) if isinstance(want, (list, tuple)) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)
    return session


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


ACTIVATIONS = ["relu", "sigmoid", "tanh", "softplus", "softsign", "exponential", "leaky_relu", "elu", "selu",
               "hard_sigmoid", "softmax", "log_softmax", "silu", "mish", "gelu", "linear"]


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_activations(act, tmp_path):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation=act)])
    _run(model, [_x(3, 5)], tmp_path)


def test_mlp_with_dropout_batchnorm_and_activation_layers(tmp_path):
    model = keras.Sequential([
        keras.Input((6,)), layers.Dense(8), layers.BatchNormalization(), layers.ReLU(max_value=1.5),
        layers.Dropout(0.5), layers.Dense(8), layers.LeakyReLU(0.1), layers.Dense(8), layers.ELU(0.7),
        layers.PReLU(), layers.ReLU(negative_slope=0.1, threshold=0.2), layers.LayerNormalization(),
        layers.Reshape((2, 4)), layers.Flatten(), layers.Dense(3, use_bias=False), layers.Softmax(),
    ])
    bn = model.layers[1]
    bn.moving_mean.assign(RNG.normal(size=8).astype("float32"))
    bn.moving_variance.assign(RNG.uniform(0.5, 2, size=8).astype("float32"))
    session = _run(model, [_x(4, 6)], tmp_path)
    assert session.get_inputs()[0].shape[0] == "batch"  # any batch size runs


def test_functional_several_inputs_outputs_and_merges(tmp_path):
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(4, activation="tanh")])
    shared = inner(a)
    merged = [layers.Add()([shared, b]), layers.Subtract()([shared, b]), layers.Multiply()([shared, b]),
              layers.Average()([shared, b, a]), layers.Maximum()([shared, b]), layers.Minimum()([shared, b])]
    cat = layers.Concatenate()(merged)
    out1 = layers.Dense(2, name="head1")(cat)
    out2 = layers.Dense(1, activation="sigmoid", name="head2")(layers.Concatenate(axis=1)([a, cat]))
    model = keras.Model([a, b], [out1, out2])
    session = _run(model, [_x(3, 4), _x(3, 4)], tmp_path, via_method=False)
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    assert [o.name for o in session.get_outputs()] == ["head1", "head2"]


@pytest.mark.parametrize("padding,strides,dilation", [("same", 2, 1), ("valid", 1, 2), ("same", 1, 2),
                                                      ("valid", 2, 1)])
def test_conv2d_and_pooling(padding, strides, dilation, tmp_path):
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        layers.Conv2D(4, 3, padding=padding, strides=strides, dilation_rate=dilation, activation="relu"),
        layers.MaxPooling2D(2, padding="same"), layers.Conv2D(3, (2, 1), padding="same"),
        layers.AveragePooling2D(2, strides=1, padding=padding), layers.GlobalMaxPooling2D(),
    ])
    _run(model, [_x(2, 9, 9, 3)], tmp_path)


def test_conv2d_transpose_and_spatial_layers(tmp_path):
    model = keras.Sequential([
        keras.Input((5, 6, 2)), layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
        layers.Conv2DTranspose(2, (2, 3), strides=(1, 2), padding="valid", activation="sigmoid"),
        layers.Conv2DTranspose(2, 3, strides=2, padding="valid", output_padding=1),
        layers.ZeroPadding2D(((1, 2), (0, 1))), layers.Cropping2D(((2, 0), (1, 1))), layers.UpSampling2D((2, 3)),
        layers.GlobalAveragePooling2D(keepdims=True), layers.Flatten(),
    ])
    _run(model, [_x(2, 5, 6, 2)], tmp_path)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_and_1d_pooling(padding, tmp_path):
    model = keras.Sequential([
        keras.Input((12, 3)), layers.Conv1D(4, 3, padding=padding, dilation_rate=2, activation="elu"),
        layers.MaxPooling1D(2), layers.Conv1D(2, 2, strides=2, padding="same" if padding == "causal" else padding),
        layers.AveragePooling1D(2, padding="same"), layers.GlobalAveragePooling1D(),
    ])
    _run(model, [_x(2, 12, 3)], tmp_path)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("options", [{}, {"return_sequences": True}, {"go_backwards": True},
                                     {"go_backwards": True, "return_sequences": True},
                                     {"recurrent_activation": "hard_sigmoid", "activation": "relu"}])
def test_recurrent(cls, options, tmp_path):
    if cls == "SimpleRNN" and "recurrent_activation" in options:
        options = {"activation": "relu"}
    model = keras.Sequential([keras.Input((5, 3)), getattr(layers, cls)(4, **options)])
    rnn = model.layers[0]
    if rnn.bias is not None:  # non-zero biases, so that a wrong gate order shows
        rnn.bias.assign(RNG.normal(size=rnn.bias.shape).astype("float32"))
    _run(model, [_x(2, 5, 3)], tmp_path)


def test_recurrent_return_state_and_embedding(tmp_path):
    tokens = keras.Input((7,), dtype="int32")
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(layers.Embedding(11, 3)(tokens))
    out = layers.Dense(2)(layers.GRU(3)(seq))
    model = keras.Model(tokens, [out, h, c])
    _run(model, [RNG.integers(0, 11, (3, 7)).astype("int32")], tmp_path)


def test_unsupported_layer_is_named(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Lambda(lambda t: t * 2, name="doubler")])
    with pytest.raises(UnsupportedLayerError, match="'doubler' \\(Lambda\\)"):
        model.export(tmp_path / "m.onnx")
    masked = keras.Sequential([keras.Input((4,)), layers.Embedding(5, 2, mask_zero=True), layers.LSTM(2)])
    with pytest.raises(UnsupportedLayerError, match="mask_zero"):
        export(masked, tmp_path / "m.onnx")


def test_export_errors(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="no input shape"):
        model.export(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(tmp_path / "m", format="tf_saved_model")


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_bidirectional(cls, merge_mode, tmp_path):
    inputs = keras.Input((5, 3))
    seq = layers.Bidirectional(getattr(layers, cls)(4, return_sequences=True), merge_mode="concat")(inputs)
    last = layers.Bidirectional(getattr(layers, cls)(2), merge_mode=merge_mode)(seq)
    model = keras.Model(inputs, last)
    _run(model, [_x(2, 5, 3)], tmp_path)


def test_time_distributed(tmp_path):
    model = keras.Sequential([
        keras.Input((3, 6, 6, 2)), layers.TimeDistributed(layers.Conv2D(3, 3, padding="same", activation="relu")),
        layers.TimeDistributed(layers.Flatten()), layers.TimeDistributed(layers.Dense(4)), layers.LSTM(2),
    ])
    _run(model, [_x(2, 3, 6, 6, 2)], tmp_path)


def test_float64_model_and_a_sequential_built_without_input(tmp_path):
    keras.backend.set_floatx("float64")
    try:
        model = keras.Sequential([layers.Dense(3, activation="tanh"), layers.Dense(2)])
        model.build((None, 4))
        session = _run(model, [RNG.normal(size=(3, 4))], tmp_path)
        assert session.get_inputs()[0].type == "tensor(double)"
    finally:
        keras.backend.set_floatx("float32")


def test_subclassed_model_is_refused_clearly(tmp_path):
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    model(_x(1, 3))
    with pytest.raises(UnsupportedLayerError, match="subclassed model"):
        model.export(tmp_path / "m.onnx")

