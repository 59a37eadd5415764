"""Figures for every plot: a headless-safe backend, shown once in notebooks, saved to PNG or SVG.

Figures come from ``pyplot`` so ``plt.show()`` works in scripts and notebooks draw every figure a
cell makes; on a machine without a display the Agg backend is selected first, so plotting on a
server or in CI never tries to open a window.

In Jupyter's inline backend a figure made through pyplot is drawn when the cell ends, and the
``Figure`` a function returns is drawn again as the cell's value: twice.  :class:`PlotFigure`
releases itself from pyplot the first time IPython displays it, so whichever comes first (the
returned value, ``display(fig)``, or the end-of-cell drawing) is the only picture.
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


def _finish_inline_setup() -> None:
    """In a notebook whose inline backend is chosen but not yet wired to IPython, wire it now.

    With matplotlib 3.7 under IPython 9 the inline backend connects its image formatters and its
    end-of-cell drawing only after the first cell that draws, so that cell's figure showed up one
    cell late.  ``enable_matplotlib`` is what ``%matplotlib inline`` runs; it is called only when the
    inline backend is already the choice and IPython cannot draw figures yet.
    """
    if "inline" not in str(matplotlib.get_backend()):
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "enable_matplotlib"):
        return
    try:
        shell.display_formatter.formatters["image/png"].lookup_by_type(Figure)
    except KeyError:
        shell.enable_matplotlib("inline")


_finish_inline_setup()


def _held_by_inline_pyplot(fig: Figure) -> bool:
    """True if pyplot holds ``fig`` and the backend is IPython's inline one (which draws it at cell end)."""
    if "inline" not in str(matplotlib.get_backend()):
        return False
    manager = getattr(fig.canvas, "manager", None)
    return manager is not None and plt.fignum_exists(manager.num)


class PlotFigure(Figure):
    """A matplotlib ``Figure`` that a Jupyter notebook shows once, not twice.

    Everything else is matplotlib's ``Figure``: pyplot holds it (``plt.show()`` shows it in a
    script), it saves with ``savefig``, and IPython draws it with its usual formatters.
    """

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> None:
        # IPython asks this before drawing the figure by any route.  Letting go of pyplot here means
        # the inline backend's end-of-cell flush skips it; returning None lets IPython's own Figure
        # formatters (png, svg, retina, as the user configured) draw it this one time.
        if _held_by_inline_pyplot(self) and _ipython_draws(self):
            plt.close(self)
        return None


def _ipython_draws(fig: Figure) -> bool:
    """True if IPython has an image formatter for figures now, so displaying ``fig`` draws it.

    With matplotlib 3.7 the inline backend registers its formatters only after the first cell that
    draws; a figure let go of before that would not be drawn at all, so it stays with pyplot and
    the end-of-cell flush draws it (once, since the value's display drew nothing).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    for mime in ("image/png", "image/svg+xml", "image/jpeg", "application/pdf"):
        formatter = shell.display_formatter.formatters.get(mime)
        if formatter is None or not formatter.enabled:
            continue
        try:
            formatter.lookup(fig)
            return True
        except KeyError:
            continue
    return False


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None,
               **kwargs: Any) -> tuple[Figure, Any]:
    """A pyplot figure and its axes grid (``squeeze=False``: always a 2-D array of axes)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained",
                             FigureClass=PlotFigure, **kwargs)
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
