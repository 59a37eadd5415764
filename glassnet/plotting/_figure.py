"""Figures for every plot: a headless-safe backend and saving to PNG or SVG.

Figures come from ``pyplot`` so ``plt.show()`` and notebooks display them as
usual; on a machine without a display the Agg backend is selected first, so
plotting on a server or in CI never tries to open a window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import matplotlib

_FORMATS = (".png", ".svg")


def _headless() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# Choose Agg before pyplot is imported anywhere, unless a notebook or the user already chose a backend.
if _headless() and "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)
from matplotlib.figure import Figure  # noqa: E402


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None,
               **kwargs: Any) -> tuple[Figure, Any]:
    """A pyplot figure and its axes grid (``squeeze=False``: always a 2-D array of axes)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained", **kwargs)
    return fig, axes


def save_figure(fig: Figure, path: str | os.PathLike | None, dpi: int = 110) -> Figure:
    """Save ``fig`` to ``path`` (format from the extension: .png or .svg) and return it."""
    if path is None:
        return fig
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise ValueError(f"path={str(path)!r}: cannot tell the image format; use a .png or .svg file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white")
    return fig


def close(fig: Figure) -> None:
    """Release a figure pyplot is holding (after saving it in a loop, for example)."""
    plt.close(fig)
