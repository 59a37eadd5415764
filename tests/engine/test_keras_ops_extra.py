"""Statistics, linear algebra and model-building ``glassnet.ops``: NumPy values, finite-difference gradients of the
compositions, the properties that define them (sparsemax sums to 1...), and errors naming the argument."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import ops
from glassnet.engine.gradcheck import check_gradients

NUMPY_TRAPEZOID = getattr(np, "trapezoid", None) or np.trapz  # NumPy 2 renamed np.trapz (the minimum is 1.24)

RNG = np.random.default_rng(1)
M = RNG.uniform(0.3, 2.0, (3, 4)) * RNG.choice([-1.0, 1.0], (3, 4))
SQ = RNG.normal(size=(3, 3)) * 0.5 + 3 * np.eye(3)
V = RNG.uniform(0.2, 0.9, 5)

CASES = [
    ("quantile_linear", lambda a: ops.quantile(a, 0.3, axis=1), lambda a: np.quantile(a, 0.3, axis=1), [M]),
    ("quantile_many_q_keepdims", lambda a: ops.quantile(a, [0.2, 0.9], axis=0, keepdims=True),
     lambda a: np.quantile(a, [0.2, 0.9], axis=0, keepdims=True), [M]),
    ("quantile_midpoint_all", lambda a: ops.quantile(a, 0.45, method="midpoint"),
     lambda a: np.quantile(a, 0.45, method="midpoint"), [M]),
    ("quantile_lower", lambda a: ops.quantile(a, 0.45, axis=1, method="lower"),
     lambda a: np.quantile(a, 0.45, axis=1, method="lower"), [M]),
    ("median_even", lambda a: ops.median(a, axis=1), lambda a: np.median(a, axis=1), [M]),
    ("percentile", lambda a: ops.percentile(a, 75), lambda a: np.percentile(a, 75), [M]),
    ("nanmean", ops.nanmean, np.mean, [M]),
    ("diff_twice", lambda a: ops.diff(a, n=2, axis=1), lambda a: np.diff(a, n=2, axis=1), [M]),
    ("trapezoid_x", lambda y, x: ops.trapezoid(y, x), NUMPY_TRAPEZOID, [M, np.cumsum(V[:4])]),
    ("corrcoef", ops.corrcoef, np.corrcoef, [M]),
    ("correlate_same", lambda a, v: ops.correlate(a, v, mode="same"), lambda a, v: np.correlate(a, v, "same"),
     [V, V[:3]]),
    ("correlate_short_first", ops.correlate, np.correlate, [V[:2], V]),
    ("cdist", ops.cdist, lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)), [M, M[:2] + 0.5]),
    ("inv", ops.inv, np.linalg.inv, [SQ]),
    ("logdet", lambda a: ops.logdet(a @ a.T), lambda a: np.log(np.linalg.det(a @ a.T)), [SQ]),
    ("cholesky_upper", lambda a: ops.cholesky(a @ a.T, upper=True), lambda a: np.linalg.cholesky(a @ a.T).T, [SQ]),
    ("cholesky_inverse", lambda a: ops.cholesky_inverse(ops.cholesky(a @ a.T)), lambda a: np.linalg.inv(a @ a.T),
     [SQ]),
    ("cholesky_inverse_upper", lambda a: ops.cholesky_inverse(ops.cholesky(a @ a.T, upper=True), upper=True),
     lambda a: np.linalg.inv(a @ a.T), [SQ]),
    ("sparsemax", lambda a: ops.sparsemax(a * 2), None, [M]),
    ("layer_normalization", lambda a, g: ops.layer_normalization(a, g, g), None, [M, V[:4]]),
    ("batch_normalization", lambda a, m, s: ops.batch_normalization(a, m, s * s, axis=1, offset=m, scale=s), None,
     [M, V[:4], V[1:]]),
    ("rms_normalization", lambda a: ops.rms_normalization(a, scale=2.0), None, [M]),
    ("psnr", lambda a, b: ops.psnr(a, b, 1.0), None, [M, M * 0.5]),
    ("depth_to_space_roundtrip", lambda a: ops.space_to_depth(ops.depth_to_space(a, 2), 2), lambda a: a,
     [RNG.normal(size=(1, 2, 2, 8))]),
    ("extract_sequences", lambda a: ops.extract_sequences(a, 3, 2),
     lambda a: np.stack([a[..., 0:3], a[..., 2:5]], axis=-2), [RNG.normal(size=(2, 6))]),
    ("dot_product_attention_bias_mask", lambda q, k, b: ops.dot_product_attention(q, k, k, bias=b, mask=MASK),
     None, [RNG.normal(size=(1, 3, 2, 4)), RNG.normal(size=(1, 5, 2, 4)), RNG.normal(size=(1, 2, 3, 5))]),
    ("sinc_through_zero", ops.sinc, np.sinc, [np.array([0.0, 0.5, -1.3])]),
    ("fmax", ops.fmax, np.fmax, [M, M[::-1] + 0.05]),  # + 0.05: no ties (a kink)
    ("fmin", ops.fmin, np.fmin, [M, M[::-1] + 0.05]),
    ("ldexp", lambda a: ops.ldexp(a, np.array([1, -2, 3, 0])), lambda a: np.ldexp(a, np.array([1, -2, 3, 0])), [M]),
    ("vander_with_a_zero", lambda a: ops.vander(a, 4), lambda a: np.vander(a, 4), [np.array([0.0, 1.5, -0.7])]),
    ("vander_increasing", lambda a: ops.vander(a, increasing=True), lambda a: np.vander(a, increasing=True), [V]),
    ("nanvar", ops.nanvar, np.var, [M]),
    ("nancumprod", lambda a: ops.nancumprod(a, axis=1), lambda a: np.cumprod(a, axis=1), [M]),
    ("segment_min", lambda d: ops.segment_min(d, [1, 0, 1]), None, [M]),
    ("nanquantile", lambda a: ops.nanquantile(a, [0.25, 0.6], axis=1), lambda a: np.quantile(a, [0.25, 0.6], axis=1),
     [M]),
    ("nanmedian", ops.nanmedian, np.median, [M]),
    ("i0", ops.i0, np.i0, [M]),
    ("stft", lambda a: ops.stft(a, 4, 2, 6)[0] + ops.stft(a, 4, 2, 6, window=np.arange(1.0, 5.0))[1], None,
     [RNG.normal(size=(2, 9))]),
]
MASK = np.tril(np.ones((3, 5), dtype=bool), 1)


@pytest.mark.parametrize(("name", "fn", "ref", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients(name, fn, ref, inputs) -> None:
    gn.set_floatx("float64")
    if ref is not None:
        out = fn(*[gn.Tensor(x) for x in inputs])
        np.testing.assert_allclose(out.numpy(), ref(*inputs), rtol=1e-9, atol=1e-12)
    check_gradients(fn, inputs, rtol=1e-5)


def test_sparsemax_is_a_sparse_distribution() -> None:
    out = ops.sparsemax(np.array([[0.5, 1.2, -0.3, 1.0], [2.0, 0.1, 0.0, -1.0]]), axis=-1).numpy()
    np.testing.assert_allclose(out, [[0.0, 0.6, 0.0, 0.4], [1.0, 0.0, 0.0, 0.0]], atol=1e-6)
    cols = ops.sparsemax(M.T, axis=0).numpy()
    np.testing.assert_allclose(cols.sum(axis=0), 1.0)
    assert (cols >= 0).all()


def test_fmax_and_fmin_ignore_a_nan() -> None:
    a, b = np.array([np.nan, 1.0, np.nan]), np.array([2.0, np.nan, np.nan])
    np.testing.assert_array_equal(ops.fmax(a, b).numpy(), np.fmax(a, b))
    np.testing.assert_array_equal(ops.fmin(a, b).numpy(), np.fmin(a, b))


def test_nan_reductions_skip_nans() -> None:
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanstd"):
        np.testing.assert_allclose(getattr(ops, name)(x, axis=1).numpy(), getattr(np, name)(x, axis=1), err_msg=name)
    np.testing.assert_array_equal(ops.nancumsum(x).numpy(), np.nancumsum(x))
    assert ops.nanargmax(x, axis=1).numpy().tolist() == [2, 2]
    assert ops.nanargmin(x, axis=1).numpy().tolist() == [0, 2]


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_nanquantile_matches_numpy_with_nans(method: str) -> None:
    x = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4, [4.0, 1.0, 2.0, 8.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns about the all-NaN row
        expected = np.nanquantile(x, [0.1, 0.5, 0.7], axis=1, method=method)
    np.testing.assert_allclose(ops.nanquantile(x, [0.1, 0.5, 0.7], axis=1, method=method).numpy(), expected)
    np.testing.assert_allclose(ops.nanpercentile(x[0], 30.0).numpy(), np.nanpercentile(x[0], 30.0))
    x_t = gn.Tensor(x, requires_grad=True)
    with gn.GradientTape() as tape:
        total = ops.nanmedian(x_t[0])
    assert tape.gradient(total, x_t)[0].tolist() == [0.0, 0.0, 0.0, 1.0]  # the median of 1, 2, 3 is the 2


def test_fft_round_trips() -> None:
    x = RNG.normal(size=(2, 6))
    np.testing.assert_allclose(ops.irfft(ops.rfft(x)).numpy(), x, atol=1e-12)
    re, im = ops.ifft2(ops.fft2((x, x * 0)))
    np.testing.assert_allclose(re.numpy(), x, atol=1e-12)
    np.testing.assert_allclose(im.numpy(), 0, atol=1e-12)


def test_linalg_values_and_counts() -> None:
    np.testing.assert_allclose(ops.det(SQ).numpy(), np.linalg.det(SQ))
    sign, logabs = ops.slogdet(-SQ)
    assert float(sign) == np.sign(np.linalg.det(-SQ))
    np.testing.assert_allclose(float(logabs), np.log(abs(np.linalg.det(SQ))))
    assert np.isnan(float(ops.logdet(np.diag([1.0, -2.0]))))
    np.testing.assert_allclose(ops.solve(SQ, V[:3]).numpy(), np.linalg.solve(SQ, V[:3]))
    assert ops.matrix_rank(np.outer(V, V)).numpy() == 1
    w, vecs = ops.eigh(SQ + SQ.T)
    np.testing.assert_allclose((vecs.numpy() * w.numpy()) @ vecs.numpy().T, SQ + SQ.T, atol=1e-12)
    assert np.all(np.diff(w.numpy()) > 0)
    counts, edges = ops.histogram(V, bins=2, range=(0.0, 1.0))
    assert counts.numpy().sum() == 5 and edges.numpy().tolist() == [0.0, 0.5, 1.0]
    values, inverse, counts = ops.unique(np.array([3, 1, 3]), return_inverse=True, return_counts=True)
    assert values.numpy().tolist() == [1, 3] and inverse.numpy().tolist() == [1, 0, 1]
    assert counts.numpy().tolist() == [1, 2]
    assert ops.unique(np.array([3, 1, 3]), size=4, fill_value=-1).numpy().tolist() == [1, 3, -1, -1]
    assert ops.saturate_cast(np.array([-5.0, 300.0]), "uint8").numpy().tolist() == [0, 255]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ops.quantile(M, 1.5), r"quantile: q must be a number or a 1-D list in \[0, 1\]"),
    (lambda: ops.quantile(M, 0.5, method="cubic"), "quantile: method must be one of"),
    (lambda: ops.percentile(M, 101), r"percentile: q must be in \[0, 100\]"),
    (lambda: ops.nanpercentile(M, -1), r"nanpercentile: q must be in \[0, 100\]"),
    (lambda: ops.nanquantile(M, 0.5, method="x"), "nanquantile: method must be one of"),
    (lambda: ops.diff(M, n=-1), "diff: n must be >= 0"),
    (lambda: ops.corrcoef(np.zeros((2, 2, 2))), "corrcoef: x must be 1-D or 2-D"),
    (lambda: ops.correlate(M, V), "correlate: x1 and x2 must be 1-D"),
    (lambda: ops.correlate(V, V, mode="circular"), "correlate: mode must be"),
    (lambda: ops.cdist(M, V), "cdist: x and y need the same last axis"),
    (lambda: ops.inv(M), "inv: expected square matrices"),
    (lambda: ops.det(V), "det: expected square matrices"),
    (lambda: ops.eigh(M), "eigh: expected square matrices"),
    (lambda: ops.qr(M), "qr: expected matrices with at least as many rows as columns"),
    (lambda: ops.qr(M.T, mode="complete"), "qr: only mode='reduced'"),
    (lambda: ops.cholesky(-np.eye(2)), "cholesky: the matrix is not positive definite"),
    (lambda: ops.solve_triangular(np.zeros((2, 3, 3)), np.zeros(3)), "solve_triangular: a must be one matrix"),
    (lambda: ops.psnr(M, V, 1.0), "psnr: x1 and x2 must have the same shape"),
    (lambda: ops.depth_to_space(np.zeros((1, 2, 2, 3)), 2), "depth_to_space: channels"),
    (lambda: ops.space_to_depth(np.zeros((1, 3, 2, 1)), 2), "space_to_depth: height and width"),
    (lambda: ops.space_to_depth(np.zeros((1, 2, 2, 1)), 2, "channels_first"), "channels_last only"),
    (lambda: ops.depth_to_space(np.zeros((2, 2, 4)), 2), r"\(batch, height, width, channels\)"),
    (lambda: ops.extract_sequences(V, 9, 1), "extract_sequences: need 0 < sequence_length"),
    (lambda: ops.dot_product_attention(M, M, M), "dot_product_attention: query, key and value"),
    (lambda: ops.dot_product_attention(*[np.zeros((1, 2, 1, 2))] * 3, flash_attention=True), "flash_attention"),
    (lambda: ops.ldexp(M, 1.5), "ldexp: x2 must be integers"),
    (lambda: ops.vander(M), "vander: x must be 1-D"),
    (lambda: ops.saturate_cast(M, "bool"), "saturate_cast: dtype must be a numeric type"),
    (lambda: ops.fft(M), r"fft: x must be a \(real, imag\) pair"),
    (lambda: ops.fft((M, V)), "fft: real and imag must have the same shape"),
    (lambda: ops.fft2((V, V)), "fft2: x needs at least 2 axes"),
    (lambda: ops.rfft(V, fft_length=0), "rfft: fft_length must be >= 1"),
    (lambda: ops.real(np.array([1j])), "real: glassnet tensors are real"),
    (lambda: ops.stft(V, 4, 1, 3), r"stft: fft_length \(3\) must be >= sequence_length \(4\)"),
    (lambda: ops.stft(V, 2, 1, 2, window="blackman"), "stft: window must be 'hann', 'hamming'"),
    (lambda: ops.stft(V, 2, 1, 2, window=np.ones(3)), r"stft: window must have shape \(2,\)"),
    (lambda: ops.irfft((V[:1], V[:1])), "irfft: fft_length must be >= 1"),
])
def test_bad_arguments_are_named(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
