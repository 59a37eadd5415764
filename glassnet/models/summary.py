"""``model.summary()`` in Keras 3's table format.

Sequential-like models get three columns (Layer (type), Output Shape,
Param #); a Functional graph with branches gets a fourth, "Connected to".
Counts use thousands separators and memory sizes use 1024-byte steps, as
Keras prints them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from ..engine.allocation import readable_memory
from ..layers.base import Layer
from ..layers.tracing import InputLayer


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters, preferring spaces."""
    lines: list[str] = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width + 1)
        if cut <= 0:
            cut = width
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    lines.append(text)
    return lines


def _is_sequential_like(model: Any) -> bool:
    from .functional import Functional

    if not isinstance(model, Functional):
        return True
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        if len(node.parents) > 1 or len(node.layer._inbound_nodes) > 1:
            return False
    consumers: dict[int, int] = {}
    for node in model._nodes:
        for p in node.parents:
            consumers[id(p)] = consumers.get(id(p), 0) + 1
    return all(c <= 1 for c in consumers.values()) and len(model.inputs) == 1 and len(model.outputs) == 1


def _connections(model: Any, layer: Layer) -> list[str]:
    out = []
    for node in layer._inbound_nodes:
        if node not in getattr(model, "_nodes", []):
            continue
        for p in node.parents:
            producer = p.node.layer
            index = producer._inbound_nodes.index(p.node) if p.node in producer._inbound_nodes else 0
            out.append(f"{producer.name}[{index}][{p.index}]")
    return out or ["-"]


def _param_text(layer: Layer) -> str:
    if not layer.built and not layer.weights:
        return "0 (unbuilt)"
    return f"{sum(v.data.size for v in layer.weights):,}"


def _layer_shape(layer: Layer) -> Any:
    return layer._output_shape


def _table(model: Any, show_trainable: bool = False, expand_nested: bool = False,
           ) -> tuple[list[str], list[list[str]], bool]:
    """The summary's header and one row of (unwrapped) cell texts per layer; whether it is sequential-like.

    With ``expand_nested`` a nested model's own layers follow its row, indented with ``└``
    (each at its depth), as Keras prints them.
    """
    sequential_like = _is_sequential_like(model)
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if not sequential_like:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    rows: list[list[str]] = []

    def add(owner: Any, layer: Any, depth: int) -> None:
        indent = "  " * (depth - 1) + "└ " if depth else ""
        cells = [f"{indent}{layer.name} ({getattr(layer, 'display_type', type(layer).__name__)})",
                 _shape_text(_layer_shape(layer)),
                 _param_text(layer) if not isinstance(layer, InputLayer) else "0"]
        if not sequential_like:
            cells.append(", ".join(_connections(owner, layer)) if depth == 0 else "")
        if show_trainable:
            cells.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(cells)
        if expand_nested and depth < 8 and hasattr(layer, "layers") and hasattr(layer, "summary"):
            for sub in layer.layers:
                if not isinstance(sub, InputLayer):
                    add(layer, sub, depth + 1)

    for layer in model.layers:
        add(model, layer, 0)
    return headers, rows, sequential_like


def _totals(model: Any, optimizer_in_total: bool = True) -> list[str]:
    """The lines under the table: total, trainable, non-trainable (and optimizer) parameters."""
    trainable = model.trainable_weights
    all_weights = model.weights
    non_trainable = [w for w in all_weights if all(w is not t for t in trainable)]
    t_count = sum(w.data.size for w in trainable)
    n_count = sum(w.data.size for w in non_trainable)
    t_bytes = sum(w.data.nbytes for w in trainable)
    n_bytes = sum(w.data.nbytes for w in non_trainable)
    opt = getattr(model, "optimizer", None)
    opt_count = opt.count_params() if opt is not None and getattr(opt, "built", False) else 0
    itemsize = trainable[0].data.itemsize if trainable else 4
    opt_bytes = opt_count * itemsize
    total = t_count + n_count + (opt_count if optimizer_in_total else 0)
    total_bytes = t_bytes + n_bytes + (opt_bytes if optimizer_in_total else 0)
    if not all_weights and any(not layer.built for layer in model.layers):
        return ["Total params: 0 (unbuilt)", "Trainable params: 0 (unbuilt)", "Non-trainable params: 0 (unbuilt)"]
    out = [f"Total params: {total:,} ({readable_memory(total_bytes)})",
           f"Trainable params: {t_count:,} ({readable_memory(t_bytes)})",
           f"Non-trainable params: {n_count:,} ({readable_memory(n_bytes)})"]
    if opt_count:
        out.append(f"Optimizer params: {opt_count:,} ({readable_memory(opt_bytes)})")
    return out


def print_summary(model: Any, line_length: int | None = None, positions: Any = None,
                  print_fn: Callable[[str], Any] | None = None, show_trainable: bool = False,
                  optimizer_in_total: bool = True, expand_nested: bool = False) -> None:
    """Print (or send to ``print_fn``) the model's summary table."""
    emit = print_fn or print
    headers, rows, sequential_like = _table(model, show_trainable, expand_nested)
    widths = [31, 22, 13] if sequential_like else [31, 22, 11, 26]
    if show_trainable:
        widths.append(9)
    if line_length:
        extra = line_length - (sum(widths) + 3 * len(widths) + 1)
        widths[0] = max(12, widths[0] + extra)
    right = {2}

    def border(left: str, fill: str, mid: str, end: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + end

    def row(cells: list[list[str]], bar: str) -> list[str]:
        height = max(len(c) for c in cells)
        lines = []
        for i in range(height):
            parts = []
            for col, (cell, w) in enumerate(zip(cells, widths)):
                text = cell[i] if i < len(cell) else ""
                parts.append(f" {text:>{w}} " if col in right else f" {text:<{w}} ")
            lines.append(bar + bar.join(parts) + bar)
        return lines

    out = [f'Model: "{model.name}"']
    out.append(border("┏", "━", "┳", "┓"))
    out += row([[h] for h in headers], "┃")
    out.append(border("┡", "━", "╇", "┩"))
    for i, cells in enumerate(rows):
        # Only the name, shape and connections wrap; counts and Y/N stay on one line.
        out += row([_wrap(text, w) if col in (0, 1, 3) and not (col == 3 and sequential_like) else [text]
                    for col, (text, w) in enumerate(zip(cells, widths))], "│")
        if i < len(rows) - 1:
            out.append(border("├", "─", "┼", "┤"))
    out.append(border("└", "─", "┴", "┘"))
    out += [" " + line for line in _totals(model, optimizer_in_total)]
    for line in out:
        emit(line)


def summary_html(model: Any, show_trainable: bool = False, optimizer_in_total: bool = True) -> str:
    """The :func:`print_summary` table as HTML, for Jupyter (``Model._repr_html_``)."""
    headers, rows, _ = _table(model, show_trainable)
    right = ' style="text-align: right"'

    def cells(tag: str, texts: list[str]) -> str:
        return "".join(f"<{tag}{right if col == 2 else ''}>{html.escape(t)}</{tag}>" for col, t in enumerate(texts))

    body = "\n".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    totals = "<br>".join(html.escape(line) for line in _totals(model, optimizer_in_total))
    return (f'<div class="glassnet-summary"><p><b>Model: "{html.escape(model.name)}"</b></p>\n'
            f"<table>\n<thead><tr>{cells('th', headers)}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
            f"<p>{totals}</p></div>")
