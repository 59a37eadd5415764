"""``glassnet.ops.X(...)`` against real Keras 3's ``keras.ops.X(...)`` (PyTorch backend) on the same arguments:
the names, signatures and conventions match, not only the maths.  Skipped when Keras is not installed."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import ops

R = np.random.default_rng(0)
M = R.uniform(0.3, 2.0, (3, 4)).astype("float32") * R.choice([-1, 1], (3, 4)).astype("float32")
SQ = (R.normal(size=(3, 3)) * 0.5 + 3 * np.eye(3)).astype("float32")
V = R.uniform(0.2, 0.9, 4).astype("float32")
IMG = R.normal(size=(1, 4, 4, 8)).astype("float32")
Q = R.normal(size=(2, 5, 2, 4)).astype("float32")

# cross takes (4, 3) vectors: on a (3, 3) input Keras-torch crosses along the first axis of length 3, not the last.
# sparsemax is left out: Keras 3.15-torch sums the cumulative sums over the support for tau, so its rows do not sum
# to 1; glassnet follows Martins & Astudillo (tested in test_keras_ops_extra.py).
CALLS = [
    ("tan", (M,), {}), ("arctan2", (M, M[::-1]), {}), ("erf", (M,), {}), ("erfinv", (V,), {}), ("cbrt", (M,), {}),
    ("log_sigmoid", (M,), {}), ("logaddexp", (M, V), {}), ("hypot", (M, M), {}), ("expm1", (M,), {}),
    ("cumsum", (M,), {"axis": 1}), ("cumprod", (M,), {}), ("prod", (M,), {"axis": 0}), ("logsumexp", (M,), {"axis": -1}),
    ("var", (M,), {"axis": 0}), ("std", (M,), {}), ("moments", (M, [0]), {}), ("norm", (M,), {"axis": 1}),
    ("norm", (M,), {"ord": 1, "axis": 0}), ("normalize", (M,), {}), ("average", (M,), {"axis": 1, "weights": V}),
    ("flip", (M,), {"axis": 0}), ("roll", (M, 1), {"axis": 1}), ("tril", (M,), {"k": 1}), ("triu", (M,), {}),
    ("diag", (V,), {}), ("diagonal", (M,), {"offset": 1}), ("trace", (SQ,), {}), ("outer", (V, V), {}),
    ("cross", (M.T, M.T[::-1]), {}), ("kron", (M[:2, :2], SQ[:2]), {}), ("tensordot", (M, M.T), {"axes": 1}),
    ("concatenate", ([M, M],), {}), ("gelu", (M,), {}), ("clip", (M,), {"x_min": -0.5, "x_max": 0.5}),
    ("where", (M > 0, M, -M), {}), ("reshape", (M, 12), {}),
    ("scatter_update", (M, np.array([[0, 1], [0, 1]]), V[:2]), {"reduction": "add"}),
    ("cumsum", (M,), {"dtype": "float64"}),
    ("sort", (M,), {}), ("argsort", (M,), {}), ("top_k", (M, 2), {}), ("take_along_axis", (M, np.argsort(M, 1), 1), {}),
    ("repeat", (M, 2), {"axis": 0}), ("pad", (M, [[1, 0], [0, 2]]), {"mode": "reflect"}),
    ("one_hot", (np.array([0, 2, 1]), 3), {}), ("multi_hot", (np.array([[0, 2], [1, 1]]), 3), {}),
    ("arange", (1, 7, 2), {}), ("linspace", (0.0, 1.0, 5), {}), ("eye", (3, 4), {"k": 1}), ("tri", (3,), {}),
    ("meshgrid", (V, V[:2]), {}), ("isnan", (np.array([1.0, np.nan]),), {}), ("floor", (M,), {}),
    ("relu6", (M * 4,), {}), ("celu", (M,), {}), ("glu", (M,), {}), ("hard_silu", (M,), {}),
    ("soft_shrink", (M,), {}), ("hard_shrink", (M,), {}), ("tanh_shrink", (M,), {}), ("squareplus", (M,), {}),
    ("sparse_plus", (M,), {}), ("sparse_sigmoid", (M,), {}), ("threshold", (M, 0.5, -1.0), {}),
    ("rms_normalization", (M,), {}), ("layer_normalization", (M,), {}),
    ("batch_normalization", (M, V, V, -1), {}), ("psnr", (M, M * 0.9, 2.0), {}),
    ("binary_crossentropy", (np.round(V), V), {}), ("categorical_crossentropy", (np.eye(4)[[0, 3, 1]], M),
                                                    {"from_logits": True}),
    ("sparse_categorical_crossentropy", (np.array([0, 3, 1]), M), {"from_logits": True}),
    ("slice", (M, [1, 0], [2, 3]), {}), ("slice_update", (M, [1, 1], np.ones((2, 2), "float32")), {}),
    ("scatter", (np.array([[0, 1], [2, 0]]), V[:2], (3, 2)), {}),
    ("scatter_update", (M, np.array([[0, 1], [2, 3]]), V[:2]), {}),
    ("segment_sum", (M, np.array([0, 1, 0])), {}), ("segment_max", (M, np.array([1, 1, 0]), 2), {}),
    ("segment_prod", (M, np.array([1, 1, 0])), {}),
    ("quantile", (M, 0.3), {"axis": 1}), ("median", (M,), {"axis": 0}), ("percentile", (M, [10, 90]), {}),
    ("nansum", (np.array([1.0, np.nan, 2.0]),), {}), ("nanmedian", (np.array([[1.0, np.nan, 2.0, 5.0]]),), {"axis": 1}),
    ("nanquantile", (np.array([1.0, np.nan, 2.0, 5.0]), 0.3), {}), ("i0", (M,), {}), ("diff", (M,), {"n": 2}), ("trapezoid", (M,), {}),
    ("corrcoef", (M,), {}), ("correlate", (V, V[:2]), {"mode": "full"}), ("cdist", (M, M[:2]), {}),
    ("fft", ((M, M[::-1]),), {}), ("fft2", ((M, M * 2),), {}), ("ifft2", ((M, M * 2),), {}),
    ("rfft", (M,), {"fft_length": 6}), ("irfft", ((M, M[::-1]),), {}), ("irfft", ((M, M),), {"fft_length": 5}),
    ("stft", (R.normal(size=(2, 20)).astype("float32"), 6, 3, 8), {}),
    ("stft", (R.normal(size=(20,)).astype("float32"), 5, 4, 5), {"window": "hamming", "center": False}),
    ("real", (M,), {}), ("conj", (M,), {}),  # Keras-torch refuses imag of a real tensor
    ("angle", (M,), {}), ("view", (M, "int32"), {}),
    ("qr", (M.T,), {}), ("inv", (SQ,), {}), ("det", (SQ,), {}), ("slogdet", (SQ,), {}), ("solve", (SQ, M[:, :2]), {}),
    ("cholesky", (SQ @ SQ.T,), {}), ("solve_triangular", (SQ, M), {"lower": True}),
    ("depth_to_space", (IMG, 2), {}), ("space_to_depth", (IMG, 2), {}), ("extract_sequences", (M, 2, 1), {}),
    ("dot_product_attention", (Q, Q, Q), {"is_causal": True}), ("sinc", (M,), {}), ("vander", (V,), {}),
    ("fmod", (M, np.float32(0.7)), {}), ("mod", (M, np.float32(0.7)), {}), ("divide_no_nan", (M, M * 0), {}),
    ("histogram", (V,), {"bins": 3}), ("unique", (np.array([3, 1, 3, 2]),), {}), ("bincount", (np.array([0, 2, 2]),), {}),
    ("in_top_k", (np.array([1, 0]), M[:2], 2), {}), ("searchsorted", (np.sort(V), M[0]), {}),
    ("digitize", (M, np.array([-1.0, 0.0, 1.0], "float32")), {}), ("count_nonzero", (M > 0,), {"axis": 1}),
    ("logspace", (0.0, 2.0, 3), {}), ("hamming", (5,), {}), ("round", (M,), {"decimals": 1}),
    ("saturate_cast", (M * 200, "uint8"), {}), ("nan_to_num", (np.array([np.nan, np.inf, 1.0]),), {}),
]


@pytest.fixture(scope="module")
def keras_ops(keras):
    return keras.ops


def _to_numpy(x: object) -> np.ndarray:
    try:
        return np.asarray(x.cpu().detach().numpy())  # a torch tensor
    except AttributeError:
        return np.asarray(x)


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_same_values_as_keras(keras_ops, name: str, args: tuple, kwargs: dict) -> None:
    ours = getattr(ops, name)(*args, **kwargs)
    theirs = getattr(keras_ops, name)(*args, **kwargs)
    ours = [np.asarray(o.numpy() if hasattr(o, "numpy") else o) for o in (ours if isinstance(ours, (tuple, list))
                                                                          else [ours])]
    theirs = [_to_numpy(t) for t in (theirs if isinstance(theirs, (tuple, list)) else [theirs])]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape, f"{name}: shape {a.shape} != Keras' {b.shape}"
        np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), rtol=2e-5, atol=2e-5,
                                   err_msg=f"{name}: values differ from Keras'")
