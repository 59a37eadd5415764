"""A figure a plotting function returns appears once in Jupyter, not twice, and plt.show() still works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from glassnet import plotting

ROOT = Path(__file__).resolve().parents[2]


def _images(cell) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.outputs)


@pytest.mark.slow
def test_each_figure_shows_once_in_a_notebook() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = [
        "import glassnet.plotting as p",
        "p.plot_activations(['relu'])",                                     # the cell's value: once
        "fig = p.plot_activations(['tanh'])",                               # not the value: drawn at cell end
        "p.plot_activations(['relu'])\np.plot_activations(['tanh'])\nNone",  # two figures, neither the value
        "fig",                                                              # an earlier figure shown again
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    # The kernel picks its inline backend itself only when no backend is forced (the suite may set Agg).
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(cwd=str(ROOT), env=env)
    assert [_images(cell) for cell in notebook.cells] == [0, 1, 1, 2, 1]


def test_outside_a_notebook_pyplot_keeps_the_figure_for_plt_show() -> None:
    import matplotlib.pyplot as plt

    fig = plotting.plot_activations(["relu"])
    try:
        assert isinstance(fig, plotting._figure.PlotFigure)
        assert fig._repr_mimebundle_() is None          # IPython draws it with its usual formatters
        assert plt.fignum_exists(fig.number)            # not on the inline backend: pyplot still holds it
    finally:
        plt.close(fig)
