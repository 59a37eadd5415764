"""The one-pass optimizer kernels (glassnet/optimizers/kernels.py) against their NumPy references.

Each compiled loop must give the reference's numbers, step after step, in float32 and float64; whole
optimizers must train the same with compiled kernels on and off, through both paths of ``apply`` (the
kernel reading the tape's gradients variable by variable, and the kernel over the packed buffer when
clipping needs the gradients first).  No timing here: benchmarks/scaling.py measures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import jit, optimizers
from glassnet.engine.ops import math as m
from glassnet.engine.ops import nn
from glassnet.optimizers import kernels

needs_numba = pytest.mark.skipif(not jit.available(), reason="numba is not installed")
RTOL = {np.float32: 2e-6, np.float64: 1e-12}


def smallest_normal(dtype: Any) -> Any:
    """The smallest normal number of ``dtype``, as the kernels take it after ``decay``."""
    return dtype(np.finfo(dtype).tiny)


@pytest.fixture
def jit_on() -> Iterator[None]:
    previous = jit.set_enabled(True)
    yield
    jit.set_enabled(previous)


# --- each kernel: compiled loop == NumPy reference --------------------------------------------------------
def _cases(dtype: Any) -> list[tuple[str, Any, int, tuple[Any, ...]]]:
    """(label, kernel, number of slot arrays, scalars after ``decay``) for every branch of every kernel."""
    f = dtype
    cases = []
    for momentum, nesterov in ((False, False), (True, False), (True, True)):
        cases.append((f"sgd momentum={momentum} nesterov={nesterov}", kernels.sgd, 1,
                      (f(0.05), f(0.9 if momentum else 0.0), momentum, nesterov)))
    for amsgrad in (False, True):
        cases.append((f"adam amsgrad={amsgrad}", kernels.adam, 3,
                      (f(0.1), f(0.001), f(0.0123), f(1e-7), amsgrad)))
    for centered in (False, True):
        for momentum in (False, True):
            cases.append((f"rmsprop centered={centered} momentum={momentum}", kernels.rmsprop, 3,
                          (f(0.9), f(0.1), f(1e-7), f(0.01), f(0.5 if momentum else 0.0), centered, momentum)))
    cases.append(("nadam", kernels.nadam, 2, (f(0.1), f(0.001), f(9.5), f(0.55), f(1.002), f(1e-7), f(0.01))))
    cases.append(("adamax", kernels.adamax, 2, (f(0.1), f(0.999), f(0.0123), f(1e-7))))
    cases.append(("adagrad", kernels.adagrad, 1, (f(0.01), f(1e-7))))
    return cases


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decay", [0.0, 4e-3])
def test_compiled_loop_equals_reference(dtype: Any, decay: float) -> None:
    rng = np.random.default_rng(0)
    n = 1000
    for label, kernel, n_slots, scalars in _cases(dtype):
        p0 = rng.normal(size=n).astype(dtype)
        # Slots as training leaves them: second moments non-negative, and RMSprop's mean square (its
        # first slot) above the square of its mean gradient, so the centered variance stays positive.
        slots0 = [np.abs(rng.normal(size=n)).astype(dtype) * 0.1 for _ in range(n_slots)]
        if kernel is kernels.rmsprop:
            slots0[0] += dtype(1)
        states = {"reference": (p0.copy(), [s.copy() for s in slots0]),
                  "compiled": (p0.copy(), [s.copy() for s in slots0])}
        run = {"reference": kernel.reference, "compiled": kernel.compiled()}
        for _ in range(4):  # several steps: the slots carry errors forward if any
            g = rng.normal(size=n).astype(dtype)
            for name, (p, slots) in states.items():
                run[name](p, g, *slots, np.empty_like(p), dtype(decay), smallest_normal(dtype), *scalars)
        (p_ref, s_ref), (p_jit, s_jit) = states["reference"], states["compiled"]
        assert np.isfinite(p_ref).all(), label
        np.testing.assert_allclose(p_jit, p_ref, rtol=RTOL[dtype], atol=0, err_msg=label)
        for a, b in zip(s_jit, s_ref):
            np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=0, err_msg=label)
        assert p_jit.dtype == dtype


def test_kernel_runs_reference_when_switched_off() -> None:
    previous = jit.set_enabled(False)
    try:
        assert not jit.enabled()
        p, g, mom = np.ones(3), np.full(3, 2.0), np.zeros(3)
        kernels.sgd(p, g, mom, np.empty(3), 0.0, smallest_normal(np.float64), 0.5, 0.0, False, False)
        np.testing.assert_array_equal(p, [0.0, 0.0, 0.0])
    finally:
        jit.set_enabled(previous)


# --- whole optimizers: compiled on == compiled off ---------------------------------------------------------
def _train(opt: Any, dtype: Any, enabled: bool, steps: int = 4) -> tuple[list[np.ndarray], Any]:
    rng = np.random.default_rng(1)
    vs = [gn.Variable(rng.normal(size=(5, 4)), dtype=dtype), gn.Variable(rng.normal(size=4) * 0.1, dtype=dtype),
          gn.Variable(rng.normal(size=(4, 3)), dtype=dtype), gn.Variable(rng.normal(size=3) * 0.1, dtype=dtype)]
    x, y = rng.normal(size=(8, 5)).astype(dtype), rng.normal(size=(8, 3)).astype(dtype)
    previous = jit.set_enabled(enabled)
    try:
        for _ in range(steps):
            with gn.GradientTape() as tape:
                h = nn.tanh(nn.dense(gn.Tensor(x), vs[0], vs[1]))
                loss = m.mean(m.square(m.subtract(nn.dense(h, vs[2], vs[3]), gn.Tensor(y))))
            opt.apply(tape.gradient(loss, vs), vs)
    finally:
        jit.set_enabled(previous)
    return [v.numpy() for v in vs], opt


OPTIMIZERS = {
    "sgd": lambda **kw: optimizers.SGD(0.1, **kw),
    "sgd momentum": lambda **kw: optimizers.SGD(0.1, momentum=0.9, **kw),
    "sgd nesterov": lambda **kw: optimizers.SGD(0.1, momentum=0.9, nesterov=True, **kw),
    "adam": lambda **kw: optimizers.Adam(0.01, **kw),
    "adam amsgrad": lambda **kw: optimizers.Adam(0.01, amsgrad=True, **kw),
    "adamw": lambda **kw: optimizers.AdamW(0.01, **kw),
    "rmsprop": lambda **kw: optimizers.RMSprop(0.01, **kw),
    "rmsprop centered momentum": lambda **kw: optimizers.RMSprop(0.01, centered=True, momentum=0.5, **kw),
    "nadam": lambda **kw: optimizers.Nadam(0.01, **kw),
    "adamax": lambda **kw: optimizers.Adamax(0.01, **kw),
    "adagrad": lambda **kw: optimizers.Adagrad(0.01, **kw),
}


@needs_numba
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("extra", [{}, {"weight_decay": 0.01}, {"clipnorm": 0.5}, {"global_clipnorm": 0.5},
                                   {"clipvalue": 0.05}])
def test_optimizer_same_with_and_without_compiled_kernels(name: str, dtype: Any, extra: dict) -> None:
    if name == "adamw" and "weight_decay" in extra:
        extra = {"weight_decay": 0.05}
    reference, _ = _train(OPTIMIZERS[name](**extra), dtype, enabled=False)
    compiled, opt = _train(OPTIMIZERS[name](**extra), dtype, enabled=True)
    assert opt._fused_rule()
    for a, b in zip(compiled, reference):
        np.testing.assert_allclose(a, b, rtol=20 * RTOL[dtype], atol=20 * RTOL[dtype] * 1e-2)


@needs_numba
def test_last_gradients_when_kernels_read_the_tapes_arrays(jit_on: None) -> None:
    v = gn.Variable(np.array([[1.0, -2.0], [3.0, 0.5]], dtype=np.float32))
    b = gn.Variable(np.zeros(2, dtype=np.float32))
    opt = optimizers.Adam(0.1)
    g_v, g_b = np.array([[0.5, -1.0], [2.0, 0.0]], dtype=np.float32), np.array([3.0, 4.0], dtype=np.float32)
    opt.apply([g_v, g_b], [v, b])
    (var0, got0), (var1, got1) = opt.last_gradients()
    assert var0 is v and var1 is b
    np.testing.assert_array_equal(got0, g_v)
    np.testing.assert_array_equal(got1, g_b)
    assert not got0.flags.writeable
    assert opt.last_gradient_norm() == pytest.approx(float(np.sqrt((g_v.astype(float) ** 2).sum() + 25.0)))


@needs_numba
def test_missing_gradient_counts_as_zero(jit_on: None) -> None:
    a, b = gn.Variable(np.ones(3, dtype=np.float32)), gn.Variable(np.ones(2, dtype=np.float32))
    opt = optimizers.SGD(0.5, momentum=0.9)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([np.ones(3, dtype=np.float32), None], [a, b])
    np.testing.assert_allclose(a.numpy(), 0.5)
    np.testing.assert_allclose(b.numpy(), 1.0)


@needs_numba
def test_gradient_of_another_dtype_or_layout_is_copied(jit_on: None) -> None:
    w = gn.Variable(np.ones((3, 2), dtype=np.float32))
    opt = optimizers.SGD(1.0)
    opt.apply([np.full((2, 3), 0.25).T], [w])  # float64 and not C-contiguous
    np.testing.assert_allclose(w.numpy(), 0.75)
    assert w.numpy().dtype == np.float32


def test_overridden_update_is_not_replaced_by_the_kernel() -> None:
    class Halved(optimizers.SGD):
        def update(self, group: Any, lr: Any, step: int) -> None:
            super().update(group, lr / 2, step)

    assert optimizers.Adam()._fused_rule() and optimizers.AdamW()._fused_rule() and optimizers.Nadam()._fused_rule()
    assert not optimizers.Adadelta()._fused_rule()  # no kernel: its NumPy update, after a weight-decay pass
    assert not Halved(1.0)._fused_rule()
    w = gn.Variable(np.ones(2))
    Halved(1.0).apply([np.ones(2)], [w])
    np.testing.assert_allclose(w.numpy(), 0.5)


@needs_numba
@pytest.mark.parametrize("threads", [2, 3])
def test_split_over_threads_gives_the_same_bits(threads: int) -> None:
    rng = np.random.default_rng(2)
    n = kernels.SPLIT_MIN + 7  # chunks of unequal size
    f = np.float32
    p, g, mom, vel = (rng.normal(size=n).astype(f) for _ in range(4))
    vel = np.abs(vel)
    scalars = (f(0.01), smallest_normal(f), f(0.1), f(0.001), f(0.003), f(1e-7), False)
    one = [a.copy() for a in (p, g, mom, vel, vel, p)]
    split = [a.copy() for a in (p, g, mom, vel, vel, p)]
    one[4] = one[3]  # no AMSGrad: the unused slot is the velocity itself, as apply passes it
    split[4] = split[3]
    fn = kernels.adam.compiled()
    fn(*one, *scalars)
    kernels.run_split(fn, tuple(split), scalars, threads)
    for a, b in zip(split, one):
        np.testing.assert_array_equal(a, b)


# --- subnormal numbers: decaying slots are set to zero below the smallest normal number -------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("compiled", [False, True])
def test_decaying_slots_never_hold_subnormal_numbers(dtype: Any, compiled: bool) -> None:
    """Slots a zero gradient makes decay (momentum, second moments, RMSprop's averages, Adamax's norm)
    reach 0, not the subnormals that stall Intel CPUs; normal values, however small, are kept."""
    if compiled and not jit.available():
        pytest.skip("numba is not installed")
    tiny = np.finfo(dtype).tiny
    n = 6
    # One weight per kind of slot value: a subnormal-to-be just above tiny, tiny itself, a normal value
    # and negatives; the gradient is zero, so each slot only decays.
    start = np.array([tiny * 1.05, -tiny * 1.05, tiny * 4, -tiny * 4, 1e-3, -1e-3], dtype=dtype)
    for label, kernel, n_slots, scalars in _cases(dtype):
        if kernel is kernels.adagrad:
            continue  # its accumulator only grows
        p = np.ones(n, dtype=dtype)
        slots = [np.abs(start) if s > 0 or kernel is kernels.adamax else start.copy() for s in range(n_slots)]
        if kernel is kernels.rmsprop:
            slots[0] += dtype(1)  # the mean square stays normal: only the averages decay here
        run = kernel.compiled() if compiled else kernel.reference
        for _ in range(60):
            run(p, np.zeros(n, dtype=dtype), *slots, np.empty_like(p), dtype(0), smallest_normal(dtype), *scalars)
        for s in slots:
            a = np.abs(s)
            assert not ((a > 0) & (a < tiny)).any(), f"{label}: subnormal left in a slot: {s}"
        assert np.isfinite(p).all(), label
    # A normal value stays: one step of decay from 4 tiny by 0.9 is 3.6 tiny, kept as it is.
    m = np.array([tiny * 4], dtype=dtype)
    run = kernels.sgd.compiled() if compiled else kernels.sgd.reference
    run(np.ones(1, dtype=dtype), np.zeros(1, dtype=dtype), m, np.empty(1, dtype=dtype), dtype(0),
        smallest_normal(dtype), dtype(0.1), dtype(0.9), True, False)
    assert m[0] == dtype(tiny * 4) * dtype(0.9)


def test_adam_in_training_leaves_no_subnormal_moments() -> None:
    """A weight whose input is always 0 (an always-black pixel) gets zero gradients: its Adam momentum
    decays by 0.9 a step and would sit among the subnormals after about 800 steps."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    x[:, 0] = 0  # the dead input
    y = rng.integers(0, 3, size=64)
    model = gn.Sequential([gn.layers.Input((6,)), gn.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)
    momentum = model.optimizer._groups[0].slots["momentum"]
    momentum[:3] = np.float32(np.finfo(np.float32).tiny * 2)  # the dead input's row of the kernel, near the edge
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert (momentum[:3] == 0).all()
    assert not ((np.abs(momentum) > 0) & (np.abs(momentum) < np.finfo(np.float32).tiny)).any()


# --- float16 variables: numba has no float16, so their updates run the NumPy references ------------------
@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "nadam", "adamax", "adagrad", "adamw"])
def test_float16_variables_train_with_every_fused_optimizer(name: str, jit_on: None) -> None:
    model = gn.Sequential([gn.layers.Input((4,)), gn.layers.Dense(3, dtype="float16")])
    model.compile(optimizer=name, loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4)).astype("float16"), rng.random((32, 3)).astype("float16")
    before = model.get_weights()[0].copy()
    model.fit(x, y, epochs=2, verbose=0)
    after = model.get_weights()[0]
    assert after.dtype == np.float16 and np.isfinite(after).all() and not np.array_equal(after, before)


def test_float16_moments_keep_their_subnormal_values(jit_on: None) -> None:
    """float16's subnormals (6e-8 to 6e-5) are ordinary moments, and reach the CPU as normal float32 numbers:
    only float32 and float64 slots are flushed."""
    model = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(1, use_bias=False, dtype="float16")])
    model.compile(optimizer=optimizers.SGD(0.1, momentum=0.5), loss="mse")
    x, y = np.zeros((4, 2), "float16"), np.zeros((4, 1), "float16")
    model.fit(x, y, epochs=1, verbose=0)
    momentum = model.optimizer._groups[0].slots["momentum"]
    momentum[:] = np.float16(1e-5)                 # subnormal in float16 (below 6.1e-5)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # zero gradient: one step of decay by 0.5
    np.testing.assert_array_equal(momentum, np.float16(1e-5) * np.float16(0.5))


def test_jit_compiles_numbers_but_not_float16() -> None:
    for dtype in ("float32", "float64", "int64", "uint8", "bool", "complex64"):
        assert jit.compiles(np.dtype(dtype)), dtype
    for dtype in ("float16", "object", "U3"):
        assert not jit.compiles(np.dtype(dtype)), dtype


def test_each_variable_gets_its_own_gradient_when_dtypes_split_the_list(jit_on: None) -> None:
    # Variables are packed by dtype, so groups list them in another order than apply() receives them;
    # each gradient must still reach its own variable, step after step.
    a = gn.Variable(np.ones(3, dtype=np.float32))
    b = gn.Variable(np.ones(2, dtype=np.float64))
    c = gn.Variable(np.ones(4, dtype=np.float32))
    opt = optimizers.SGD(1.0)
    for step in (1, 2):
        opt.apply([np.full(3, 0.5, np.float32), np.full(2, 0.25), np.full(4, 0.125, np.float32)], [a, b, c])
        np.testing.assert_array_equal(a.numpy(), 1 - 0.5 * step)
        np.testing.assert_array_equal(b.numpy(), 1 - 0.25 * step)
        np.testing.assert_array_equal(c.numpy(), 1 - 0.125 * step)
