"""How a :class:`~glassnet.glassbox.trace.Trace` reads: text tables for ``print``, HTML for Jupyter.

Numbers are written compactly (6 significant digits by default) and each array on one line; an
array of more than ``max_elements`` entries shows its shape, its first and last few entries and
its range, so a tiny network is shown in full and a big one stays readable.
"""

from __future__ import annotations

import html as _html
from typing import Any

import numpy as np

# Jupyter shows more than a terminal line holds: the HTML keeps more entries, on several lines.
HTML_MAX_ELEMENTS = 64


def array_text(value: Any, max_elements: int = 16, precision: int = 6, one_line: bool = True) -> str:
    """``value`` as compact text: ``[[0.15, 0.25], [0.2, 0.3]]`` in full when it has at most ``max_elements`` entries.

    A bigger array shows its shape, its first and last entries in memory order and its range:
    ``(4, 6, 6, 1) [0.126, -0.132, ..., 0.383] min -2.37 max 2.1``; nested brackets cut at every
    axis would be harder to read.
    """
    if value is None:
        return "-"
    a = np.asarray(value)
    if a.ndim == 0:
        return _number(a.item(), precision)
    if a.size > max_elements:
        flat = a.reshape(-1)
        edge = max(1, max_elements // 4)
        ends = [_number(v, precision) for v in flat[:edge].tolist()] + ["..."] + \
            [_number(v, precision) for v in flat[-edge:].tolist()]
        spread = f" min {_number(flat.min().item(), precision)} max {_number(flat.max().item(), precision)}" \
            if a.dtype.kind in "biuf" else ""
        return f"{a.shape} [{', '.join(ends)}]{spread}"
    text = np.array2string(a, separator=", ", threshold=a.size + 1, max_line_width=10**9 if one_line else 100,
                           formatter={"float_kind": lambda v: _number(v, precision)})
    return " ".join(text.split()) if one_line else text


def _number(v: Any, precision: int) -> str:
    return f"{v:.{precision}g}" if isinstance(v, (float, np.floating)) else str(v)


def table(headers: list[str], rows: list[list[list[str]]], indent: str = "  ") -> str:
    """Columns padded to their widest line; a cell is a list of lines, so one row may span several."""
    widths = [len(h) for h in headers]
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max([widths[j]] + [len(line) for line in cell])
    out = [indent + "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        for k in range(max(len(cell) for cell in row)):
            line = "  ".join((cell[k] if k < len(cell) else "").ljust(w) for cell, w in zip(row, widths))
            out.append(indent + line.rstrip())
    return "\n".join(out)


def _status(t: Any) -> str:
    if t.applied:
        return "applied: the model now holds the new weights"
    return "not applied: the model and optimizer are unchanged (trace(..., apply=True) takes the step)"


def _header(t: Any) -> list[str]:
    n = len(t.x[0]) if t.x else 0
    return [f"Trace of one training step of model '{t.model}' on {n} sample{'s' if n != 1 else ''} "
            f"(training={t.training})",
            f"  cost C = {t.loss:.6g}   (loss: {t.loss_name})",
            f"  optimizer {t.optimizer}, learning rate {t.learning_rate:g}: {_status(t)}"]


def text(t: Any, max_elements: int = 16, precision: int = 6) -> str:
    """The whole trace as text: header, forward pass, backward pass, weights."""
    def show(value: Any) -> str:
        return array_text(value, max_elements, precision)

    forward = [[[str(op.index)], [op.layer], [op.name], op.input_labels,
                [show(v) for v in op.inputs], [show(op.output)]] for op in t.ops]
    backward = []
    for op in reversed(t.ops):
        passed = [(label, g) for label, g in zip(op.input_labels, op.input_grads) if g is not None]
        backward.append([[str(op.index)], [op.layer], [op.name], [show(op.delta)],
                         [label for label, _ in passed] or ["-"], [show(g) for _, g in passed] or ["-"]])
    weights = [[[w.layer], [w.name], [str(w.value.shape)], [show(w.value)],
                [show(w.gradient)], [show(w.update)]] for w in t.weights]
    parts = _header(t) + [
        "",
        "Forward pass: each op in the order it ran, the layer that ran it, its inputs and its output",
        table(["#", "layer", "op", "inputs", "input values", "output"], forward),
        "",
        "Backward pass, last op first: delta = dC/d(output) reaching each op, and the gradient it passes on"
        " (- : no gradient reaches it)",
        table(["#", "layer", "op", "delta = dC/d(out)", "to input", "gradient dC/d(input)"], backward),
        "",
        "Weights: dC/dW from back-propagation, and the optimizer's update (new value - old value)",
        table(["layer", "weight", "shape", "value", "dC/dW", "update"], weights),
    ]
    grads = [(f"x[{i}]" if len(t.x) > 1 else "x", g) for i, g in enumerate(t.input_gradients) if g is not None]
    if grads:
        parts += ["", "Input gradients: " + "; ".join(f"dC/d{name} = {show(g)}" for name, g in grads)]
    return "\n".join(parts)


# --- HTML -------------------------------------------------------------------------------------------
def _pre(value: Any) -> str:
    return f"<pre style='margin:0'>{_html.escape(array_text(value, HTML_MAX_ELEMENTS, one_line=False))}</pre>"


def _cells(values: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag} style='text-align:left;vertical-align:top'>{v}</{tag}>" for v in values) + "</tr>"


def _op_rows(op: Any) -> str:
    labels = "<br>".join(_html.escape(label) for label in op.input_labels)
    values = "".join(_pre(v) for v in op.inputs)
    grads = "".join(_pre(g) for g in op.input_grads)
    return _cells([str(op.index), f"<code>{_html.escape(op.name)}</code>", labels, values, _pre(op.output),
                   _pre(op.delta), grads])


def html(t: Any) -> str:
    """The trace for Jupyter: a summary, one collapsible section per layer, then the weights."""
    head = "<br>".join(_html.escape(line.strip()) for line in _header(t))
    sections = []
    for name, layer in t.layers.items():
        if not layer.ops:
            continue
        op_names = ", ".join(op.name for op in layer.ops)
        rows = _cells(["#", "op", "inputs", "input values", "output", "delta = dC/d(out)", "gradient to each input"],
                      "th") + "".join(_op_rows(op) for op in layer.ops)
        sections.append(f"<details><summary>layer <b>{_html.escape(name)}</b>: {_html.escape(op_names)}</summary>"
                        f"<table>{rows}</table></details>")
    weight_rows = _cells(["layer", "weight", "value", "dC/dW", "update"], "th") + "".join(
        _cells([_html.escape(w.layer), _html.escape(w.name), _pre(w.value), _pre(w.gradient), _pre(w.update)])
        for w in t.weights)
    return (f"<div class='glassnet-trace'><p>{head}</p>"
            f"<details open><summary><b>Ops by layer</b> (forward order; open a layer to see its numbers)</summary>"
            f"{''.join(sections)}</details>"
            f"<details open><summary><b>Weights</b>: dC/dW and the optimizer's update</summary>"
            f"<table>{weight_rows}</table></details></div>")


__all__ = ["array_text", "html", "table", "text"]
