"""LSTM(128) and GRU(128) reading MNIST row by row: glassnet vs PyTorch CPU, side by side in one run.

    .venv/bin/python benchmarks/rnn_mnist.py                 # both cells, 3 alternating epochs each
    .venv/bin/python benchmarks/rnn_mnist.py --cells lstm --repeats 5
    .venv/bin/python benchmarks/rnn_mnist.py --threads 1 --per-batch 200   # the recurrent layer alone, CPU time
    .venv/bin/python benchmarks/rnn_mnist.py --threads 1 --per-batch 200 --no-jit   # NumPy step references
    .venv/bin/python benchmarks/rnn_mnist.py --threads 2 --per-batch 100   # the layer at two threads, both ways

Each image is a sequence of 28 steps of 28 features: RNN(128) -> Dense(10, softmax), Adam(0.001), sparse
categorical cross-entropy, batch 128, one epoch = 60,000 images.  Inference is a forward pass over the
10,000 test images at batch 128 (``predict`` / ``torch.no_grad``).  Both frameworks get the same thread
count and alternate (the machine is noisy: medians are quoted).  On machines where OPENBLAS_CORETYPE forces
generic BLAS kernels, prefix ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE``; the header says which ran.
``--per-batch N`` times only the recurrent layer on one batch (forward + backward of a sum, and a forward
without a tape), N times, the frameworks alternating in blocks of 10.  At one thread it takes CPU time
(``time.process_time``: steadier than wall time on a shared machine) and also times the LSTM's matrix products
alone (the floor under glassnet's time: the same products as the layer, nothing else).  With more threads it
takes wall time (CPU time would add up the threads' spinning) and times glassnet's training batch both ways
fit's step timer chooses between: the BLAS's threads inside each product (the default) and glassnet's threads
over the batch.
``--no-jit`` runs glassnet with its compiled kernels switched off (glassnet.jit.set_enabled(False)): the LSTM and
GRU step kernels (glassnet/engine/ops/recurrent_kernels.py) then run their NumPy references; an A/B of the two.
Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import alternate, blas_info, cpu_model, median, set_threads  # noqa: E402


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import glassnet as gn

    (x, y), (xt, _) = gn.datasets.mnist.load_data()
    return x.astype("float32") / 255, y.astype("int64"), xt.astype("float32") / 255


def glassnet_runs(cell: str, x: np.ndarray, y: np.ndarray, xt: np.ndarray, batch: int):
    import glassnet as gn
    from glassnet import layers

    gn.utils.set_random_seed(0)
    rnn = layers.LSTM(128) if cell == "lstm" else layers.GRU(128)
    model = gn.Sequential([gn.Input((28, 28)), rnn, layers.Dense(10, activation="softmax")])
    model.compile(optimizer=gn.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
    return (lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)), \
        (lambda: model.predict(xt, batch_size=batch, verbose=0))


def torch_runs(cell: str, x: np.ndarray, y: np.ndarray, xt: np.ndarray, batch: int):
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(28, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, inputs: torch.Tensor) -> torch.Tensor:
            out, _ = self.rnn(inputs)
            return self.head(out[:, -1])

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    tx, ty, txt = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(xt)

    def epoch() -> None:
        model.train()
        perm = torch.randperm(len(tx))
        for start in range(0, len(tx), batch):
            idx = perm[start:start + batch]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(tx[idx]), ty[idx]).backward()
            opt.step()

    def infer() -> None:
        model.eval()
        with torch.no_grad():
            for start in range(0, len(txt), batch):
                torch.softmax(model(txt[start:start + batch]), dim=-1)

    return epoch, infer


def lstm_products(rnn, xb: np.ndarray):
    """The matrix products the LSTM layer ``rnn`` runs for one training batch ``xb`` at one thread, alone:
    the floor under its time (glassnet/engine/ops/recurrent_lstm.py).  Per step [x_t 1 h_{t-1}] [W; b; U] -> z_t,
    back through time dz_t U^T -> dh_{t-1}, and after the loop [dW; db; dU] = XH^T dZ in one product."""
    batch, steps, features = xb.shape
    units = rnn.recurrent_kernel.shape[0]
    width = features + 1 + units
    rng = np.random.default_rng(0)
    XH = rng.random((steps + 1, batch, width), dtype=np.float32)
    WU = rng.random((width, 4 * units), dtype=np.float32) - 0.5
    Z = np.empty((steps, batch, 4 * units), dtype=np.float32)
    UT = np.ascontiguousarray(WU[features + 1:].T)
    dh = np.empty((batch, units), dtype=np.float32)

    def run() -> None:
        for t in range(steps):
            np.matmul(XH[t], WU, out=Z[t])
        for t in range(steps - 1, -1, -1):
            np.matmul(Z[t], UT, out=dh)
        XH[:steps].reshape(-1, width).T @ Z.reshape(-1, 4 * units)

    return run


def per_batch(cell: str, x: np.ndarray, batch: int, n: int, threads: int) -> dict[str, float]:
    """Median milliseconds per batch of the recurrent layer alone: glassnet's op vs torch's module.

    At one thread CPU time (steadier on a shared machine); at more, wall time, with glassnet's training
    batch timed under each way of spending the threads (glassnet.config.ThreadSetting: the BLAS's threads
    inside each product, or glassnet's threads over parts of the batch with one-thread products), the two
    settings fit's step timer chooses between."""
    import time

    import torch

    import glassnet as gn
    from glassnet import config, layers

    gn.utils.set_random_seed(0)
    torch.manual_seed(0)
    rnn = layers.LSTM(128) if cell == "lstm" else layers.GRU(128)
    rnn.build((batch, 28, 28))
    mod = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(28, 128, batch_first=True)
    xb, tx = x[:batch], torch.from_numpy(x[:batch])

    def g_train() -> None:
        with gn.GradientTape() as tape:
            loss = rnn(xb).sum()
        tape.gradient(loss, [rnn.kernel, rnn.recurrent_kernel, rnn.bias])

    def t_train() -> None:
        mod.zero_grad(set_to_none=True)
        mod(tx)[0][:, -1].sum().backward()

    def t_infer() -> None:
        with torch.no_grad():
            mod(tx)

    default = config.threads_now()
    runs = {"glassnet train": (default, g_train), "torch train": (default, t_train),
            "glassnet infer": (default, lambda: rnn(xb)), "torch infer": (default, t_infer)}
    if threads > 1:
        over_batch = config.ThreadSetting(1, threads)
        runs["glassnet train over the batch"] = (over_batch, g_train)
    if cell == "lstm" and threads == 1:
        runs["glassnet products"] = (default, lstm_products(rnn, xb))
    clock = time.process_time if threads == 1 else time.perf_counter
    times: dict[str, list[float]] = {name: [] for name in runs}
    # In blocks of 10 batches, each block after 2 untimed ones: a framework's idle threads keep spinning
    # for a while after its last batch (OpenBLAS's, OpenMP's), and would be timed in the other's first.
    for _ in range(max(1, n // 10)):
        for name, (setting, fn) in runs.items():
            config.apply_threads(setting)
            for k in range(12):
                start = clock()
                fn()
                if k >= 2:
                    times[name].append(clock() - start)
    config.apply_threads(default)
    return {name: median(v) * 1e3 for name, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per framework and cell")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--per-batch", type=int, default=0, metavar="N",
                        help="time only the recurrent layer, N batches (CPU time at --threads 1, else wall time)")
    parser.add_argument("--no-jit", action="store_true",
                        help="switch glassnet's compiled kernels off (their NumPy references run instead)")
    args = parser.parse_args()
    threads = set_threads(args.threads)
    import torch

    from glassnet import config, jit

    if args.no_jit:
        jit.set_enabled(False)

    print(f"glassnet vs PyTorch {torch.__version__} CPU, RNN(128) on MNIST rows (28 steps x 28 features, "
          f"60,000 images/epoch, batch {args.batch})")
    print(f"CPU: {cpu_model()}; threads: {threads} for both; NumPy {np.__version__} with {blas_info()}")
    print(f"glassnet kernels: {'compiled (numba)' if jit.enabled() else 'NumPy references'}")
    x, y, xt = load()
    if args.per_batch:
        clock = "ms CPU/batch" if threads == 1 else "ms/batch"
        print(f"\n{'cell':>4} | {'what':>40} | {'glassnet':>8} | {'torch':>8} | {'ratio g/t':>9}  ({clock})")
        print("-" * 86)
        for cell in args.cells:
            r = per_batch(cell, x, args.batch, args.per_batch, threads)
            rows = [("train", r["glassnet train"], r["torch train"]), ("infer", r["glassnet infer"], r["torch infer"])]
            if "glassnet train over the batch" in r:
                rows.append((f"train, {config.ThreadSetting(1, threads)}", r["glassnet train over the batch"],
                             r["torch train"]))
            if "glassnet products" in r:  # the floor: the LSTM's products alone, against PyTorch's whole layer
                rows.append(("its products", r["glassnet products"], r["torch train"]))
            for what, g, t in rows:
                print(f"{cell.upper():>4} | {what:>40} | {g:>8.2f} | {t:>8.2f} | {g / t:>9.2f}")
        print(f"\nmedian of {args.per_batch} batches in alternating blocks of 10; train = forward + backward of the layer alone "
              "(with more than one thread: at glassnet's default, the BLAS's threads inside each product, and again "
              "with glassnet's threads over the batch), infer = its forward without a tape; its products (one thread "
              "only) = the matrix products of the LSTM's training batch alone (glassnet's floor), against PyTorch's "
              "whole training batch")
        return
    rows = []
    for cell in args.cells:
        g_fit, g_pred = glassnet_runs(cell, x, y, xt, args.batch)
        t_fit, t_pred = torch_runs(cell, x, y, xt, args.batch)
        g_pred()  # warm-up (first-call allocation, BLAS thread start)
        t_pred()
        fit = alternate({"glassnet": g_fit, "torch": t_fit}, args.repeats)
        pred = alternate({"glassnet": g_pred, "torch": t_pred}, args.repeats)
        rows.append((cell.upper(), median(fit["glassnet"]), median(fit["torch"]),
                     median(pred["glassnet"]), median(pred["torch"])))
    print()
    print(f"{'cell':>4} | {'glassnet s/epoch':>16} | {'torch s/epoch':>13} | {'ratio g/t':>9} | "
          f"{'glassnet infer s':>16} | {'torch infer s':>13} | {'ratio g/t':>9}")
    print("-" * 100)
    for cell, g, t, gi, ti in rows:
        print(f"{cell:>4} | {g:>16.2f} | {t:>13.2f} | {g / t:>9.2f} | {gi:>16.2f} | {ti:>13.2f} | {gi / ti:>9.2f}")
    print(f"\nmedian of {args.repeats} alternating runs each; training = one epoch of fit, inference = the 10,000 "
          "test images; ratio < 1 means glassnet is faster")


if __name__ == "__main__":
    main()
