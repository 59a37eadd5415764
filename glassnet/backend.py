"""The array module, the float policy and the random generator.

Every numerical kernel in glassnet reaches arrays through :data:`xp`, so a
NumPy-compatible module (CuPy on a GPU) can later take its place here and
nowhere else.  ``floatx`` is the dtype new weights and converted inputs get
(``float32`` unless changed, ``float64`` for gradient checks), and
:func:`rng` is the one random generator behind initializers, dropout and
shuffling, so :func:`glassnet.utils.set_random_seed` makes runs repeatable.
"""

from __future__ import annotations

import random as _py_random
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
