"""Training under load: glassnet's convnet step with a busy process beside it, per BLAS thread count.

    .venv/bin/python benchmarks/contention.py               # ~1 min: 40 steps per setting
    .venv/bin/python benchmarks/contention.py --steps 100 --busy 2

A shared machine is the usual case (a notebook beside a browser, two students on one server). With
one busy process on 2 cores, OpenBLAS's default of one thread per core makes its threads wait for
each other and a step can take several times longer than with one thread. This prints the median
step time of Keras' simple MNIST convnet (batch 128) at glassnet's default thread count
(``glassnet.config``: the CPUs the process may use) and at each thread count from 1 to the number
of CPUs, first on a quiet machine, then with ``--busy`` processes spinning beside it, and the ratio
of the default to the best. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_info, cpu_model, median  # noqa: E402


def _spin(stop: mp.Event) -> None:  # type: ignore[valid-type]
    x = 0
    while not stop.is_set():  # pure Python: one busy core, no BLAS
        x = (x * 1103515245 + 12345) % 2**31


def _model():
    import glassnet as keras

    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def step_times(threads: int, steps: int) -> list[float]:
    """Seconds per training step of the convnet at ``threads`` BLAS threads (after two warm-up steps)."""
    import glassnet as keras

    keras.config.set_num_threads(threads)
    rng = np.random.default_rng(0)
    x = rng.random((128, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    model = _model()
    for _ in range(2):
        model.train_on_batch(x, y)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return times


def measure(steps: int) -> dict[str, float]:
    import glassnet as keras

    cpus = keras.config.available_cpus()
    default = cpus  # what glassnet.config sets at import when GLASSNET_NUM_THREADS is not given
    out = {"default": median(step_times(default, steps))}
    for n in range(1, cpus + 1):
        out[f"{n} thread{'s' if n > 1 else ''}"] = median(step_times(n, steps))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per setting (median quoted)")
    parser.add_argument("--busy", type=int, default=1, help="busy processes beside the training (default 1)")
    args = parser.parse_args()
    import glassnet as keras

    print(f"CPU: {cpu_model()}; BLAS: {blas_info()}; CPUs this process may use: {keras.config.available_cpus()}")
    rows = {"quiet": measure(args.steps)}
    stop = mp.Event()
    spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    try:
        rows[f"{args.busy} busy process{'es' if args.busy > 1 else ''}"] = measure(args.steps)
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)
    settings = list(next(iter(rows.values())))
    print(f"{'ms per step':<22}" + "".join(f"{s:>12}" for s in settings) + f"{'default/best':>14}")
    for label, times in rows.items():
        best = min(v for k, v in times.items() if k != "default")
        print(f"{label:<22}" + "".join(f"{times[s] * 1e3:>12.1f}" for s in settings) +
              f"{times['default'] / best:>14.2f}")


if __name__ == "__main__":
    main()
