"""The decision boundary of a model with two raw inputs, drawn over its data.

A model fed engineered features (x1^2, x1 x2, sin x1 ... as in TensorFlow Playground) still
separates the raw 2-D plane: ``features=`` maps each grid point to the model's inputs, so the
curved boundary that a linear model draws in feature space shows where it lies in the plane.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .. import backend
from ._figure import new_figure, save_figure


def plot_decision_boundary(model: Any, x: Any, y: Any = None, *, resolution: int = 200, margin: float = 0.1,
                           threshold: float = 0.5, features: Callable[[np.ndarray], Any] | None = None,
                           ax: Any = None, path: str | os.PathLike | None = None,
                           title: str | None = None) -> Figure:
    """Colour the plane by the model's predicted class and scatter the data on top.

    Parameters
    ----------
    model : Model or callable
        Anything with ``predict(points)`` (or callable on a (n, 2) array) returning one probability
        per point (binary) or one column per class.
    x : array_like of shape (n, 2)
        The data; the plotted area covers it with a ``margin`` (fraction of its range) around.
    y : array_like, optional
        Labels (class indices or one-hot rows) to colour the points.
    resolution : int
        Grid points per axis (resolution^2 predictions, in one batch).
    threshold : float
        Decision threshold for a single-output (binary) model; its contour is drawn.
    features : callable, optional
        Maps raw points, a float32 array of shape (n, 2), to the model's inputs (n, k), e.g.
        ``lambda p: np.c_[p, p ** 2, p[:, :1] * p[:, 1:]]`` for a model trained on feature crosses.
        ``x`` stays the raw points, and the boundary is drawn in their plane.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    """
    data = np.asarray(x, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs inputs with exactly 2 features, shape (n, 2); got x of "
                         f"shape {data.shape}")
    lo, hi = data.min(axis=0), data.max(axis=0)
    pad = np.maximum(hi - lo, 1e-9) * margin
    gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    if features is not None:
        grid = _featurize(features, grid)
    if hasattr(model, "predict"):
        out = model.predict(grid, batch_size=len(grid), verbose=0)
    else:
        out = model(grid)
    out = np.asarray(backend.to_numpy(out), dtype=np.float64).reshape(len(grid), -1)
    if ax is None:
        fig, axes = new_figure(1, 1, figsize=(6.0, 5.0))
        ax = axes[0, 0]
    else:
        fig = ax.figure
    binary = out.shape[1] == 1
    if binary:
        prob = out[:, 0].reshape(gx.shape)
        filled = ax.contourf(gx, gy, prob, levels=np.linspace(min(prob.min(), 0), max(prob.max(), 1), 21),
                             cmap="RdBu_r", alpha=0.55)
        fig.colorbar(filled, ax=ax, label="model output")
        if prob.min() < threshold < prob.max():
            ax.contour(gx, gy, prob, levels=[threshold], colors="black", linewidths=1.5)
        n_classes = 2
    else:
        n_classes = out.shape[1]
        cls = out.argmax(axis=1).reshape(gx.shape)
        palette = ListedColormap(matplotlib.colormaps["tab10"].colors[:n_classes])
        ax.contourf(gx, gy, cls, levels=np.arange(n_classes + 1) - 0.5, cmap=palette, alpha=0.35)
        ax.contour(gx, gy, cls, levels=np.arange(n_classes) + 0.5, colors="black", linewidths=0.8)
    if y is not None:
        labels = np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)
        labels = labels.reshape(-1)
        if binary:
            ax.scatter(data[:, 0], data[:, 1], c=labels, cmap="RdBu_r", vmin=0, vmax=1, edgecolors="black",
                       linewidths=0.5, s=18)
        else:
            palette = ListedColormap(matplotlib.colormaps["tab10"].colors[:max(n_classes, 1)])
            ax.scatter(data[:, 0], data[:, 1], c=labels, cmap=palette, vmin=-0.5, vmax=n_classes - 0.5,
                       edgecolors="black", linewidths=0.5, s=18)
    else:
        ax.scatter(data[:, 0], data[:, 1], color="black", s=10)
    ax.set_xlim(gx.min(), gx.max())
    ax.set_ylim(gy.min(), gy.max())
    ax.set_xlabel("x[:, 0]")
    ax.set_ylabel("x[:, 1]")
    ax.set_title(title or f"Decision boundary of {getattr(model, 'name', 'the model')}")
    return save_figure(fig, path)


def _featurize(features: Any, grid: np.ndarray) -> np.ndarray:
    """``features(grid)`` checked: callable, one row per grid point."""
    if not callable(features):
        raise TypeError(f"plot_decision_boundary: features must be a callable mapping raw (n, 2) points to the "
                        f"model's inputs, got {type(features).__name__}")
    result = features(grid)
    out = backend.to_numpy(result)
    if out.ndim == 0 or len(out) != len(grid):
        raise ValueError(f"plot_decision_boundary: features returned shape {out.shape} for {len(grid)} grid points; "
                         f"it must return one row per point")
    return out.astype(np.float32, copy=False)
