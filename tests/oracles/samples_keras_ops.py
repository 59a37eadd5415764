"""Samples of the ``keras.ops`` primitives (``elementwise``, ``scans``, ``indexing``) and of the ``glassnet.ops``
compositions built on them (issue 14), each with its PyTorch twin."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

import glassnet as gn
from glassnet import ops
from glassnet.engine.ops import elementwise as ew
from glassnet.engine.ops import math as m
from glassnet.engine.ops import scans

from .samples import A, P, away, simple


def U(*shape: int, low: float = -0.8, high: float = 0.8) -> Callable[[np.random.Generator], np.ndarray]:  # noqa: N802
    """Uniform values in (low, high): the domain of arcsin, arctanh, erfinv."""
    return lambda rng: rng.uniform(low, high, shape)


# --- elementwise.py: (name, torch twin, input) ----------------------------------------------------------
_UNARY = [
    ("tan", torch.tan, U(3, 4, low=-1.2, high=1.2)), ("sinh", torch.sinh, A(3, 4)), ("cosh", torch.cosh, A(3, 4)),
    ("arcsin", torch.asin, U(3, 4)), ("arccos", torch.acos, U(3, 4)), ("arctan", torch.atan, A(3, 4)),
    ("arcsinh", torch.asinh, A(3, 4)), ("arccosh", torch.acosh, U(3, 4, low=1.2, high=3.0)),
    ("arctanh", torch.atanh, U(3, 4)), ("expm1", torch.expm1, A(3, 4)), ("exp2", torch.exp2, A(3, 4)),
    ("log2", torch.log2, P(3, 4)), ("log10", torch.log10, P(3, 4)),
    ("cbrt", lambda a: torch.sign(a) * a.abs() ** (1 / 3), A(3, 4)), ("reciprocal", torch.reciprocal, A(3, 4)),
    ("rsqrt", torch.rsqrt, P(3, 4)), ("erf", torch.erf, A(3, 4)), ("erfc", torch.erfc, A(3, 4)),
    ("erfinv", torch.erfinv, U(3, 4)), ("i0", torch.special.i0, A(3, 4)), ("log_sigmoid", F.logsigmoid, U(3, 4, low=-30.0, high=30.0)),
]
for _name, _twin, _gen in _UNARY:
    simple(f"{_name}_elementwise", f"elementwise.{_name}", getattr(ew, _name), _twin, _gen)
simple("arctan2_all_quadrants", "elementwise.arctan2", ew.arctan2, torch.atan2, A(3, 4), A(3, 4))
simple("arctan2_broadcast", "elementwise.arctan2", ew.arctan2, torch.atan2, A(3, 4), A(4))
simple("hypot", "elementwise.hypot", ew.hypot, torch.hypot, A(3, 4), A(3, 1))
simple("logaddexp", "elementwise.logaddexp", ew.logaddexp, torch.logaddexp, A(3, 4), A(4))

# --- scans.py -----------------------------------------------------------------------------------------------
_WITH_ZEROS = lambda rng: rng.uniform(0.5, 1.5, (3, 4)) * np.array([1.0, 0.0, 1.0, 1.0])  # noqa: E731
simple("cumsum_axis", "scans.cumsum", lambda a: scans.cumsum(a, axis=1), lambda a: torch.cumsum(a, 1), A(3, 4))
simple("cumsum_flattened", "scans.cumsum", scans.cumsum, lambda a: torch.cumsum(a.reshape(-1), 0), A(3, 4))
simple("cumprod_axis0", "scans.cumprod", lambda a: scans.cumprod(a, axis=0), lambda a: torch.cumprod(a, 0), A(3, 4))
simple("cumprod_through_a_zero", "scans.cumprod", lambda a: scans.cumprod(a, axis=-1),
       lambda a: torch.cumprod(a, -1), _WITH_ZEROS)
simple("prod_two_axes", "scans.prod", lambda a: scans.prod(a, axis=(0, 2)), lambda a: a.prod(2).prod(0), A(2, 3, 4))
simple("prod_all_with_a_zero", "scans.prod", scans.prod, lambda a: a.prod(), _WITH_ZEROS)
simple("prod_keepdims", "scans.prod", lambda a: scans.prod(a, axis=1, keepdims=True),
       lambda a: a.prod(1, keepdim=True), A(3, 4))
simple("logsumexp_axis", "scans.logsumexp", lambda a: scans.logsumexp(a, axis=1),
       lambda a: torch.logsumexp(a, 1), A(3, 4))
simple("logsumexp_all_keepdims", "scans.logsumexp", lambda a: scans.logsumexp(a, keepdims=True),
       lambda a: torch.logsumexp(a.reshape(-1), 0).reshape(1, 1), A(3, 4))

# --- indexing.py, through the glassnet.ops functions built on it ----------------------------------------------
_ORDER = np.array([[2, 0, 0, 1], [3, 3, 1, 0]])  # repeated indices: gradients must add up
simple("flip_gathers", "indexing.gather_flat", lambda a: ops.flip(a, axis=1), lambda a: torch.flip(a, (1,)), A(3, 4))
simple("roll_gathers", "indexing.gather_flat", lambda a: ops.roll(a, 2, axis=0), lambda a: torch.roll(a, 2, 0),
       A(3, 4))
simple("repeat_adds_gradients", "indexing.gather_flat", lambda a: ops.repeat(a, 2, axis=0),
       lambda a: torch.repeat_interleave(a, 2, dim=0), A(3, 4))
simple("pad_constant_fill", "indexing.gather_flat",
       lambda a: ops.pad(a, [[0, 1], [1, 2]], constant_values=0.5), lambda a: F.pad(a, (1, 2, 0, 1), value=0.5),
       A(3, 4))
simple("pad_reflect", "indexing.gather_flat", lambda a: ops.pad(a, [[0, 0], [2, 1]], mode="reflect"),
       lambda a: F.pad(a, (2, 1), mode="reflect"), A(3, 4))
simple("pad_edge", "indexing.gather_flat", lambda a: ops.pad(a, [[0, 0], [2, 1]], mode="edge"),
       lambda a: F.pad(a, (2, 1), mode="replicate"), A(3, 4))
simple("pad_wrap", "indexing.gather_flat", lambda a: ops.pad(a, [[0, 0], [2, 1]], mode="wrap"),
       lambda a: F.pad(a, (2, 1), mode="circular"), A(3, 4))
simple("take_along_axis_repeats", "indexing.gather_flat", lambda a: ops.take_along_axis(a, _ORDER, axis=1),
       lambda a: torch.take_along_dim(a, torch.as_tensor(_ORDER), 1), A(2, 4))
simple("sort_last_axis", "indexing.gather_flat", ops.sort, lambda a: torch.sort(a, dim=-1, stable=True).values, A(3, 5))
simple("top_k_values", "indexing.gather_flat", lambda a: ops.top_k(a, 2)[0], lambda a: torch.topk(a, 2).values,
       A(3, 5))
simple("diag_of_a_vector", "indexing.gather_flat", lambda a: ops.diag(a, 1), lambda a: torch.diag(a, 1), A(3))
simple("diagonal_batched", "indexing.gather_flat", lambda a: ops.diagonal(a, 1, 1, 2),
       lambda a: torch.diagonal(a, 1, 1, 2), A(2, 3, 4))
simple("rot90", "indexing.gather_flat", ops.rot90, lambda a: torch.rot90(a, 1, (0, 1)), A(3, 4))


def _torch_slice_update(a: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    out = a.clone()
    out[1:3, 0:2] = u
    return out


def _torch_scatter_update(a: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    out = a.clone()
    out[torch.tensor([0, 2]), torch.tensor([1, 3])] = u
    return out


_IDS = np.array([0, 2, 0, 1, 2])
simple("slice_update", "indexing.index_update", lambda a, u: ops.slice_update(a, [1, 0], u), _torch_slice_update,
       A(3, 4), A(2, 2))
simple("scatter_update_points", "indexing.index_update", lambda a, u: ops.scatter_update(a, [[0, 1], [2, 3]], u),
       _torch_scatter_update, A(3, 4), A(2))
simple("scatter_duplicates_add", "indexing.scatter_add", lambda v: ops.scatter([[0, 1], [2, 0], [0, 1]], v, (3, 2)),
       lambda v: torch.zeros(3, 2, dtype=v.dtype).index_put((torch.tensor([0, 2, 0]), torch.tensor([1, 0, 1])), v,
                                                              accumulate=True), A(3))
simple("scatter_rows", "indexing.scatter_add", lambda v: ops.scatter([[2], [0]], v, (3, 4)),
       lambda v: torch.zeros(3, 4, dtype=v.dtype).index_put((torch.tensor([2, 0]),), v, accumulate=True), A(2, 4))
simple("segment_sum", "indexing.segment_sum", lambda d: ops.segment_sum(d, _IDS, 3),
       lambda d: torch.zeros(3, 2, dtype=d.dtype).index_add(0, torch.as_tensor(_IDS), d), A(5, 2))
simple("segment_max", "indexing.segment_max", lambda d: ops.segment_max(d, _IDS, 3),
       lambda d: torch.zeros(3, 2, dtype=d.dtype).scatter_reduce(
           0, torch.as_tensor(_IDS)[:, None].expand(5, 2), d, reduce="amax", include_self=False), A(5, 2))

_PROD_IDS = np.array([0, 1, 0, 1, 1, 2])
simple("segment_prod_with_zeros", "indexing.segment_prod", lambda d: ops.segment_prod(d, _PROD_IDS, 3),
       lambda d: torch.stack([d[torch.as_tensor(_PROD_IDS == s)].prod(0) for s in range(3)]),
       lambda rng: away(rng, 6, 3) * np.array([[1, 1, 1], [0, 1, 1], [1, 1, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1.0]]))

# --- compositions in glassnet.ops (no new backward: these check the wiring) -------------------------------
simple("ops_norm_l2_axis", "ops.norm", lambda a: ops.norm(a, axis=1), lambda a: torch.linalg.vector_norm(a, dim=1),
       A(3, 4))
simple("ops_norm_l3", "ops.norm", lambda a: ops.norm(a, ord=3, axis=-1),
       lambda a: torch.linalg.vector_norm(a, ord=3, dim=-1), A(3, 4))
simple("ops_var", "ops.var", lambda a: ops.var(a, axis=0), lambda a: torch.var(a, 0, unbiased=False), A(3, 4))
simple("ops_normalize", "ops.normalize", ops.normalize, lambda a: F.normalize(a, dim=-1, eps=1e-7), A(3, 4))
simple("ops_cross", "ops.cross", ops.cross, lambda a, b: torch.linalg.cross(a, b), A(4, 3), A(4, 3))
simple("ops_kron", "ops.kron", ops.kron, torch.kron, A(2, 3), A(3, 2))
simple("ops_tensordot", "ops.tensordot", lambda a, b: ops.tensordot(a, b, axes=([0, 2], [1, 0])),
       lambda a, b: torch.tensordot(a, b, dims=([0, 2], [1, 0])), A(2, 3, 4), A(4, 2, 5))
simple("ops_trace", "ops.trace", ops.trace, torch.trace, A(4, 4))
simple("ops_celu", "ops.celu", lambda a: ops.celu(a, 0.7), lambda a: torch.clamp(a, min=0) + torch.clamp(0.7 * torch.expm1(a / 0.7), max=0), A(3, 4))
simple("ops_glu", "ops.glu", ops.glu, lambda a: F.glu(a, -1), A(3, 4))
simple("ops_hard_silu", "ops.hard_silu", ops.hard_silu, F.hardswish, U(3, 4, low=-2.5, high=2.5))
simple("ops_squareplus", "ops.squareplus", ops.squareplus, lambda a: (a + torch.sqrt(a * a + 4)) / 2, A(3, 4))
simple("ops_binary_crossentropy", "ops.binary_crossentropy", ops.binary_crossentropy,
       lambda y, p: F.binary_cross_entropy(p, y, reduction="none"), U(3, 4, low=0, high=1), U(3, 4, low=0.1, high=0.9))
simple("ops_categorical_crossentropy_logits", "ops.categorical_crossentropy",
       lambda y, z: ops.categorical_crossentropy(y, z, from_logits=True),
       lambda y, z: -(y * torch.log_softmax(z, -1)).sum(-1), U(3, 4, low=0, high=1), A(3, 4))
simple("ops_sparse_categorical_crossentropy_logits", "ops.sparse_categorical_crossentropy",
       lambda z: ops.sparse_categorical_crossentropy(np.array([0, 3, 1]), z, from_logits=True),
       lambda z: F.cross_entropy(z, torch.tensor([0, 3, 1]), reduction="none"), A(3, 4))
simple("ops_mod", "ops.mod", ops.mod, torch.remainder, A(3, 4), A(3, 4))

# --- linalg.py --------------------------------------------------------------------------------------------------
from glassnet.engine.ops import linalg as la  # noqa: E402


def WELL(*shape: int) -> Callable[[np.random.Generator], np.ndarray]:  # noqa: N802
    """Random matrices with a heavy diagonal: far from singular, so finite differences are accurate."""
    return lambda rng: rng.normal(size=shape) * 0.5 + 3 * np.eye(shape[-2], shape[-1])


def _spd_torch(a: torch.Tensor) -> torch.Tensor:
    return a @ a.transpose(-1, -2) + 3 * torch.eye(a.shape[-1], dtype=a.dtype)


simple("inv_batched", "linalg.inv", la.inv, torch.linalg.inv, WELL(2, 3, 3))
simple("det_batched", "linalg.det", la.det, torch.linalg.det, WELL(2, 3, 3))
simple("det_negative", "linalg.det", la.det, torch.linalg.det, lambda rng: np.diag([1.5, -2.0, 1.0]) + 0.1)
simple("slogdet_logabs", "linalg.slogdet", lambda a: la.slogdet(a)[1], lambda a: torch.linalg.slogdet(a).logabsdet,
       lambda rng: np.diag([1.5, -2.0, 1.0]) + rng.normal(size=(3, 3)) * 0.2)
simple("solve_matrix", "linalg.solve", la.solve, torch.linalg.solve, WELL(3, 3), A(3, 2))
simple("solve_vector", "linalg.solve", la.solve, torch.linalg.solve, WELL(3, 3), A(3))
simple("solve_triangular_lower", "linalg.solve_triangular", lambda a, b: la.solve_triangular(a, b, lower=True),
       lambda a, b: torch.linalg.solve_triangular(a.tril(), b, upper=False), WELL(3, 3), A(3, 2))
simple("solve_triangular_upper_vector", "linalg.solve_triangular", la.solve_triangular,
       lambda a, b: torch.linalg.solve_triangular(a.triu(), b[:, None], upper=True)[:, 0], WELL(3, 3), A(3))
simple("cholesky_of_a_gram_matrix", "linalg.cholesky",
       lambda a: la.cholesky(a @ a.T + gn.Tensor(3 * np.eye(3, dtype=a.dtype))),
       lambda a: torch.linalg.cholesky(_spd_torch(a)), A(3, 3))

# --- fourier.py: real part + 2 * imaginary part, so a gradient routed to the wrong part shows ------------------
from glassnet.engine.ops import fourier as ft  # noqa: E402


def _mix(pair: tuple) -> object:
    return pair[0] + pair[1] * 2.0


def _tmix(z: torch.Tensor) -> torch.Tensor:
    return z.real + 2.0 * z.imag


simple("fft_last_axis", "fourier.fft", lambda a, b: _mix(ft.fft(a, b)),
       lambda a, b: _tmix(torch.fft.fft(torch.complex(a, b))), A(2, 5), A(2, 5))
simple("fft2", "fourier.fft2", lambda a, b: _mix(ft.fft2(a, b)),
       lambda a, b: _tmix(torch.fft.fft2(torch.complex(a, b))), A(2, 3, 4), A(2, 3, 4))
simple("ifft2", "fourier.ifft2", lambda a, b: _mix(ft.ifft2(a, b)),
       lambda a, b: _tmix(torch.fft.ifft2(torch.complex(a, b))), A(3, 4), A(3, 4))
simple("rfft_padded", "fourier.rfft", lambda a: _mix(ft.rfft(a, 8)), lambda a: _tmix(torch.fft.rfft(a, n=8)), A(2, 5))
simple("rfft_cropped_odd", "fourier.rfft", lambda a: _mix(ft.rfft(a, 5)), lambda a: _tmix(torch.fft.rfft(a, n=5)),
       A(2, 6))
simple("irfft_even", "fourier.irfft", lambda a, b: ft.irfft(a, b, 8),
       lambda a, b: torch.fft.irfft(torch.complex(a, b), n=8), A(2, 5), A(2, 5))
simple("irfft_odd_cropped", "fourier.irfft", lambda a, b: ft.irfft(a, b, 5),
       lambda a, b: torch.fft.irfft(torch.complex(a, b), n=5), A(4), A(4))


def _torch_eigh_mix(a: torch.Tensor) -> torch.Tensor:
    w, v = torch.linalg.eigh(a + a.transpose(-1, -2))
    return v * v + w[..., None, :]  # squares: independent of each eigenvector's sign


simple("eigh_values_and_vectors", "linalg.eigh",
       lambda a: (lambda wv: wv[1] * wv[1] + m.expand_dims(wv[0], -2))(la.eigh(a + m.transpose(a, (0, 2, 1)))),
       _torch_eigh_mix, A(2, 3, 3))
simple("qr_tall_batched", "linalg.qr", lambda a: (lambda qr: m.add(qr[0][..., :3, :], qr[1] * 2.0))(la.qr(a)),
       lambda a: (lambda q, r: q[..., :3, :] + 2.0 * r)(*torch.linalg.qr(a)), WELL(2, 4, 3))
