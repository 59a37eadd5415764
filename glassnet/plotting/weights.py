"""Histograms of each layer's kernel now, against the kernel it started from.

Comparing the two shows what training did to a layer: a spread that grew or shrank, weights
that barely moved (a layer that learns little, or vanishing gradients), or a few that ran far
out (a too-high learning rate, missing regularisation).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .. import backend
from ..models import Model
from ._figure import new_figure, save_figure


def _kernel_layers(model: Any) -> list[Any]:
    """The layers that own a kernel (Dense, Conv ...), nested models included, each once."""
    out: list[Any] = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, Model):
            out.extend(lyr for lyr in _kernel_layers(layer) if all(lyr is not seen for seen in out))
        elif getattr(layer, "kernel", None) is not None and all(layer is not seen for seen in out):
            out.append(layer)
    return out


def fresh_kernel(layer: Any, seed: int | None = 0) -> np.ndarray:
    """A new draw from ``layer.kernel_initializer`` with the kernel's shape and dtype.

    A seeded initializer is rebuilt with ``seed`` so the draw leaves glassnet's random stream
    (and so the model's later initialisations) as it was.
    """
    init = layer.kernel_initializer
    config = init.get_config() if hasattr(init, "get_config") else {}
    if "seed" in config and seed is not None:
        init = type(init).from_config({**config, "seed": seed})
    return np.asarray(init(tuple(layer.kernel.shape), dtype=layer.kernel.dtype))


def initial_kernels(model: Any, initial: Any = None, seed: int | None = 0) -> list[tuple[Any, np.ndarray, str]]:
    """``(layer, initial kernel, where it came from)`` for every layer with a kernel.

    ``initial`` is ``model.get_weights()`` taken before training (a list in ``model.weights``
    order) or a dict ``{layer name: kernel array}``; without it each kernel is a fresh draw from
    the layer's initializer: the same distribution, not the same numbers.
    """
    layers = _kernel_layers(model)
    if not layers:
        raise ValueError(f"plot_weight_histograms: model '{getattr(model, 'name', model)}' has no layer with a "
                         f"kernel (Dense, Conv2D ...)")
    if initial is None:
        return [(lyr, fresh_kernel(lyr, seed), f"fresh draw from {type(lyr.kernel_initializer).__name__}")
                for lyr in layers]
    if isinstance(initial, dict):
        missing = [lyr.name for lyr in layers if lyr.name not in initial]
        if missing:
            raise ValueError(f"plot_weight_histograms: initial has no kernel for layer(s) {missing}")
        arrays = [np.asarray(initial[lyr.name]) for lyr in layers]
    else:
        given = list(initial)
        weights = model.weights
        if len(given) != len(weights):
            raise ValueError(f"plot_weight_histograms: initial holds {len(given)} arrays but the model has "
                             f"{len(weights)} weights; pass model.get_weights() taken before fit")
        arrays = [np.asarray(given[next(i for i, w in enumerate(weights) if w is lyr.kernel)]) for lyr in layers]
    for lyr, array in zip(layers, arrays):
        if array.shape != tuple(lyr.kernel.shape):
            raise ValueError(f"plot_weight_histograms: initial kernel of layer '{lyr.name}' has shape {array.shape}, "
                             f"the layer's kernel has {tuple(lyr.kernel.shape)}")
    return [(lyr, array, "initial (given)") for lyr, array in zip(layers, arrays)]


def plot_weight_histograms(model: Any, initial: Any = None, *, bins: int | None = None, seed: int | None = 0,
                           ncols: int = 3, path: str | os.PathLike | None = None,
                           title: str | None = None) -> Figure:
    """One panel per layer kernel: a histogram of its weights now, over the initial ones.

    Parameters
    ----------
    model : Model
        A built model; every layer with a ``kernel`` gets a panel.
    initial : list of arrays or dict, optional
        ``model.get_weights()`` captured before ``fit`` (or ``{layer name: kernel}``).  Without it
        the initial histogram is a fresh draw from each layer's ``kernel_initializer`` (seeded by
        ``seed``), and the legend says so.
    bins : int, optional
        Histogram bins (default: about the square root of the kernel's size, 8 to 50); both
        histograms of a panel share the same edges.
    seed : int, optional
        Seed of the fresh draws (None: glassnet's random stream).
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        Each panel has two filled step histograms labelled ``initial (...)`` and ``now``, titled
        with the layer's name, kernel shape and both standard deviations.
    """
    if bins is not None and (isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1):
        raise ValueError(f"plot_weight_histograms: bins must be a positive int, got {bins!r}")
    pairs = initial_kernels(model, initial, seed)
    cols = min(ncols, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig, axes = new_figure(rows, cols, figsize=(3.6 * cols, 2.7 * rows + 0.5))
    for ax in axes.ravel()[len(pairs):]:
        ax.axis("off")
    for ax, (layer, start, source) in zip(axes.ravel(), pairs):
        now = np.asarray(backend.to_numpy(layer.kernel), dtype=np.float64).ravel()
        start = start.astype(np.float64).ravel()
        count = int(bins) if bins is not None else int(np.clip(round(np.sqrt(now.size)), 8, 50))
        edges = np.histogram_bin_edges(np.concatenate([now, start]), bins=count)
        ax.stairs(np.histogram(start, edges)[0], edges, fill=True, alpha=0.45, color="tab:gray", label=source)
        ax.stairs(np.histogram(now, edges)[0], edges, fill=True, alpha=0.55, color="tab:blue", label="now")
        ax.set_title(f"{layer.name} kernel {tuple(layer.kernel.shape)}\nstd {now.std():.3g} "
                     f"(initial {start.std():.3g})", fontsize=9)
        ax.set_xlabel("weight value")
        ax.legend(fontsize="x-small")
    fig.suptitle(title or f"Kernel weights of '{model.name}' now and at initialisation", fontsize=10)
    return save_figure(fig, path)
