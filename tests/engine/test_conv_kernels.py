"""The compiled convolution / pooling kernels equal their NumPy references, and the ops give the
same values and gradients with compiled kernels on and off (:mod:`glassnet.engine.ops.conv_kernels`).

Shapes are random and odd on purpose (odd conv outputs whose last row/column the pooling drops,
strides, dilation, 'same' padding), and the pooling inputs hold ties.  Float64 runs compare
tightly; float32 allows for the different summation order of a loop and a matrix product.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import jit
from glassnet.engine.ops import conv as C
from glassnet.engine.ops import conv_kernels as K
from glassnet.engine.ops import fused as F
from glassnet.engine.ops import nn
from glassnet.engine.ops import pooling as P
from glassnet.engine.tensor import GradientTape, Tensor, Variable

needs_numba = pytest.mark.skipif(not jit.available(), reason="numba is not installed")
DTYPES = [np.float64, np.float32]
GEOMETRIES = [(1, 1, 1, 1), (2, 1, 1, 1), (1, 2, 1, 2), (2, 2, 2, 1), (3, 1, 1, 2)]  # sh, sw, dh, dw


def _tol(dtype):
    return {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}


def _run_both(kernel, make):
    """Run the reference and the compiled loop on fresh copies of the same arguments."""
    ref_args, loop_args = make(), make()
    kernel.reference(*ref_args)
    kernel.compiled()(*loop_args)
    return ref_args, loop_args


def _out_size(n, k, s, d):
    return (n - d * (k - 1) - 1) // s + 1


# --- each kernel against its reference ------------------------------------------------------------------------
@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("c", [1, 5, 9])  # 9: the reference copies a sliding-window view instead of taps
def test_im2col_and_col2im_equal_their_references(dtype, geometry, c) -> None:
    sh, sw, dh, dw = geometry
    rng = np.random.default_rng(sum(geometry))
    kh, kw = 3, 2
    x = rng.normal(size=(3, 13, 11, c)).astype(dtype)
    ho, wo = _out_size(13, kh, sh, dh), _out_size(11, kw, sw, dw)
    ref, loop = _run_both(K.im2col_kernel, lambda: (x, np.zeros((3, ho, wo, kh, kw, c), dtype), sh, sw, dh, dw))
    np.testing.assert_array_equal(loop[1], ref[1])
    dcols = rng.normal(size=(3, ho, wo, kh, kw, c)).astype(dtype)
    ref, loop = _run_both(K.col2im_kernel, lambda: (dcols, np.ones_like(x), sh, sw, dh, dw))
    np.testing.assert_allclose(loop[1], ref[1], **_tol(dtype))


def _tied(rng, shape, dtype):
    """Small integers: many exact ties inside the pooling windows, and many windows <= 0."""
    return rng.integers(-2, 3, size=shape).astype(dtype)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("relu", [True, False])
def test_pool4_equals_its_reference_with_ties(dtype, relu) -> None:
    rng = np.random.default_rng(1)
    z = _tied(rng, (3, 2, 2, 4, 5, 7), dtype)
    bias = rng.integers(-1, 2, size=7).astype(dtype)
    ref, loop = _run_both(K.pool4_kernel, lambda: (z, bias, relu, np.zeros((3, 4, 5, 7), dtype),
                                                   np.zeros((3, 4, 5, 7), np.uint8)))
    np.testing.assert_array_equal(loop[3], ref[3])
    np.testing.assert_array_equal(loop[4], ref[4])
    assert (ref[4] == K.NO_WINNER).any() == relu and (ref[4] < 4).any()
    # Without codes (predict): the same pooled values.
    _, alone = _run_both(K.pool4_kernel, lambda: (z, bias, relu, np.zeros((3, 4, 5, 7), dtype),
                                                  np.zeros((0, 0, 0, 0), np.uint8)))
    np.testing.assert_array_equal(alone[3], ref[3])


def test_pool4_ties_go_to_the_first_cell_in_row_major_order() -> None:
    z = np.zeros((1, 2, 2, 1, 1, 3))
    z[0, :, :, 0, 0, 0] = [[1, 2], [2, 0]]   # tie between (0, 1) and (1, 0): (0, 1) wins
    z[0, :, :, 0, 0, 1] = [[5, 5], [5, 5]]   # all tied: (0, 0)
    z[0, :, :, 0, 0, 2] = [[-1, -3], [-2, -1]]  # max <= 0: blocked by the ReLU
    for flag in (False, True):
        previous = jit.set_enabled(flag)
        try:
            pooled, code = np.zeros((1, 1, 1, 3)), np.zeros((1, 1, 1, 3), np.uint8)
            K.pool4_kernel(z, np.zeros(3), True, pooled, code)
        finally:
            jit.set_enabled(previous)
        np.testing.assert_array_equal(code[0, 0, 0], [1, 0, K.NO_WINNER])
        np.testing.assert_array_equal(pooled[0, 0, 0], [2, 5, 0])


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
def test_unpool4_equals_its_reference(dtype) -> None:
    rng = np.random.default_rng(2)
    dp = rng.normal(size=(3, 4, 5, 7)).astype(dtype)
    code = rng.integers(0, 5, size=dp.shape).astype(np.uint8)
    ref, loop = _run_both(K.unpool4_kernel, lambda: (dp, code, np.full((3, 2, 2, 4, 5, 7), 7, dtype),
                                                     np.ones(7, dtype)))
    np.testing.assert_array_equal(loop[2], ref[2])
    np.testing.assert_allclose(loop[3], ref[3], **_tol(dtype))


def _conv_case(rng, dtype, geometry, cin, cout=6):
    sh, sw, dh, dw = geometry
    kh, kw = 3, 2
    h, w = 2 * 3 * sh + dh * (kh - 1) + 1 + int(rng.integers(0, 3)), 2 * 2 * sw + dw * (kw - 1) + 2
    hp, wp = _out_size(h, kh, sh, dh) // 2, _out_size(w, kw, sw, dw) // 2
    x = _tied(rng, (3, h, w, cin), dtype)
    wk = _tied(rng, (kh, kw, cin, cout), dtype)
    return x, wk, (3, hp, wp, cout)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("need", ["both", "w", "x"])
def test_sparse_backward_equals_its_reference(dtype, geometry, need) -> None:
    rng = np.random.default_rng(4 + sum(geometry))
    x, w, pshape = _conv_case(rng, dtype, geometry, cin=9)
    w_t = np.ascontiguousarray(w.transpose(3, 0, 1, 2))
    dp = rng.normal(size=pshape).astype(dtype)
    code = rng.integers(0, 5, size=pshape).astype(np.uint8)
    none = np.zeros((0, 0, 0, 0), dtype)
    ref, loop = _run_both(K.sparse_backward_kernel, lambda: (
        x, w_t, dp, code, np.zeros_like(w_t) if need != "x" else none, np.zeros_like(x) if need != "w" else none,
        np.zeros(w.shape[-1], dtype), *geometry))
    for a, b in zip(loop[4:7], ref[4:7]):
        np.testing.assert_allclose(a, b, **_tol(dtype))


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("cin,with_bias", [(1, True), (3, False)])
def test_narrow_weight_backward_equals_its_reference(dtype, geometry, cin, with_bias) -> None:
    rng = np.random.default_rng(11 + sum(geometry) + cin)
    x, w, pshape = _conv_case(rng, dtype, geometry, cin=cin)
    dp = rng.normal(size=pshape).astype(dtype)
    code = rng.integers(0, 5, size=pshape).astype(np.uint8)
    code[0] = 4  # a whole sample whose ReLUs are all off: nothing from it
    ref, loop = _run_both(K.narrow_weight_backward_kernel, lambda: (
        x, dp, code, np.full(w.shape, 0.5, dtype), np.zeros(w.shape[-1] if with_bias else 0, dtype), *geometry))
    np.testing.assert_allclose(loop[3], ref[3], **_tol(dtype))   # dW, added to what was there
    np.testing.assert_allclose(loop[4], ref[4], **_tol(dtype))   # db


# --- the ops, compiled kernels on and off ---------------------------------------------------------------------
@pytest.fixture(params=[True, False], ids=["jit", "numpy"])
def jit_flag(request):
    if request.param and not jit.available():
        pytest.skip("numba is not installed")
    previous = jit.set_enabled(request.param)
    yield request.param
    jit.set_enabled(previous)


FUSED_CASES = [
    # input, kernel, padding, strides, dilation
    ((3, 28, 28, 1), (3, 3, 1, 8), "valid", 1, 1),      # one channel: matrix-product backward
    ((4, 13, 13, 9), (3, 3, 9, 5), "valid", 1, 1),      # sparse backward; odd conv output (11)
    ((2, 9, 10, 3), (3, 3, 3, 4), "same", 1, 1),
    ((2, 12, 11, 4), (5, 3, 4, 6), "valid", 2, 1),
    ((2, 14, 14, 8), (3, 3, 8, 3), "same", 1, 2),       # sparse, dilated
    ((2, 15, 13, 10), (2, 3, 10, 4), "same", (2, 1), 1),
]


def _fused_and_separate(case, seed=0):
    shape, kshape, padding, strides, dilation = case
    rng = np.random.default_rng(seed)
    x = Variable(rng.normal(size=shape), dtype="float64")
    w = Variable(rng.normal(size=kshape) * 0.4, dtype="float64")
    b = Variable(rng.normal(size=kshape[-1]) * 0.1, dtype="float64")
    with GradientTape(persistent=True) as tape:
        separate = P.max_pool2d(nn.relu(C.conv2d(x, w, b, strides, padding, dilation)), 2)
        fused = F.conv2d_relu_max_pool(x, w, b, strides, padding, dilation)
        g = Tensor(rng.normal(size=separate.shape))
        loss_separate, loss_fused = (separate * g).sum(), (fused * g).sum()
    return ((separate.numpy(), tape.gradient(loss_separate, [x, w, b])),
            (fused.numpy(), tape.gradient(loss_fused, [x, w, b])))


@pytest.mark.parametrize("case", FUSED_CASES, ids=[f"{c[0]}{c[2]}" for c in FUSED_CASES])
@pytest.mark.parametrize("block", [None, 64])
def test_fused_op_equals_the_separate_ops(case, block, jit_flag, monkeypatch) -> None:
    if block is not None:
        monkeypatch.setattr(F, "FUSED_BLOCK", block)  # one sample per chunk
    (a, grads_a), (b, grads_b) = _fused_and_separate(case)
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_allclose(gb, ga, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("path", ["matmul", "sparse"])
def test_both_fused_backwards_agree_with_and_without_jit(path, monkeypatch) -> None:
    if not jit.available():
        pytest.skip("numba is not installed")
    monkeypatch.setattr(F, "SPARSE_MIN_CIN", 1 if path == "sparse" else 10 ** 6)
    results = []
    for flag in (True, False):
        previous = jit.set_enabled(flag)
        try:
            results.append(_fused_and_separate(FUSED_CASES[1], seed=7)[1])
        finally:
            jit.set_enabled(previous)
    (a, ga), (b, gb) = results
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for u, v in zip(ga, gb):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", [FUSED_CASES[0], FUSED_CASES[2]], ids=["one-channel", "three-channels-same"])
def test_a_first_layer_fused_backward_gives_the_separate_ops_weight_gradients(case, jit_flag, monkeypatch) -> None:
    """No dx wanted (the input is data): with numba, dW and db come from the narrow kernel."""
    shape, kshape, padding, strides, dilation = case
    rng = np.random.default_rng(9)
    x = Tensor(rng.normal(size=shape))  # not a Variable: nothing asks for dx
    w = Variable(rng.normal(size=kshape) * 0.4, dtype="float64")
    b = Variable(rng.normal(size=kshape[-1]) * 0.1, dtype="float64")
    calls = []
    kernel = K.narrow_weight_backward_kernel
    monkeypatch.setattr(K, "narrow_weight_backward_kernel", lambda *a: (calls.append(1), kernel(*a)))
    with GradientTape(persistent=True) as tape:
        separate = P.max_pool2d(nn.relu(C.conv2d(x, w, b, strides, padding, dilation)), 2)
        fused = F.conv2d_relu_max_pool(x, w, b, strides, padding, dilation)
        g = Tensor(rng.normal(size=separate.shape))
        loss_separate, loss_fused = (separate * g).sum(), (fused * g).sum()
    want, got = tape.gradient(loss_separate, [w, b]), tape.gradient(loss_fused, [w, b])
    assert bool(calls) == jit_flag  # without numba the dense products run (the kernel's reference is no faster)
    for u, v in zip(got, want):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


def test_predict_keeps_no_codes(jit_flag) -> None:
    x = Tensor(np.random.default_rng(0).normal(size=(2, 10, 10, 3)).astype(np.float32))
    w = Tensor(np.ones((3, 3, 3, 4), np.float32))
    out = F.conv2d_relu_max_pool(x, w)   # nothing records: no tape
    assert out.shape == (2, 4, 4, 4) and out.numpy().dtype == np.float32


@pytest.mark.parametrize("geometry", [((1, 1), (1, 1), "valid"), ((2, 1), (1, 2), "same"), ((1, 2), (2, 1), "valid")])
def test_conv2d_gradients_with_and_without_jit(geometry) -> None:
    if not jit.available():
        pytest.skip("numba is not installed")
    strides, dilation, padding = geometry
    rng = np.random.default_rng(5)
    xa, wa = rng.normal(size=(3, 11, 9, 6)), rng.normal(size=(3, 2, 6, 4))
    results = []
    for flag in (True, False):
        previous = jit.set_enabled(flag)
        try:
            x, w = Variable(xa, dtype="float64"), Variable(wa, dtype="float64")
            with GradientTape() as tape:
                z = C.conv2d(x, w, None, strides, padding, dilation, fuse_relu=True)
                loss = (z * z).sum()
            results.append((z.numpy(), *tape.gradient(loss, [x, w])))
        finally:
            jit.set_enabled(previous)
    for u, v in zip(*results):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 8, 6, 3), (3, 7, 9, 2)])  # even, and odd (last row/column dropped)
def test_max_pool_2x2_with_ties_equals_with_and_without_jit(shape) -> None:
    if not jit.available():
        pytest.skip("numba is not installed")
    xa = _tied(np.random.default_rng(6), shape, np.float64)
    g = np.random.default_rng(7).normal(size=(shape[0], shape[1] // 2, shape[2] // 2, shape[3]))
    results = []
    for flag in (True, False):
        previous = jit.set_enabled(flag)
        try:
            x = Variable(xa, dtype="float64")
            with GradientTape() as tape:
                out = P.max_pool2d(x, 2)
                loss = (out * Tensor(g)).sum()
            results.append((out.numpy(), tape.gradient(loss, x)))
        finally:
            jit.set_enabled(previous)
    (a, da), (b, db) = results
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(da, db)
    # Each window passes delta to exactly one cell, the first maximum in row-major order.
    assert np.count_nonzero(da) == np.count_nonzero(g)


def test_dtypes_numba_cannot_compile_run_the_reference(jit_flag) -> None:
    # numba has no float16: the kernels fall back to their NumPy references instead of failing.
    rng = np.random.default_rng(8)
    x16 = rng.normal(size=(2, 8, 8, 3)).astype(np.float16)
    w16 = (rng.normal(size=(3, 3, 3, 4)) * 0.3).astype(np.float16)
    pooled = P.max_pool2d(Tensor(x16), 2).numpy()
    np.testing.assert_array_equal(pooled, P.max_pool2d(Tensor(x16.astype(np.float32)), 2).numpy())
    z = np.zeros((1, 2, 2, 1, 1, 2), np.float16)
    code, out = np.zeros((1, 1, 1, 2), np.uint8), np.zeros((1, 1, 1, 2), np.float16)
    K.pool4_kernel(z + np.float16(1), np.zeros(2, np.float16), True, out, code)
    np.testing.assert_array_equal(code, 0)
    fused = F.conv2d_relu_max_pool(Tensor(x16), Tensor(w16)).numpy()
    reference = F.conv2d_relu_max_pool(Tensor(x16.astype(np.float32)), Tensor(w16.astype(np.float32))).numpy()
    np.testing.assert_allclose(fused.astype(np.float32), reference, rtol=1e-2, atol=1e-2)
