"""Frames per second of the browser playground's engine: one epoch of training plus the whole frame.

    python benchmarks/playground_frames.py [--threads 2] [--frames 200]

A frame is what ``Session.advance()`` does for every animation frame while the page plays: one epoch
over the training points (250 at batch size 10 for the default circle), then the 100 x 100 heatmap, every
neuron's thumbnail, losses, accuracy and confusion on the test points.  The playground animates at
about 20 frames/s, so a frame should take well under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _common import blas_info, cpu_model  # noqa: E402

from glassnet.playground import Session  # noqa: E402

NETWORKS = {
    "default (2 features, 4-2 tanh, batch 10)": {},
    "6 x 8 relu, 7 features, batch 10": {"hidden": [{"units": 8, "activation": "relu"}] * 6,
                                         "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]},
    "6 x 8 tanh, batch 1": {"hidden": [{"units": 8}] * 6, "batch_size": 1},
}


def measure(config: dict, frames: int) -> tuple[float, float]:
    """Median and 90th-percentile milliseconds per frame."""
    session = Session(seed=0)
    session.handle({"type": "config", "config": config})
    for _ in range(5):  # warm-up: first calls build caches
        session.advance()
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        session.advance()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * len(times)) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    except ImportError:
        pass
    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores); BLAS: {blas_info()}")
    for name, config in NETWORKS.items():
        median, p90 = measure(config, args.frames)
        print(f"{name:<42} {1000 / median:7.1f} frames/s  (median {median:.1f} ms, p90 {p90:.1f} ms per frame)")


if __name__ == "__main__":
    main()
