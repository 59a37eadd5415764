"""``keras.ops`` linear algebra: inverse, determinants, solves and Cholesky (differentiable), matrix rank.

The primitives and their backward formulas are in :mod:`glassnet.engine.ops.linalg`; this module adds
Keras' argument conventions and the compositions (``logdet``, ``cholesky_inverse``).
"""

from __future__ import annotations

from typing import Any

from .backend import xp
from .engine.ops import linalg as _la
from .engine.ops import math as _m
from .engine.tensor import Tensor, as_tensor

__all__ = ["cholesky", "cholesky_inverse", "det", "eigh", "inv", "logdet", "matrix_rank", "qr", "slogdet", "solve",
           "solve_triangular"]

inv, det, solve = _la.inv, _la.det, _la.solve


def eigh(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix; differentiable for distinct
    eigenvalues (eigenvectors are defined up to sign: use sign-independent functions of them)."""
    return _la.eigh(x)


def slogdet(x: Any) -> tuple[Tensor, Tensor]:
    """``(sign, log|det x|)``; only the log has a gradient."""
    return _la.slogdet(x)


def logdet(x: Any) -> Tensor:
    """log det x for a matrix of positive determinant (NaN where the determinant is negative, as Keras)."""
    sign, logabs = _la.slogdet(x)
    return _m.add(logabs, Tensor(xp.where(sign.data > 0, 0.0, xp.nan).astype(logabs.dtype)))


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Tensor:
    """x with a x = b, reading only ``a``'s lower (``lower=True``) or upper triangle."""
    return _la.solve_triangular(a, b, lower=lower)


def cholesky(x: Any, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix: L (or L^T with ``upper=True``)."""
    low = _la.cholesky(x)
    return _m.transpose(low, tuple(range(low.ndim - 2)) + (low.ndim - 1, low.ndim - 2)) if upper else low


def cholesky_inverse(x: Any, upper: bool = False) -> Tensor:
    """A^-1 from A's Cholesky factor ``x`` (lower, or upper with ``upper=True``): (L L^T)^-1 = L^-T L^-1."""
    x = as_tensor(x)
    inv_factor = _la.inv(x)
    swap = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
    if upper:  # A = U^T U, so A^-1 = U^-1 U^-T
        return _m.matmul(inv_factor, _m.transpose(inv_factor, swap))
    return _m.matmul(_m.transpose(inv_factor, swap), inv_factor)


def qr(x: Any, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """``(q, r)`` with q's columns orthonormal and r upper-triangular (``mode='reduced'``, rows >= columns)."""
    if mode != "reduced":
        raise ValueError(f"qr: only mode='reduced' is supported (its gradient is defined), got mode={mode!r}")
    return _la.qr(x)


def matrix_rank(x: Any, tol: float | None = None) -> Tensor:
    """The number of singular values above ``tol`` (an integer: no gradient)."""
    data = x.data if isinstance(x, Tensor) else xp.asarray(x)
    return Tensor(xp.asarray(xp.linalg.matrix_rank(data, tol=tol)).astype(xp.int32))
