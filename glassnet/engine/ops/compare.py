"""Comparisons and arg-reductions: boolean or integer results, with no gradient.

``not_equal(ids, 0)`` is how a padding mask is made (Keras' masking guide); ``argmax`` picks the
predicted class.  Their results are constant tensors: nothing flows back through a comparison.
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor


def _data(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else xp.asarray(value)


def _compare(fn: Any, a: Any, b: Any) -> Tensor:
    return Tensor(fn(_data(a), _data(b)))


def equal(a: Any, b: Any) -> Tensor:
    """``a == b`` elementwise, as a boolean tensor (no gradient)."""
    return _compare(xp.equal, a, b)


def not_equal(a: Any, b: Any) -> Tensor:
    """``a != b`` elementwise, as a boolean tensor (no gradient): ``not_equal(ids, 0)`` is a padding mask."""
    return _compare(xp.not_equal, a, b)


def greater(a: Any, b: Any) -> Tensor:
    """``a > b`` elementwise, as a boolean tensor (no gradient)."""
    return _compare(xp.greater, a, b)


def greater_equal(a: Any, b: Any) -> Tensor:
    """``a >= b`` elementwise, as a boolean tensor (no gradient)."""
    return _compare(xp.greater_equal, a, b)


def less(a: Any, b: Any) -> Tensor:
    """``a < b`` elementwise, as a boolean tensor (no gradient)."""
    return _compare(xp.less, a, b)


def less_equal(a: Any, b: Any) -> Tensor:
    """``a <= b`` elementwise, as a boolean tensor (no gradient)."""
    return _compare(xp.less_equal, a, b)


def logical_and(a: Any, b: Any) -> Tensor:
    """Elementwise and of two boolean tensors (combining masks)."""
    return _compare(xp.logical_and, a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    """Elementwise or of two boolean tensors."""
    return _compare(xp.logical_or, a, b)


def logical_not(a: Any) -> Tensor:
    """Elementwise not of a boolean tensor."""
    return Tensor(xp.logical_not(_data(a)))


def argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest entry along ``axis`` (int64, no gradient)."""
    return Tensor(xp.argmax(_data(a), axis=axis, keepdims=keepdims))


def argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest entry along ``axis`` (int64, no gradient)."""
    return Tensor(xp.argmin(_data(a), axis=axis, keepdims=keepdims))
