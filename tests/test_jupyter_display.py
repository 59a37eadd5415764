"""Jupyter: a model displays as its HTML summary, and the progress bar is one output updated in place.

The notebook test runs a real kernel (nbclient) and checks what a saved notebook keeps: per epoch
one progress output with the final numbers, not thousands of carriage-return updates.
"""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import glassnet as keras
from glassnet.utils import progbar as progbar_module
from glassnet.utils.progbar import Progbar, format_value

STEPS = 1500


def _model() -> Any:
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu", name="hidden"),
                             keras.layers.Dense(1, name="out")])


def test_model_repr_html_is_the_summary_table() -> None:
    model = _model()
    html = model._repr_html_()
    assert html is not None and "<table>" in html and f'Model: "{model.name}"' in html
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for expected in ("hidden (Dense)", "(None, 3)", "out (Dense)", "Total params: 19", "Trainable params: 19"):
        assert expected in html and expected in text


def test_repr_html_escapes_names() -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="a<b>")
    assert 'Model: "a&lt;b&gt;"' in model._repr_html_()


class _FakeHandle:
    def __init__(self, log: list[str], first: str) -> None:
        self.log = log
        log.append(first)

    def update(self, obj: dict, raw: bool = False) -> None:
        self.log.append(obj["text/plain"])


def test_progbar_in_a_kernel_updates_one_display(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[list[str]] = []

    def display(obj: dict, raw: bool = False, display_id: bool = False) -> _FakeHandle:
        assert raw and display_id
        shown.append([])
        return _FakeHandle(shown[-1], obj["text/plain"])

    monkeypatch.setattr(progbar_module, "notebook_display", lambda stream: display)
    stream = io.StringIO()
    bar = Progbar(100, interval=0.0, stream=stream)
    for step in range(1, 101):
        bar.update(step, {"loss": 1.0 / step}, finalize=step == 100)
    assert len(shown) == 1 and len(shown[0]) == 100, "every draw must go to the same display"
    assert shown[0][-1].startswith("100/100") and f"loss: {format_value(0.01)}" in shown[0][-1]
    assert "\r" not in "".join(shown[0]) and stream.getvalue() == ""


def test_no_kernel_means_terminal_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert progbar_module.notebook_display(None) is None
    # A bar sent to another stream stays text even inside a kernel.
    assert progbar_module.notebook_display(io.StringIO()) is None


_NOTEBOOK_CELLS = [
    "import numpy as np\nimport glassnet as keras\nkeras.utils.set_random_seed(0)\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation='relu'), keras.layers.Dense(1)])\n"
    "model.compile(optimizer='sgd', loss='mse', metrics=['mae'])\nmodel",
    f"x = np.random.default_rng(0).normal(size=({STEPS}, 4)).astype('float32')\n"
    "y = x.sum(axis=1, keepdims=True)\n"
    "history = model.fit(x, y, epochs=3, batch_size=1)",
    "print('final loss', history.history['loss'][-1])",
    # %matplotlib inline: with matplotlib 3.7 (the lowest glassnet allows) a kernel does not select it by itself
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot(history.history['loss'])\nplt.show()",
]


def _outputs(cell: Any) -> list[Any]:
    return list(cell.get("outputs", []))


def test_training_in_a_notebook_stores_one_updating_bar_per_epoch(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in _NOTEBOOK_CELLS])
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = notebook.cells
    errors = [o for c in cells for o in _outputs(c) if o.get("output_type") == "error"]
    assert not errors, f"{errors[0].get('ename')}: {errors[0].get('evalue')}"

    # The model shows as its HTML summary table.
    html = [o for o in _outputs(cells[0]) if "text/html" in o.get("data", {})]
    assert len(html) == 1 and "<table>" in html[0]["data"]["text/html"]

    fit_outputs = _outputs(cells[1])
    bars = [o for o in fit_outputs if o.get("output_type") == "display_data"]
    streamed = "".join(o.get("text", "") for o in fit_outputs if o.get("output_type") == "stream")
    assert len(bars) == 3, f"expected one progress display per epoch, got {len(bars)}"
    assert "\r" not in streamed and streamed.count("Epoch") == 3
    stored = len(nbformat.writes(nbformat.v4.new_notebook(cells=[cells[1]])))
    assert stored < 6000, f"the fit cell stores {stored} bytes of output: the bar was not updated in place"
    final_bars = [b["data"]["text/plain"] for b in bars]
    assert all(text.startswith(f"{STEPS}/{STEPS}") for text in final_bars), final_bars

    final_loss = float(_text(cells[2]).split()[-1])
    assert f"loss: {format_value(final_loss)}" in final_bars[-1], (final_loss, final_bars[-1])
    assert np.isfinite(final_loss)

    images = [o for o in _outputs(cells[3]) if "image/png" in o.get("data", {})]
    assert len(images) == 1, f"the figure should appear once, got {len(images)}"


def _text(cell: Any) -> str:
    return "".join(o.get("text", "") for o in _outputs(cell) if o.get("output_type") == "stream")
