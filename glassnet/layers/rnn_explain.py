"""The equations of the cells (one step) and of ``RNN`` (the cell unrolled over time): their ``_explain``.

Kept beside :mod:`glassnet.layers.rnn_cells` and :mod:`glassnet.layers.rnn` so those modules stay short.
A cell's step is built from differentiable ops, so its backward is the tape's; the entries state what
the tape computes for one step, and the RNN entry how the steps chain (back-propagation through time).
"""

from __future__ import annotations

from typing import Any

from ..explanation import Equation, Explanation, Param, dc
from .explaining import io_shapes, weight_params


def _name(fn: Any) -> str:
    name = getattr(fn, "_registered_name", None) or getattr(fn, "__name__", "f")
    return {"sigmoid": "sigma"}.get(name, name)


def _step_equations(cell: Any, b: str) -> list[Equation]:
    """The forward step of a built-in cell (what ``cell.call`` computes)."""
    kind, act, gate = type(cell).__name__, _name(cell.activation), _name(cell.recurrent_activation)
    if kind == "SimpleRNNCell":
        return [Equation(f"h_t = {act}(x_t W + h_(t-1) U{b})", "", "x_t @ W + h_prev @ U -> h_t")]
    if kind == "LSTMCell":
        return [Equation(f"[z_i z_f z_c z_o] = x_t W + h_(t-1) U{b}", "", "x_t @ W + h_prev @ U -> z_t"),
                Equation(f"i = {gate}(z_i), f = {gate}(z_f), g = {act}(z_c), o = {gate}(z_o)"),
                Equation(f"c_t = f * c_(t-1) + i * g;   h_t = o * {act}(c_t)",
                         r"c_t = f \odot c_{t-1} + i \odot g,\ h_t = o \odot \tanh(c_t)", "h_t -> h_t")]
    if getattr(cell, "reset_after", True):
        first = Equation("[x_z x_r x_h] = x_t W + b_in;   [r_z r_r r_h] = h_(t-1) U + b_rec", "",
                         "x_t @ W + h_prev @ U -> z_t")
        cand = f"hh = {act}(x_h + r * r_h)"
    else:
        first = Equation(f"[x_z x_r x_h] = x_t W{b};   [r_z r_r] = h_(t-1) U_zr", "", "x_t @ W -> z_t")
        cand = f"hh = {act}(x_h + (r * h_(t-1)) U_h)"
    return [first, Equation(f"z = {gate}(x_z + r_z), r = {gate}(x_r + r_r), {cand}"),
            Equation("h_t = z * h_(t-1) + (1 - z) * hh", r"h_t = z \odot h_{t-1} + (1 - z) \odot \hat h",
                     "h_prev -> h_t")]


def explain_cell(cell: Any) -> Explanation:
    """One step of SimpleRNNCell, LSTMCell or GRUCell with the cell's shapes, and its parameters."""
    built_for = cell._build_shape  # not io_shapes: a cell cannot be probed on one zero input (it needs states)
    x = (None, built_for[-1]) if isinstance(built_for, (tuple, list)) and built_for else (None, "n_in")
    u, k, n_in = cell.units, cell._gates, x[-1]
    row = (x[0], u)
    e = Explanation(cell.name, type(cell).__name__, {"x_t": x, "h_t": row, "h_prev": row, "W": (n_in, k * u),
                                                     "U": (u, k * u), "z_t": (x[0], k * u), "dZ": (x[0], k * u)},
                    inputs=("x_t",), output="h_t")
    e.params = [Param("W", "kernel", (n_in, k * u)), Param("U", "recurrent_kernel", (u, k * u))]
    if cell.use_bias:
        e.symbols["b"] = cell._bias_shape()
        e.params.append(Param("b", "bias", cell._bias_shape()))
    e.forward += _step_equations(cell, " + b" if cell.use_bias else "")
    e.backward.append(Equation("dZ_t = dC/dz_t: the tape differentiates the step's ops (gates, products) in reverse",
                               "", "h_t -> dZ"))
    e.backward.append(Equation("dC/dh_(t-1) = dZ_t U^T (+ the direct paths of the gates)", "", "dZ @ U^T -> h_prev"))
    e.backward.append(Equation("dC/dW += x_t^T dZ_t", dc("W") + r" \mathrel{+}= x_t^\top \delta_t", "x_t^T @ dZ -> W"))
    e.backward.append(Equation("dC/dU += h_(t-1)^T dZ_t", dc("U") + r" \mathrel{+}= h_{t-1}^\top \delta_t",
                               "h_prev^T @ dZ -> U"))
    if cell.use_bias:
        e.backward.append(Equation("dC/db += sum_n dZ_t", dc("b") + r" \mathrel{+}= \sum_n \delta_t", "dZ -> b"))
    e.backward.append(Equation("dC/dx_t = dZ_t W^T", dc("x_t") + r" = \delta_t W^\top", "dZ @ W^T -> x_t"))
    states = ", ".join(f"{s}_t" for s in cell._state_names)
    e.notes.append(f"one time step: (x_t, states) -> (h_t, [{states}]); keras.layers.RNN loops it over t")
    if cell.dropout or cell.recurrent_dropout:
        e.notes.append(f"training: dropout {cell.dropout:g} on x_t, {cell.recurrent_dropout:g} on h_(t-1), one mask "
                       "per sequence")
    return e


def explain_rnn(layer: Any) -> Explanation:
    """The cell's step unrolled over t = 1..T, the back-propagation through time, the cell's parameters."""
    x, a = io_shapes(layer, (None, "T", "n_in"), None)
    if isinstance(a, list):  # return_state: the output first, then the states
        a = a[0]
    try:
        step = layer.cell.explain()
    except (TypeError, ValueError):  # a user's cell built but never run: its default entry cannot probe it
        step = Explanation(layer.cell.name, type(layer.cell).__name__, has_entry=False)
        step.params = weight_params(layer.cell)
    e = Explanation(layer.name, "RNN", {"x": x})
    if isinstance(a, tuple):
        e.symbols.update(a=a, g=a)
    if step.has_entry:
        for key, shape in step.symbols.items():
            e.symbols.setdefault(key, shape)
    e.params = step.params
    cell = f"{type(layer.cell).__name__} '{layer.cell.name}'"
    order = "t = T..1 (go_backwards)" if layer.go_backwards else "t = 1..T"
    e.forward.append(Equation(f"for {order}:  (o_t, s_t) = cell(x_t, s_(t-1)),  s_0 = initial_state or zeros   "
                              f"[cell: {cell}]", r"(o_t, s_t) = \mathrm{cell}(x_t, s_{t-1})", ""))
    shown = step.has_entry  # a custom cell's default entry names its own x and a: show its text only
    e.forward += [Equation("  step: " + eq.text, eq.latex, eq.shapes if shown else "") for eq in step.forward]
    last = "a = o_1 .. o_T stacked on axis 1" if layer.return_sequences else "a = o_T (the last step's output)"
    e.forward.append(Equation(last, "", "x -> a" if "a" in e.symbols else ""))
    e.backward.append(Equation("back-propagation through time: the tape walks the steps t = T..1, each step "
                               "adding its dC/dW to the shared weights and passing dC/ds_(t-1) to the step before",
                               r"\frac{\partial C}{\partial s_{t-1}} = \frac{\partial C}{\partial s_t}"
                               r"\frac{\partial s_t}{\partial s_{t-1}}", "g -> x" if "g" in e.symbols else ""))
    e.backward += [Equation("  step: " + eq.text, eq.latex, eq.shapes if shown else "") for eq in step.backward]
    e.notes += step.notes
    if layer.zero_output_for_mask:
        e.notes.append("mask: a masked step keeps the states and outputs zeros")
    else:
        e.notes.append("mask: a masked step keeps the states and repeats the previous output (zeros at first)")
    return e
