"""The LSTM and GRU step kernels: each compiled loop against its NumPy reference, and the ops with kernels
switched on and off (glassnet.jit.set_enabled), for float32 and float64, with and without masks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import jit
from glassnet.engine.ops import recurrent as rec
from glassnet.engine.ops import recurrent_kernels as K

needs_numba = pytest.mark.skipif(not jit.available(), reason="numba is not installed")
B, U, N_IN = 5, 7, 3
DTYPES = [np.float32, np.float64]
TOL = {np.float32: {"rtol": 2e-5, "atol": 2e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


@pytest.fixture
def jit_switch() -> Iterator[Callable[[bool], None]]:
    previous = jit.enabled()
    yield jit.set_enabled
    jit.set_enabled(previous)


def _keep(gen: np.random.Generator, masked: bool) -> Any:
    if not masked:
        return None
    keep = gen.random(B) < 0.6
    keep[0], keep[1] = True, False  # both kinds of row, whatever the draw
    return keep


def _both(kernel: K.StepKernel, args: list[Any]) -> tuple[list[Any], list[Any]]:
    """Run the reference and the compiled loop on copies of ``args``; return both argument lists after."""
    ref = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    out = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    kernel.reference(*ref)
    compiled = kernel.compiled()
    assert compiled is not None
    compiled(*out)
    return ref, out


def _assert_same(ref: list[Any], out: list[Any], dtype: Any) -> None:
    for k, (a, b) in enumerate(zip(ref, out)):
        if isinstance(a, np.ndarray):
            assert b.dtype == a.dtype
            np.testing.assert_allclose(b, a, err_msg=f"argument {k}", **TOL[dtype])


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_approximation_is_within_a_few_ulp(dtype: Any) -> None:
    def loop(x: Any, out: Any) -> None:
        for j in range(x.size):
            out[j] = K._tanh(x[j])

    def reference(x: Any, out: Any) -> None:
        np.tanh(x, out=out)

    x = np.concatenate([np.linspace(-20, 20, 200001), [0.0, -0.0, 1e-30, -1e-8, 9.5, -9.5]]).astype(dtype)
    ref, out = _both(K.StepKernel(reference, loop, name="tanh", cache=False), [x, np.empty_like(x)])
    ulp = np.abs(out[1] - ref[1]) / np.spacing(np.abs(ref[1]).astype(dtype) + dtype(1e-30))
    assert ulp.max() <= 6
    assert np.all(np.abs(out[1]) <= 1)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dropout", [False, True])
def test_lstm_kernels_match_their_references(dtype: Any, masked: bool, dropout: bool) -> None:
    gen = np.random.default_rng(1)
    keep = _keep(gen, masked)
    rm = (gen.random((B, U)) * 2).astype(dtype) if dropout else None
    z = (gen.normal(0, 4, (B, 4 * U))).astype(dtype)  # beyond the approximation's +-9 too
    c_prev, h_prev = (gen.normal(0, 1, (B, U)).astype(dtype) for _ in range(2))
    off = N_IN + 1
    fwd = [z, c_prev, h_prev, keep, rm, np.empty((B, U), dtype), np.empty((B, U), dtype),
           np.empty((B, U), dtype), gen.normal(0, 1, (B, off + U)).astype(dtype), off]
    ref, out = _both(K.lstm_forward, fwd)
    _assert_same(ref, out, dtype)
    np.testing.assert_array_equal(out[8][:, :off], fwd[8][:, :off])  # the inputs' columns untouched
    # backward from the reference forward's gates
    gates, tc = ref[0], ref[6]
    dh, dc = (gen.normal(0, 1, (B, U)).astype(dtype) for _ in range(2))
    ref, out = _both(K.lstm_backward, [gates, c_prev, tc, dh, dc, keep])
    _assert_same(ref, out, dtype)
    if masked:  # a skipped row: no gradient to its gates, dh and dc carried through; a kept row's dh is zeroed
        np.testing.assert_array_equal(out[0][~keep], 0)
        np.testing.assert_array_equal(out[3][~keep], dh[~keep])
        np.testing.assert_array_equal(out[4][~keep], dc[~keep])
        np.testing.assert_array_equal(out[3][keep], 0)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_gru_kernels_match_their_references(dtype: Any, masked: bool, with_bias: bool) -> None:
    gen = np.random.default_rng(2)
    keep = _keep(gen, masked)
    p, recur = (gen.normal(0, 3, (B, 3 * U)).astype(dtype) for _ in range(2))
    b_h = gen.normal(0, 1, U).astype(dtype) if with_bias else None
    h_prev = gen.normal(0, 1, (B, U)).astype(dtype)
    ref, out = _both(K.gru_forward, [p, recur, b_h, h_prev, keep, np.empty((B, U), dtype), np.empty((B, U), dtype)])
    _assert_same(ref, out, dtype)
    gates, rh = ref[0], ref[5]
    dh = gen.normal(0, 1, (B, U)).astype(dtype)
    ref, out = _both(K.gru_backward, [gates, rh, h_prev, dh, keep, np.empty((B, 3 * U), dtype)])
    _assert_same(ref, out, dtype)
    if masked:
        np.testing.assert_array_equal(out[0][~keep], 0)
        np.testing.assert_array_equal(out[5][~keep], 0)
        np.testing.assert_array_equal(out[3][~keep], dh[~keep])


def _run(kind: str, dtype: Any, jit_on: bool, switch: Callable[[bool], None], **options: Any) -> list[np.ndarray]:
    """Outputs, final states and every gradient of one op call, kernels on or off."""
    switch(jit_on)
    gen = np.random.default_rng(3)
    k = 4 if kind == "lstm" else 3
    T = 6
    def var(scale: float, shape: tuple[int, ...]) -> gn.Variable:
        return gn.Variable(gen.normal(0, scale, shape), dtype=dtype)

    x, w, u = var(1, (B, T, N_IN)), var(0.6, (N_IN, k * U)), var(0.6, (U, k * U))
    b = var(0.5, (2, 3 * U) if kind == "gru" else (k * U,))
    h0, c0 = var(0.5, (B, U)), var(0.5, (B, U))
    init = [h0, c0] if kind == "lstm" else h0
    if options.pop("masked", False):
        mask = gen.random((B, T)) < 0.7
        mask[:, 0] = False
        options["mask"] = mask
    if options.pop("dropout", False):
        options["recurrent_mask"] = (gen.random((B, U)) < 0.8).astype(dtype) / dtype(0.8)
    op = rec.lstm if kind == "lstm" else rec.gru
    sources = [x, w, u, b, h0] + ([c0] if kind == "lstm" else [])
    with gn.GradientTape() as tape:
        out, states = op(x, w, u, b, initial_state=init, **options)
        loss = (out * out).sum() + sum((s * s).sum() for s in states)
    grads = tape.gradient(loss, sources)
    inference, _ = op(gn.ops.convert_to_tensor(x.numpy()), w.numpy(), u.numpy(), b.numpy(),
                      initial_state=[s.numpy() for s in sources[4:]] if kind == "lstm" else h0.numpy(), **options)
    return [out.numpy(), inference.numpy()] + [s.numpy() for s in states] + [np.asarray(g) for g in grads]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [{}, {"masked": True, "return_sequences": True},
                                     {"dropout": True, "go_backwards": True},
                                     {"masked": True, "dropout": True, "return_sequences": True},
                                     {"activation": "relu", "recurrent_activation": "hard_sigmoid"}],
                         ids=["plain", "mask-seq", "dropout-back", "all", "other-activations"])
def test_ops_agree_with_kernels_on_and_off(kind: str, dtype: Any, options: dict[str, Any], jit_switch: Any) -> None:
    on = _run(kind, dtype, True, jit_switch, **dict(options))
    off = _run(kind, dtype, False, jit_switch, **dict(options))
    assert len(on) == len(off)
    for a, b in zip(on, off):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=1e-4 if dtype == np.float32 else 1e-11,
                                   atol=1e-5 if dtype == np.float32 else 1e-11)
    # inference (no tape) computes the same output as training
    np.testing.assert_allclose(on[1], on[0], rtol=1e-6, atol=1e-7)


def test_kernels_run_their_references_when_switched_off(jit_switch: Any) -> None:
    jit_switch(False)
    assert K.lstm_forward.resolve(np.float32) is K.lstm_forward.reference
    assert K.gru_backward.resolve(np.float64) is K.gru_backward.reference
    jit_switch(True)
    # float16 has no compiled arithmetic: always the reference
    assert K.lstm_backward.resolve(np.float16) is K.lstm_backward.reference
    if jit.available():
        assert K.lstm_forward.resolve(np.float32) is K.lstm_forward.compiled()
