"""``layer.explain()``: every layer kind states its equations, and every shape it states is the real one.

Each layer is run forward on a batch and back through a GradientTape; the oracle is the arrays
themselves: the input and output shapes, the weights (names, shapes, trainable) and the gradients
dC/dx and dC/dW that the backward equations claim to produce.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations, layers
from glassnet.explanation import Equation, Explanation, render_shapes

CASES = [
    ("dense_relu", lambda: layers.Dense(5, activation="relu"), [(2, 4)]),
    ("dense_nd_no_bias", lambda: layers.Dense(3, use_bias=False, activation="tanh"), [(2, 3, 4)]),
    ("dense_softmax", lambda: layers.Dense(4, activation="softmax"), [(2, 3)]),
    ("relu", lambda: layers.ReLU(), [(2, 4)]),
    ("relu_options", lambda: layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), [(2, 4)]),
    ("leaky_relu", lambda: layers.LeakyReLU(), [(2, 4)]),
    ("softmax", lambda: layers.Softmax(), [(2, 4)]),
    ("elu", lambda: layers.ELU(alpha=0.5), [(2, 4)]),
    ("prelu", lambda: layers.PReLU(shared_axes=[1]), [(2, 3, 4)]),
    ("lambda", lambda: layers.Lambda(lambda x: x * 2.0), [(2, 4)]),
    ("conv2d", lambda: layers.Conv2D(4, 3, activation="relu"), [(2, 6, 6, 2)]),
    ("conv2d_strided_same", lambda: layers.Conv2D(2, (3, 2), strides=2, padding="same"), [(2, 7, 6, 3)]),
    ("conv2d_dilated", lambda: layers.Conv2D(2, 3, dilation_rate=2, use_bias=False), [(2, 7, 7, 1)]),
    ("conv1d_causal", lambda: layers.Conv1D(3, 2, padding="causal", activation="sigmoid"), [(2, 5, 2)]),
    ("conv2d_transpose", lambda: layers.Conv2DTranspose(3, 3, strides=2), [(2, 3, 3, 2)]),
    ("max_pool2d", lambda: layers.MaxPooling2D(2), [(2, 6, 6, 3)]),
    ("avg_pool2d_same", lambda: layers.AveragePooling2D(2, padding="same"), [(2, 5, 5, 3)]),
    ("max_pool1d", lambda: layers.MaxPooling1D(2), [(2, 6, 3)]),
    ("avg_pool1d", lambda: layers.AveragePooling1D(3), [(2, 6, 3)]),
    ("global_avg2d", lambda: layers.GlobalAveragePooling2D(), [(2, 4, 4, 3)]),
    ("global_max2d", lambda: layers.GlobalMaxPooling2D(), [(2, 4, 4, 3)]),
    ("global_avg1d", lambda: layers.GlobalAveragePooling1D(), [(2, 5, 3)]),
    ("global_max1d", lambda: layers.GlobalMaxPooling1D(), [(2, 5, 3)]),
    ("batch_norm_images", lambda: layers.BatchNormalization(), [(4, 3, 3, 2)]),
    ("batch_norm_no_scale", lambda: layers.BatchNormalization(scale=False), [(4, 3)]),
    ("dropout", lambda: layers.Dropout(0.5), [(2, 6)]),
    ("flatten", lambda: layers.Flatten(), [(2, 3, 4)]),
    ("reshape", lambda: layers.Reshape((2, -1)), [(2, 6)]),
    ("add", lambda: layers.Add(), [(2, 3), (2, 3)]),
    ("subtract", lambda: layers.Subtract(), [(2, 3), (2, 3)]),
    ("multiply", lambda: layers.Multiply(), [(2, 3), (2, 3), (2, 3)]),
    ("average", lambda: layers.Average(), [(2, 3), (2, 3)]),
    ("maximum", lambda: layers.Maximum(), [(2, 3), (2, 3)]),
    ("minimum", lambda: layers.Minimum(), [(2, 3), (2, 3)]),
    ("concatenate", lambda: layers.Concatenate(), [(2, 3), (2, 5)]),
    ("upsampling_nearest", lambda: layers.UpSampling2D(2), [(2, 3, 3, 2)]),
    ("upsampling_bilinear", lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), [(2, 3, 3, 2)]),
    ("zero_padding", lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), [(2, 3, 3, 2)]),
    ("cropping", lambda: layers.Cropping2D(((1, 0), (1, 1))), [(2, 4, 4, 2)]),
    ("rescaling", lambda: layers.Rescaling(1 / 255, offset=-1.0), [(2, 4)]),
    ("normalization", lambda: layers.Normalization(mean=[0.0, 1.0, 2.0], variance=[1.0, 4.0, 9.0]), [(2, 3)]),
    ("rnn_lstm_cell", lambda: layers.RNN(layers.LSTMCell(3), return_sequences=True), [(2, 4, 5)]),
    ("rnn_gru_cell", lambda: layers.RNN(layers.GRUCell(3)), [(2, 4, 5)]),
    ("rnn_simple_cell_backwards", lambda: layers.RNN(layers.SimpleRNNCell(3), go_backwards=True), [(2, 4, 5)]),
]


def _run(layer: gn.Layer, shapes: list[tuple[int, ...]], rng: np.random.Generator):
    """One forward pass and one backward pass: the real output, dC/dx per input and dC/dW per trained weight."""
    xs = [gn.Tensor(rng.normal(size=s).astype("float32")) for s in shapes]
    inputs = xs if len(xs) > 1 else xs[0]
    with gn.GradientTape() as tape:
        tape.watch(xs)
        out = layer(inputs, training=True)
        cost = (out * gn.Tensor(rng.normal(size=out.shape).astype("float32"))).sum()  # so g = dC/da is random
    weights = layer.trainable_weights
    grads = tape.gradient(cost, xs + weights)
    return out, grads[:len(xs)], dict(zip([id(w) for w in weights], grads[len(xs):]))


def _target(eq: Equation) -> str:
    return eq.shapes.split("->")[-1].split()[0] if "->" in eq.shapes else ""


def _check_against_arrays(e: Explanation, layer: gn.Layer, xs_shapes, out, x_grads, w_grads) -> None:
    # Inputs and output: the real shapes, with the batch axis shown as None.
    assert len(e.inputs) == len(xs_shapes)
    for symbol, shape in zip(e.inputs, xs_shapes):
        assert e.symbols[symbol] == (None,) + tuple(shape[1:]), symbol
    assert e.symbols[e.output] == (None,) + tuple(out.shape[1:])
    # Once built, every size is a number.
    assert all(n is None or isinstance(n, int) for shape in e.symbols.values() for n in shape), e.symbols
    # The weights as the layer counts them: names, shapes, trainable, in the order of layer.weights.
    assert [(p.weight, p.shape, p.trainable) for p in e.params] == [
        (v.name, tuple(v.shape), v.trainable) for v in layer.weights]
    assert e.param_count == layer.count_params()
    # Each backward equation ends in the symbol whose gradient it gives: its shape is the gradient's.
    targets = {_target(eq) for eq in e.backward}
    for symbol, grad in zip(e.inputs, x_grads):
        assert symbol in targets, f"no backward equation gives dC/d{symbol}"
        assert e.symbols[symbol][1:] == grad.shape[1:]
    trained = {id(v) for v in layer.trainable_weights}
    for p, v in zip(e.params, layer.weights):
        if id(v) in trained:
            assert p.symbol in targets, f"no backward equation gives dC/d{p.symbol}"
            assert e.symbols[p.symbol] == tuple(w_grads[id(v)].shape)
    e.to_text()  # every template renders: no symbol without a shape


@pytest.mark.parametrize("make, shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_layer_states_its_equations_with_its_real_shapes(make, shapes, rng) -> None:
    layer = make()
    unbuilt = layer.explain()  # before build: symbols instead of numbers, but a full entry
    assert unbuilt.has_entry and unbuilt.forward and unbuilt.backward
    assert unbuilt.to_text().startswith(layer.name)
    out, x_grads, w_grads = _run(layer, shapes, rng)
    e = layer.explain()
    assert e.has_entry and e.kind == type(layer).__name__ and e.name == layer.name
    _check_against_arrays(e, layer, shapes, out, x_grads, w_grads)


@pytest.mark.parametrize("name", activations.names())
def test_every_registered_activation_has_its_equations(name: str, rng) -> None:
    layer = layers.Activation(name)
    out, x_grads, w_grads = _run(layer, [(2, 5)], rng)
    e = layer.explain()
    assert not any("no entry" in n for n in e.notes)
    assert any(eq.text.startswith(("a = ", "a_i = ")) for eq in e.forward)
    _check_against_arrays(e, layer, [(2, 5)], out, x_grads, w_grads)
    if name in ("softmax", "log_softmax"):  # the full Jacobian, one K x K matrix per sample
        assert e.symbols["J"] == (None, 5, 5)


def test_the_kernel_layers_name_z_and_delta_with_the_output_shape(rng) -> None:
    for layer, shape in ((layers.Dense(3, activation="relu"), (2, 4)), (layers.Conv2D(2, 3), (1, 5, 5, 1))):
        out, _, _ = _run(layer, [shape], rng)
        e = layer.explain()
        assert e.symbols["z"] == e.symbols["delta"] == (None,) + tuple(out.shape[1:])


def test_dense_reads_as_on_the_slides() -> None:
    layer = layers.Dense(256, activation="relu")
    layer(gn.Tensor(np.zeros((1, 784), "float32")))
    e = layer.explain()
    text = str(e)
    assert "z = x W + b" in text
    assert "(None, 784) x (784, 256) + (256,) -> (None, 256)" in text
    assert "dC/dW = x^T delta" in text and "(784, None) x (None, 256) -> (784, 256)" in text
    assert "dC/dx = delta W^T" in text
    assert e.param_arithmetic() == "784 x 256 + 256 = 200,960"


def test_conv2d_shows_the_output_size_arithmetic() -> None:
    layer = layers.Conv2D(32, 3)
    layer(gn.Tensor(np.zeros((1, 28, 28, 1), "float32")))
    e = layer.explain()
    assert e.param_arithmetic() == "3 x 3 x 1 x 32 + 32 = 320"
    assert any("(28 - 3) / 1) + 1 = 26" in n for n in e.notes)


def test_a_custom_layer_without_an_entry_lists_its_weights_and_says_how_to_add_one(rng) -> None:
    class Scale(gn.Layer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), "ones", name="w")
            self.c = self.add_weight((), "zeros", trainable=False, name="c")

        def call(self, x):
            return x * self.w

    layer = Scale()
    assert not layer.explain().has_entry  # unbuilt: still an answer, not an error
    layer(gn.Tensor(rng.normal(size=(2, 3)).astype("float32")))
    e = layer.explain()
    assert not e.has_entry
    assert e.symbols == {"x": (None, 3), "a": (None, 3)}
    assert [(p.weight, p.shape, p.trainable) for p in e.params] == [("w", (3,), True), ("c", (), False)]
    assert e.param_count == layer.count_params() == 4
    assert any("_explain(self)" in n and "Scale" in n for n in e.notes)
    assert "Scale.call(x)" in str(e)


def test_an_unbuilt_layer_uses_symbols() -> None:
    e = layers.Dense(4).explain()
    assert e.symbols["W"] == ("n_in", 4)
    assert e.param_count is None
    assert "n_in x 4 + 4 (sizes known once built)" in str(e)


def test_a_shape_template_naming_an_unknown_symbol_is_refused_by_name() -> None:
    e = Explanation("mine", "Mine", {"x": (None, 3)}, forward=[Equation("a = f(x)", "", "x @ V -> a")])
    with pytest.raises(ValueError, match=r"mine \(Mine\).*'V'"):
        e.to_text()
    assert render_shapes("x^T @ x", {"x": (None, 3)}) == "(3, None) x (None, 3)"
