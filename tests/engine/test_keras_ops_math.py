"""``glassnet.ops`` compositions (statistics, products, shapes, activations) against NumPy, with their gradients
checked by finite differences; control flow and ``custom_gradient``; errors naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import ops
from glassnet.engine.gradcheck import check_gradients

RNG = np.random.default_rng(0)
M = RNG.uniform(0.3, 2.0, (3, 4)) * RNG.choice([-1.0, 1.0], (3, 4))
V = RNG.uniform(0.3, 2.0, 4)

# (name, glassnet call, NumPy reference, inputs): each is checked forward and by finite differences.
CASES = [
    ("var", lambda a: ops.var(a, axis=1), lambda a: a.var(1), [M]),
    ("std", lambda a: ops.std(a, axis=0, keepdims=True), lambda a: a.std(0, keepdims=True), [M]),
    ("moments", lambda a: ops.moments(a, axes=[0])[1] + ops.moments(a, axes=[0])[0], lambda a: a.var(0) + a.mean(0),
     [M]),
    ("average", lambda a, w: ops.average(a, axis=1, weights=w), lambda a, w: np.average(a, 1, np.abs(w) + 1),
     [M, V]),
    ("ptp", lambda a: ops.ptp(a, axis=1), lambda a: np.ptp(a, 1), [M]),
    ("norm_inf", lambda a: ops.norm(a, ord=np.inf, axis=1), lambda a: np.linalg.norm(a, np.inf, axis=1), [M]),
    ("norm_1", lambda a: ops.norm(a, ord=1, axis=0), lambda a: np.linalg.norm(a, 1, axis=0), [M]),
    ("norm_fro", lambda a: ops.norm(a, ord="fro", axis=(0, 1)), lambda a: np.linalg.norm(a, "fro"), [M]),
    ("cumsum", lambda a: ops.cumsum(a, axis=0), lambda a: np.cumsum(a, 0), [M]),
    ("logsumexp", lambda a: ops.logsumexp(a, axis=1), lambda a: np.log(np.exp(a).sum(1)), [M]),
    ("outer", ops.outer, np.outer, [V, V[:3]]),
    ("inner", ops.inner, np.inner, [M, M]),
    ("dot_matrix_vector", ops.dot, np.dot, [M, V]),
    ("dot_3d", ops.dot, np.dot, [M.reshape(2, 3, 2), M.reshape(2, 2, 3)]),
    ("vdot", ops.vdot, np.vdot, [M, M]),
    ("fmod", ops.fmod, np.fmod, [M, np.full((3, 4), 0.7)]),
    ("deg2rad", ops.deg2rad, np.deg2rad, [M]),
    ("logaddexp2", ops.logaddexp2, np.logaddexp2, [M, V]),
    ("tril", lambda a: ops.tril(a, -1), lambda a: np.tril(a, -1), [M]),
    ("triu", lambda a: ops.triu(a, 1), lambda a: np.triu(a, 1), [M]),
    ("broadcast_to", lambda a: ops.broadcast_to(a, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)), [V]),
    ("moveaxis", lambda a: ops.moveaxis(a, [0, 1], [2, 0]), lambda a: np.moveaxis(a, [0, 1], [2, 0]),
     [M.reshape(3, 2, 2)]),
    ("swapaxes", lambda a: ops.swapaxes(a, 0, 2), lambda a: np.swapaxes(a, 0, 2), [M.reshape(3, 2, 2)]),
    ("append", ops.append, np.append, [M, V]),
    ("hstack", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]), [M, M[:, :2]]),
    ("vstack", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]), [M, V]),
    ("flipud", ops.flipud, np.flipud, [M]),
    ("repeat_flat", lambda a: ops.repeat(a, [1, 0, 2, 1], axis=1), lambda a: np.repeat(a, [1, 0, 2, 1], 1), [M]),
    ("pad_symmetric", lambda a: ops.pad(a, [[1, 1], [0, 2]], mode="symmetric"),
     lambda a: np.pad(a, [[1, 1], [0, 2]], mode="symmetric"), [M]),
    ("diagflat", ops.diagflat, np.diagflat, [M[:2, :2]]),
    ("take_along_flat", lambda a: ops.take_along_axis(a, np.array([0, 5, 5])),
     lambda a: np.take_along_axis(a.ravel(), np.array([0, 5, 5]), None), [M]),
    ("cross_2d", ops.cross, lambda a, b: a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0], [M[:, :2], M[:, 2:]]),
    ("relu6", ops.relu6, lambda a: np.clip(a, 0, 6), [M * 5]),
    ("hard_tanh", ops.hard_tanh, lambda a: np.clip(a, -1, 1), [M]),
    ("hard_shrink", ops.hard_shrink, lambda a: np.where(np.abs(a) > 0.5, a, 0), [M]),
    ("soft_shrink", ops.soft_shrink, lambda a: np.where(np.abs(a) > 0.5, a - 0.5 * np.sign(a), 0), [M]),
    ("tanh_shrink", ops.tanh_shrink, lambda a: a - np.tanh(a), [M]),
    ("sparse_plus", ops.sparse_plus, lambda a: np.where(a <= -1, 0, np.where(a >= 1, a, (a + 1) ** 2 / 4)), [M]),
    ("sparse_sigmoid", ops.sparse_sigmoid, lambda a: (np.clip(a, -1, 1) + 1) / 2, [M * 0.8]),
    ("threshold", lambda a: ops.threshold(a, 0.1, -2.0), lambda a: np.where(a > 0.1, a, -2.0), [M]),
    ("divide_no_nan", ops.divide_no_nan, lambda a, b: np.where(b == 0, 0, a / np.where(b == 0, 1, b)),
     [M, M * np.array([1.0, 0.0, 1.0, 1.0])]),
    ("select", lambda a, b: ops.select([a.numpy() > 1, a.numpy() < -1], [a, b]),
     lambda a, b: np.select([a > 1, a < -1], [a, b]), [M, M * 2]),
    ("meshgrid_xy", lambda a, b: ops.meshgrid(a, b)[0] * ops.meshgrid(a, b)[1],
     lambda a, b: np.meshgrid(a, b)[0] * np.meshgrid(a, b)[1], [V, V[:3]]),
    ("meshgrid_ij", lambda a, b: ops.meshgrid(a, b, indexing="ij")[1],
     lambda a, b: np.meshgrid(a, b, indexing="ij")[1], [V, V[:3]]),
    ("slice", lambda a: ops.slice(a, [1, 1], [2, 2]), lambda a: a[1:3, 1:3], [M]),
    ("get_item", lambda a: ops.get_item(a, (slice(None), 2)), lambda a: a[:, 2], [M]),
]


def _raw(x: object) -> np.ndarray:
    return x.numpy() if isinstance(x, gn.Tensor) else np.asarray(x)


@pytest.mark.parametrize(("name", "fn", "ref", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_forward_matches_numpy_and_gradient_matches_finite_differences(name, fn, ref, inputs) -> None:
    gn.set_floatx("float64")
    np_inputs = [np.abs(x) + 1 if name == "average" and i == 1 else x for i, x in enumerate(inputs)]
    out = fn(*[gn.Tensor(x) for x in np_inputs])
    np.testing.assert_allclose(_raw(out), ref(*inputs), rtol=1e-10, atol=1e-12)
    # divide_no_nan's divisor has a zero: finite differences across the 0 jump are meaningless there.
    check_gradients(fn, np_inputs, wrt=[0] if name == "divide_no_nan" else None, rtol=1e-5)


def test_splits_and_stacks() -> None:
    parts = ops.array_split(np.arange(7.0), 3)
    assert [p.numpy().tolist() for p in parts] == [[0.0, 1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert [p.shape for p in ops.unstack(np.zeros((2, 3)), axis=1)] == [(2,)] * 3
    assert [p.shape for p in ops.hsplit(np.zeros((2, 4)), 2)] == [(2, 2)] * 2
    assert ops.dstack([np.zeros(3), np.zeros(3)]).shape == (1, 3, 2)
    assert ops.diag(np.arange(9.0).reshape(3, 3), -1).numpy().tolist() == [3.0, 7.0]


def test_sort_top_k_and_cumprod() -> None:
    x = np.array([[3.0, 1.0, 2.0, 1.0]])
    np.testing.assert_array_equal(ops.sort(x).numpy(), np.sort(x))
    values, indices = ops.top_k(x, 3)
    assert values.numpy().tolist() == [[3.0, 2.0, 1.0]] and indices.numpy().tolist() == [[0, 2, 1]]
    np.testing.assert_allclose(ops.cumprod(x, axis=1).numpy(), np.cumprod(x, 1))
    np.testing.assert_allclose(ops.prod(x).numpy(), 6.0)


def test_crossentropies_match_keras_formulas() -> None:
    y, p = np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.5, 0.3]])
    np.testing.assert_allclose(ops.categorical_crossentropy(y, p).numpy(), [-np.log(0.5)])
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(np.array([1]), p).numpy(), [-np.log(0.5)])
    np.testing.assert_allclose(ops.sparse_categorical_crossentropy(np.array([[1]]), p).numpy(), [-np.log(0.5)])
    bce = ops.binary_crossentropy(np.array([1.0, 0.0]), np.array([1.0, 0.0])).numpy()
    assert np.all(np.isfinite(bce)) and bce.max() < 1e-6  # clipped at epsilon, not log(0)
    np.testing.assert_allclose(ops.binary_crossentropy(np.array([1.0]), np.array([0.0]), from_logits=True).numpy(),
                               [np.log(2)])


def test_scatter_segment_and_updates() -> None:
    np.testing.assert_array_equal(ops.scatter([[0], [0], [2]], np.array([1.0, 2.0, 3.0]), (3,)).numpy(), [3, 0, 3])
    np.testing.assert_array_equal(ops.scatter_update(np.zeros((2, 2)), [[1, 0]], np.array([5.0])).numpy(),
                                  [[0, 0], [5, 0]])
    np.testing.assert_array_equal(ops.slice_update(np.zeros(4), [1], np.ones(2)).numpy(), [0, 1, 1, 0])
    np.testing.assert_array_equal(ops.segment_sum(np.arange(4.0), [0, 0, 1, 1]).numpy(), [1, 5])
    np.testing.assert_array_equal(ops.segment_max(np.arange(4.0), [1, 1, 0, 0], 3).numpy(), [3, 1, -np.inf])


def test_nan_to_num_keeps_the_gradient_of_finite_entries() -> None:
    x = gn.Tensor(np.array([1.0, np.nan, np.inf]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = ops.nan_to_num(x, posinf=9.0)
        total = y.sum()
    assert y.numpy().tolist() == [1.0, 0.0, 9.0]
    assert tape.gradient(total, x).tolist() == [1.0, 0.0, 0.0]


def test_keras_signatures_of_the_older_ops() -> None:
    assert ops.concatenate([np.ones((1, 2)), np.ones((1, 2))]).shape == (2, 2)  # Keras' default axis is 0
    assert ops.clip(np.array([3.0, -3.0]), x_min=-1, x_max=1).numpy().tolist() == [1.0, -1.0]
    assert ops.reshape(np.zeros(6), newshape=(2, 3)).shape == (2, 3)
    rows, cols = ops.where(np.eye(2))  # like np.where with one argument (Keras-torch stacks them instead)
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [0, 1]
    np.testing.assert_allclose(ops.gelu(np.array([1.0])).numpy(), [0.8411920], rtol=1e-6)  # tanh form by default
    with pytest.raises(ValueError, match="where: give both x1 and x2"):
        ops.where(np.eye(2), 1.0)
    with pytest.raises(ValueError, match="convert_to_tensor: sparse and ragged"):
        ops.convert_to_tensor(np.eye(2), sparse=True)
    with pytest.raises(ValueError, match="scatter_update: reduction must be"):
        ops.scatter_update(np.zeros(2), [[0]], np.ones(1), reduction="max")


def test_control_flow() -> None:
    assert ops.cond(np.array(False), lambda: "t", lambda: "f") == "f"
    assert ops.switch(5, [lambda x: x + 1, lambda x: x * 10], 2) == 20  # index clamped to the last branch
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 10) == 16
    assert ops.while_loop(lambda x: x < 10, lambda x: x * 2, 1) == 16
    assert ops.while_loop(lambda i, s: True, lambda i, s: (i + 1, s + i), (0, 0), maximum_iterations=4) == (4, 6)
    carry, ys = ops.scan(lambda c, x: (c + x, c), np.float64(0.0), np.arange(4.0), reverse=True)
    assert float(carry) == 6.0 and ys.numpy().tolist() == [6.0, 5.0, 3.0, 0.0]
    _, none = ops.scan(lambda c, x: (c + 1, None), 0, length=3)
    assert none is None
    np.testing.assert_array_equal(ops.map(lambda r: r.sum(), np.ones((3, 2))).numpy(), [2, 2, 2])
    np.testing.assert_array_equal(ops.associative_scan(lambda a, b: a * b, np.arange(1.0, 5.0).reshape(1, 4),
                                                       axis=1).numpy(), [[1, 2, 6, 24]])
    np.testing.assert_array_equal(ops.associative_scan(lambda a, b: a + b, np.arange(3.0), reverse=True).numpy(),
                                  [3, 3, 2])


def test_vectorize_loops_over_the_leading_axes() -> None:
    scaled = ops.vectorize(lambda a, b, k: a * b * k, excluded={2})
    np.testing.assert_array_equal(scaled(np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0]), 2.0).numpy(),
                                  np.arange(6.0).reshape(2, 3) * [1, 2, 3] * 2)
    matvec = ops.vectorize(ops.matmul, signature="(m,n),(n)->(m)")
    m, v = RNG.normal(size=(4, 2, 3)), RNG.normal(size=3)
    np.testing.assert_allclose(matvec(m, v).numpy(), m @ v)
    both = ops.vectorize(lambda x: (ops.sum(x), ops.max(x)), signature="(n)->(),()")
    total, peak = both(np.arange(6.0).reshape(2, 3))
    assert total.numpy().tolist() == [3.0, 12.0] and peak.numpy().tolist() == [2.0, 5.0]
    check_gradients(matvec, [m, v])
    with pytest.raises(ValueError, match="vectorize: signature must look like"):
        ops.vectorize(ops.matmul, signature="m,n->m")(m, v)
    with pytest.raises(ValueError, match="vectorize: the signature has 1 inputs, the call passed 2"):
        ops.vectorize(ops.matmul, signature="(n)->()")(m, v)


def test_gradients_flow_through_loops() -> None:
    w = gn.Variable(np.array(2.0, dtype="float64"))
    with gn.GradientTape() as tape:
        y = ops.fori_loop(0, 3, lambda i, v: v * w, gn.Tensor(np.array(1.0)))
    assert float(tape.gradient(y, w)) == pytest.approx(12.0)  # d w^3 / dw at 2


def test_custom_gradient_replaces_the_backward() -> None:
    @ops.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)
        return x * 1.0, grad

    x = gn.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with gn.GradientTape() as tape:
        y = (clipped_identity(x) * gn.Tensor(np.array([3.0, 0.1]))).sum()
    assert tape.gradient(y, x).tolist() == [0.5, 0.1]


def test_variable_assign_add_and_sub() -> None:
    v = gn.Variable(np.ones((2, 2)), name="acc")
    buffer = v.data
    assert v.assign_add(np.array([1.0, 2.0])) is v
    v.assign_sub(gn.Tensor(np.ones((2, 2), dtype="float32")))
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [1, 2]])
    assert v.data is buffer  # in place
    with pytest.raises(ValueError, match=r"'acc': assign_add .*\(3,\).*\(2, 2\)"):
        v.assign_add(np.ones(3))
    with pytest.raises(ValueError, match="assign_sub"):
        v.assign_sub(np.ones((4, 2, 2)))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ops.pad(M, 1, mode="mean"), "pad: mode must be one of"),
    (lambda: ops.pad(M, 1, mode="edge", constant_values=1), "constant_values is only used"),
    (lambda: ops.top_k(M, 5), r"top_k: k must be in \[1, 4\]"),
    (lambda: ops.slice(M, [2, 0], [2, 2]), "slice: the block at start_indices"),
    (lambda: ops.slice(M, [0], [1]), "slice: start_indices and shape need one entry per axis"),
    (lambda: ops.scatter([0, 1], np.ones(2), (3,)), r"scatter: indices must have shape \(n, k\)"),
    (lambda: ops.scatter_update(M, [0, 1], np.ones(2)), r"scatter_update: indices must have shape \(n, k\)"),
    (lambda: ops.take_along_axis(M, np.array([0, 1]), axis=1), "take_along_axis: indices need x's rank"),
    (lambda: ops.take_along_axis(M, np.array([[0.5]]), axis=1), "indices must be whole numbers"),
    (lambda: ops.tril(V), "tril/triu: x must have at least 2 axes"),
    (lambda: ops.diag(np.zeros((2, 2, 2))), "diag: x must be 1-D or 2-D"),
    (lambda: ops.rot90(V), "rot90: array must have at least 2 axes"),
    (lambda: ops.moveaxis(M, [0, 1], [1]), "moveaxis: source and destination"),
    (lambda: ops.unstack(M, num=4), "unstack: num=4"),
    (lambda: ops.array_split(V, 0), "array_split: indices_or_sections must be positive"),
    (lambda: ops.select([True], []), "select: condlist and choicelist"),
    (lambda: ops.meshgrid(V, indexing="yx"), "meshgrid: indexing must be"),
    (lambda: ops.norm(M, ord=2, axis=(0, 1)), "norm: ord=2 is not supported for matrices"),
    (lambda: ops.normalize(M, order=0), "normalize: order must be an int >= 1"),
    (lambda: ops.tensordot(M, M, axes=([0], [1])), "tensordot: axes"),
    (lambda: ops.cross(M, M), "cross: vectors must have 2 or 3 components"),
    (lambda: ops.glu(np.ones((2, 3))), "glu: axis -1 must have an even length"),
    (lambda: ops.binary_crossentropy(np.ones(2), np.ones(3)), "binary_crossentropy: target shape"),
    (lambda: ops.categorical_crossentropy(np.ones(2), np.ones(3)), "categorical_crossentropy: target shape"),
    (lambda: ops.sparse_categorical_crossentropy(np.array([3]), np.ones((1, 3))), r"target must be in \[0, 2\]"),
    (lambda: ops.cond(np.array([True, False]), lambda: 1, lambda: 2), "cond: pred must be a scalar"),
    (lambda: ops.switch(0, []), "switch: branches must not be empty"),
    (lambda: ops.scan(lambda c, x: (c, x), 0), "scan: give xs or length"),
    (lambda: ops.scan(lambda c, x: (c, x), 0, np.ones(3), length=2), "scan: length=2"),
    (lambda: ops.while_loop(lambda a, b: True, lambda a, b: (a,), (0, 0)), "while_loop: body returned 1 values"),
])
def test_bad_arguments_are_named(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
