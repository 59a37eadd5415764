"""Bidirectional and TimeDistributed: PyTorch parity (values and gradients) for every merge mode,
masked variable-length batches, finite differences, configs, save/load and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from oracles.torch_ref import keras_to_torch_gates, load_keras_rnn_weights

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients
from glassnet.engine.tensor import GradientTape

B, T, F, U = 3, 5, 4, 3
KINDS = {"LSTM": (layers.LSTM, torch.nn.LSTM), "GRU": (layers.GRU, torch.nn.GRU)}


def _torch_twin(kind: str, bi: layers.Bidirectional) -> torch.nn.Module:
    mod = KINDS[kind][1](F, U, batch_first=True, bidirectional=True, dtype=torch.float64)
    for sub, suffix in ((bi.forward_layer, ""), (bi.backward_layer, "_reverse")):
        load_keras_rnn_weights(mod, kind, *(np.asarray(v.numpy(), dtype=np.float64) for v in sub.weights),
                               suffix=suffix)
    return mod


def _merge(mode: str | None, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return {"concat": lambda: torch.cat([a, b], -1), "sum": lambda: a + b, "mul": lambda: a * b,
            "ave": lambda: (a + b) / 2, None: lambda: torch.cat([a, b], -1)}[mode]()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("sequences", [True, False])
def test_matches_a_torch_bidirectional_rnn_forward_and_gradients(kind: str, mode: str | None,
                                                                 sequences: bool) -> None:
    gn.set_floatx("float64")
    gen = np.random.default_rng(0)
    x = gen.normal(size=(B, T, F))
    bi = layers.Bidirectional(KINDS[kind][0](U, return_sequences=sequences, bias_initializer="random_normal"),
                              merge_mode=mode)
    bi(x)
    mod = _torch_twin(kind, bi)
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = mod(xt)
    fwd_t, bwd_t = out_t[..., :U], out_t[..., U:]
    if not sequences:  # Keras: the forward's last step and the backward's last read step (time 0)
        fwd_t, bwd_t = fwd_t[:, -1], bwd_t[:, 0]
    ref = _merge(mode, fwd_t, bwd_t)
    r = gen.normal(size=tuple(ref.shape))
    (ref * torch.tensor(r)).sum().backward()
    xv = gn.ops.convert_to_tensor(x)
    with GradientTape() as tape:
        tape.watch(xv)
        out = bi(xv)
        merged = gn.ops.concatenate(out, axis=-1) if mode is None else out
        cost = (merged * r).sum()
    np.testing.assert_allclose(merged.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    grads = tape.gradient(cost, [xv] + bi.weights)
    np.testing.assert_allclose(np.asarray(grads[0]), xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    w_ih = keras_to_torch_gates(kind, np.asarray(grads[1])).T  # forward kernel's gradient, in torch's layout
    np.testing.assert_allclose(w_ih, mod.weight_ih_l0.grad.numpy(), rtol=1e-8, atol=1e-10)
    w_ih_rev = keras_to_torch_gates(kind, np.asarray(grads[4])).T
    np.testing.assert_allclose(w_ih_rev, mod.weight_ih_l0_reverse.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("kind", list(KINDS))
def test_return_state_gives_both_directions_states_like_torch(kind: str) -> None:
    gn.set_floatx("float64")
    x = np.random.default_rng(1).normal(size=(B, T, F))
    bi = layers.Bidirectional(KINDS[kind][0](U, return_state=True))
    out = bi(x)
    n = 2 if kind == "LSTM" else 1
    assert len(out) == 1 + 2 * n
    _, states = _torch_twin(kind, bi)(torch.tensor(x))
    h_n = (states[0] if kind == "LSTM" else states).detach().numpy()
    np.testing.assert_allclose(out[1].numpy(), h_n[0], rtol=1e-10)
    np.testing.assert_allclose(out[1 + n].numpy(), h_n[1], rtol=1e-10)
    if kind == "LSTM":
        c_n = states[1].detach().numpy()
        np.testing.assert_allclose(out[2].numpy(), c_n[0], rtol=1e-10)
        np.testing.assert_allclose(out[4].numpy(), c_n[1], rtol=1e-10)
    again = bi(x, initial_state=out[1:])  # the states fit back in as initial_state
    assert again[0].shape == (B, 2 * U)


@pytest.mark.parametrize("sequences", [True, False])
def test_a_masked_variable_length_batch_matches_each_sequence_unpadded(sequences: bool) -> None:
    gn.set_floatx("float64")
    ids = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 7], [7, 0, 0, 0, 0]])
    lengths = [3, 5, 1]
    inp = gn.Input((None,), dtype="int32")
    a = layers.Embedding(10, F, mask_zero=True)(inp)
    out = layers.Bidirectional(layers.LSTM(U, return_sequences=sequences), merge_mode="concat")(a)
    model = gn.Model(inp, out)
    batch = model(ids)
    if sequences:
        np.testing.assert_array_equal(batch._keras_mask, ids != 0)
    for i, n in enumerate(lengths):
        alone = model(ids[i:i + 1, :n]).numpy()[0]
        if sequences:
            np.testing.assert_allclose(batch.numpy()[i, :n], alone, rtol=1e-10, atol=1e-12)
            np.testing.assert_array_equal(batch.numpy()[i, n:], 0)  # zeros at masked steps, as Keras
        else:
            np.testing.assert_allclose(batch.numpy()[i], alone, rtol=1e-10, atol=1e-12)


def test_bidirectional_gradients_by_finite_differences() -> None:
    gn.set_floatx("float64")
    bi = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="mul")
    x = np.random.default_rng(2).normal(size=(2, 4, 2))
    bi(x)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    check_gradients(lambda x, *w: bi(x, mask=mask), [x, *bi.weights], rtol=1e-5, atol=1e-8)
    bi2 = layers.Bidirectional(layers.SimpleRNN(2), merge_mode="ave")
    bi2(x)
    check_gradients(lambda x, *w: bi2(x), [x, *bi2.weights], rtol=1e-5, atol=1e-8)


def test_names_weights_config_and_save_load(tmp_path) -> None:
    gn.set_floatx("float64")
    lstm = layers.LSTM(U, return_sequences=True, name="enc")
    bi = layers.Bidirectional(lstm, merge_mode="sum")
    assert bi.forward_layer.name == "forward_enc" and bi.backward_layer.name == "backward_enc"
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    x = np.random.default_rng(3).normal(size=(B, T, F))
    model = gn.Sequential([gn.Input((T, F)), bi, layers.TimeDistributed(layers.Dense(2))])
    model.compile(optimizer="adam", loss="mse")
    assert len(bi.weights) == 6 and model.count_params() == 2 * (F * 4 * U + U * 4 * U + 4 * U) + U * 2 + 2
    expected = model.predict(x, verbose=0)
    config = bi.get_config()
    assert config["merge_mode"] == "sum" and config["layer"]["config"]["name"] == "forward_enc"
    again = layers.Bidirectional.from_config(config)
    assert again.forward_layer.name == "forward_enc" and again.backward_layer.name == "backward_enc"
    for ext in (".keras", ".weights.h5"):
        path = tmp_path / f"m{ext}"
        if ext == ".keras":
            model.save(path)
            loaded = gn.models.load_model(path)
        else:
            model.save_weights(path)
            loaded = gn.Sequential.from_config(model.get_config())
            loaded.load_weights(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-12)


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="merge_mode='max'.*concat"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max", name="bi_bad")
    with pytest.raises(ValueError, match=r"bi2.*recurrent layer.*Dense 'not_an_rnn'"):
        layers.Bidirectional(layers.Dense(2, name="not_an_rnn"), name="bi2")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True,
                                                                           return_sequences=True))
    with pytest.raises(ValueError, match="TimeDistributed 'td'.*Layer"):
        layers.TimeDistributed("dense", name="td")
    with pytest.raises(ValueError, match="3 axes"):
        layers.TimeDistributed(layers.Dense(2), name="td2")(np.ones((2, 3)))


def test_a_custom_backward_layer_is_used_and_saved() -> None:
    back = layers.GRU(2, go_backwards=True, name="my_back")
    bi = layers.Bidirectional(layers.GRU(2), backward_layer=back)
    assert bi.backward_layer is back
    again = layers.Bidirectional.from_config(bi.get_config())
    assert again.backward_layer.name == "my_back" and again.backward_layer.go_backwards


def test_time_distributed_dense_equals_dense_on_3d_input_and_passes_the_mask() -> None:
    gn.set_floatx("float64")
    x = np.random.default_rng(4).normal(size=(B, T, F))
    dense = layers.Dense(2)
    td = layers.TimeDistributed(dense)
    out = td(x)
    np.testing.assert_allclose(out.numpy(), dense(x).numpy(), rtol=1e-12)
    check_gradients(lambda x, *w: td(x), [x, *td.weights], rtol=1e-5, atol=1e-8)
    masked = layers.Masking()(np.concatenate([x, np.zeros((B, 2, F))], axis=1))
    assert td(masked)._keras_mask.shape == (B, T + 2)
    config = td.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert isinstance(layers.TimeDistributed.from_config(config).layer, layers.Dense)


def test_time_distributed_conv2d_per_frame_and_save_load(tmp_path) -> None:
    gn.set_floatx("float64")
    frames = np.random.default_rng(5).normal(size=(2, 3, 6, 6, 1))
    conv = layers.Conv2D(2, 3)
    model = gn.Sequential([gn.Input((3, 6, 6, 1)), layers.TimeDistributed(conv), layers.TimeDistributed(
        layers.Flatten()), layers.LSTM(2)])
    model.compile(optimizer="sgd", loss="mse")
    out = model.layers[0](frames)
    assert out.shape == (2, 3, 4, 4, 2)
    for t in range(3):
        np.testing.assert_allclose(out.numpy()[:, t], conv(frames[:, t]).numpy(), rtol=1e-12)
    expected = model.predict(frames, verbose=0)
    model.save(tmp_path / "td.keras")
    np.testing.assert_allclose(gn.models.load_model(tmp_path / "td.keras").predict(frames, verbose=0), expected,
                               rtol=1e-12)
    model.fit(frames, np.zeros((2, 2)), epochs=1, verbose=0)
