"""The batch split over threads (engine/ops/parallel.py): the same results at every thread setting."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from glassnet import config, jit
from glassnet.config import ThreadSetting
from glassnet.engine.ops import conv as C
from glassnet.engine.ops import fused as F
from glassnet.engine.ops import parallel
from glassnet.engine.tensor import GradientTape, Variable

SETTINGS = [ThreadSetting(1, 1), ThreadSetting(1, 2), ThreadSetting(2, 2), ThreadSetting(1, 3)]


@pytest.fixture
def setting(request):
    before = config.threads_now()
    config.apply_threads(request.param)
    yield request.param
    config.apply_threads(before)


@pytest.mark.parametrize("n,parts", [(10, 3), (2, 4), (1, 1), (7, 7), (128, 2)])
def test_sample_parts_cover_the_batch_in_near_equal_ranges(n, parts):
    ranges = parallel.sample_parts(n, parts)
    assert len(ranges) == min(n, parts)
    assert [i for r in ranges for i in range(r.start, r.stop)] == list(range(n))
    sizes = [r.stop - r.start for r in ranges]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("setting,with_products,without", [
    (ThreadSetting(1, 1), 1, 1), (ThreadSetting(1, 2), 2, 2), (ThreadSetting(2, 2), 1, 2), (ThreadSetting(2, 4), 2, 4),
], indirect=["setting"])
def test_split_count_keeps_the_threads_in_use_within_the_setting(setting, with_products, without):
    # With two BLAS threads per product, two parts at once would run four threads on two.
    assert parallel.split_count(100) == with_products
    assert parallel.split_count(100, products=False) == without
    assert parallel.split_count(1) == 1  # never more parts than chunks


@pytest.mark.parametrize("setting", [ThreadSetting(1, 3)], indirect=True)
def test_run_chunks_deals_the_chunks_and_sums_the_accumulators(setting):
    chunks = parallel.sample_parts(10, 10)
    parts, threads, copies = [], set(), []
    total = np.zeros(3)
    lock = threading.Lock()

    def work(part, acc, none):
        assert none is None
        with lock:
            parts.append(tuple(c.start for c in part))
            threads.add(threading.get_ident())
            copies.append(id(acc))
        for c in part:
            acc += c.start  # each part adds into its own copy

    parallel.run_chunks(work, chunks, (total, None))
    assert sorted(parts) == [(0, 3, 6, 9), (1, 4, 7), (2, 5, 8)]  # every third chunk
    assert threading.get_ident() in threads and len(threads) >= 2 and len(set(copies)) == 3
    np.testing.assert_array_equal(total, np.full(3, sum(range(10))))


@pytest.mark.parametrize("setting", SETTINGS, indirect=True)
@pytest.mark.parametrize("shape", [(3, 300), (40, 300), (157, 3584), (3584, 64), (40, 20)])
def test_split_matmul_is_the_product_at_every_setting(setting, shape, monkeypatch):
    """A wide ``a`` (the LSTM's X^T) is cut along the inner dimension, a tall one (dZ) by rows; from 32
    rows (or inner values) with two parts, the product is dealt over them and equals one product."""
    rows, inner = shape
    rng = np.random.default_rng(4)
    a = rng.normal(size=(inner, rows)).T          # a transposed view, as the LSTM's XH^T
    b = rng.normal(size=(inner, 24)).astype(np.float32)
    calls = []
    real = jit.run_parts
    monkeypatch.setattr(jit, "run_parts", lambda fn, parts: (calls.append(len(parts)), real(fn, parts)))
    out = parallel.split_matmul(a, b)
    assert out.shape == (rows, 24) and out.dtype == np.float64
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-11)
    expected = min(parallel.split_count(1000), max(rows, inner) // 16)
    assert calls == ([expected] if expected >= 2 else [])


def test_run_parts_raises_a_parts_error_after_every_part_ended():
    finished = []

    def work(i):
        if i == 1:
            raise ValueError("part 1 failed")
        threading.Event().wait(0.05)
        finished.append(i)

    with pytest.raises(ValueError, match="part 1 failed"):
        jit.run_parts(work, [(0,), (1,), (2,)])
    assert sorted(finished) == [0, 2]


def _assert_same_at_every_setting(compute):
    """``compute()`` (a list of arrays) at every setting of SETTINGS gives the same values."""
    before = config.threads_now()
    try:
        results = []
        for setting in SETTINGS:
            config.apply_threads(setting)
            results.append(compute())
    finally:
        config.apply_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)  # sums in another order: float64 rounding


def _conv_results(fused: bool, cin: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = Variable(rng.normal(size=(9, 12, 12, cin)), dtype="float64")
    w = Variable(rng.normal(size=(3, 3, cin, 5)) * 0.3, dtype="float64")
    b = Variable(rng.normal(size=5) * 0.1, dtype="float64")
    with GradientTape() as tape:
        out = (F.conv2d_relu_max_pool(x, w, b) if fused else C.conv2d(x, w, b, fuse_relu=True))
        loss = (out * out).sum()
    return [out.numpy(), *tape.gradient(loss, [x, w, b])]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "conv2d"])
@pytest.mark.parametrize("cin", [1, 9], ids=["products", "sparse"])
@pytest.mark.parametrize("block", [None, 64], ids=["cached-chunks", "one-sample-chunks"])
def test_convolutions_give_the_same_values_at_every_thread_setting(fused, cin, block, monkeypatch):
    if block is not None:
        monkeypatch.setattr(F, "FUSED_BLOCK", block)
    _assert_same_at_every_setting(lambda: _conv_results(fused, cin))


def test_set_num_threads_makes_the_kernels_follow_the_blas_again():
    before = config.threads_now()
    try:
        config.apply_threads(ThreadSetting(1, 2))
        assert config.kernel_threads_now() == jit.workers() == 2 and config.blas_threads_now() == 1
        assert config.threads_now() == ThreadSetting(1, 2)
        config.set_num_threads(1)
        assert config.threads_now() == ThreadSetting(1, 1)
    finally:
        config.set_num_threads(None)
        config.apply_threads(before)


def test_thread_settings_read_as_words():
    assert str(ThreadSetting(2, 2)) == "2 threads" and str(ThreadSetting(1, 1)) == "1 thread"
    assert str(ThreadSetting(1, 4)) == "4 threads over the batch (BLAS 1)"


def _lstm_results(mask: bool, return_sequences: bool, seed: int = 3):
    from glassnet.engine.ops.recurrent import lstm

    rng = np.random.default_rng(seed)
    batch, T, n_in, u = 7, 5, 3, 4
    x = Variable(rng.normal(size=(batch, T, n_in)), dtype="float64")
    w = Variable(rng.normal(size=(n_in, 4 * u)) * 0.5, dtype="float64")
    U = Variable(rng.normal(size=(u, 4 * u)) * 0.5, dtype="float64")
    b = Variable(rng.normal(size=4 * u) * 0.1, dtype="float64")
    h0 = Variable(rng.normal(size=(batch, u)), dtype="float64")
    steps_kept = rng.random((batch, T)) > 0.3 if mask else None
    rm = (rng.random((batch, u)) > 0.2) / 0.8
    with GradientTape() as tape:
        out, states = lstm(x, w, U, b, initial_state=[h0, Variable(np.zeros((batch, u)), dtype="float64")],
                           mask=steps_kept, return_sequences=return_sequences, recurrent_mask=rm)
        loss = (out * out).sum() + (states[0] * states[0]).sum()
    return [out.numpy(), *tape.gradient(loss, [x, w, U, b, h0])]


@pytest.mark.parametrize("mask", [False, True], ids=["all-steps", "masked"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
def test_the_lstm_gives_the_same_values_with_its_rows_split_over_threads(mask, return_sequences):
    _assert_same_at_every_setting(lambda: _lstm_results(mask, return_sequences))


def _gru_and_rnn_results(cell: str, mask: bool, return_sequences: bool, seed: int = 5):
    from glassnet.engine.ops.recurrent import gru, simple_rnn

    rng = np.random.default_rng(seed)
    batch, T, n_in, u = 7, 5, 3, 4
    gates = 3 if cell == "gru" else 1
    x = Variable(rng.normal(size=(batch, T, n_in)), dtype="float64")
    w = Variable(rng.normal(size=(n_in, gates * u)) * 0.5, dtype="float64")
    U = Variable(rng.normal(size=(u, gates * u)) * 0.5, dtype="float64")
    b = Variable(rng.normal(size=(2, 3 * u) if cell == "gru" else u) * 0.1, dtype="float64")
    h0 = Variable(rng.normal(size=(batch, u)), dtype="float64")
    steps_kept = rng.random((batch, T)) > 0.3 if mask else None
    rm = (rng.random((batch, u)) > 0.2) / 0.8
    op = gru if cell == "gru" else simple_rnn
    with GradientTape() as tape:
        out, states = op(x, w, U, b, initial_state=h0, mask=steps_kept,
                         return_sequences=return_sequences, recurrent_mask=rm)
        loss = (out * out).sum() + (states[0] * states[0]).sum()
    return [out.numpy(), *tape.gradient(loss, [x, w, U, b, h0])]


@pytest.mark.parametrize("cell", ["gru", "simple_rnn"])
@pytest.mark.parametrize("mask", [False, True], ids=["all-steps", "masked"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
def test_gru_and_simple_rnn_give_the_same_values_at_every_thread_setting(cell, mask, return_sequences):
    """The GRU's rows split over threads (its loops over t), both cells' weight products split too."""
    _assert_same_at_every_setting(lambda: _gru_and_rnn_results(cell, mask, return_sequences))


@pytest.mark.parametrize("bad", [(0, 2), (2, -1), (1.5, 2), (True, 2), "2", (2,), None])
def test_a_malformed_thread_setting_is_refused_and_changes_nothing(bad):
    before = config.threads_now()
    with pytest.raises(ValueError, match="apply_threads: setting must be ThreadSetting"):
        config.apply_threads(bad)
    assert config.threads_now() == before
