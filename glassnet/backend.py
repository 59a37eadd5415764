"""The array module, the float policy and the random generator.

Every numerical kernel in glassnet reaches arrays through :data:`xp`, so a
NumPy-compatible module (CuPy on a GPU) can later take its place here and
nowhere else.  ``floatx`` is the dtype new weights and converted inputs get
(``float32`` unless changed, ``float64`` for gradient checks), and
:func:`rng` is the one random generator behind initializers, dropout and
shuffling, so :func:`glassnet.utils.set_random_seed` makes runs repeatable.
"""

from __future__ import annotations

import ctypes
import os
import random as _py_random
import sys
from typing import Any

import numpy

xp = numpy
"""The array module every kernel uses (NumPy today)."""

_FLOATX = "float32"
_EPSILON = 1e-7
_RNG = numpy.random.default_rng()


def floatx() -> str:
    """Return the default float dtype name, ``'float32'`` unless set otherwise."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float dtype: ``'float16'``, ``'float32'`` or ``'float64'``."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"set_floatx: unknown float type {value!r}; expected 'float16', 'float32' or 'float64'"
        )
    _FLOATX = value


def epsilon() -> float:
    """Return the fuzz factor used to keep logs and divisions finite (Keras: 1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Return ``'channels_last'``: glassnet lays images out as (batch, height, width, channels)."""
    return "channels_last"


def rng() -> numpy.random.Generator:
    """Return the library's random generator (reseeded by :func:`set_random_seed`)."""
    return _RNG


def set_random_seed(seed: int) -> None:
    """Seed glassnet's generator, NumPy's global one and Python's ``random``.

    Two runs of the same script after the same ``set_random_seed(s)`` produce
    bit-identical weights, batches, dropout masks and results.
    """
    global _RNG
    if not isinstance(seed, (int, numpy.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed: seed must be an int, got {type(seed).__name__}")
    _RNG = numpy.random.default_rng(int(seed))
    numpy.random.seed(int(seed) % (2**32))
    _py_random.seed(int(seed))


def to_array(value: Any, dtype: Any = None) -> Any:
    """Convert ``value`` to an array of the backend (no copy when already one of ``dtype``)."""
    return xp.asarray(value, dtype=dtype)


def to_numpy(value: Any) -> numpy.ndarray:
    """Return ``value`` as a host NumPy array (the seam a GPU backend would copy across)."""
    data = getattr(value, "data", value)
    return numpy.asarray(data)


def tune_allocator() -> bool:
    """Ask glibc to recycle large freed blocks instead of returning them to the kernel at once.

    A training step allocates and frees the same few large arrays (activations, column matrices,
    gradients: 3-20 MB each) every batch.  By default glibc serves each with a fresh ``mmap`` and
    gives it back with ``munmap``, so every step pays a page fault per 4 KiB it touches: measured on
    the MNIST convnet, that nearly doubled the time per batch (52 -> 28 ms).  With a 32 MiB mmap
    threshold and a 512 MiB trim threshold those blocks are reused from the heap instead.

    This is a process-wide setting (it is what PyTorch's caching allocator achieves for its own
    tensors), applied once when glassnet is imported, on Linux with glibc only.  Set the
    environment variable ``GLASSNET_NO_MALLOPT=1`` before importing glassnet to leave the
    allocator alone.  Returns whether the setting was applied.
    """
    if not sys.platform.startswith("linux") or os.environ.get("GLASSNET_NO_MALLOPT"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): nothing to tune
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 32 << 20) == 1
    return bool(libc.mallopt(m_trim_threshold, 512 << 20) == 1 and ok)


ALLOCATOR_TUNED = tune_allocator()
