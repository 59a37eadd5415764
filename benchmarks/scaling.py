"""How a training step scales with the width of an MLP: glassnet vs PyTorch CPU, side by side in one run.

    .venv/bin/python benchmarks/scaling.py                          # the table of issue 15
    .venv/bin/python benchmarks/scaling.py --threads 1 --compare-jit # also glassnet without compiled kernels
    .venv/bin/python benchmarks/scaling.py --widths 1024 --batches 32 --repeats 9

Network: Input(784) -> Dense(w, relu) -> Dense(w, relu) -> Dense(10), Adam(0.001), cross-entropy over
10 classes (glassnet: a softmax output with sparse categorical cross-entropy, which it fuses into the
loss on logits; PyTorch: ``nn.CrossEntropyLoss`` on the logits), for w in 64, 256, 1024, 4096 and batch
sizes 32 and 256.  That is from 50 thousand to 20 million weights: small networks show the per-step
overhead of the framework, large ones the matrix products and the optimizer's passes over memory.

What is timed is what a user runs: glassnet trains through ``model.fit`` for one epoch of exactly
``--steps`` batches (no shuffling, no metrics, no progress bar, ``doctor=False`` so the run-time checks
of the first epoch are not counted), PyTorch through the usual loop ``zero_grad, loss, backward, step``
over the same batches in the same order.  ``fit`` rather than ``train_on_batch``: it is how models are
trained, and it checks and converts the data once per epoch, not once per step.  By default a round is
200 steps for the small networks down to 12 for the largest (about 10^8 weight-updates), so that it
lasts long enough to time and ``fit``'s fixed cost per call (a few milliseconds) is spread as in a
real epoch.  Both get the same random data (784 features in [0, 1), labels 0-9) and the same thread
count.  Each cell is measured in alternating rounds (glassnet, PyTorch,
glassnet, ...) with a short pause between them, and the median over ``--repeats`` rounds is quoted, in
milliseconds per training step; the ratio column is glassnet / PyTorch (below 1: glassnet is faster).
Wall time is the headline; ``--cpu`` adds each process-CPU-time median, which a busy machine disturbs
less (it counts every thread of the process, so with several threads it is not a duration).
``--threads N`` fixes the count for both (glassnet's thread tuner is then off); ``--compare-jit`` adds
a glassnet column with the compiled kernels switched off, i.e. the NumPy references.  Nothing here is
a test: it prints figures.

On machines where OPENBLAS_CORETYPE forces generic BLAS kernels, prefix the command with ``env -u
OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` to measure the kernels a normal NumPy install uses; the header
says which kernel ran.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import blas_info, cpu_model, median, set_threads  # noqa: E402


def default_steps(width: int) -> int:
    """Steps per timed round: about 10^8 weight-steps, between 12 and 200."""
    weights = 784 * width + width * width + 10 * width
    return max(12, min(200, 100_000_000 // weights))


def make_data(steps: int, batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((steps * batch, 784), dtype=np.float32), rng.integers(0, 10, steps * batch).astype(np.int64)


def glassnet_run(x: np.ndarray, y: np.ndarray, width: int, batch: int) -> Callable[[], None]:
    """One epoch of ``len(x) // batch`` steps of ``model.fit``."""
    import glassnet as gn
    from glassnet import layers

    gn.utils.set_random_seed(0)
    model = gn.Sequential([gn.Input(shape=(784,)), layers.Dense(width, activation="relu"),
                           layers.Dense(width, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
    return lambda: model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0, doctor=False)


def torch_run(x: np.ndarray, y: np.ndarray, width: int, batch: int) -> Callable[[], None]:
    """The same steps in PyTorch's usual training loop."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.from_numpy(x[i:i + batch]), torch.from_numpy(y[i:i + batch])) for i in range(0, len(x), batch)]

    def epoch() -> None:
        model.train()
        for xb, yb in batches:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    return epoch


def alternate_timed(runs: dict[str, Callable[[], None]], repeats: int,
                    settle: float) -> dict[str, tuple[list[float], list[float]]]:
    """Wall and process-CPU seconds of each run, ``repeats`` rounds, alternating, pausing ``settle`` s between."""
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            time.sleep(settle)  # let the caches and the other processes on the machine settle
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name][0].append(time.perf_counter() - wall)
            times[name][1].append(time.process_time() - cpu)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256, 1024, 4096])
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per timed round (default: 200 for small networks down to 12 for the "
                             "largest, so every round lasts long enough to time and fit's per-call cost is spread)")
    parser.add_argument("--repeats", type=int, default=5, help="alternating rounds per cell (median quoted)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and PyTorch threads, fixed (default: all cores, and glassnet's fit may lower its "
                             "count by timing its steps, as it does for users)")
    parser.add_argument("--settle", type=float, default=0.2, help="pause in seconds before each timed round")
    parser.add_argument("--jit", action=argparse.BooleanOptionalAction, default=True,
                        help="glassnet's compiled kernels (glassnet.jit.set_enabled); --no-jit: NumPy references")
    parser.add_argument("--compare-jit", action="store_true", help="time glassnet both with and without them")
    parser.add_argument("--cpu", action="store_true", help="also print the process-CPU-time medians")
    args = parser.parse_args()
    threads = set_threads(args.threads)
    import torch

    import glassnet as gn

    if args.threads is not None:
        gn.config.set_num_threads(threads)  # fixed: fit's thread tuner leaves the count alone

    print(f"glassnet vs PyTorch {torch.__version__} CPU: two hidden ReLU layers of width w on 784 inputs, Adam")
    print(f"CPU: {cpu_model()}; threads: {threads} for both; NumPy {np.__version__} with {blas_info()}")
    print(f"numba kernels: {'available' if gn.jit.available() else 'not installed'}; "
          f"median of {args.repeats} alternating rounds, ms per training step")
    variants = [("jit", True), ("no jit", False)] if args.compare_jit else [("jit" if args.jit else "no jit", args.jit)]
    rows = []
    for width in args.widths:
        for batch in args.batches:
            steps = args.steps or default_steps(width)
            x, y = make_data(steps, batch)
            runs: dict[str, Callable[[], None]] = {}
            for label, flag in variants:
                fit = glassnet_run(x, y, width, batch)

                def run(fit: Callable[[], None] = fit, flag: bool = flag) -> None:
                    previous = gn.jit.set_enabled(flag)
                    try:
                        fit()
                    finally:
                        gn.jit.set_enabled(previous)

                runs[f"glassnet ({label})"] = run
            runs["torch"] = torch_run(x, y, width, batch)
            for fn in runs.values():  # warm-up: first-call allocations, BLAS threads, kernel compilation
                fn()
            times = alternate_timed(runs, args.repeats, args.settle)
            ms = {name: (1e3 * median(w) / steps, 1e3 * median(c) / steps) for name, (w, c) in times.items()}
            rows.append((width, batch, steps, ms))
            print(f"  measured w={width} batch={batch}", file=sys.stderr, flush=True)
    names = list(rows[0][3])
    header = f"{'width':>5} | {'batch':>5} | {'steps':>5} | " + " | ".join(f"{n:>17}" for n in names) + " | " + " | ".join(
        f"{'ratio ' + n.split(' ', 1)[-1].strip('()'):>12}" for n in names[:-1])

    def table(column: int) -> None:  # column 0: wall ms per step, 1: process CPU ms per step
        print(header)
        print("-" * len(header))
        for width, batch, steps, ms in rows:
            t = ms["torch"][column]
            cells = " | ".join(f"{ms[n][column]:>17.2f}" for n in names)
            ratios = " | ".join(f"{ms[n][column] / t:>12.2f}" for n in names[:-1])
            print(f"{width:>5} | {batch:>5} | {steps:>5} | {cells} | {ratios}")

    print()
    table(0)
    if args.cpu:
        print("\nprocess CPU time, ms per step (all threads of the process together)")
        table(1)
    print("\nratio = glassnet / PyTorch: below 1.00 glassnet is faster")


if __name__ == "__main__":
    main()
