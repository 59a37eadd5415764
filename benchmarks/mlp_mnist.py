"""Lecture MLP on MNIST: glassnet vs PyTorch CPU, side by side in one run.

    .venv/bin/python benchmarks/mlp_mnist.py              # timings at batch 50 and 128
    .venv/bin/python benchmarks/mlp_mnist.py --accuracy   # also 5-epoch test accuracy of glassnet

On machines where OPENBLAS_CORETYPE forces generic BLAS kernels (the development machine does), prefix the
command with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` to measure the kernels a normal NumPy install
uses; the header line says which kernel ran.

Network: Flatten(28x28) -> Dense(256, relu) -> Dense(64, relu) -> Dense(32, relu) -> Dense(10, softmax),
Adam(0.001), sparse categorical cross-entropy, full MNIST (60,000 images) per epoch.  Both frameworks get
the same data, the same thread count and alternate epochs (the machine is noisy: medians are quoted).
Peak memory is each framework's peak resident set in a fresh process while it builds the model and
trains one epoch, minus the process's footprint just before (data loaded, peak reset).  Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    alternate,
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


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    import glassnet as gn

    (x, y), (xt, yt) = gn.datasets.mnist.load_data()
    return (x.astype("float32") / 255).reshape(-1, 784), y.astype("int64"), \
        (xt.astype("float32") / 255).reshape(-1, 784), yt.astype("int64")


def glassnet_trainer(x: np.ndarray, y: np.ndarray, batch: int):
    import glassnet as gn
    from glassnet import layers

    gn.utils.set_random_seed(0)
    model = gn.Sequential([gn.Input(shape=(784,)), layers.Dense(256, activation="relu"),
                           layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu"),
                           layers.Dense(10, activation="softmax")])
    model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, (lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0))


def torch_trainer(x: np.ndarray, y: np.ndarray, batch: int):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 32),
                          nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def epoch() -> None:
        model.train()
        perm = torch.randperm(len(tx))
        for start in range(0, len(tx), batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(tx[idx]), ty[idx])
            loss.backward()
            opt.step()

    return model, epoch


def child(framework: str, batch: int) -> None:
    x, y, _, _ = load()
    build = glassnet_trainer if framework == "glassnet" else torch_trainer
    # Code and warmed-up runtimes (numba's kernels, PyTorch's kernels) are not training memory. The warm-up
    # trains on 4 images, so that the allocator keeps no batch-sized buffers from it for the run to reuse.
    load_framework_code(framework, lambda: build(x[:4], y[:4], 2)[1]())
    import gc

    gc.collect()
    reset_peak_rss()
    base = current_rss_mb()
    _, epoch = build(x, y, batch)
    epoch()
    print(json.dumps({"peak_mb": peak_rss_mb() - base}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[50, 128])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per framework and batch size")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--accuracy", action="store_true", help="train glassnet 5 epochs at batch 50, report test acc")
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        set_threads(args.threads)
        child(args.child[0], int(args.child[1]))
        return
    threads = set_threads(args.threads)
    import torch

    print(f"glassnet vs PyTorch {torch.__version__} CPU, lecture MLP on MNIST (60,000 images/epoch)")
    mode = "fixed" if args.threads else "default: glassnet's fit may choose fewer (glassnet.thread_tuner)"
    print(f"threads: {threads} for both ({mode}); {cpu_model()}; NumPy {np.__version__} with {blas_info()}")
    x, y, xt, yt = load()
    rows = []
    for batch in args.batches:
        _, g_epoch = glassnet_trainer(x, y, batch)
        _, t_epoch = torch_trainer(x, y, batch)
        g_epoch()  # warm-up (first-call allocation, BLAS thread start)
        t_epoch()
        times = alternate({"glassnet": g_epoch, "torch": t_epoch}, args.repeats)
        g_mem = measure_in_child(__file__, ["glassnet", str(batch)])["peak_mb"]
        t_mem = measure_in_child(__file__, ["torch", str(batch)])["peak_mb"]
        rows.append((batch, median(times["glassnet"]), median(times["torch"]), g_mem, t_mem))
    print()
    print(f"{'batch':>5} | {'glassnet s/epoch':>16} | {'torch s/epoch':>13} | {'ratio g/t':>9} | "
          f"{'glassnet peak MB':>16} | {'torch peak MB':>13}")
    print("-" * 88)
    for batch, g, t, gm, tm in rows:
        print(f"{batch:>5} | {g:>16.2f} | {t:>13.2f} | {g / t:>9.2f} | {gm:>16.0f} | {tm:>13.0f}")
    print(f"\nmedian of {args.repeats} alternating epochs each; ratio < 1 means glassnet is faster; peak MB: training "
          f"memory beyond each framework's loaded code (numba's compiler, loaded by glassnet's kernels: "
          f"{jit_runtime_mb():.0f} MB)")
    if args.accuracy:
        model, _ = glassnet_trainer(x, y, 50)
        model.fit(x, y, batch_size=50, epochs=5, verbose=0)
        _, acc = model.evaluate(xt, yt, verbose=0)
        print(f"glassnet test accuracy after 5 epochs at batch 50: {acc:.4f}")


if __name__ == "__main__":
    main()
