"""The same models written once for either library: ``build(k)`` with ``k`` glassnet or Keras."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Inputs = Any


def _f32(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def mlp(k: Any) -> tuple[Any, Inputs]:
    m = k.Sequential([k.Input((6,)), k.layers.Dense(8, activation="relu"), k.layers.Dropout(0.2),
                      k.layers.Dense(3, activation="softmax")])
    return m, _f32(0, 5, 6)


def cnn(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    m = k.Sequential([k.Input((10, 10, 2)), L.Conv2D(4, 3, activation="relu"), L.BatchNormalization(),
                      L.MaxPooling2D(), L.Conv2D(3, 3, padding="same"), L.AveragePooling2D(2), L.Flatten(),
                      L.Dense(4)])
    return m, _f32(1, 3, 10, 10, 2)


def functional(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    a, b = k.Input((6,), name="a"), k.Input((4,), name="b")
    x, y = L.Dense(5, activation="tanh")(a), L.Dense(5)(b)
    z = L.Concatenate()([L.Concatenate()([x, y]), L.Add()([x, y])])
    return k.Model([a, b], L.Dense(1, activation="sigmoid")(z)), [_f32(2, 4, 6), _f32(3, 4, 4)]


def rnn(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    m = k.Sequential([k.Input((7,), dtype="int32"), L.Embedding(20, 4, mask_zero=True),
                      L.LSTM(5, return_sequences=True), L.GRU(3), L.Dense(2)])
    x = np.random.default_rng(4).integers(1, 20, size=(4, 7)).astype("int32")
    x[:, -2:] = 0  # padded: the mask must travel through both libraries' loaded models
    return m, x


def bidirectional(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    i = k.Input((5, 3))
    return k.Model(i, L.Dense(2)(L.Bidirectional(L.LSTM(4))(i))), _f32(5, 3, 5, 3)


def sequence_mix(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    m = k.Sequential([k.Input((6, 3)), L.SimpleRNN(4, return_sequences=True), L.TimeDistributed(L.Dense(2)),
                      L.Conv1D(3, 2), L.MaxPooling1D(), L.GlobalAveragePooling1D(), L.Dense(1)])
    return m, _f32(6, 2, 6, 3)


def transformer_block(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    q = k.Input((4, 6))
    x = L.LayerNormalization()(L.Add()([q, L.MultiHeadAttention(2, 3)(q, q)]))
    return k.Model(q, L.GlobalMaxPooling1D()(x)), _f32(7, 2, 4, 6)


def nested(k: Any) -> tuple[Any, Inputs]:
    L = k.layers
    inner = k.Sequential([k.Input((3,)), L.Dense(4, activation="elu"), L.LeakyReLU(negative_slope=0.1)])
    x = k.Input((3,))
    return k.Model(x, L.Dense(1)(inner(x))), _f32(8, 3, 3)


def residual(k: Any) -> tuple[Any, Inputs]:
    """A ResNet block: the shortcut's convolution has the main branch's shape, so if the two libraries
    numbered the layers differently (Keras orders by depth), weights would land swapped, silently."""
    L = k.layers
    x = k.Input((6, 6, 2))
    a = L.Conv2D(2, 3, padding="same", activation="relu")(x)
    b = L.Conv2D(2, 3, padding="same")(a)
    shortcut = L.Conv2D(2, 3, padding="same")(x)
    y = L.Activation("relu")(L.Add()([b, L.BatchNormalization()(shortcut)]))
    return k.Model(x, L.Dense(3)(L.GlobalAveragePooling2D()(y))), _f32(9, 2, 6, 6, 2)


MODELS: list[Callable[[Any], tuple[Any, Inputs]]] = [mlp, cnn, functional, rnn, bidirectional, sequence_mix,
                                                     transformer_block, nested, residual]


# -- one layer each: (label, make layer(k), input shapes, input dtype) ------------------------------------
def _seq(shape: tuple[int, ...], dtype: str = "float32") -> list[tuple[tuple[int, ...], str]]:
    return [(shape, dtype)]


LAYERS: list[tuple[str, Callable[[Any], Any], list[tuple[tuple[int, ...], str]]]] = [
    ("Dense", lambda k: k.layers.Dense(3, activation="relu"), _seq((4,))),
    ("Activation", lambda k: k.layers.Activation("tanh"), _seq((4,))),
    ("Dropout", lambda k: k.layers.Dropout(0.3), _seq((4,))),
    ("ELU", lambda k: k.layers.ELU(0.5), _seq((4,))),
    ("LeakyReLU", lambda k: k.layers.LeakyReLU(negative_slope=0.2), _seq((4,))),
    ("PReLU", lambda k: k.layers.PReLU(), _seq((4,))),
    ("ReLU", lambda k: k.layers.ReLU(max_value=6.0, negative_slope=0.1), _seq((4,))),
    ("Softmax", lambda k: k.layers.Softmax(), _seq((4,))),
    ("Flatten", lambda k: k.layers.Flatten(), _seq((2, 3))),
    ("Reshape", lambda k: k.layers.Reshape((3, 2)), _seq((6,))),
    ("Masking", lambda k: k.layers.Masking(0.0), _seq((5, 3))),
    ("Embedding", lambda k: k.layers.Embedding(10, 3), _seq((5,), "int32")),
    ("Conv1D", lambda k: k.layers.Conv1D(2, 3, padding="same", activation="relu"), _seq((6, 3))),
    ("Conv2D", lambda k: k.layers.Conv2D(2, 3, strides=2, use_bias=False), _seq((7, 7, 2))),
    ("Conv2DTranspose", lambda k: k.layers.Conv2DTranspose(2, 3, strides=2), _seq((4, 4, 2))),
    ("MaxPooling1D", lambda k: k.layers.MaxPooling1D(2), _seq((6, 3))),
    ("AveragePooling1D", lambda k: k.layers.AveragePooling1D(3, strides=1, padding="same"), _seq((6, 3))),
    ("MaxPooling2D", lambda k: k.layers.MaxPooling2D(2), _seq((6, 6, 2))),
    ("AveragePooling2D", lambda k: k.layers.AveragePooling2D((2, 3)), _seq((6, 6, 2))),
    ("GlobalAveragePooling1D", lambda k: k.layers.GlobalAveragePooling1D(), _seq((5, 3))),
    ("GlobalMaxPooling1D", lambda k: k.layers.GlobalMaxPooling1D(), _seq((5, 3))),
    ("GlobalAveragePooling2D", lambda k: k.layers.GlobalAveragePooling2D(), _seq((4, 4, 2))),
    ("GlobalMaxPooling2D", lambda k: k.layers.GlobalMaxPooling2D(keepdims=True), _seq((4, 4, 2))),
    ("Cropping2D", lambda k: k.layers.Cropping2D(((1, 0), (0, 2))), _seq((6, 6, 2))),
    ("UpSampling2D", lambda k: k.layers.UpSampling2D(2), _seq((3, 3, 2))),
    ("ZeroPadding2D", lambda k: k.layers.ZeroPadding2D(1), _seq((3, 3, 2))),
    ("BatchNormalization", lambda k: k.layers.BatchNormalization(momentum=0.9, epsilon=1e-3), _seq((4,))),
    ("LayerNormalization", lambda k: k.layers.LayerNormalization(), _seq((3, 4))),
    ("Rescaling", lambda k: k.layers.Rescaling(0.5, offset=1.0), _seq((4,))),
    ("Normalization", lambda k: k.layers.Normalization(mean=[0.5, 1.0, -1.0], variance=[1.0, 4.0, 0.25]),
     _seq((3,))),
    ("SimpleRNN", lambda k: k.layers.SimpleRNN(3), _seq((5, 2))),
    ("LSTM", lambda k: k.layers.LSTM(3, return_sequences=True), _seq((5, 2))),
    ("GRU", lambda k: k.layers.GRU(3, go_backwards=True), _seq((5, 2))),
    ("RNN(LSTMCell)", lambda k: k.layers.RNN(k.layers.LSTMCell(3)), _seq((5, 2))),
    ("RNN(stacked)", lambda k: k.layers.RNN([k.layers.SimpleRNNCell(2), k.layers.GRUCell(3)]), _seq((5, 2))),
    ("Bidirectional", lambda k: k.layers.Bidirectional(k.layers.GRU(2), merge_mode="sum"), _seq((5, 2))),
    ("TimeDistributed", lambda k: k.layers.TimeDistributed(k.layers.Dense(2)), _seq((4, 3))),
    ("MultiHeadAttention", lambda k: k.layers.MultiHeadAttention(2, 3, value_dim=2),
     [((4, 3), "float32"), ((5, 3), "float32")]),
    ("Attention", lambda k: k.layers.Attention(use_scale=True), [((4, 3), "float32"), ((5, 3), "float32")]),
    ("AdditiveAttention", lambda k: k.layers.AdditiveAttention(), [((4, 3), "float32"), ((5, 3), "float32")]),
    ("Add", lambda k: k.layers.Add(), [((4,), "float32")] * 2),
    ("Subtract", lambda k: k.layers.Subtract(), [((4,), "float32")] * 2),
    ("Multiply", lambda k: k.layers.Multiply(), [((4,), "float32")] * 2),
    ("Average", lambda k: k.layers.Average(), [((4,), "float32")] * 3),
    ("Maximum", lambda k: k.layers.Maximum(), [((4,), "float32")] * 2),
    ("Minimum", lambda k: k.layers.Minimum(), [((4,), "float32")] * 2),
    ("Concatenate", lambda k: k.layers.Concatenate(axis=1), [((2, 3), "float32"), ((4, 3), "float32")]),
]


def one_layer_model(k: Any, make: Callable[[Any], Any], inputs: list[tuple[tuple[int, ...], str]]) -> Any:
    """A Functional model applying the layer to its input(s)."""
    tensors = [k.Input(shape, dtype=dtype) for shape, dtype in inputs]
    layer = make(k)
    if len(tensors) == 1:
        out = layer(tensors[0])
    elif "Attention" in type(layer).__name__ and type(layer).__name__ != "MultiHeadAttention":
        out = layer(tensors)
    elif type(layer).__name__ == "MultiHeadAttention":
        out = layer(tensors[0], tensors[1])
    else:
        out = layer(tensors)
    return k.Model(tensors if len(tensors) > 1 else tensors[0], out)


def sample_inputs(inputs: list[tuple[tuple[int, ...], str]], seed: int = 0) -> Any:
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, dtype in inputs:
        if dtype.startswith("int"):
            arrays.append(rng.integers(0, 10, size=(3, *shape)).astype(dtype))
        else:
            x = rng.normal(size=(3, *shape)).astype(dtype)
            if len(shape) == 2:
                x[:, -1] = 0.0  # a padded last step, which Masking masks
            arrays.append(x)
    return arrays if len(arrays) > 1 else arrays[0]


def randomise_weights(model: Any, seed: int = 1) -> None:
    """Weights away from their initial values (positive, so variances stay valid), the same in both libraries."""
    rng = np.random.default_rng(seed)
    model.set_weights([(np.abs(rng.normal(size=np.shape(w))) * 0.5 + 0.1).astype(np.asarray(w).dtype)
                       for w in model.get_weights()])
