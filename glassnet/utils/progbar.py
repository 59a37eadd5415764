"""A Keras-style progress bar that behaves in a terminal, in Jupyter and in a log file.

In a terminal the bar is redrawn in place (``\\r``); when output goes to a
pipe or file it writes one clean line per finished epoch instead of control
characters (Keras' SLURM-log complaint).  In a Jupyter kernel the bar is one
display output updated in place (``display(..., display_id=True)`` then
``handle.update``), so a saved notebook keeps only each bar's final state, not
thousands of carriage-return updates.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO

_BAR_WIDTH = 20


def notebook_display(stream: TextIO | None) -> Any:
    """IPython's ``display`` when running in a Jupyter kernel and writing to its stdout, else None.

    Only a kernel (a ``ZMQInteractiveShell``, Colab's included) gets display outputs: terminal
    IPython redraws ``\\r`` fine, and a bar sent to another stream (a log file) stays text.
    """
    if stream is not None and stream is not sys.stdout:
        return None
    ipython = sys.modules.get("IPython")  # never imported here: a script without IPython stays light
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None or not any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__):
        return None
    from IPython.display import display

    return display


def _supports_redraw(stream: TextIO) -> bool:
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def format_value(value: float) -> str:
    """``.4f``, or ``.4e`` for magnitudes at or below 1e-3 (as Keras prints metrics)."""
    if value != 0 and abs(value) <= 1e-3:
        return f"{value:.4e}"
    return f"{value:.4f}"


def format_duration(seconds: float) -> str:
    """``5s``, ``1:02`` or ``1:02:03``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}:{(seconds % 3600) // 60:02d}:{seconds % 60:02d}"


def format_per_step(seconds: float, unit: str = "step") -> str:
    """``51ms/step`` or ``850us/step`` (``s/step`` above one second)."""
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """Progress over ``target`` steps with live metric values.

    Parameters
    ----------
    target : int or None
        Total number of steps (``None`` if unknown).
    verbose : int
        1 draws the bar, 2 prints one summary line at the end, 0 prints nothing.
    interval : float
        Minimum seconds between redraws.
    stream : file, optional
        Where to write (``sys.stdout`` by default).
    """

    def __init__(self, target: int | None, verbose: int = 1, interval: float = 0.05,
                 stream: TextIO | None = None, unit_name: str = "step") -> None:
        self.target, self.verbose, self.interval = target, verbose, interval
        self.stream = stream or sys.stdout
        self.unit_name = unit_name
        self._display = notebook_display(stream)
        self._handle: Any = None
        self.dynamic = self._display is not None or _supports_redraw(self.stream)
        self.colour = self.dynamic and "ipykernel" not in sys.modules
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._prev_width = 0
        self._values: dict[str, float] = {}

    def update(self, current: int, values: dict[str, float] | None = None, finalize: bool | None = None) -> None:
        """Show progress at step ``current`` with the running ``values``."""
        if values:
            # Per-class metric arrays (F1Score(average=None)) show their mean, as Keras' progress bar does.
            self._values = {k: float(sum(v) / len(v)) if hasattr(v, "__len__") else float(v) for k, v in values.items()}
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.perf_counter()
        if self.verbose == 0:
            return
        if self.verbose == 2 or not self.dynamic:
            if finalize:
                self.stream.write(self._summary_line(current, now) + "\n")
                self.stream.flush()
            return
        if not finalize and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        line = self._bar_line(current, now, finalize)
        if self._display is not None:
            self._draw_in_notebook(line)
            return
        pad = max(0, self._prev_width - len(line))
        self.stream.write("\r" + line + " " * pad + ("\n" if finalize else ""))
        self.stream.flush()
        self._prev_width = len(line)

    def _draw_in_notebook(self, line: str) -> None:
        # One output per bar, replaced on each draw: the notebook stores only the latest line.
        if self._handle is None:
            self.stream.flush()  # the "Epoch i/n" line printed before must appear above the bar
            self._handle = self._display({"text/plain": line}, raw=True, display_id=True)
        else:
            self._handle.update({"text/plain": line}, raw=True)

    def _metrics_text(self) -> str:
        return "".join(f" - {k}: {format_value(v)}" for k, v in sorted(self._values.items()))

    def _counter(self, current: int) -> str:
        if self.target is None:
            return f"{current}"
        width = len(str(self.target))
        return f"{current:>{width}}/{self.target}"

    def _bar_line(self, current: int, now: float, finalize: bool) -> str:
        elapsed = now - self._start
        per_step = elapsed / max(current, 1)
        if self.target:
            filled = int(_BAR_WIDTH * min(current, self.target) / self.target)
            done, left = "━" * filled, "━" * (_BAR_WIDTH - filled)
            # Keras colours one glyph green/white; without colours the remainder gets a thinner glyph.
            if self.colour:
                bar = f" \x1b[32m{done}\x1b[0m\x1b[37m{left}\x1b[0m"
            else:
                bar = " " + done + "─" * len(left)
        else:
            bar = ""
        if finalize or not self.target:
            timing = f" {format_duration(elapsed)} {format_per_step(per_step, self.unit_name)}"
        else:
            timing = f" {format_duration(per_step * (self.target - current))}"
        return f"{self._counter(current)}{bar}{timing}{self._metrics_text()}"

    def _summary_line(self, current: int, now: float) -> str:
        elapsed = now - self._start
        per_step = elapsed / max(current, 1)
        return (f"{self._counter(current)} - {format_duration(elapsed)} - "
                f"{format_per_step(per_step, self.unit_name)}{self._metrics_text()}")
