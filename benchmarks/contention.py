"""Training under load: glassnet's convnet step with a busy process beside it, per thread setting.

    .venv/bin/python benchmarks/contention.py               # ~2 min: 3 fits of 60 steps per setting
    .venv/bin/python benchmarks/contention.py --steps 100 --busy 2

A shared machine is the usual case (a notebook beside a browser, two students on one server). With
one busy process on 2 cores, OpenBLAS's default of one thread per core makes its threads wait for
each other and a step can take several times longer than with one thread. This prints the median
time per step of ``fit`` on Keras' simple MNIST convnet (batch 128) with glassnet's default
settings (the thread count not fixed: ``fit`` times its steps and keeps the fastest setting,
``glassnet.thread_tuner``) and with each setting that timer chooses from held fixed (n BLAS threads
inside each product, or "n over batch": n threads over parts of the batch with one-thread products,
``glassnet.config.ThreadSetting``), first on a quiet machine, then with ``--busy`` processes spinning
beside it, and the ratio of the default to the best fixed setting. Nothing here is a test: it prints figures.
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


def seconds_per_step(setting, steps: int, data: tuple[np.ndarray, np.ndarray]) -> float:
    """Wall seconds per training step of a ``fit`` over ``steps`` batches of 128.

    ``setting=None`` is glassnet's default: the count is not fixed, so ``fit`` times its own steps
    and keeps the fastest setting (``glassnet.thread_tuner``); its warm-up and probe steps are
    included. A ``ThreadSetting`` is held for the whole fit (the step timer switched off).
    """
    import glassnet as keras
    from glassnet import thread_tuner

    keras.config.set_num_threads(None if setting is None else setting.kernels)
    real_timer = thread_tuner.step_timer
    if setting is not None:
        keras.config.apply_threads(setting)
        thread_tuner.step_timer = lambda loop, model, batch_size=None: thread_tuner._NoTimer()
    try:
        model = _model()
        x, y = data
        model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # build, allocate, compile kernels
        start = time.perf_counter()
        model.fit(x[:steps * 128], y[:steps * 128], batch_size=128, epochs=1, verbose=0, shuffle=False)
        return (time.perf_counter() - start) / steps
    finally:
        thread_tuner.step_timer = real_timer


def _label(setting) -> str:
    if setting.blas == setting.kernels:
        return f"{setting.blas} thread{'s' if setting.blas > 1 else ''}"
    return f"{setting.kernels} over batch"


def measure(steps: int, repeats: int) -> dict[str, float]:
    """Median seconds per step for the default and for each fixed setting, alternating."""
    import glassnet as keras
    from glassnet.thread_tuner import candidate_settings

    rng = np.random.default_rng(0)
    data = rng.random((steps * 128, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, steps * 128)
    settings: dict = {"default": None}
    for setting in sorted(candidate_settings(keras.config.available_cpus()), key=lambda s: (s.kernels, -s.blas)):
        settings[_label(setting)] = setting
    times: dict[str, list[float]] = {k: [] for k in settings}
    for _ in range(repeats):
        for label, setting in settings.items():
            times[label].append(seconds_per_step(setting, steps, data))
    keras.config.set_num_threads(None)
    return {k: median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="training steps per timed fit")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per setting (median quoted)")
    parser.add_argument("--busy", type=int, default=1, help="busy processes beside the training (default 1)")
    args = parser.parse_args()
    import glassnet as keras

    print(f"CPU: {cpu_model()}; BLAS: {blas_info()}; CPUs this process may use: {keras.config.available_cpus()}")
    rows = {"quiet": measure(args.steps, args.repeats)}
    stop = mp.Event()
    spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    try:
        rows[f"{args.busy} busy process{'es' if args.busy > 1 else ''}"] = measure(args.steps, args.repeats)
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)
    settings = list(next(iter(rows.values())))
    print(f"{'ms per step':<22}" + "".join(f"{s:>14}" for s in settings) + f"{'default/best':>14}")
    for label, times in rows.items():
        best = min(v for k, v in times.items() if k != "default")
        print(f"{label:<22}" + "".join(f"{times[s] * 1e3:>14.1f}" for s in settings) +
              f"{times['default'] / best:>14.2f}")


if __name__ == "__main__":
    main()
