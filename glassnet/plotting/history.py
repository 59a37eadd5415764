"""Training curves: loss and each metric per epoch, training against validation.

Reading them is how under- and over-fitting are diagnosed: both curves still
improving means under-fitting (train longer or use a bigger model); the
training curve improving while the validation curve turns worse means
over-fitting, and the best epoch is where validation was best.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import new_figure, save_figure

_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "rmse", "crossentropy", "hinge")


def _as_dict(history: Any) -> tuple[dict[str, list[Any]], list[int]]:
    """(key -> values, epoch numbers) from a History, a fit() return value or a plain dict."""
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict) or not hist:
        raise ValueError(f"plot_history needs a History (what fit returns) or a non-empty dict of lists, got "
                         f"{type(history).__name__}")
    n = max(len(v) for v in hist.values())
    epochs = list(getattr(history, "epoch", []) or range(n))
    if len(epochs) != n:
        epochs = list(range(n))
    return hist, [e + 1 for e in epochs]


def _series(values: list[Any]) -> np.ndarray:
    """One number per epoch; a per-class array (F1Score(average=None)) is shown by its mean."""
    return np.array([float(np.mean(v)) for v in values])


def plot_history(history: Any, metrics: list[str] | None = None, path: str | os.PathLike | None = None,
                 figsize: tuple[float, float] | None = None, title: str | None = None,
                 mark_best: bool = True) -> Figure:
    """Plot the loss and each metric per epoch, training and validation, on shared epoch axes.

    Parameters
    ----------
    history : History or dict
        What ``model.fit`` returns (or its ``.history`` dict).
    metrics : list of str, optional
        Which keys to plot (without ``val_``); default: the loss, then every other metric.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    mark_best : bool
        Mark the epoch with the best validation value in each panel.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per quantity; lines are labelled ``training`` and ``validation``.
    """
    hist, epochs = _as_dict(history)
    base = [k for k in hist if not k.startswith("val_")]
    base += [k[4:] for k in hist if k.startswith("val_") and k[4:] not in base]
    if metrics is None:
        metrics = sorted(base, key=lambda k: (k != "loss", base.index(k)))
    unknown = [m for m in metrics if m not in base]
    if unknown:
        raise ValueError(f"plot_history: no values recorded for {unknown}; the history has {sorted(hist)}")
    fig, axes = new_figure(len(metrics), 1, figsize=figsize or (6.4, 2.6 * len(metrics) + 0.4), sharex=True)
    for ax, key in zip(axes[:, 0], metrics):
        lower_better = any(word in key.lower() for word in _LOWER_IS_BETTER)
        for name, label, style in ((key, "training", "-o"), (f"val_{key}", "validation", "-s")):
            if name not in hist:
                continue
            values = _series(hist[name])
            ax.plot(epochs[: len(values)], values, style, markersize=3, label=label)
            if mark_best and label == "validation" and len(values):
                best = int(np.argmin(values) if lower_better else np.argmax(values))
                ax.plot(epochs[best], values[best], "*", color="black", markersize=10,
                        label=f"best validation (epoch {epochs[best]})")
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1, 0].set_xlabel("epoch")
    axes[-1, 0].xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(title or "Training history")
    return save_figure(fig, path)
