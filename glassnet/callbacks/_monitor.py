"""Shared by callbacks that watch a metric: which direction is better, and "not logged" warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np


def monitor_op(mode: str, monitor: str, owner: str) -> Callable[[float, float], bool]:
    """``np.less`` when smaller is better, ``np.greater`` when larger is (``"auto"``: accuracy-like is max)."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode!r} is unknown, falling back to 'auto' mode", stacklevel=3)
        mode = "auto"
    if mode == "auto":
        name = monitor.removeprefix("val_")
        larger_better = "acc" in name or name.endswith(("auc", "precision", "recall", "f1_score")) or \
            name.startswith("fmeasure")
        mode = "max" if larger_better else "min"
    return np.greater if mode == "max" else np.less


def warn_missing(owner: str, monitor: str, logs: dict | None) -> None:
    warnings.warn(f"{owner} is conditioned on metric '{monitor}', which is not available. Available metrics are: "
                  f"{', '.join(sorted(logs or {}))}", stacklevel=3)
