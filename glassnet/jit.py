"""Compiled kernels for the few memory-bound loops where NumPy makes too many passes.

NumPy runs an expression such as Adam's update one whole-array operation at a time: ``m += (1 - b1)
(g - m)`` alone reads and writes the arrays three times. On a network with a million weights those
passes, not the matrix products, set the time of a training step. numba compiles a plain loop over
the elements into one pass.

Every compiled kernel here is a :class:`Kernel`: a *reference* written in NumPy, which is the
readable definition and what runs without numba, and a *loop* with the same arguments that numba
compiles. The tests run both on the same inputs and compare them. Compiled code is cached on disk
(``cache=True``), so only the first run on a machine pays for compiling (about a second per kernel).

numba is used when it can be imported, the backend is NumPy and ``GLASSNET_JIT`` is not ``0``;
:func:`set_enabled` switches it at run time (the benchmarks use it to time both).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import backend, config

ENV_VAR = "GLASSNET_JIT"
_enabled = os.environ.get(ENV_VAR, "1").strip() not in ("0", "false", "off", "no")
_numba: Any = None  # the numba module once imported; False when it cannot be
_lock = threading.Lock()


def _import_numba() -> Any:
    global _numba
    if _numba is None:
        try:
            import numba

            _numba = numba
        except Exception:  # noqa: BLE001 - missing, or built for another NumPy: run the references
            _numba = False
    return _numba


def available() -> bool:
    """Whether numba can be imported here (whether or not kernels are switched on)."""
    return bool(_import_numba())


def enabled() -> bool:
    """Whether kernels run compiled now: numba present, switched on, and the backend is NumPy."""
    if not _enabled:
        return False
    return backend.xp.__name__ == "numpy" and available()


def set_enabled(flag: bool) -> bool:
    """Switch compiled kernels on or off; returns the previous setting."""
    global _enabled
    previous, _enabled = _enabled, bool(flag)
    return previous


def compiles(dtype: Any) -> bool:
    """Whether numba compiles loops over ``dtype``: numbers, but not float16 (nor object or strings)."""
    kind, size = dtype.kind, dtype.itemsize
    return kind in "biu" or (kind == "f" and size >= 4) or (kind == "c" and size >= 8)


class Kernel:
    """One operation with two bodies: a NumPy ``reference`` and a ``loop`` numba compiles.

    Calling the kernel runs the compiled loop when :func:`enabled`, else the reference (also for
    arguments of a dtype numba cannot compile: see :func:`compiles`). Both take the same arguments and
    write their results into the output arrays they are given.
    """

    #: numba's options for every kernel. ``error_model="numpy"``: numba's default tests every float
    #: division for a zero divisor (to raise ZeroDivisionError), a branch that stops the loop from
    #: being vectorised (Adam's loop ran 3.5x slower); here x / 0 gives inf or nan, as in NumPy.
    options: dict[str, Any] = {"nogil": True, "error_model": "numpy"}

    def __init__(self, reference: Callable[..., Any], loop: Callable[..., Any], *, name: str | None = None,
                 cache: bool = True, **options: Any) -> None:
        self.reference, self.loop = reference, loop
        self.name = name or loop.__name__
        self.cache = cache  # False for a loop whose helpers live in another file (numba's cache would miss their edits)
        self.options = {**type(self).options, **options}
        self._compiled: Any = None

    def compiled(self) -> Callable[..., Any] | None:
        """The numba-compiled loop (compiled on first use), or None without numba."""
        if self._compiled is None:
            numba = _import_numba()
            if not numba:
                return None
            with _lock:
                if self._compiled is None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # numba's cache notices are not the user's business
                        self._compiled = numba.njit(cache=self.cache, **self.options)(self.loop)
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        # numba has no float16 (nor object or string arrays): for such arguments the reference runs.
        if _enabled and enabled() and all(compiles(a.dtype) for a in args if hasattr(a, "dtype")):
            fn = self.compiled()
            if fn is not None:
                return fn(*args)
        return self.reference(*args)

    def __repr__(self) -> str:
        return f"<glassnet.jit.Kernel {self.name}: {'compiled' if enabled() else 'NumPy reference'}>"


# --- running independent parts of a kernel's work at once --------------------------------------------
_pool: ThreadPoolExecutor | None = None


def workers() -> int:
    """How many threads a kernel may split its work over now (~10 us to read).

    That is what the user fixed or ``fit``'s step timer chose (:func:`glassnet.config.kernel_threads_now`):
    by default as many as the BLAS has, or all of them while the BLAS runs on one thread
    (:class:`glassnet.config.ThreadSetting`). When the timer dropped to one thread because the
    machine is busy, a split would only wait on the busy core.
    """
    return config.kernel_threads_now()


def product_parts() -> int:
    """How many parts of work that includes matrix products may run at once: :func:`workers` divided by
    the BLAS's own threads (each part's products use those), so the threads in use stay within the setting."""
    return max(1, config.kernel_threads_now() // max(1, config.blas_threads_now()))


def run_parts(fn: Callable[..., Any], parts: Sequence[tuple[Any, ...]]) -> None:
    """``fn(*args)`` for every ``args`` in ``parts``, all at once: the first on this thread, the rest on a pool.

    For compiled loops (they release the GIL, ``nogil``) over independent parts of the work, e.g. the
    samples of a batch or the slices of a flat array: each part must write to its own outputs.
    An exception in any part is raised here, after every part has finished.
    """
    global _pool
    if len(parts) < 2:
        for args in parts:
            fn(*args)
        return
    if _pool is None:
        with _lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="glassnet-kernel")
    futures = [_pool.submit(fn, *args) for args in parts[1:]]
    try:
        fn(*parts[0])
    finally:
        for future in futures:
            future.exception()  # wait for every part, even when this thread's part failed
    for future in futures:
        future.result()


__all__ = ["ENV_VAR", "Kernel", "available", "compiles", "enabled", "product_parts", "run_parts", "set_enabled", "workers"]
