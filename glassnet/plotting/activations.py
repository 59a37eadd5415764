"""Activation functions next to their derivatives, both computed by glassnet itself.

The derivative curve comes from glassnet's own backward pass (GradientTape),
not from a formula typed twice, so the picture shows exactly what training
uses: where a derivative is flat (sigmoid and tanh far from 0, ReLU below 0)
gradients vanish.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import new_figure, save_figure

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "gelu", "silu")


def activation_and_derivative(name: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) at the points ``x`` through glassnet's forward and backward passes (float64)."""
    from .. import activations
    from ..engine.ops import math as m
    from ..engine.tensor import GradientTape, Variable

    fn = activations.get(name)
    z = Variable(np.asarray(x, dtype=np.float64), dtype="float64")
    with GradientTape() as tape:
        out = fn(z)
        total = m.sum(out)
    grad = tape.gradient(total, z)
    value = np.asarray(out.data, dtype=np.float64)
    derivative = np.zeros_like(value) if grad is None else np.asarray(grad, dtype=np.float64)
    return value, derivative


def plot_activations(names: Any = DEFAULT_ACTIVATIONS, x_range: tuple[float, float] = (-5.0, 5.0),
                     points: int = 401, ncols: int = 3, path: str | os.PathLike | None = None,
                     title: str | None = None) -> Figure:
    """One panel per activation: the function f(x) and its derivative f'(x).

    Parameters
    ----------
    names : str or list
        Activation names (``"relu"``) or functions from :mod:`glassnet.activations`.
    x_range : (float, float)
    points : int
        Sample points along x.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    """
    if isinstance(names, str) or callable(names):
        names = [names]
    names = list(names)
    if not names:
        raise ValueError("plot_activations: give at least one activation name")
    x = np.linspace(x_range[0], x_range[1], points)
    cols = min(ncols, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = new_figure(rows, cols, figsize=(3.4 * cols, 2.7 * rows + 0.4))
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    for ax, name in zip(axes.ravel(), names):
        value, derivative = activation_and_derivative(name, x)
        label = name if isinstance(name, str) else getattr(name, "__name__", "activation")
        ax.plot(x, value, lw=2, label="f(x)")
        ax.plot(x, derivative, "--", lw=1.5, label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    fig.suptitle(title or "Activation functions and their derivatives (from glassnet's backward pass)")
    return save_figure(fig, path)
