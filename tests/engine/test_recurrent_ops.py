"""The recurrent ops against finite differences (float64) and PyTorch's nn.RNN / nn.LSTM / nn.GRU."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from oracles.torch_ref import load_keras_rnn_weights, torch_to_keras_weight

import glassnet as gn
from glassnet.engine.gradcheck import check_gradients
from glassnet.engine.ops import embedding as emb
from glassnet.engine.ops import recurrent as rec

B, T, F, U = 3, 4, 2, 3
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}


def _inputs(kind: str, seed: int = 0) -> list[np.ndarray]:
    gen = np.random.default_rng(seed)
    k = GATES[kind]
    bias = gen.normal(0, 0.5, (2, 3 * U)) if kind == "gru" else gen.normal(0, 0.5, (k * U,))
    arrays = [gen.normal(0, 1, (B, T, F)), gen.normal(0, 0.6, (F, k * U)), gen.normal(0, 0.6, (U, k * U)), bias,
              gen.normal(0, 0.5, (B, U))]
    if kind == "lstm":
        arrays.append(gen.normal(0, 0.5, (B, U)))
    return arrays


MASK = np.array([[1, 1, 0, 1], [0, 1, 1, 1], [1, 0, 0, 0]], dtype=bool)


def _op(kind: str, mask: np.ndarray | None, go_backwards: bool, return_sequences: bool, state: int | None = None):
    fn = getattr(rec, kind)

    def run(x, w, u, b, h0, *more):
        init = [h0, more[0]] if kind == "lstm" else h0
        out, states = fn(x, w, u, b, init, mask=mask, go_backwards=go_backwards, return_sequences=return_sequences)
        return out if state is None else states[state]

    return run


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("mask", [None, MASK], ids=["nomask", "mask"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["fwd", "back"])
def test_gradients_match_finite_differences(kind: str, mask, go_backwards: bool) -> None:
    for return_sequences in (True, False):
        check_gradients(_op(kind, mask, go_backwards, return_sequences), _inputs(kind), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_final_state_gradients(kind: str) -> None:
    for k in range(2 if kind == "lstm" else 1):
        check_gradients(_op(kind, MASK, False, True, state=k), _inputs(kind, 1), rtol=1e-5, atol=1e-8)


def test_other_activations_and_no_bias() -> None:
    x, w, u, b, h0 = _inputs("simple_rnn")
    for act in ("relu", "sigmoid", "softsign", "elu", "softplus", "linear"):
        check_gradients(lambda x, w, u, act=act: rec.simple_rnn(x, w, u, activation=act, return_sequences=True)[0],
                        [x, w, u], rtol=1e-5, atol=1e-8)
    x, w, u, b, h0, c0 = _inputs("lstm")
    check_gradients(lambda x, w, u: rec.lstm(x, w, u, activation="softsign", recurrent_activation="hard_sigmoid",
                                             return_sequences=True)[0], [x, w, u], rtol=1e-4, atol=1e-8)


def _torch_module(kind: str, w: np.ndarray, u: np.ndarray, b: np.ndarray) -> torch.nn.Module:
    """A torch RNN holding Keras' weights (see tests.oracles.torch_ref.load_keras_rnn_weights)."""
    cls = {"simple_rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    mod = cls(F, U, batch_first=True, dtype=torch.float64)
    load_keras_rnn_weights(mod, kind, w, u, b)
    return mod


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_forward_states_and_gradients_match_torch(kind: str) -> None:
    arrays = _inputs(kind, 3)
    x, w, u, b = arrays[:4]
    tensors = [gn.Tensor(a, requires_grad=True) for a in arrays]
    r = np.random.default_rng(5).normal(size=(B, T, U))
    with gn.GradientTape() as tape:
        init = tensors[4:] if kind == "lstm" else tensors[4]
        out, states = getattr(rec, kind)(*tensors[:4], init, return_sequences=True)
        loss = (out * gn.Tensor(r)).sum() + states[-1].sum()
    grads = tape.gradient(loss, tensors)

    mod = _torch_module(kind, w, u, b)
    tx = torch.tensor(x, requires_grad=True)
    t0 = [torch.tensor(a[None], requires_grad=True) for a in arrays[4:]]
    tout, tstates = mod(tx, tuple(t0) if kind == "lstm" else t0[0])
    tstates = list(tstates) if kind == "lstm" else [tstates]
    (tout * torch.tensor(r)).sum().add(tstates[-1].sum()).backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    for s, ts in zip(states, tstates):
        np.testing.assert_allclose(s.numpy(), ts[0].detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[0], tx.grad.numpy(), rtol=1e-9, atol=1e-12)

    np.testing.assert_allclose(grads[1], torch_to_keras_weight(kind, mod.weight_ih_l0.grad.numpy()), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads[2], torch_to_keras_weight(kind, mod.weight_hh_l0.grad.numpy()), rtol=1e-9, atol=1e-12)
    db_ih = torch_to_keras_weight(kind, mod.bias_ih_l0.grad.numpy()[:, None])[0]
    if kind == "gru":
        db_hh = torch_to_keras_weight(kind, mod.bias_hh_l0.grad.numpy()[:, None])[0]
        np.testing.assert_allclose(grads[3], np.stack([db_ih, db_hh]), rtol=1e-9, atol=1e-12)
    else:
        np.testing.assert_allclose(grads[3], db_ih, rtol=1e-9, atol=1e-12)
    for g, t in zip(grads[4:], t0):
        np.testing.assert_allclose(g, t.grad.numpy()[0], rtol=1e-9, atol=1e-12)


def test_mask_keeps_state_and_repeats_output() -> None:
    x, w, u, b, h0 = _inputs("gru")
    full, _ = rec.gru(x, w, u, b, return_sequences=True)
    mask = np.ones((B, T), dtype=bool)
    mask[:, 2] = False
    out, (h,) = rec.gru(x, w, u, b, mask=mask, return_sequences=True)
    np.testing.assert_allclose(out.numpy()[:, 2], out.numpy()[:, 1])
    np.testing.assert_allclose(out.numpy()[:, :2], full.numpy()[:, :2])
    short, (hs,) = rec.gru(np.delete(x, 2, axis=1), w, u, b)
    np.testing.assert_allclose(h.numpy(), hs.numpy(), rtol=1e-12)


def test_embedding_gathers_and_scatter_adds() -> None:
    table = gn.Variable(np.arange(12.0).reshape(4, 3), dtype="float64")
    idx = np.array([[0, 2, 2], [3, 0, 1]])
    with gn.GradientTape() as tape:
        out = emb.embedding(idx, table)
        loss = out.sum()
    np.testing.assert_array_equal(out.numpy(), table.numpy()[idx])
    np.testing.assert_array_equal(tape.gradient(loss, table), np.array([[2.0] * 3, [1.0] * 3, [2.0] * 3, [1.0] * 3]))
    with pytest.raises(ValueError, match=r"emb: input indices must be in \[0, 3\]"):
        emb.embedding(np.array([4]), table, owner="emb")


def test_bad_arguments_name_the_op() -> None:
    x, w, u, b, h0 = _inputs("simple_rnn")
    with pytest.raises(ValueError, match="rnn1: expects inputs of shape"):
        rec.simple_rnn(x[0], w, u, owner="rnn1")
    with pytest.raises(ValueError, match="mask must have shape"):
        rec.simple_rnn(x, w, u, mask=np.ones((B, T + 1), bool))
    with pytest.raises(ValueError, match="initial state h must have shape"):
        rec.simple_rnn(x, w, u, initial_state=np.zeros((B, U + 1)))
    with pytest.raises(ValueError, match="'gelu' is not available"):
        rec.simple_rnn(x, w, u, activation="gelu")


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_recurrent_dropout_mask_gradients(kind: str) -> None:
    rm = (np.random.default_rng(2).random((B, U)) > 0.4) / 0.6
    fn = getattr(rec, kind)

    def run(x, w, u, b, h0, *more):
        init = [h0, more[0]] if kind == "lstm" else h0
        return fn(x, w, u, b, init, mask=MASK, recurrent_mask=rm, return_sequences=True)[0]

    check_gradients(run, _inputs(kind, 4), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("softsign", "hard_sigmoid")], ids=["default", "other"])
@pytest.mark.parametrize("mask", [None, MASK], ids=["nomask", "mask"])
def test_lstm_inference_path_matches_training_path(acts, mask) -> None:
    """Without a tape the LSTM keeps nothing per step (buffers used in turn): same outputs and states."""
    x, w, u, b, h0, c0 = _inputs("lstm", 6)
    for go_backwards in (False, True):
        for return_sequences in (False, True):
            for init in (None, [h0, c0]):
                kw = dict(mask=mask, go_backwards=go_backwards, return_sequences=return_sequences,
                          activation=acts[0], recurrent_activation=acts[1])
                out, states = rec.lstm(x, w, u, b, init, **kw)
                with gn.GradientTape():
                    tout, tstates = rec.lstm(x, gn.Variable(w, dtype="float64"), u, b, init, **kw)
                np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-13, atol=1e-15)
                for s, ts in zip(states, tstates):
                    np.testing.assert_allclose(s.numpy(), ts.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("mask", [None, MASK], ids=["nomask", "mask"])
def test_lstm_second_backward_recomputes_the_gates(mask) -> None:
    """The backward writes dZ over the gates; a persistent tape's second walk computes them again."""
    arrays = _inputs("lstm", 7)
    tensors = [gn.Tensor(a, requires_grad=True) for a in arrays]
    r = np.random.default_rng(8).normal(size=(B, T, U))
    with gn.GradientTape(persistent=True) as tape:
        out, states = rec.lstm(*tensors[:4], tensors[4:], mask=mask, return_sequences=True)
        loss = (out * gn.Tensor(r)).sum() + states[1].sum()
    first = tape.gradient(loss, tensors)
    second = tape.gradient(loss, tensors)
    for a, c in zip(first, second):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("acts", [("softsign", "hard_sigmoid"), ("tanh", "exponential")])
def test_gated_cells_other_activations(kind: str, acts) -> None:
    """The general path (sigma not folded into tanh), including a derivative that is its output itself."""
    fn = getattr(rec, kind)

    def run(x, w, u, b, h0, *more):
        init = [h0, more[0]] if kind == "lstm" else h0
        return fn(x, w * 0.3, u * 0.3, b, init, mask=MASK, activation=acts[0], recurrent_activation=acts[1],
                  return_sequences=True)[0]

    check_gradients(run, _inputs(kind, 9), rtol=1e-4, atol=1e-8)
