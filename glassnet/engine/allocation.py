"""Sizes checked before memory is taken: a weight or a placeholder batch that cannot fit says so.

Two callers need this before anything is allocated:

* every ``Layer.add_weight`` asks :func:`reserve_weight` first, so ``Dense(10**12)``
  fails with a message naming the layer and the size instead of NumPy's bare
  ``MemoryError``;
* a loader that rebuilds a model from a file opens :func:`allocation_limit` with
  the number of weight values the file really holds.  Inside it, a config that
  declares more weights than the file contains (``Dense(units=10**12)``, an input
  of ``10**12`` features) is refused before the memory is taken, so a 400-byte
  config can never make the loader allocate gigabytes.  Placeholder batches
  (the one-sample zeros used to trace a Functional graph) are capped the same way
  through :func:`check_sample`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import backend


class AllocationRefused(MemoryError):
    """A weight or placeholder would exceed what is allowed here; the message names the owner and size."""


# Active limits, innermost last: {"weights_left": int, "sample_bytes": int, "reason": str}.
_LIMITS: list[dict[str, Any]] = []

# No single array NumPy can hold is larger than this many bytes (the address space of a 64-bit machine).
_MAX_ARRAY_BYTES = 2 ** 62


def readable_memory(nbytes: float) -> str:
    """``256.00 B``, ``213.04 KB``, ``1.50 MB`` (1024 steps, two decimals)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1024 or unit == "PB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.2f} PB"


def _size(shape: tuple[int, ...], dtype: Any) -> tuple[int, int]:
    count = math.prod(int(n) for n in shape)
    return count, count * np.dtype(dtype).itemsize


@contextlib.contextmanager
def allocation_limit(weight_values: int, sample_bytes: int, reason: str) -> Iterator[None]:
    """Allow at most ``weight_values`` new weight values in all, and placeholders of ``sample_bytes`` each.

    Parameters
    ----------
    weight_values : int
        Total number of values (not bytes: a float16 file may fill float32 weights)
        that ``add_weight`` may create inside the block.
    sample_bytes : int
        Largest placeholder batch :func:`check_sample` lets through.
    reason : str
        Said in the refusal, e.g. ``"'model.keras' holds 1,234 weight values"``.
    """
    _LIMITS.append({"weights_left": int(weight_values), "sample_bytes": int(sample_bytes), "reason": reason})
    try:
        yield
    finally:
        _LIMITS.pop()


def reserve_weight(shape: tuple[int, ...], dtype: Any, owner: str) -> None:
    """Check a weight of ``shape`` may be created now (raise :class:`AllocationRefused` naming ``owner``)."""
    count, nbytes = _size(shape, dtype)
    if nbytes > _MAX_ARRAY_BYTES:
        raise AllocationRefused(f"{owner}: a weight of shape {shape} would need {readable_memory(nbytes)}, more than "
                                "any machine can hold")
    if _LIMITS:
        limit = _LIMITS[-1]
        if count > limit["weights_left"]:
            raise AllocationRefused(
                f"{owner}: the config asks for a weight of shape {shape} ({count:,} values, "
                f"{readable_memory(nbytes)}) but {limit['reason']} ({limit['weights_left']:,} not yet claimed by "
                "earlier layers); nothing that large was allocated")
        limit["weights_left"] -= count


def check_sample(shape: tuple[int, ...], dtype: Any, owner: str) -> None:
    """Check a placeholder batch of ``shape`` may be allocated (tracing a graph, building from a config)."""
    _, nbytes = _size(shape, dtype)
    if nbytes > _MAX_ARRAY_BYTES:
        raise AllocationRefused(f"{owner}: an input of shape {shape} would need {readable_memory(nbytes)} for a "
                                "single sample, more than any machine can hold")
    if _LIMITS and nbytes > _LIMITS[-1]["sample_bytes"]:
        raise AllocationRefused(
            f"{owner}: the config declares an input of shape {shape}, {readable_memory(nbytes)} for a single "
            f"sample, over the {readable_memory(_LIMITS[-1]['sample_bytes'])} a loaded model's placeholder may take")


def numpy_dtype(dtype: Any) -> np.dtype:
    """``np.dtype(dtype)``, with Keras' ``"string"`` (and ``"str"``) as an object array of Python strings."""
    if isinstance(dtype, str) and dtype in ("string", "str"):
        return np.dtype(object)
    return np.dtype(dtype)


def zero_sample(shape: tuple[Any, ...], dtype: Any, owner: str) -> np.ndarray:
    """One zero sample of ``shape`` (``None`` axes become 1; ``""`` for strings), sized by :func:`check_sample` first.

    Shapes are traced, and loaded models built, by running layers on such a sample; a shape too
    large for memory is named with its owner instead of NumPy's bare ``MemoryError``.
    """
    sample = tuple(1 if n is None else int(n) for n in shape)
    dtype = numpy_dtype(dtype)
    check_sample(sample, dtype, owner)
    try:
        if dtype.kind in "OUS":  # a string input's "zero" is the empty string
            return np.full(sample, "", dtype=dtype)
        return backend.xp.zeros(sample, dtype=dtype)  # numbers on the backend's device; strings stay on the host
    except MemoryError as err:
        raise MemoryError(f"{owner}: not enough memory for one sample of shape {sample}") from err
