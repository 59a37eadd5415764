"""A 2-D slice of the loss surface around the trained weights (Li et al., 2018).

The weights w* of a network are one point in a space of thousands of dimensions.  Two random
directions d1, d2 span a plane through it, and the loss L(w* + a d1 + b d2) on a grid of (a, b)
shows the neighbourhood: a wide, flat basin or a sharp, narrow one.  Raw random directions would
be meaningless for networks whose layers can be rescaled freely, so each direction is
*filter-normalised*: for every filter (a kernel's output channel: a conv filter, or the incoming
weights of one Dense unit) the random direction is rescaled to that filter's norm in w*.  Biases
and other 1-D weights (batch-norm) get no direction, as in the paper.

Reference: H. Li, Z. Xu, G. Taylor, C. Studer, T. Goldstein, "Visualizing the Loss Landscape
of Neural Nets", NeurIPS 2018.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ..losses import get as get_loss
from ._figure import new_figure, save_figure


@dataclass(frozen=True)
class LossLandscape:
    """``losses[i, j]`` is the loss at ``w* + alphas[j] d1 + betas[i] d2`` (rows follow beta).

    ``directions`` holds (d1, d2), one array per trainable weight (zeros for biases); ``center_loss``
    is the loss at the trained weights w* themselves.
    """

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    directions: tuple[list[np.ndarray], list[np.ndarray]]
    center_loss: float


def filter_normalized_direction(weights: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A Gaussian direction with each filter rescaled to the norm of the same filter in ``weights``.

    A filter is everything that feeds one output channel: ``w[..., j]`` of a kernel whose last axis
    is the output (Dense (in, out), Conv2D (kh, kw, in, out)).  1-D weights get zeros.
    """
    out = []
    for w in weights:
        w = np.asarray(w, dtype=np.float64)
        if w.ndim < 2:
            out.append(np.zeros_like(w))
            continue
        d = rng.standard_normal(w.shape)
        axes = tuple(range(w.ndim - 1))
        # A filter of all-zero weights gets a zero direction instead of 0/0.
        scale = np.sqrt((w * w).sum(axis=axes, keepdims=True) / np.maximum((d * d).sum(axis=axes, keepdims=True),
                                                                           1e-24))
        out.append(d * scale)
    return out


def _loss_function(model: Any, x: Any, y: Any, loss: Any) -> Callable[[], float]:
    """The loss of the model's current weights on ``(x, y)``: compiled (with penalties) or ``loss``."""
    if loss is None:
        if not getattr(model, "compiled", False):
            raise ValueError("plot_loss_landscape: the model is not compiled; compile it or pass loss= "
                             "(e.g. keras.losses.MeanSquaredError())")
        return lambda: float(np.ravel(model.test_on_batch(x, y))[0])
    fn = get_loss(loss)
    return lambda: float(fn(y, model(x, training=False)))


def loss_landscape(model: Any, x: Any, y: Any, *, resolution: int = 21, span: float = 1.0, max_samples: int = 512,
                   seed: int = 0, loss: Any = None) -> LossLandscape:
    """The loss on a ``resolution`` x ``resolution`` grid of (alpha, beta) in [-span, span]^2.

    Parameters
    ----------
    model : Model
        A trained model (compiled, or give ``loss``).  Its weights are put back exactly as they
        were afterwards, even if a loss evaluation fails.
    x, y : array_like
        Data; at most ``max_samples`` of them (a seeded random subset) are used per grid point.
    resolution : int
        Grid points per axis (odd numbers put w* itself on the grid).
    span : float
        How far to go along each direction; 1 moves each filter by its own norm.
    seed : int
        Seed of the directions and of the sample subset.
    loss : str or Loss, optional
        Use this loss instead of the compiled one (then the model need not be compiled).

    Returns
    -------
    LossLandscape
    """
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"plot_loss_landscape: resolution must be an int >= 2, got {resolution!r}")
    if not (isinstance(span, (int, float)) and span > 0):
        raise ValueError(f"plot_loss_landscape: span must be a positive number, got {span!r}")
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) or max_samples < 1:
        raise ValueError(f"plot_loss_landscape: max_samples must be a positive int, got {max_samples!r}")
    xs, ys = backend.to_numpy(x), backend.to_numpy(y)
    if len(xs) != len(ys):
        raise ValueError(f"plot_loss_landscape: x and y have {len(xs)} and {len(ys)} samples")
    rng = np.random.default_rng(seed)
    if len(xs) > max_samples:
        keep = np.sort(rng.choice(len(xs), size=int(max_samples), replace=False))
        xs, ys = xs[keep], ys[keep]
    variables = model.trainable_weights
    if not variables:
        raise ValueError(f"plot_loss_landscape: model '{model.name}' has no trainable weights (is it built?)")
    evaluate = _loss_function(model, xs, ys, loss)
    saved = model.get_weights()                      # every weight, to put back bit for bit
    center = [np.asarray(backend.to_numpy(v), dtype=np.float64) for v in variables]
    d1 = filter_normalized_direction(center, rng)
    d2 = filter_normalized_direction(center, rng)
    alphas = np.linspace(-span, span, int(resolution))
    betas = np.linspace(-span, span, int(resolution))
    losses = np.empty((len(betas), len(alphas)))
    try:
        center_loss = evaluate()
        for i, b in enumerate(betas):               # one loss evaluation per grid point
            for j, a in enumerate(alphas):
                for v, w, u1, u2 in zip(variables, center, d1, d2):
                    v.assign((w + a * u1 + b * u2).astype(v.dtype))
                losses[i, j] = evaluate()
    finally:
        model.set_weights(saved)
    return LossLandscape(alphas, betas, losses, (d1, d2), center_loss)


def plot_loss_landscape(model: Any, x: Any, y: Any, *, resolution: int = 21, span: float = 1.0,
                        max_samples: int = 512, seed: int = 0, loss: Any = None, kind: str = "contour",
                        log_scale: bool = False, path: str | os.PathLike | None = None,
                        title: str | None = None) -> Figure:
    """Draw the loss around the trained weights on a plane of two filter-normalised directions.

    Parameters
    ----------
    model, x, y, resolution, span, max_samples, seed, loss :
        As for :func:`loss_landscape`, which computes the grid drawn.
    kind : {'contour', 'surface'}
        Filled contours with a colour bar, or a 3-D surface.
    log_scale : bool
        Colour (or height) by log10 of the loss, for landscapes with walls far above the basin.
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        The trained weights are at (0, 0), marked with a star on the contour plot.
    """
    if kind not in ("contour", "surface"):
        raise ValueError(f"plot_loss_landscape: kind must be 'contour' or 'surface', got {kind!r}")
    land = loss_landscape(model, x, y, resolution=resolution, span=span, max_samples=max_samples, seed=seed,
                          loss=loss)
    ga, gb = np.meshgrid(land.alphas, land.betas)
    values = np.log10(np.maximum(land.losses, 1e-12)) if log_scale else land.losses
    label = "log10 loss" if log_scale else "loss"
    if kind == "surface":
        fig, axes = new_figure(1, 1, figsize=(6.4, 5.2), subplot_kw={"projection": "3d"})
        ax = axes[0, 0]
        ax.plot_surface(ga, gb, values, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel(label)
    else:
        fig, axes = new_figure(1, 1, figsize=(6.0, 5.0))
        ax = axes[0, 0]
        filled = ax.contourf(ga, gb, values, levels=20, cmap="viridis")
        ax.contour(ga, gb, values, levels=20, colors="white", linewidths=0.4, alpha=0.6)
        fig.colorbar(filled, ax=ax, label=label)
        ax.plot(0, 0, "*", color="red", markersize=13, markeredgecolor="white",
                label=f"trained weights (loss {land.center_loss:.4g})")
        ax.legend(fontsize="small", loc="upper right")
    ax.set_xlabel("alpha (direction 1)")
    ax.set_ylabel("beta (direction 2)")
    ax.set_title(title or f"Loss around the trained weights of '{model.name}' (filter-normalised directions)",
                 fontsize=10)
    return save_figure(fig, path)
