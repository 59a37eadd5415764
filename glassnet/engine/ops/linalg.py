"""Linear algebra on the last two axes (batched over the rest): inverse, determinant, solves, Cholesky.

The backward formulas are the standard matrix-calculus results (Giles, "An extended collection of
matrix derivative results", 2008); ``A^-T`` below is the inverse transposed.
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .math import _pair, _unbroadcast


def _mT(a: Any) -> Any:  # noqa: N802 - reads as the math
    return xp.swapaxes(a, -1, -2)


def _square(a: Tensor, fn: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{fn}: expected square matrices in the last two axes, got shape {a.shape}")


def inv(a: Any) -> Tensor:
    """Y = A^-1;   dA = -Y^T G Y^T."""
    a = as_tensor(a)
    _square(a, "inv")
    y = xp.linalg.inv(a.data)
    return record(y, (a,), lambda g: (-_mT(y) @ g @ _mT(y),))


def det(a: Any) -> Tensor:
    """d = det(A);   dA = g d A^-T (Jacobi's formula)."""
    a = as_tensor(a)
    _square(a, "det")
    d = xp.linalg.det(a.data)
    return record(d, (a,), lambda g: ((g * d)[..., None, None] * _mT(xp.linalg.inv(a.data)),))


def slogdet(a: Any) -> tuple[Tensor, Tensor]:
    """(sign, log|det A|);   d log|det A| / dA = A^-T (the sign is piecewise constant: no gradient)."""
    a = as_tensor(a)
    _square(a, "slogdet")
    sign, logabs = xp.linalg.slogdet(a.data)
    out = record(logabs, (a,), lambda g: (g[..., None, None] * _mT(xp.linalg.inv(a.data)),))
    return Tensor(sign), out


def solve(a: Any, b: Any) -> Tensor:
    """X = A^-1 B (B a matrix, or a vector when 1-D);   dB = A^-T G,   dA = -dB X^T."""
    a, b = _pair(a, b)
    _square(a, "solve")
    vector = b.ndim == 1
    bm = b.data[:, None] if vector else b.data
    x = xp.linalg.solve(a.data, bm)

    def backward(g: Any) -> tuple[Any, Any]:
        gm = g[:, None] if vector else g
        gb = xp.linalg.solve(_mT(a.data), gm)
        ga = _unbroadcast(-gb @ _mT(x), a.shape)
        return ga, (gb[:, 0] if vector else _unbroadcast(gb, b.shape))

    return record(x[:, 0] if vector else x, (a, b), backward)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Tensor:
    """X = A^-1 B for triangular A (only its ``lower`` or upper triangle is read);
    dB = A^-T G (a triangular solve too), dA = -(dB X^T) restricted to that triangle."""
    a, b = _pair(a, b)
    _square(a, "solve_triangular")
    if a.ndim != 2:
        raise ValueError(f"solve_triangular: a must be one matrix, got shape {a.shape}")
    x = backend.scipy_module("linalg").solve_triangular(a.data, b.data, lower=lower)
    keep = xp.tril if lower else xp.triu

    def backward(g: Any) -> tuple[Any, Any]:
        gb = backend.scipy_module("linalg").solve_triangular(a.data, g, lower=lower, trans="T").astype(g.dtype)
        outer = xp.outer(gb, x) if b.ndim == 1 else gb @ x.T
        return -keep(outer), gb

    return record(x.astype(a.dtype), (a, b), backward)


def cholesky(a: Any) -> Tensor:
    """L with A = L L^T, for symmetric positive-definite A (only its lower triangle is read).

    dA = sym(L^-T Phi(L^T G) L^-1), Phi keeping the lower triangle with the diagonal halved, and
    sym(X) = (X + X^T) / 2: the gradient of a symmetric argument is symmetric (as in PyTorch).
    """
    a = as_tensor(a)
    _square(a, "cholesky")
    try:
        low = xp.linalg.cholesky(a.data)
    except backend.LinAlgError as err:
        raise ValueError(f"cholesky: the matrix is not positive definite ({err})") from None

    def backward(g: Any) -> tuple[Any]:
        phi = xp.tril(_mT(low) @ xp.tril(g))  # L's upper triangle is constant 0: its gradient is dropped
        phi = phi - 0.5 * xp.tril(xp.triu(phi))  # halve the diagonal
        inv_low = xp.linalg.inv(low)
        grad = _mT(inv_low) @ phi @ inv_low
        return (0.5 * (grad + _mT(grad)),)

    return record(low, (a,), backward)


def eigh(a: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues w (ascending) and orthonormal eigenvectors V (columns) of symmetric A (lower triangle read).

    Backward, for distinct eigenvalues:  dA = V (diag(gw) + F o (V^T gV)) V^T,  F_ij = 1 / (w_j - w_i) off the
    diagonal and 0 on it; symmetrised, as the argument is symmetric.  Repeated eigenvalues make F infinite:
    their eigenvectors are not unique, so no gradient exists there (as in PyTorch).
    """
    a = as_tensor(a)
    _square(a, "eigh")
    w, v = xp.linalg.eigh(a.data)

    def sym(grad: Any) -> Any:
        return 0.5 * (grad + _mT(grad))

    def back_w(g: Any) -> tuple[Any]:
        return (sym((v * g[..., None, :]) @ _mT(v)),)

    def back_v(g: Any) -> tuple[Any]:
        gap = w[..., None, :] - w[..., :, None]  # gap[i, j] = w_j - w_i
        eye = xp.eye(w.shape[-1], dtype=bool)
        with backend.errstate(divide="ignore"):
            f = xp.where(eye, 0.0, 1.0 / xp.where(eye, 1.0, gap)).astype(v.dtype)
        return (sym(v @ (f * (_mT(v) @ g)) @ _mT(v)),)

    return record(w, (a,), back_w), record(v, (a,), back_v)


def qr(a: Any) -> tuple[Tensor, Tensor]:
    """Reduced QR of A (m x n, m >= n): Q with orthonormal columns, R upper-triangular.

    Backward (both outputs at once, as one formula): M = R gR^T - gQ^T Q and
    dA = (gQ + Q copyltu(M)) R^-T, copyltu(M) mirroring M's lower triangle to the upper.
    """
    a = as_tensor(a)
    if a.ndim < 2 or a.shape[-2] < a.shape[-1]:
        raise ValueError(f"qr: expected matrices with at least as many rows as columns, got shape {a.shape}")
    q, r = xp.linalg.qr(a.data, mode="reduced")

    def grad(gq: Any, gr: Any) -> tuple[Any]:
        m = r @ _mT(gr) - _mT(gq) @ q
        lower = xp.tril(m)
        copyltu = lower + _mT(xp.tril(m, -1))
        rhs = gq + q @ copyltu  # dA = rhs R^-T, i.e. solve dA R^T = rhs
        return (_mT(xp.linalg.solve(r, _mT(rhs))),)

    return (record(q, (a,), lambda g: grad(g, xp.zeros_like(r))),
            record(r, (a,), lambda g: grad(xp.zeros_like(q), g)))
