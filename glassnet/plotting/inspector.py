"""What an ``Inspector`` recorded, over time: one panel per signal, one line per layer.

Reading it: activation means and spreads that drift to 0 or blow up, a dead-ReLU fraction that climbs,
saturated sigmoid/tanh units, gradient norms that shrink from the last layer to the first (vanishing)
or grow without bound (exploding), and update-to-weight ratios far from the dashed ``1e-3`` line
(far below: the learning rate is too low; far above: too high).
"""

from __future__ import annotations

import math
import os
from typing import Any

from matplotlib.figure import Figure

from ._figure import new_figure, save_figure

# (key, panel title, log scale); the weight signals are read from each layer's first weight (its kernel).
_ACTIVATION_PANELS = [("activation_mean", "activation mean", False), ("activation_std", "activation std", False),
                      ("dead_fraction", "dead ReLU fraction", False),
                      ("saturated_fraction", "saturated fraction (sigmoid/tanh)", False)]
_WEIGHT_PANELS = [("gradient_norm", "gradient norm |dC/dW|", True), ("weight_norm", "weight norm |W|", False),
                  ("update_ratio", "update / weight ratio", True)]
RULE_OF_THUMB = 1e-3  # the healthy update-to-weight ratio drawn as a reference line


def _records(inspector: Any) -> dict[str, Any]:
    records = inspector.to_dict() if hasattr(inspector, "to_dict") else inspector
    if not isinstance(records, dict) or "layers" not in records or "steps" not in records:
        raise TypeError(f"plot_inspector: inspector must be a callbacks.Inspector or its to_dict(), got "
                        f"{type(inspector).__name__}")
    if not records["steps"]:
        raise ValueError("plot_inspector: the inspector has no records yet; pass it to fit(callbacks=[...]) first")
    return records


def _has_values(values: list[float]) -> bool:
    return any(v is not None and math.isfinite(v) for v in values)


def plot_inspector(inspector: Any, path: str | os.PathLike | None = None, figsize: tuple[float, float] | None = None,
                   title: str | None = None) -> Figure:
    """Plot each signal an ``Inspector`` recorded against the training step, one line per layer.

    Parameters
    ----------
    inspector : callbacks.Inspector or dict
        An inspector that watched ``fit`` (or its ``to_dict()``).
    path : str or Path, optional
        Also save the figure there (.png or .svg).
    figsize : (float, float), optional
        Default: 6.4 wide, 2.2 per panel.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One panel per recorded signal (activation mean and std, dead ReLU and saturated fractions when
        some layer has them, gradient norm, weight norm and update ratio of each layer's first weight);
        the x axis is the batch index over the whole ``fit``.

    Raises
    ------
    TypeError
        ``inspector`` is neither an Inspector nor a dict from ``to_dict()``.
    ValueError
        Nothing was recorded yet.
    """
    records = _records(inspector)
    steps, layers = records["steps"], records["layers"]
    series: list[tuple[str, bool, dict[str, list[float]]]] = []
    for key, label, log in _ACTIVATION_PANELS:
        lines = {name: entry[key] for name, entry in layers.items() if key in entry and _has_values(entry[key])}
        if lines:
            series.append((label, log, lines))
    for key, label, log in _WEIGHT_PANELS:
        lines = {}
        for name, entry in layers.items():
            first = next(iter(entry["weights"].values()), None)  # the kernel: biases would double the lines
            if first is not None and _has_values(first[key]):
                lines[name] = first[key]
        if lines:
            series.append((label, log, lines))
    if not series:
        raise ValueError("plot_inspector: the records hold no finite values to plot")
    fig, axes = new_figure(len(series), 1, figsize=figsize or (6.4, 2.2 * len(series) + 0.6), sharex=True)
    for ax, (label, log, lines) in zip(axes[:, 0], series):
        for name, values in lines.items():
            ax.plot(steps[: len(values)], values, "-o", markersize=3, label=name)
        if log and all(v is None or not math.isfinite(v) or v > 0 for vs in lines.values() for v in vs):
            ax.set_yscale("log")
        if label.startswith("update"):
            ax.axhline(RULE_OF_THUMB, color="gray", linestyle="--", linewidth=1, label="1e-3 rule of thumb")
            ax.legend(loc="best", fontsize="x-small")
        ax.set_ylabel(label, fontsize="small")
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(loc="best", fontsize="x-small")
    axes[-1, 0].set_xlabel("training step (batch)")
    fig.suptitle(title or "What each layer did during training")
    return save_figure(fig, path)
