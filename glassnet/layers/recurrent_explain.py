"""The equations of SimpleRNN, LSTM and GRU (their ``_explain``), with the layer's shapes.

Kept beside :mod:`glassnet.layers.recurrent` so the layers' module stays short; each entry states the
step the engine op (:mod:`glassnet.engine.ops.recurrent`) computes and its back-propagation through time.
"""

from __future__ import annotations

from typing import Any

from ..explanation import Equation, Explanation, dc
from .explaining import io_shapes


def _gate(name: str) -> str:
    return "tanh" if name == "tanh" else ("sigma" if name == "sigmoid" else name)


def explain_recurrent(layer: Any) -> Explanation:
    """The forward step, the BPTT lines and the parameter count of a recurrent ``layer``."""
    kind = type(layer).__name__
    x, a = io_shapes(layer, (None, "T", "n_in"), None)
    u, k = layer.units, layer._gates
    n_in = x[-1]
    if isinstance(a, list):  # return_state: the output first, then the states
        a = a[0]
    if a is None:
        a = (x[0], x[1], u) if layer.return_sequences else (x[0], u)
    row = (x[0], u)
    e = Explanation(layer.name, kind, {"x": x, "a": a, "x_t": (x[0], n_in), "h_t": row, "h_prev": row,
                                       "W": (n_in, k * u), "U": (u, k * u), "z_t": (x[0], k * u),
                                       "dZ": (x[0], k * u), "dh": row})
    e.params = layer.params(n_in)
    act, gate = _gate(layer.activation), _gate(layer.recurrent_activation)
    b = " + b" if layer.use_bias else ""
    if layer.use_bias:
        e.symbols["b"] = layer._bias_shape()
    if kind == "SimpleRNN":
        e.forward.append(Equation(f"h_t = {act}(x_t W + h_(t-1) U{b}),  t = 1..T, h_0 = 0",
                                  rf"h_t = \{act}(x_t W + h_{{t-1}} U{b})" if act == "tanh" else "",
                                  "x_t @ W + h_prev @ U -> h_t"))
        e.backward.append(Equation(f"dz_t = (dC/dh_t + dh_(t+1)) * {act}'(z_t),  t = T..1",
                                   "", "dh * h_t -> dZ"))
    elif kind == "LSTM":
        e.forward.append(Equation(f"[z_i z_f z_c z_o] = x_t W + h_(t-1) U{b}", "", "x_t @ W + h_prev @ U -> z_t"))
        e.forward.append(Equation(f"i = {gate}(z_i), f = {gate}(z_f), g = {act}(z_c), o = {gate}(z_o)"))
        e.forward.append(Equation(f"c_t = f * c_(t-1) + i * g;   h_t = o * {act}(c_t)",
                                  r"c_t = f \odot c_{t-1} + i \odot g,\ h_t = o \odot \tanh(c_t)", "h_t -> h_t"))
        e.backward.append(Equation(f"dc_t = dc_(t+1) * f_(t+1) + dh_t * o * {act}'(c_t)   (t = T..1)"))
        e.backward.append(Equation(f"dz = [dc_t g {gate}'(i), dc_t c_(t-1) {gate}'(f), dc_t i {act}'(g), "
                                   f"dh_t {act}(c_t) {gate}'(o)]", "", "dh -> dZ"))
    else:
        e.forward.append(Equation("[x_z x_r x_h] = x_t W + b_in;   [r_z r_r r_h] = h_(t-1) U + b_rec",
                                  "", "x_t @ W + h_prev @ U -> z_t"))
        e.forward.append(Equation(f"z = {gate}(x_z + r_z), r = {gate}(x_r + r_r), hh = {act}(x_h + r * r_h)"))
        e.forward.append(Equation("h_t = z * h_(t-1) + (1 - z) * hh", r"h_t = z \odot h_{t-1} + (1 - z) \odot \hat h",
                                  "h_prev -> h_t"))
        e.backward.append(Equation(f"dz = dh_t (h_(t-1) - hh) {gate}'(z);  da = dh_t (1 - z) {act}'(hh);  "
                                   f"dr = da r_h {gate}'(r)", "", "dh -> dZ"))
    direct = " + dh_t * z" if kind == "GRU" else ""
    e.backward.append(Equation(f"dh_(t-1) = dZ_t U^T{direct}", "", "dZ @ U^T -> h_prev"))
    e.backward.append(Equation("dC/dW = sum_t x_t^T dZ_t   (one matmul over all steps)",
                               dc("W") + r" = \sum_t x_t^\top \delta_t", "x_t^T @ dZ -> W"))
    e.backward.append(Equation("dC/dU = sum_t h_(t-1)^T dZ_t", dc("U") + r" = \sum_t h_{t-1}^\top \delta_t",
                               "h_prev^T @ dZ -> U"))
    if layer.use_bias:
        e.backward.append(Equation("dC/db = sum_t sum_n dZ_t", dc("b") + r" = \sum_t \sum_n \delta_t", "dZ -> b"))
    e.backward.append(Equation("dC/dx_t = dZ_t W^T", dc("x_t") + r" = \delta_t W^\top", "dZ @ W^T -> x_t"))
    notes = ["the loop runs over time steps; every x_t W and the weight gradients use one matmul for all steps"]
    if layer.go_backwards:
        notes.append("go_backwards: the sequence is read from its end")
    if layer.dropout or layer.recurrent_dropout:
        notes.append(f"training: dropout {layer.dropout:g} on x, {layer.recurrent_dropout:g} on h_(t-1), one mask "
                     "per sequence")
    e.notes += notes
    return e
