"""What glassnet does about speed on your machine, and the three settings you can change.

    python examples/speed_settings.py

1. Threads: the BLAS under NumPy gets no more threads than the CPUs this process may use, and
   ``fit``/``predict`` time their own steps at each thread count and keep the fastest (a busy
   process beside yours can make one thread several times faster than two); they also time
   whether the threads work inside each matrix product or over parts of the batch (convnets).
   ``glassnet.config.set_num_threads(n)`` or ``GLASSNET_NUM_THREADS=n`` fixes the count;
   ``set_num_threads(None)`` hands the choice back.
2. Compiled kernels: memory-bound loops (the optimizer's update, ...) run as one compiled pass with
   numba, and as their NumPy reference without it; ``GLASSNET_JIT=0`` or
   ``glassnet.jit.set_enabled(False)`` runs the references.
3. The array backend: NumPy, or CuPy on an NVIDIA GPU (``GLASSNET_BACKEND=cupy``).
"""

import os
import time

import numpy as np

import glassnet as keras
from glassnet import config, jit, thread_tuner

quick = bool(os.environ.get("GLASSNET_EXAMPLES_QUICK"))
print(f"CPUs this process may use: {config.available_cpus()}; BLAS threads now: {config.get_num_threads()}")
print(f"numba kernels: {'on' if jit.enabled() else 'off'} (numba installed: {jit.available()})")

rng = np.random.default_rng(0)
x = rng.random((2_000 if quick else 20_000, 784), dtype=np.float32)
y = rng.integers(0, 10, len(x))


def train(label: str) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    print(f"{label:<38} {time.perf_counter() - start:6.2f} s per epoch")
    return model


train("first fit (compiles or loads kernels)")  # numba caches compiled kernels on disk: only a first run pays

# The default: fit probes the thread counts and remembers its choice for this model.
model = train("default (threads chosen by timing)")
decision = thread_tuner.last_decision(model, "fit")
if decision is not None:  # None when there was nothing to choose (one CPU)
    print(f"  fit kept {decision.count}: {decision.median * 1e3:.2f} ms per step")

config.set_num_threads(1)  # fixed by hand: nothing changes it now
train("1 thread, fixed")
config.set_num_threads(None)  # back to the default

previous = jit.set_enabled(False)
train("NumPy references (no compiled kernels)")
jit.set_enabled(previous)
