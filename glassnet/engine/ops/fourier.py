"""Discrete Fourier transforms on (real, imaginary) pairs of real tensors, as ``keras.ops.fft`` takes them.

Every transform here is linear, so its backward is its adjoint.  For z = F x with x = a + ib and an upstream
gradient G = g_re + i g_im:  dC/da = Re(F^H G),  dC/db = Im(F^H G).  The unnormalised DFT's adjoint is
n * ifft; the inverse transform's adjoint is fft / n.  Each transform returns two tensors (the real and
the imaginary part), recorded as two nodes whose backward passes add up at the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .math import _pair


def _complex_pair(z: Any, adjoint: Callable[[Any], Any], parents: tuple[Tensor, ...],
                  dtype: Any) -> tuple[Tensor, Tensor]:
    """Record ``(Re z, Im z)``; ``adjoint(G)`` maps the complex upstream gradient back to the input."""

    def grads(w: Any) -> tuple[Any, ...]:
        back = adjoint(w)
        if len(parents) == 1:  # a real input (rfft)
            return (back.real.astype(dtype),)
        return back.real.astype(dtype), back.imag.astype(dtype)

    real = record(z.real.astype(dtype), parents, lambda g: grads(g.astype(xp.complex128)))
    imag = record(z.imag.astype(dtype), parents, lambda g: grads(1j * g))
    return real, imag


def fft(real: Any, imag: Any) -> tuple[Tensor, Tensor]:
    """z = DFT of (real + i imag) along the last axis;   adjoint: n * ifft."""
    a, b = _pair(real, imag)
    n = a.shape[-1]
    return _complex_pair(xp.fft.fft(a.data + 1j * b.data), lambda g: n * xp.fft.ifft(g), (a, b), a.dtype)


def fft2(real: Any, imag: Any) -> tuple[Tensor, Tensor]:
    """z = 2-D DFT over the last two axes;   adjoint: n1 n2 * ifft2."""
    a, b = _pair(real, imag)
    size = a.shape[-1] * a.shape[-2]
    return _complex_pair(xp.fft.fft2(a.data + 1j * b.data), lambda g: size * xp.fft.ifft2(g), (a, b), a.dtype)


def ifft2(real: Any, imag: Any) -> tuple[Tensor, Tensor]:
    """z = inverse 2-D DFT (with the 1/(n1 n2) factor);   adjoint: fft2 / (n1 n2)."""
    a, b = _pair(real, imag)
    size = a.shape[-1] * a.shape[-2]
    return _complex_pair(xp.fft.ifft2(a.data + 1j * b.data), lambda g: xp.fft.fft2(g) / size, (a, b), a.dtype)


def rfft(x: Any, n: int) -> tuple[Tensor, Tensor]:
    """The n // 2 + 1 non-negative frequencies of the DFT of real ``x`` (cropped or zero-padded to ``n``).

    rfft keeps the first bins of fft, so the adjoint pads G with zeros to n bins, applies n * ifft,
    and keeps the entries that came from ``x``.
    """
    x = as_tensor(x)
    m = x.shape[-1]

    def adjoint(g: Any) -> Any:
        full = xp.zeros(g.shape[:-1] + (n,), dtype=xp.complex128)
        full[..., :g.shape[-1]] = g
        back = n * xp.fft.ifft(full)
        out = xp.zeros(g.shape[:-1] + (m,), dtype=xp.complex128)
        out[..., :min(m, n)] = back[..., :min(m, n)]
        return out

    return _complex_pair(xp.fft.rfft(x.data, n=n), adjoint, (x,), x.dtype)


def irfft(real: Any, imag: Any, n: int) -> Tensor:
    """The real signal of length ``n`` whose rfft is (real + i imag) (the Hermitian half-spectrum).

    y_t = (1/n) sum_k c_k Re(z_k e^{2 pi i k t / n}), c_k = 1 for the DC and Nyquist bins, 2 otherwise,
    so dC/dre_k = (c_k / n) Re(rfft(g))_k and dC/dim_k = (c_k / n) Im(rfft(g))_k.
    """
    a, b = _pair(real, imag)
    bins = n // 2 + 1
    weight = xp.full(bins, 2.0 / n)
    weight[0] = 1.0 / n
    if n % 2 == 0:
        weight[-1] = 1.0 / n

    def backward(g: Any) -> tuple[Any, Any]:
        spec = xp.fft.rfft(g, n=n) * weight
        m = a.shape[-1]
        out = xp.zeros(g.shape[:-1] + (m,), dtype=xp.complex128)
        out[..., :min(m, bins)] = spec[..., :min(m, bins)]
        return out.real.astype(a.dtype), out.imag.astype(b.dtype)

    return record(xp.fft.irfft(a.data + 1j * b.data, n=n).astype(a.dtype), (a, b), backward)
