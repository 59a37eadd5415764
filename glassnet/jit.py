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
from collections.abc import Callable
from typing import Any

from . import backend

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


class Kernel:
    """One operation with two bodies: a NumPy ``reference`` and a ``loop`` numba compiles.

    Calling the kernel runs the compiled loop when :func:`enabled`, else the reference. Both take
    the same arguments and write their results into the output arrays they are given.
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
        if _enabled and enabled():
            fn = self.compiled()
            if fn is not None:
                return fn(*args)
        return self.reference(*args)

    def __repr__(self) -> str:
        return f"<glassnet.jit.Kernel {self.name}: {'compiled' if enabled() else 'NumPy reference'}>"


__all__ = ["ENV_VAR", "Kernel", "available", "enabled", "set_enabled"]
