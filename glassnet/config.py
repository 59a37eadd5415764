"""Runtime settings: how many threads the BLAS under NumPy may use.

glassnet's heavy work is matrix products in the BLAS NumPy loads (OpenBLAS, MKL). By default that
library starts one thread per core of the *machine*, even when the process may use fewer: a
container limited to 2 CPUs on a 64-core host, or ``taskset -c 0``. Threads then fight over the
CPUs the process has and a training step can take several times longer.

So, when glassnet is imported, the BLAS is limited to the CPUs this process may use (its affinity
mask, capped by a cgroup CPU quota), unless the environment variable ``GLASSNET_NUM_THREADS`` says
how many threads to use. :func:`set_num_threads` changes it at any time.

That default is only where training starts. On a shared machine another busy process can make
the BLAS's threads wait for each other, and one thread is then several times faster than two.
So unless the user fixed the count (``GLASSNET_NUM_THREADS`` or :func:`set_num_threads`), ``fit``
and ``predict`` time their own steps at each thread count and keep the fastest
(:mod:`glassnet.thread_tuner`); ``set_num_threads(None)`` hands the choice back to them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, NamedTuple

from .backend import backend, set_backend  # keras.config.backend(); the array backend: "numpy" or "cupy"

ENV_VAR = "GLASSNET_NUM_THREADS"
_CGROUP_ROOT = Path("/sys/fs/cgroup")
_limits: Any = None  # threadpoolctl's handle of the limit in force (kept so it stays applied)
_fixed_by_user = False  # set_num_threads(n) or GLASSNET_NUM_THREADS: the step timer leaves the count alone
_blas: Any = None  # threadpoolctl's controllers of the BLAS libraries, found once (finding them takes ~1 ms)
_kernel_threads: int | None = None  # threads glassnet's own kernels split over; None: as many as the BLAS has


class ThreadSetting(NamedTuple):
    """How a loop spends its threads: ``blas`` threads inside each matrix product, and ``kernels``
    threads over which glassnet's compiled kernels (and the convolutions' chunks of samples) split.

    ``(n, n)``: the BLAS parallelises each product, the kernels split the rest.  ``(1, n)``: every
    product runs on one thread, and glassnet runs n parts of the batch at once instead. The second
    wins on convnets: their products are many and small, and OpenBLAS's idle threads keep spinning for
    a while after each product, taking the cores that glassnet's own threads need.
    """

    blas: int
    kernels: int

    def __str__(self) -> str:
        if self.blas == self.kernels:
            return f"{self.blas} thread{'s' if self.blas > 1 else ''}"
        return f"{self.kernels} threads over the batch (BLAS {self.blas})"


def available_cpus(cgroup_root: Path | str = _CGROUP_ROOT) -> int:
    """The number of CPUs this process may use: its affinity mask, capped by a cgroup CPU quota.

    Parameters
    ----------
    cgroup_root : path
        Where the cgroup file system is mounted (a parameter so that tests can point elsewhere).
    """
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_cpu_quota(Path(cgroup_root))
    return max(1, min(count, quota) if quota is not None else count)


def cgroup_cpu_quota(root: Path) -> int | None:
    """CPUs granted by a cgroup quota (rounded up), or None without one (cgroup v2 ``cpu.max``, v1 CFS files)."""
    try:
        v2 = root / "cpu.max"
        if v2.is_file():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
        v1_quota, v1_period = root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"
        if v1_quota.is_file() and v1_period.is_file():
            quota_us, period_us = int(v1_quota.read_text()), int(v1_period.read_text())
            return None if quota_us <= 0 or period_us <= 0 else max(1, math.ceil(quota_us / period_us))
    except (OSError, ValueError, ZeroDivisionError):  # unreadable or odd files: no quota known
        return None
    return None


def set_num_threads(n: int | None) -> None:
    """Use ``n`` threads from now on (the BLAS's and glassnet's kernels'); ``None`` returns to the default.

    A number fixes the count: ``fit`` and ``predict`` no longer change how many threads are used.
    With ``n >= 2`` they still time which way of spending them is faster (inside each matrix product,
    or over parts of the batch with one-thread products: :class:`ThreadSetting`).
    ``None`` restores the default (the CPUs this process may use) and lets them choose the count again.

    Raises
    ------
    ValueError
        If ``n`` is neither None nor a whole number >= 1.
    """
    global _limits, _fixed_by_user, _kernel_threads
    if n is None:
        _fixed_by_user = False
        n = available_cpus()
    elif isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a whole number >= 1 (or None for the default), got {n!r}")
    else:
        _fixed_by_user = True
    from threadpoolctl import threadpool_limits

    _kernel_threads = None  # the kernels follow the BLAS again
    _take_control(_blas_libraries())

    _limits = threadpool_limits(limits=n, user_api="blas")


def threads_fixed_by_user() -> bool:
    """Whether the user fixed the thread count (then nothing in glassnet changes it)."""
    return _fixed_by_user


def _blas_libraries() -> list[Any]:
    """threadpoolctl's controllers of the loaded BLAS libraries, found once; [] when they cannot be."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:  # noqa: BLE001 - no threadpoolctl, or a BLAS it cannot drive
            _blas = []
    return _blas


def _take_control(libraries: Any) -> None:
    """Let this Python thread set the BLAS thread count.

    threadpoolctl (3.6 and later) lets only the first Python thread that set OpenBLAS's count set it
    again; from any other thread the call silently does nothing. ``fit`` may run in another thread (a
    notebook's background job, the playground's server), and its step timer must still take effect.
    """
    for lib in libraries:
        clear = getattr(type(lib), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)


def _set_blas_threads(n: int) -> None:
    """Set the BLAS thread count without fixing it (the step timer's switch: microseconds)."""
    libraries = _blas_libraries()
    _take_control(libraries)
    for lib in libraries:
        lib.set_num_threads(n)


def apply_threads(setting: ThreadSetting) -> None:
    """Put ``setting`` in force (the step timer's switch: microseconds); it does not fix the count.

    Raises
    ------
    ValueError
        If ``setting`` is not a pair of whole numbers >= 1 (``ThreadSetting(blas, kernels)``).
    """
    global _kernel_threads
    if not (isinstance(setting, tuple) and len(setting) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in setting)):
        raise ValueError(f"apply_threads: setting must be ThreadSetting(blas, kernels) with whole numbers >= 1, "
                         f"got {setting!r}")
    setting = ThreadSetting(*setting)
    if blas_threads_now() != setting.blas:
        _set_blas_threads(setting.blas)
    _kernel_threads = None if setting.kernels == setting.blas else setting.kernels  # equal: follow the BLAS


def threads_now() -> ThreadSetting:
    """The setting in force: the BLAS thread count and the kernels' (~10 us to read)."""
    blas = blas_threads_now()
    return ThreadSetting(blas, blas if _kernel_threads is None else _kernel_threads)


def kernel_threads_now() -> int:
    """How many threads glassnet's own kernels may split their work over now (~10 us to read)."""
    return blas_threads_now() if _kernel_threads is None else _kernel_threads


def blas_threads_now() -> int:
    """The BLAS thread count in force, read in ~10 microseconds (``get_num_threads`` rescans the
    loaded libraries, ~4 ms): what the user or the step timer chose. 1 when it cannot be read."""
    return max((int(lib.num_threads) for lib in _blas_libraries()), default=1)


def get_num_threads() -> int:
    """The number of threads the BLAS uses now (the largest, if NumPy loaded several BLAS libraries)."""
    from threadpoolctl import threadpool_info

    counts = [int(lib["num_threads"]) for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(counts) if counts else 1


def threads_from_environment(environ: Any = os.environ) -> int | None:
    """``GLASSNET_NUM_THREADS`` as a number of threads, None when unset; a clear error when malformed."""
    raw = environ.get(ENV_VAR)
    if raw is None or not raw.strip():
        return None
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR}={raw!r} is not a whole number of threads") from None
    if n < 1:
        raise ValueError(f"{ENV_VAR}={raw!r}: use at least 1 thread")
    return n


def apply_default() -> None:
    """At import: ``GLASSNET_NUM_THREADS`` if set, else no more BLAS threads than the CPUs the process may use."""
    wanted = threads_from_environment()
    try:
        if wanted is not None:
            set_num_threads(wanted)
            return
        if get_num_threads() > available_cpus():
            set_num_threads(available_cpus())
    except ImportError:  # threadpoolctl missing: leave the BLAS as it is
        return


__all__ = ["ENV_VAR", "ThreadSetting", "apply_threads", "available_cpus", "backend", "blas_threads_now",
           "cgroup_cpu_quota", "get_num_threads", "kernel_threads_now", "set_backend", "set_num_threads",
           "threads_fixed_by_user", "threads_from_environment", "threads_now"]
