"""Keras' "simple MNIST convnet": glassnet vs PyTorch CPU, side by side in one run.

    .venv/bin/python benchmarks/cnn_mnist.py               # ~2 min: 80 batches per timing, scaled to an epoch
    .venv/bin/python benchmarks/cnn_mnist.py --full        # whole epochs (60,000 images) per timing
    .venv/bin/python benchmarks/cnn_mnist.py --accuracy    # also: glassnet test accuracy after 2 epochs
    .venv/bin/python benchmarks/cnn_mnist.py --profile     # where glassnet's training step spends its time
    .venv/bin/python benchmarks/cnn_mnist.py --no-jit      # glassnet with its NumPy references, no numba kernels

On machines where OPENBLAS_CORETYPE forces generic BLAS kernels (the development machine does), prefix the
command with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` to measure the kernels a normal NumPy install
uses; the header line says which kernel ran.

Network: Conv2D(32, 3x3, relu) -> MaxPool(2) -> Conv2D(64, 3x3, relu) -> MaxPool(2) -> Flatten ->
Dropout(0.5) -> Dense(10, softmax); 34,826 parameters; Adam(0.001); batch 128.  PyTorch runs the same
network in its usual NCHW layout with CrossEntropyLoss on logits.  Both get the same data and thread
count and alternate (the machine is shared and noisy: medians are quoted).  Training time per epoch is
the time of ``--batches`` batches scaled to 469 batches (60,000 images) unless ``--full``.  Inference is
images per second over the 10,000 test images in batches of ``--predict-batch``.  Peak memory is each
framework's peak resident set in a fresh process while it builds the model and trains ``--batches``
batches, minus the footprint just before.  Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    blas_info,
    cpu_model,
    current_rss_mb,
    jit_runtime_mb,
    load_framework_code,
    measure_in_child,
    median,
    peak_rss_mb,
    reset_peak_rss,
    set_threads,
)

BATCH = 128
EPOCH_IMAGES = 60_000
SETTLE_S = 0.5


def alternate(runs: dict, repeats: int, settle: float = SETTLE_S) -> dict[str, list[float]]:
    """Time each contender ``repeats`` times, alternating, with a pause before every run.

    The pause matters: after a run, PyTorch's OpenMP workers (and OpenBLAS's) keep spinning for a
    while, and on 2 cores they would steal the CPU from whichever framework runs next.
    """
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            time.sleep(settle)
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import glassnet as gn

    (x, y), (xt, yt) = gn.datasets.mnist.load_data()
    return ((x.astype("float32") / 255)[..., None], y.astype("int64"),
            (xt.astype("float32") / 255)[..., None], yt.astype("int64"))


def glassnet_model():
    import glassnet as gn
    from glassnet.demo import build_cnn  # the same "simple MNIST convnet" the demo trains

    gn.utils.set_random_seed(0)
    model = build_cnn()
    model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def glassnet_runs(x: np.ndarray, y: np.ndarray, xt: np.ndarray, predict_batch: int):
    model = glassnet_model()
    train = lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # noqa: E731
    infer = lambda: model.predict(xt, batch_size=predict_batch, verbose=0)  # noqa: E731
    return model, train, infer


def torch_runs(x: np.ndarray, y: np.ndarray, xt: np.ndarray, predict_batch: int):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    ty = torch.from_numpy(y)
    txt = torch.from_numpy(np.ascontiguousarray(xt.transpose(0, 3, 1, 2)))

    def train() -> None:
        model.train()
        perm = torch.randperm(len(tx))
        for start in range(0, len(tx), BATCH):
            idx = perm[start:start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(tx[idx]), ty[idx])
            loss.backward()
            opt.step()

    def infer() -> None:
        model.eval()
        with torch.no_grad():
            for start in range(0, len(txt), predict_batch):
                model(txt[start:start + predict_batch]).softmax(dim=1)

    return model, train, infer


def child(framework: str, batches: int) -> None:
    x, y, xt, _ = load()
    x, y = x[:batches * BATCH], y[:batches * BATCH]
    build = glassnet_runs if framework == "glassnet" else torch_runs

    def warm_up() -> None:  # a throwaway run loads the kernels (numba's, PyTorch's): code, not training memory
        # On 4 images, so that the allocator keeps no batch-sized buffers from it for the run to reuse.
        _, train, infer = build(x[:4], y[:4], xt[:4], 4)
        train()
        infer()

    load_framework_code(framework, warm_up)
    import gc

    gc.collect()
    reset_peak_rss()
    base = current_rss_mb()
    _, train, infer = build(x, y, xt[:1000], 500)
    train()
    infer()
    print(json.dumps({"peak_mb": peak_rss_mb() - base}))


def profile(x: np.ndarray, y: np.ndarray, batches: int) -> None:
    """cProfile of glassnet training ``batches`` batches: the top functions by own time."""
    import cProfile
    import pstats

    model = glassnet_model()
    model.fit(x[:BATCH * 4], y[:BATCH * 4], batch_size=BATCH, epochs=1, verbose=0)
    prof = cProfile.Profile()
    prof.enable()
    model.fit(x[:BATCH * batches], y[:BATCH * batches], batch_size=BATCH, epochs=1, verbose=0)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=80, help="training batches per timing (scaled to an epoch)")
    parser.add_argument("--full", action="store_true", help="time whole epochs of 60,000 images instead")
    parser.add_argument("--repeats", type=int, default=3, help="timings per framework (alternating); median shown")
    parser.add_argument("--predict-batch", type=int, default=500)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--accuracy", action="store_true",
                        help="train glassnet and PyTorch 2 full epochs each, report test accuracy")
    parser.add_argument("--profile", action="store_true", help="profile glassnet's training step and exit")
    parser.add_argument("--no-jit", action="store_true",
                        help="run glassnet without its compiled numba kernels (glassnet.jit off: the NumPy references)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    parser.add_argument("--settle", type=float, default=SETTLE_S,
                        help="seconds of pause before each timed run, so the other framework's threads go idle")
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "BATCHES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    import glassnet.jit  # before the thread limits: glassnet loads SciPy, whose BLAS must be limited too

    if args.no_jit:
        glassnet.jit.set_enabled(False)
    if args.child:
        set_threads(args.threads)
        if args.threads is not None:
            glassnet.config.set_num_threads(args.threads)
        child(args.child[0], int(args.child[1]))
        return
    threads = set_threads(args.threads)
    if args.threads is not None:
        glassnet.config.set_num_threads(threads)  # fixed: fit's and predict's thread tuner leaves it alone
    x, y, xt, yt = load()
    if args.profile:
        profile(x, y, args.batches)
        return
    import torch

    n_train = len(x) if args.full else min(len(x), args.batches * BATCH)
    xs, ys = x[:n_train], y[:n_train]
    scale = EPOCH_IMAGES / n_train
    print(f"glassnet vs PyTorch {torch.__version__} CPU: Keras' simple MNIST convnet, batch {BATCH}, Adam")
    print(f"threads: {threads} for both; {cpu_model()}; NumPy {np.__version__} with {blas_info()}; "
          f"glassnet.jit (numba kernels): {'on' if glassnet.jit.enabled() else 'off'}")
    print(f"training timed on {n_train:,} images ({math.ceil(n_train / BATCH)} batches) x {scale:.2f} = one epoch; "
          f"inference on {len(xt):,} test images in batches of {args.predict_batch}")
    _, g_train, g_infer = glassnet_runs(xs, ys, xt, args.predict_batch)
    _, t_train, t_infer = torch_runs(xs, ys, xt, args.predict_batch)
    for warm in (g_train, t_train, g_infer, t_infer):  # first-call allocations, BLAS thread start
        warm()
    start = time.perf_counter()
    train_t = alternate({"glassnet": g_train, "torch": t_train}, args.repeats, args.settle)
    infer_t = alternate({"glassnet": g_infer, "torch": t_infer}, args.repeats, args.settle)
    wall = time.perf_counter() - start
    mem = {} if args.no_memory else {
        fw: measure_in_child(__file__, [fw, str(min(args.batches, 40))])["peak_mb"] for fw in ("glassnet", "torch")}

    g_ep, t_ep = median(train_t["glassnet"]) * scale, median(train_t["torch"]) * scale
    g_ips, t_ips = len(xt) / median(infer_t["glassnet"]), len(xt) / median(infer_t["torch"])
    print()
    print(f"{'':<26} | {'glassnet':>10} | {'torch':>10} | {'ratio g/t':>9}")
    print("-" * 66)
    print(f"{'train s/epoch':<26} | {g_ep:>10.2f} | {t_ep:>10.2f} | {g_ep / t_ep:>9.2f}")
    print(f"{'inference images/s':<26} | {g_ips:>10,.0f} | {t_ips:>10,.0f} | {g_ips / t_ips:>9.2f}")
    if mem:
        print(f"{'peak memory MB (train)':<26} | {mem['glassnet']:>10.0f} | {mem['torch']:>10.0f} | "
              f"{mem['glassnet'] / max(mem['torch'], 1e-9):>9.2f}")
        print(f"(training memory beyond each framework's loaded code; numba's compiler, which glassnet's kernels "
              f"load, adds {jit_runtime_mb():.0f} MB of code)")
    print(f"\nmedians of {args.repeats} alternating runs each ({wall:.0f} s of timing); train ratio < 1 and "
          "inference ratio > 1 mean glassnet is faster.")
    print("all timings: " + json.dumps({k: [round(v, 3) for v in vs] for k, vs in
                                        {"train_g": train_t["glassnet"], "train_t": train_t["torch"],
                                         "infer_g": infer_t["glassnet"], "infer_t": infer_t["torch"]}.items()}))
    if args.accuracy:
        model = glassnet_model()
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0)
        seconds = time.perf_counter() - start
        _, acc = model.evaluate(xt, yt, batch_size=500, verbose=0)
        print(f"glassnet test accuracy after 2 epochs: {acc:.4f} ({seconds:.1f} s for the 2 epochs)")
        t_model, t_train, _ = torch_runs(x, y, xt, args.predict_batch)
        t_train()
        t_train()
        t_model.eval()
        with torch.no_grad():
            t_pred = t_model(torch.from_numpy(np.ascontiguousarray(xt.transpose(0, 3, 1, 2)))).argmax(dim=1)
        print(f"PyTorch test accuracy after 2 epochs (same recipe, its default init): "
              f"{(t_pred.numpy() == yt).mean():.4f}")


if __name__ == "__main__":
    main()
