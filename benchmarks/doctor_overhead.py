"""What watching training costs: the demo MLP's epoch with and without the training doctor and an Inspector.

    python benchmarks/doctor_overhead.py [--repeats 7] [--threads N]

``fit(verbose=1)`` attaches the training doctor by itself (one inspected batch per epoch); an explicit
``callbacks.Inspector(every=50)`` looks at every 50th batch.  Each variant trains the lecture MLP
(benchmarks/mlp_mnist.py's network: 784-256-64-32-10, Adam, batch 50) for one epoch of MNIST from the
same seed; the variants alternate so machine noise hits them alike, and the medians are compared.
The issue's bar: the doctor adds at most 5 %.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform

from _common import alternate, blas_info, median, set_threads
from mlp_mnist import load


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def epoch_runner(x, y, doctor: bool, inspector_every: int | None):
    import glassnet as gn
    from glassnet import layers

    def run() -> None:
        gn.utils.set_random_seed(0)
        model = gn.Sequential([gn.Input(shape=(784,)), layers.Dense(256, activation="relu"),
                               layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"),
                               layers.Dense(10, activation="softmax")])
        model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        callbacks = [gn.callbacks.Inspector(every=inspector_every)] if inspector_every else []
        with contextlib.redirect_stdout(io.StringIO()):  # the progress bar is not what is measured
            model.fit(x, y, batch_size=50, epochs=1, verbose=2, doctor=doctor, callbacks=callbacks)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    threads = set_threads(args.threads)
    print(f"CPU: {cpu_model()}; threads: {threads}; {blas_info()}")
    x, y, _, _ = load()
    runs = {"plain (doctor=False)": epoch_runner(x, y, False, None),
            "doctor (default)": epoch_runner(x, y, True, None),
            "doctor + Inspector(every=50)": epoch_runner(x, y, True, 50)}
    for run in runs.values():
        run()  # warm-up
    times = alternate(runs, args.repeats)
    base = median(times["plain (doctor=False)"])
    print(f"\n{'variant':<30} | {'s/epoch':>8} | {'overhead':>8}")
    print("-" * 52)
    for name, values in times.items():
        print(f"{name:<30} | {median(values):>8.3f} | {100 * (median(values) / base - 1):>+7.1f}%")
    print(f"\nmedian of {args.repeats} alternating one-epoch fits each (60,000 images, batch 50)")


if __name__ == "__main__":
    main()
