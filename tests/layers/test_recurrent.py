"""SimpleRNN, LSTM and GRU as layers: shapes, options, PyTorch parity of a training step, training,
stateful use, dropout, configs, explanations and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from oracles.torch_ref import load_keras_rnn_weights, torch_to_keras_weight

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients

B, T, F, U = 4, 5, 3, 6
KINDS = {"SimpleRNN": (layers.SimpleRNN, torch.nn.RNN, 1), "LSTM": (layers.LSTM, torch.nn.LSTM, 4),
         "GRU": (layers.GRU, torch.nn.GRU, 3)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_shapes_states_and_output_shape_with_unknown_length(kind: str) -> None:
    cls = KINDS[kind][0]
    x = np.random.default_rng(0).normal(size=(B, T, F)).astype("float32")
    n_states = 2 if kind == "LSTM" else 1
    out = cls(U, return_sequences=True, return_state=True)(x)
    assert len(out) == 1 + n_states
    assert out[0].shape == (B, T, U) and all(s.shape == (B, U) for s in out[1:])
    np.testing.assert_allclose(out[0].numpy()[:, -1], out[1].numpy(), rtol=1e-6)
    assert cls(U)(x).shape == (B, U)
    assert cls(U, return_sequences=True).compute_output_shape((None, None, F)) == (None, None, U)
    inp = gn.Input((None, F))
    model = gn.Model(inp, cls(U, return_sequences=True)(inp))
    assert model.output_shape == (None, None, U)
    assert model(x[:, :2]).shape == (B, 2, U)
    layer = cls(U)
    layer(x)
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    k = KINDS[kind][2]
    assert layer.count_params() == F * k * U + U * k * U + (2 * 3 * U if kind == "GRU" else k * U)


def test_lstm_defaults_follow_keras() -> None:
    layer = layers.LSTM(U)
    layer(np.zeros((1, 2, F), "float32"))
    bias = layer.bias.numpy()
    np.testing.assert_array_equal(bias[U:2 * U], 1)  # unit_forget_bias
    np.testing.assert_array_equal(np.delete(bias, np.s_[U:2 * U]), 0)
    q = layer.recurrent_kernel.numpy()[:, :U]  # orthogonal: the square blocks have orthonormal columns
    u_full = layer.recurrent_kernel.numpy()
    np.testing.assert_allclose(u_full @ u_full.T, np.eye(U), atol=1e-5)
    assert q.shape == (U, U)
    config = layer.get_config()
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["unit_forget_bias"] is True and config["recurrent_activation"] == "sigmoid"
    again = layers.LSTM.from_config(config)
    assert again.get_config() == config


def _torch_twin(kind: str, layer: gn.layers.Layer) -> torch.nn.Module:
    mod = KINDS[kind][1](F, U, batch_first=True, dtype=torch.float64)
    load_keras_rnn_weights(mod, kind, *(np.asarray(v.numpy(), dtype=np.float64) for v in layer.weights))
    return mod


@pytest.mark.parametrize("kind", list(KINDS))
def test_one_adam_step_matches_torch(kind: str) -> None:
    gn.set_floatx("float64")
    gen = np.random.default_rng(1)
    x, y = gen.normal(size=(B, T, F)), gen.normal(size=(B, U))
    model = gn.Sequential([gn.Input((T, F)), KINDS[kind][0](U, bias_initializer="random_normal")])
    model.compile(optimizer=gn.optimizers.Adam(0.01), loss="mse")
    layer = model.layers[0]
    mod = _torch_twin(kind, layer)
    # Keras adds epsilon to sqrt(v), torch to sqrt(v / (1 - beta2^t)): the same step at t = 1 with this eps
    opt = torch.optim.Adam(mod.parameters(), lr=0.01, eps=1e-7 / np.sqrt(1 - 0.999))
    out, _ = mod(torch.tensor(x))
    loss = ((out[:, -1] - torch.tensor(y)) ** 2).mean()
    np.testing.assert_allclose(model(x).numpy(), out[:, -1].detach().numpy(), rtol=1e-10, atol=1e-12)
    loss.backward()
    opt.step()
    model.train_on_batch(x, y)
    np.testing.assert_allclose(layer.kernel.numpy(), torch_to_keras_weight(kind, mod.weight_ih_l0.detach().numpy()),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(layer.recurrent_kernel.numpy(),
                               torch_to_keras_weight(kind, mod.weight_hh_l0.detach().numpy()), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("kind", list(KINDS))
def test_layer_gradients_by_finite_differences(kind: str) -> None:
    gn.set_floatx("float64")
    layer = KINDS[kind][0](3, return_sequences=True, go_backwards=True)
    x = np.random.default_rng(2).normal(size=(2, 4, 2))
    layer(x)
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    check_gradients(lambda x, *w: layer(x, mask=mask), [x, *layer.weights], rtol=1e-5, atol=1e-8)


def test_a_sequential_lstm_learns_a_sequence_task() -> None:
    # Is the sum of a sequence of +-1 positive?  Needs memory of every step.
    gen = np.random.default_rng(3)
    x = gen.choice([-1.0, 1.0], size=(256, 7, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    model = gn.Sequential([gn.Input((7, 1)), layers.LSTM(8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=gn.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85


def test_stateful_layer_carries_states_until_reset() -> None:
    x = np.random.default_rng(4).normal(size=(2, 6, F)).astype("float32")
    whole = layers.GRU(U, seed=0)
    whole(x)
    stateful = layers.GRU(U, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x[:, 3:]).numpy(), rtol=1e-5, atol=1e-6)


def test_initial_state_and_mask_arguments() -> None:
    x = np.random.default_rng(5).normal(size=(2, 4, F)).astype("float32")
    layer = layers.LSTM(U)
    h0, c0 = np.full((2, U), 0.5, "float32"), np.full((2, U), -0.5, "float32")
    assert not np.allclose(layer(x, initial_state=[h0, c0]).numpy(), layer(x).numpy())
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    out = layer(x, mask=mask).numpy()
    np.testing.assert_allclose(out[0], layer(x[:1, :2]).numpy()[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"LSTM 'lstm\w*': initial_state must be 2 tensor\(s\) \(h, c\)"):
        layer(x, initial_state=[h0])


def test_dropout_is_one_mask_per_sequence_and_off_at_inference() -> None:
    x = np.ones((3, 5, F), "float32")
    layer = layers.SimpleRNN(U, dropout=0.5, recurrent_dropout=0.5, seed=1)
    a, b = layer(x, training=True).numpy(), layer(x, training=True).numpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(layer(x).numpy(), layer(x, training=False).numpy())


def test_explanations_state_the_equations_with_the_shapes() -> None:
    for cls, _, k in KINDS.values():
        layer = cls(U, return_sequences=True)
        text = str(layer.explain())  # symbols before build
        layer(np.zeros((1, T, F), "float32"))
        text = str(layer.explain())
        assert f"({F}, {k * U})" in text and "dC/dW = sum_t x_t^T dZ_t" in text
        assert layer.explain().param_count == layer.count_params()
    assert "h_t = tanh(x_t W + h_(t-1) U + b)" in str(layers.SimpleRNN(2).explain())
    assert "c_t = f * c_(t-1) + i * g" in str(layers.LSTM(2).explain())
    assert "h_t = z * h_(t-1) + (1 - z) * hh" in str(layers.GRU(2).explain())


def test_bad_arguments_name_the_layer_and_argument() -> None:
    with pytest.raises(ValueError, match="LSTM 'l1'.*units"):
        layers.LSTM(0, name="l1")
    with pytest.raises(ValueError, match="GRU 'g1'.*dropout"):
        layers.GRU(3, dropout=1.0, name="g1")
    with pytest.raises(ValueError, match="SimpleRNN 's1': activation='gelu' is not available"):
        layers.SimpleRNN(3, activation="gelu", name="s1")
    with pytest.raises(ValueError, match="GRU 'g2': reset_after=False"):
        layers.GRU(3, reset_after=False, name="g2")
    with pytest.raises(ValueError, match="lstm_bad"):
        layers.LSTM(3, name="lstm_bad")(np.zeros((2, 3), "float32"))
    with pytest.raises(TypeError, match="unexpected keyword"):
        layers.LSTM(3, units_typo=2)
    with pytest.raises(ValueError, match="LSTM 'l3': zero_output_for_mask=True"):
        layers.LSTM(3, zero_output_for_mask=True, name="l3")


def test_weight_options_reach_the_three_weights() -> None:
    layer = layers.GRU(3, kernel_regularizer="l2", recurrent_regularizer=gn.regularizers.L2(0.1),
                       bias_constraint=gn.constraints.NonNeg(), use_bias=True)
    layer(np.ones((2, 4, F), "float32"))
    assert len(layer.losses) == 2
    assert layer.bias.constraint is not None and layer.recurrent_kernel.regularizer is not None
    config = layer.get_config()
    assert config["recurrent_regularizer"]["class_name"] == "L2"
    assert layers.GRU.from_config(config).get_config() == config
    assert layers.SimpleRNN(2, use_bias=False)(np.ones((1, 3, F), "float32")).shape == (1, 2)
