"""Activation functions next to their derivatives, both computed by glassnet itself.

The derivative curve comes from glassnet's own backward pass (GradientTape),
not from a formula typed twice, so the picture shows exactly what training
uses: where a derivative is flat (sigmoid and tanh far from 0, ReLU below 0)
gradients vanish.

Softmax (and log-softmax) map a vector to a vector, so "its derivative" is a Jacobian
ds_i/dz_j = s_i (1[i=j] - s_j), not a curve.  Their panel shows the two-class slice z -> (z, 0):
the first output s_0 = softmax((z, 0))_0 (which equals sigmoid(z)) and the Jacobian's diagonal
entry ds_0/dz_0 = s_0 (1 - s_0), both again from glassnet's own passes.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ._figure import new_figure, save_figure

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "gelu", "silu")


def _is_vector_activation(fn: Any) -> bool:
    """Softmax and log-softmax normalise over a whole axis: one output depends on every input."""
    from .. import activations

    return fn is activations.softmax or fn is activations.log_softmax


def activation_and_derivative(name: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) at the points ``x`` through glassnet's forward and backward passes (float64).

    For softmax and log-softmax each point z is the two-class input (z, 0): the value is the first
    output f((z, 0))_0 and the derivative the Jacobian's diagonal entry df_0/dz_0 (for softmax
    s_0 (1 - s_0); for log-softmax 1 - s_0).  Applying them to ``x`` as one vector would normalise
    over the points themselves, and the sum of a softmax is always 1, so its gradient is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from glassnet.plotting import activation_and_derivative
    >>> value, slope = activation_and_derivative("softmax", np.array([0.0]))
    >>> float(value[0]), float(slope[0])
    (0.5, 0.25)
    """
    from .. import activations
    from ..engine.ops import math as m
    from ..engine.tensor import GradientTape, Variable

    fn = activations.get(name)
    points = np.asarray(x, dtype=np.float64)
    vector = _is_vector_activation(fn)
    if vector:  # rows (z, 0): each row is one two-class input, normalised on its own
        points = np.stack([points, np.zeros_like(points)], axis=-1)
    z = Variable(points, dtype="float64")
    with GradientTape() as tape:
        out = fn(z)
        # Summing the first outputs of independent rows: d(sum)/dz[r, 0] is row r's diagonal entry.
        total = m.sum(out[..., 0] if vector else out)
    grad = tape.gradient(total, z)
    value = np.asarray(backend.to_numpy(out), dtype=np.float64)
    derivative = np.zeros_like(value) if grad is None else np.asarray(grad, dtype=np.float64)
    if vector:
        value, derivative = value[..., 0], derivative[..., 0]
    return value, derivative


def plot_activations(names: Any = DEFAULT_ACTIVATIONS, x_range: tuple[float, float] = (-5.0, 5.0),
                     points: int = 401, ncols: int = 3, path: str | os.PathLike | None = None,
                     title: str | None = None) -> Figure:
    """One panel per activation: the function f(x) and its derivative f'(x).

    Parameters
    ----------
    names : str or list
        Activation names (``"relu"``) or functions from :mod:`glassnet.activations`.  Softmax and
        log-softmax are drawn on the two-class slice (z, 0) with their Jacobian's diagonal.
    x_range : (float, float)
    points : int
        Sample points along x.
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    """
    from .. import activations

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
        if _is_vector_activation(activations.get(name)):
            # A Jacobian has no single curve: show one slice of it and say which.
            ax.plot(x, value, lw=2, label="f((z, 0))[0]")
            ax.plot(x, derivative, "--", lw=1.5, label="df0/dz0 (Jacobian diagonal)")
            label += " of (z, 0)"
        else:
            ax.plot(x, value, lw=2, label="f(x)")
            ax.plot(x, derivative, "--", lw=1.5, label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(label)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="upper left")
    fig.suptitle(title or "Activation functions and their derivatives (from glassnet's backward pass)")
    return save_figure(fig, path)
