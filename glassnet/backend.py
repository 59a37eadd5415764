"""The array module, the float policy and the random generator.

Every numerical kernel in glassnet reaches arrays through :data:`xp`, so a
NumPy-compatible module takes NumPy's place here and nowhere else:
:func:`set_backend` (or ``GLASSNET_BACKEND=cupy`` before import) switches to
CuPy, which runs the same kernels on a GPU.  ``floatx`` is the dtype new
weights and converted inputs get (``float32`` unless changed, ``float64`` for
gradient checks), and :func:`rng` is the one random generator behind
initializers, dropout and shuffling, so :func:`glassnet.utils.set_random_seed`
makes runs repeatable.

What stays on the host, whatever the backend: the random generator (a NumPy
``Generator``, so a seed gives the same masks and weights on CPU and GPU; its
draws cross to the device through :func:`to_array`), shapes and dtypes (plain
Python and ``numpy.dtype``, which CuPy shares), string layers, data loading
and batching, and metrics that read results with :func:`to_numpy`.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import random as _py_random
import sys
from types import ModuleType
from typing import Any

import numpy

xp: Any = numpy
"""The array module every kernel uses: NumPy, or CuPy after ``set_backend("cupy")``."""

ENV_VAR = "GLASSNET_BACKEND"
BACKENDS = ("numpy", "cupy")
CUPY_INSTALL_HINT = "pip install cupy-cuda12x"
_NAME = "numpy"
_CACHES: list[dict[Any, Any]] = []

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
    """Convert ``value`` to an array of the backend (no copy when already one of ``dtype``).

    On CuPy this copies host data (NumPy arrays, lists, scalars) to the GPU; on NumPy it is
    ``numpy.asarray``.  Host results such as random draws cross to the device here.
    """
    return xp.asarray(value, dtype=dtype)


def to_device(values: Any) -> Any:
    """Each array of a batch list on the backend's device; ``None`` and string arrays stay as they are.

    The training loop's batches are sliced on the host (see glassnet.models.data_adapters); this is
    where they cross to the device, once per batch.  On NumPy it returns ``values`` untouched.
    """
    if values is None or xp is numpy:
        return values
    return [v if v is None or getattr(getattr(v, "dtype", None), "kind", "f") in "OUS" else to_array(v)
            for v in values]


def _is_array(value: Any) -> bool:
    # NumPy arrays and scalars expose __array_interface__, CuPy arrays __cuda_array_interface__.
    # A Tensor has neither, so its .data is taken; an ndarray's own .data (a buffer) is not.
    return (isinstance(value, numpy.ndarray) or hasattr(value, "__array_interface__")  # the first: the usual case,
            or hasattr(value, "__cuda_array_interface__"))                             # at a tenth of the cost


def to_numpy(value: Any) -> numpy.ndarray:
    """Return ``value`` (an array, a Tensor, a list) as a host NumPy array.

    This is the one place data leaves the device: a CuPy array is copied back with ``.get()``
    (``numpy.asarray`` refuses CuPy arrays on purpose, so that no copy happens unnoticed).
    """
    data = value if _is_array(value) else getattr(value, "data", value)
    if hasattr(data, "__cuda_array_interface__") and hasattr(data, "get"):
        return data.get()
    return numpy.asarray(data)


# --- choosing the array module -----------------------------------------------------------------
def backend() -> str:
    """Return the name of the array backend in use: ``'numpy'`` or ``'cupy'`` (Keras' ``backend()``).

    A test module given to :func:`set_backend` is reported by its ``__name__``.
    """
    return _NAME



def _import_cupy() -> ModuleType:
    try:
        import cupy
    except ImportError as err:
        raise ImportError(
            f"glassnet: the 'cupy' backend needs CuPy, which is not installed. Install the wheel that "
            f"matches your CUDA version, e.g. `{CUPY_INSTALL_HINT}` (CUDA 12) or `pip install cupy-cuda11x`, "
            f"or unset {ENV_VAR} to run on NumPy."
        ) from err
    if not cupy.is_available():
        raise RuntimeError("glassnet: CuPy is installed but sees no usable CUDA GPU (driver or device missing); "
                           f"unset {ENV_VAR} or call set_backend('numpy') to run on the CPU.")
    return cupy


def _resolve(name: Any) -> tuple[ModuleType, str]:
    if isinstance(name, ModuleType) and name.__name__ not in BACKENDS:
        return name, name.__name__  # a NumPy-like module (the seam tests pass a call-recording proxy)
    label = name.__name__ if isinstance(name, ModuleType) else name
    if not isinstance(label, str) or label.strip().lower() not in BACKENDS:
        raise ValueError(f"set_backend: unknown backend {name!r}; expected one of {', '.join(map(repr, BACKENDS))}")
    label = label.strip().lower()
    return (numpy if label == "numpy" else _import_cupy()), label


def set_backend(name: str | ModuleType) -> None:
    """Run every kernel on another array module: ``'numpy'`` (the default) or ``'cupy'`` (a GPU).

    Parameters
    ----------
    name : {'numpy', 'cupy'} or module
        The backend.  A module that behaves like NumPy is accepted too (the seam tests use one
        that records the functions called).

    Raises
    ------
    ValueError
        For an unknown name.
    ImportError
        For ``'cupy'`` when CuPy is not installed (the message names ``pip install cupy-cuda12x``).

    Notes
    -----
    Switch before building a model: weights and optimizer slots created on one backend stay
    arrays of that backend.  Compiled numba kernels (:mod:`glassnet.jit`) only run on NumPy.
    """
    global xp, _NAME
    module, label = _resolve(name)
    old, xp, _NAME = xp, module, label
    # Every kernel module does `from ...backend import xp`, binding the module object at import
    # time, so each already-imported glassnet module that holds the old one is re-pointed here.
    # A proxy module whose __getattr__ looked up the backend on each access would avoid this walk,
    # but would cost a Python call on every xp.<function> in the hot loops (thousands per step).
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or not (mod_name == "glassnet" or mod_name.startswith("glassnet.")):
            continue
        if vars(mod).get("xp") is old:  # vars(): never trigger a lazy module __getattr__
            mod.xp = module
    for cache in _CACHES:  # cached arrays belong to the old module
        cache.clear()


def register_cache(cache: dict[Any, Any]) -> dict[Any, Any]:
    """Return ``cache``, which :func:`set_backend` will empty (a module-level cache of backend arrays)."""
    _CACHES.append(cache)
    return cache


# --- where NumPy and CuPy differ (each difference is listed in docs/gpu.md) -----------------------
Generator = numpy.random.Generator
"""The type of :func:`rng` and :func:`default_rng`: a host NumPy generator on every backend."""


def default_rng(seed: Any = None) -> numpy.random.Generator:
    """A NumPy random generator (host) for a layer's own ``seed``; draws cross with :func:`to_array`.

    Kept on the host for every backend so that a seed gives the same numbers on CPU and GPU.
    """
    return numpy.random.default_rng(seed)


def errstate(**kwargs: Any) -> Any:
    """``xp.errstate(**kwargs)``, or a no-op context where the backend has none (CuPy never warns)."""
    state = getattr(xp, "errstate", None)
    return state(**kwargs) if state is not None else contextlib.nullcontext()


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of shapes (host arithmetic on tuples, the same for every backend)."""
    return tuple(numpy.broadcast_shapes(*shapes))


def writeable(array: Any) -> bool:
    """Whether ``array`` may be written in place (CuPy arrays have no read-only flag: always True)."""
    return bool(getattr(array.flags, "writeable", True))


def make_read_only(array: Any) -> Any:
    """Mark ``array`` read-only where the backend can (NumPy), so a shared cached array is never modified."""
    if hasattr(array.flags, "writeable"):
        array.flags.writeable = False
    return array


def scipy_module(name: str) -> ModuleType:
    """``scipy.<name>`` (``special``, ``linalg``, ``sparse``) for the backend's arrays.

    SciPy's functions take host arrays only; on CuPy the same functions come from ``cupyx.scipy``.
    """
    prefix = "cupyx.scipy" if _NAME == "cupy" else "scipy"
    return importlib.import_module(f"{prefix}.{name}")  # after the first call, a sys.modules lookup


LinAlgError = numpy.linalg.LinAlgError
"""What a singular matrix raises: CuPy's solvers raise NumPy's ``LinAlgError`` too."""


def _host(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_host(v) for v in value)
    return to_numpy(value) if _is_array(value) else value


def scatter(ufunc: str, target: Any, index: Any, values: Any) -> None:
    """``xp.<ufunc>.at(target, index, values)``: apply ``ufunc`` in place, repeated indices accumulating.

    NumPy has ``ufunc.at`` for every ufunc.  CuPy has ``add.at`` (and ``cupyx.scatter_add``),
    ``subtract``, ``maximum`` and ``minimum`` with atomics, but no ``multiply.at``; where the backend
    lacks the method the update runs on the host and is copied back (correct, but slow).
    """
    at = getattr(getattr(xp, ufunc), "at", None)
    if at is not None:
        try:
            at(target, index, values)
            return
        except (NotImplementedError, TypeError):  # CuPy: no atomic scatter for this ufunc or dtype
            pass  # (a real argument error raises again from NumPy below)
    host = to_numpy(target)
    getattr(numpy, ufunc).at(host, _host(index), _host(values))
    target[...] = to_array(host)


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices adding up (NumPy's ``add.at``)."""
    scatter("add", target, index, values)


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

if os.environ.get(ENV_VAR, "numpy").strip().lower() not in ("", "numpy"):
    # Before any kernel module is imported, so each binds the chosen module from the start.
    set_backend(os.environ[ENV_VAR])
