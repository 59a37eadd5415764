"""Shared helpers for the side-by-side benchmarks: timing, thread setup, peak memory."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def set_threads(threads: int | None) -> int:
    """Give NumPy's BLAS and PyTorch the same thread count; return it.

    ``None`` means each framework's default on the CPUs this process may use: PyTorch gets that many
    threads, and glassnet starts with as many but ``fit``/``predict`` may switch to fewer when they
    time faster steps that way (``glassnet.thread_tuner``). A number fixes both.
    """
    import torch

    from glassnet import config

    config.set_num_threads(threads)  # None: glassnet's default, the step timer may choose
    if threads is None:
        threads = config.available_cpus()
    torch.set_num_threads(threads)
    return threads


def cpu_model() -> str:
    """The CPU's model name (Linux), for the report header: figures differ between Intel and AMD.

    Virtual machines often show only "AMD EPYC" or "Intel Xeon"; the generation LLVM detects (numba's
    compiler, e.g. ``znver5``, ``sapphirerapids``) is added when it is available, since it decides which
    vector instructions the compiled kernels use.
    """
    name = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    if not name:
        import platform

        name = platform.processor() or "unknown CPU"
    try:
        import llvmlite.binding as llvm

        return f"{name} ({llvm.get_host_cpu_name()})"
    except Exception:  # llvmlite missing or too old: the name alone
        return name


def blas_info() -> str:
    """Which BLAS NumPy runs here (and its kernel), for the report header."""
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if info:
            i = info[0]
            return f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, {i.get('num_threads')} threads)"
    except ImportError:
        pass
    return "unknown BLAS"


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(runs: dict[str, Callable[[], Any]], repeats: int, settle: float = 0.5) -> dict[str, list[float]]:
    """Time each contender ``repeats`` times, alternating, so machine noise hits both alike.

    ``settle`` seconds pass before each run: after a run, PyTorch's OpenMP workers (and OpenBLAS's)
    keep spinning for a while and would steal the CPUs from whichever framework runs next (and
    glassnet's thread timer would measure that load).
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            time.sleep(settle)
            times[name].append(timed(fn))
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM) in MiB."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident memory now (VmRSS) in MiB."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return peak_rss_mb()


def reset_peak_rss() -> None:
    """Make the peak start from the current footprint (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def load_framework_code(framework: str, warm_up: Callable[[], Any] | None = None) -> None:
    """Load each framework's code before the memory baseline: it is not training memory.

    PyTorch loads its libraries when imported; glassnet loads numba's compiler (LLVM) and its compiled
    kernels (from the disk cache) when a kernel first runs. ``warm_up`` (a throwaway run of the same
    network, given to both frameworks) loads them; ``jit_runtime_mb`` reports numba's share apart.
    """
    if framework == "torch":
        import torch  # noqa: F401
    else:
        from glassnet import jit

        jit.available()  # imports numba when it is installed
    if warm_up is not None:
        warm_up()


def jit_runtime_mb() -> float:
    """Resident memory numba adds when imported (0 when glassnet's kernels are off), for the report."""
    out = subprocess.run([sys.executable, "-c", (
        "import glassnet, resource, sys; from glassnet import jit\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20\n"
        "before = rss(); jit.available(); print(rss() - before)")], capture_output=True, text=True)
    try:
        return float(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 0.0


def measure_in_child(script: str, args: list[str]) -> dict[str, Any]:
    """Run ``script --child ...`` in a fresh interpreter and read the JSON line it prints."""
    out = subprocess.run([sys.executable, script, "--child", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
