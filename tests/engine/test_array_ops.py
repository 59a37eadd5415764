"""``tile``, ``split``, ``take`` (gradients by finite differences, values as NumPy) and the comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import ops
from glassnet.engine.gradcheck import check_gradients

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("repeats", [[2, 3], [2, 1, 2], 3])
def test_tile_matches_numpy_and_sums_the_copies_in_its_gradient(repeats) -> None:
    x = RNG.normal(size=(2, 3))
    np.testing.assert_array_equal(ops.tile(x, repeats).numpy(), np.tile(x, repeats))
    check_gradients(lambda a: ops.tile(a, repeats), [x])


@pytest.mark.parametrize("sections, axis", [(2, 1), ([1, 3], 1), (3, 0), (2, -1)])
def test_split_matches_numpy_and_each_piece_has_its_gradient(sections, axis) -> None:
    x = RNG.normal(size=(3, 4))
    pieces = ops.split(x, sections, axis=axis)
    for got, want in zip(pieces, np.split(x, sections, axis=axis)):
        np.testing.assert_array_equal(got.numpy(), want)
    weights = [float(i + 1) for i in range(len(pieces))]  # each piece counted differently
    check_gradients(lambda a: sum(ops.sum(p) * w for p, w in zip(ops.split(a, sections, axis=axis), weights)), [x])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_take_matches_numpy_and_adds_repeated_indices(axis) -> None:
    x = RNG.normal(size=(4, 3))
    idx = np.array([[0, 2], [2, -1]])
    np.testing.assert_array_equal(ops.take(x, idx, axis=axis).numpy(), np.take(x, idx, axis=axis))
    check_gradients(lambda a: ops.take(a, idx, axis=axis), [x])


def test_comparisons_give_boolean_masks_and_argmax_indices() -> None:
    a, b = np.array([[0, 1, 2]]), np.array([[0, 2, 2]])
    assert ops.not_equal(a, 0).numpy().tolist() == [[False, True, True]]
    assert ops.equal(a, b).numpy().tolist() == [[True, False, True]]
    assert ops.greater(b, a).numpy().tolist() == [[False, True, False]]
    assert ops.greater_equal(a, b).numpy().tolist() == [[True, False, True]]
    assert ops.less(a, 1).numpy().tolist() == [[True, False, False]]
    assert ops.less_equal(a, 1).numpy().tolist() == [[True, True, False]]
    both = ops.logical_and(ops.greater(a, 0), ops.less(a, 2))
    assert both.numpy().tolist() == [[False, True, False]]
    assert ops.logical_or(both, ops.equal(a, 0)).numpy().tolist() == [[True, True, False]]
    assert ops.logical_not(both).numpy().tolist() == [[True, False, True]]
    assert ops.argmax(np.array([[1, 5, 2]]), axis=1).numpy().tolist() == [1]
    assert ops.argmin(np.array([[1, 5, 0]]), axis=-1, keepdims=True).numpy().tolist() == [[2]]


@pytest.mark.parametrize("spec, shapes", [
    ("bij,ijkl->bkl", [(2, 3, 4), (3, 4, 2, 5)]),  # the nested cell of Keras' RNN guide
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ij->", [(2, 3)]),
    ("ij,k->ijk", [(2, 3), (4,)]),
    ("bqd,bkd->bqk", [(2, 3, 4), (2, 5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,j->i", [(2, 3), (3,)]),
    ("ijk,j->i", [(2, 3, 4), (3,)]),  # k summed away within its operand
])
def test_einsum_matches_numpy_and_its_gradients_check(spec, shapes) -> None:
    xs = [RNG.normal(size=s) for s in shapes]
    np.testing.assert_allclose(ops.einsum(spec, *xs).numpy(), np.einsum(spec, *xs), rtol=1e-12)
    check_gradients(lambda *a: ops.einsum(spec, *a), xs)


def test_einsum_refuses_what_it_cannot_differentiate() -> None:
    with pytest.raises(NotImplementedError, match="ellipsis"):
        ops.einsum("...i,i->...", np.ones((2, 3)), np.ones(3))
    with pytest.raises(NotImplementedError, match="diagonal"):
        ops.einsum("ii->i", np.ones((2, 2)))
    with pytest.raises(ValueError, match="2 operand"):
        ops.einsum("ij,jk->ik", np.ones((2, 2)))
