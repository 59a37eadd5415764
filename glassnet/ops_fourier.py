"""``keras.ops`` Fourier transforms and complex helpers: complex values travel as ``(real, imag)`` pairs of real
tensors, as in Keras.

The transforms and their backward passes (each one's adjoint) are in :mod:`glassnet.engine.ops.fourier`.
"""

from __future__ import annotations

from typing import Any

from .backend import floatx, xp
from .engine.ops import fourier as _f
from .engine.ops import math as _m
from .engine.tensor import Tensor, as_tensor

__all__ = ["angle", "conj", "conjugate", "fft", "fft2", "ifft2", "imag", "irfft", "real", "rfft", "stft"]


def _pair(x: Any, fn: str, min_ndim: int = 1) -> tuple[Tensor, Tensor]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{fn}: x must be a (real, imag) pair of tensors, got {type(x).__name__}")
    real, imag = as_tensor(x[0]), as_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{fn}: real and imag must have the same shape, got {real.shape} and {imag.shape}")
    if real.ndim < min_ndim:
        raise ValueError(f"{fn}: x needs at least {min_ndim} axes, got shape {real.shape}")
    return real, imag


def fft(x: Any) -> tuple[Tensor, Tensor]:
    """The DFT along the last axis of ``x = (real, imag)``; returns ``(real, imag)``."""
    return _f.fft(*_pair(x, "fft"))


def fft2(x: Any) -> tuple[Tensor, Tensor]:
    """The 2-D DFT over the last two axes of ``x = (real, imag)``."""
    return _f.fft2(*_pair(x, "fft2", 2))


def ifft2(x: Any) -> tuple[Tensor, Tensor]:
    """The inverse 2-D DFT over the last two axes of ``x = (real, imag)``."""
    return _f.ifft2(*_pair(x, "ifft2", 2))


def rfft(x: Any, fft_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The non-negative-frequency half of the DFT of real ``x`` along its last axis."""
    x = as_tensor(x)
    n = x.shape[-1] if fft_length is None else int(fft_length)
    if n < 1:
        raise ValueError(f"rfft: fft_length must be >= 1, got {fft_length}")
    return _f.rfft(x, n)


def irfft(x: Any, fft_length: int | None = None) -> Tensor:
    """The real signal whose rfft is ``x = (real, imag)``; length ``fft_length`` (default 2 (m - 1))."""
    real, imag = _pair(x, "irfft")
    n = 2 * (real.shape[-1] - 1) if fft_length is None else int(fft_length)
    if n < 1:
        raise ValueError(f"irfft: fft_length must be >= 1, got {fft_length}")
    return _f.irfft(real, imag, n)


def _window(window: Any, length: int) -> Any:
    """Keras' windows: periodic Hann or Hamming (scipy's ``get_window``), an explicit 1-D array, or None."""
    if window is None:
        return xp.ones(length)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"stft: window must be 'hann', 'hamming', an array or None, got {window!r}")
        a0 = 0.5 if window == "hann" else 0.54
        return a0 - (1 - a0) * xp.cos(2 * xp.pi * xp.arange(length) / length)
    win = xp.asarray(window.data if isinstance(window, Tensor) else window, dtype=xp.float64)
    if win.shape != (length,):
        raise ValueError(f"stft: window must have shape ({length},) (sequence_length), got {win.shape}")
    return win


def stft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int, window: Any = "hann",
         center: bool = True) -> tuple[Tensor, Tensor]:
    """Short-time Fourier transform along the last axis: ``(real, imag)`` of shape (..., frames, fft_length // 2 + 1).

    Frames of ``fft_length`` samples every ``sequence_stride`` (the signal reflect-padded by fft_length // 2 on
    both sides when ``center``), times the window (zero-padded to fft_length), then :func:`rfft`; built from
    differentiable ops, so gradients flow back to ``x``.
    """
    from .ops_arrays import pad
    from .ops_nn import extract_sequences

    x = as_tensor(x)
    if int(fft_length) < int(sequence_length):
        raise ValueError(f"stft: fft_length ({fft_length}) must be >= sequence_length ({sequence_length})")
    left = (int(fft_length) - int(sequence_length)) // 2
    win = xp.pad(_window(window, int(sequence_length)), (left, int(fft_length) - int(sequence_length) - left))
    if center:
        half = int(fft_length) // 2
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    frames = extract_sequences(x, int(fft_length), int(sequence_stride))
    return _f.rfft(_m.multiply(frames, Tensor(win.astype(x.dtype))), int(fft_length))


# --- complex helpers for real tensors (glassnet has no complex dtype) ------------------------------------
def _real_only(x: Any, fn: str) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind == "c":
        raise ValueError(f"{fn}: glassnet tensors are real; pass complex numbers as (real, imag) pairs")
    return x


def real(x: Any) -> Tensor:
    """The real part: ``x`` itself (glassnet tensors are real; complex values are (real, imag) pairs)."""
    x = _real_only(x, "real")
    return _m.reshape(x, x.shape)  # a new tensor, gradient 1


def imag(x: Any) -> Tensor:
    """The imaginary part of a real tensor: zeros."""
    return _m.zeros_like(_real_only(x, "imag"))


def conj(x: Any) -> Tensor:
    """The complex conjugate of a real tensor: ``x`` itself."""
    return real(_real_only(x, "conj"))


conjugate = conj


def angle(x: Any) -> Tensor:
    """The argument of a real number: pi for negatives, 0 otherwise (piecewise constant: no gradient)."""
    x = _real_only(x, "angle")
    return Tensor(xp.angle(x.data).astype(x.dtype if x.dtype.kind == "f" else floatx()))
