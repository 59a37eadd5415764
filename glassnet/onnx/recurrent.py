"""Converters for SimpleRNN, LSTM and GRU onto ONNX's RNN, LSTM and GRU operators.

ONNX reads sequences time-major, (T, N, F), and stacks its gate weights transposed, (gates * units,
features), in its own gate orders:

* LSTM: Keras i, f, c, o  ->  ONNX i, o, f, c;
* GRU: Keras z, r, h = ONNX z, r, h; Keras 3's ``reset_after=True`` is ONNX's ``linear_before_reset=1``,
  and its two bias rows are ONNX's Wb and Rb;
* SimpleRNN: one gate.

``go_backwards`` reverses the input in the graph and runs forward, which also gives Keras' order of the
returned sequence (the reversed one).  ``Bidirectional`` is ONNX's ``direction="bidirectional"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers import recurrent, wrappers
from .graph import GraphBuilder, converts, unsupported, weight

# ONNX names of the recurrent activations glassnet allows, with the (alpha, beta) they need.
_ACTIVATIONS = {"tanh": ("Tanh", None), "sigmoid": ("Sigmoid", None), "relu": ("Relu", None),
                "hard_sigmoid": ("HardSigmoid", (1.0 / 6.0, 0.5)), "linear": ("Affine", (1.0, 0.0))}


def _activation_attrs(layer: Any, names: list[str]) -> dict[str, Any]:
    ops, alphas, betas = [], [], []
    for name in names:
        if name not in _ACTIVATIONS:
            raise unsupported(layer, f"recurrent activation {name!r}")
        op_type, params = _ACTIVATIONS[name]
        ops.append(op_type)
        if params is not None:  # consumed in order by the activations that take parameters
            alphas.append(params[0])
            betas.append(params[1])
    attrs: dict[str, Any] = {"activations": ops}
    if alphas:
        attrs["activation_alpha"] = alphas
        attrs["activation_beta"] = betas
    return attrs


def _gates(a: np.ndarray, order: list[int], units: int) -> np.ndarray:
    """Reorder the gate blocks of the last axis (each ``units`` wide)."""
    return np.concatenate([a[..., g * units:(g + 1) * units] for g in order], axis=-1)


def _onnx_weights(layer: Any) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """``(op_type, W, R, B, activations)`` of one direction, each weight with ONNX's leading direction axis."""
    if layer.stateful:
        raise unsupported(layer, "stateful=True (the carried states live outside the graph)")
    u, kind = layer.units, type(layer)
    if kind is recurrent.LSTM:
        op_type, order, acts = "LSTM", [0, 3, 1, 2], [layer.recurrent_activation, layer.activation,
                                                     layer.activation]
    elif kind is recurrent.GRU:
        op_type, order, acts = "GRU", [0, 1, 2], [layer.recurrent_activation, layer.activation]
    elif kind is recurrent.SimpleRNN:
        op_type, order, acts = "RNN", [0], [layer.activation]
    else:
        raise unsupported(layer, "only SimpleRNN, LSTM and GRU are exported")
    kernel = _gates(weight(layer.kernel), order, u).T[None]
    rkernel = _gates(weight(layer.recurrent_kernel), order, u).T[None]
    zeros = np.zeros(len(order) * u, dtype=kernel.dtype)
    if layer.bias is None:
        bias = np.concatenate([zeros, zeros])
    elif kind is recurrent.GRU:
        rows = weight(layer.bias)
        bias = np.concatenate([_gates(rows[0], order, u), _gates(rows[1], order, u)])
    else:
        bias = np.concatenate([_gates(weight(layer.bias), order, u), zeros])
    return op_type, kernel, rkernel, bias[None], acts


def _run(b: GraphBuilder, layer: Any, x: str, parts: list[tuple], direction: str) -> list[str]:
    """Emit the ONNX recurrent node on (N, T, F) input ``x``; returns its (Y, Y_h[, Y_c]) outputs."""
    name, op_type = layer.name, parts[0][0]
    x = b.op("Transpose", [x], name, perm=[1, 0, 2])  # (N, T, F) -> (T, N, F)
    weights = [b.const(np.concatenate([p[i] for p in parts]), f"{name}_{key}") for i, key in ((1, "W"), (2, "R"),
                                                                                             (3, "B"))]
    attrs = {"hidden_size": layer.units if hasattr(layer, "units") else layer.forward_layer.units,
             "direction": direction, **_activation_attrs(layer, [a for p in parts for a in p[4]])}
    if op_type == "GRU":
        attrs["linear_before_reset"] = 1  # Keras 3's reset_after=True
    return b.op(op_type, [x, *weights], name, n_out=3 if op_type == "LSTM" else 2, **attrs)


def _squeeze(b: GraphBuilder, name: str, x: str, axis: int) -> str:
    return b.op("Squeeze", [x, b.ints([axis], "axes")], name)


@converts(recurrent.SimpleRNN, recurrent.LSTM, recurrent.GRU)
def rnn(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    if len(inputs) != 1:
        raise unsupported(layer, "initial states or masks given as inputs are not exported")
    name = layer.name
    parts = [_onnx_weights(layer)]
    x = inputs[0]
    if layer.go_backwards:
        big = np.iinfo(np.int64).max
        x = b.op("Slice", [x, b.ints([-1], "starts"), b.ints([-big], "ends"), b.ints([1], "axes"),
                           b.ints([-1], "steps")], name)
    outs = _run(b, layer, x, parts, "forward")
    if layer.return_sequences:  # Y: (T, 1, N, U) -> (N, T, U)
        y = b.op("Transpose", [_squeeze(b, name, outs[0], 1)], name, perm=[1, 0, 2])
    else:
        y = _squeeze(b, name, outs[1], 0)
    if not layer.return_state:
        return [y]
    return [y, *(_squeeze(b, name, s, 0) for s in outs[1:])]


@converts(wrappers.Bidirectional)
def bidirectional(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    # ONNX's reverse direction returns its sequence aligned with the input's time steps, as Keras'
    # Bidirectional does (it flips the backward layer's output back).
    forward, backward = layer.forward_layer, layer.backward_layer
    if len(inputs) != 1:
        raise unsupported(layer, "initial states or masks given as inputs are not exported")
    if forward.go_backwards or not backward.go_backwards:
        raise unsupported(layer, "a forward layer with go_backwards=True")
    name = layer.name
    parts = [_onnx_weights(forward), _onnx_weights(backward)]
    if parts[0][0] != parts[1][0]:
        raise unsupported(layer, "forward and backward layers of different kinds")
    outs = _run(b, layer, inputs[0], parts, "bidirectional")

    def direction(t: str, axis: int, i: int) -> str:
        return b.op("Gather", [t, b.ints(i, "index")], name, axis=axis)

    if layer.return_sequences:  # Y: (T, 2, N, U) -> each (T, N, U) -> (N, T, U)
        halves = [b.op("Transpose", [direction(outs[0], 1, i)], name, perm=[1, 0, 2]) for i in (0, 1)]
    else:  # Y_h: (2, N, U)
        halves = [direction(outs[1], 0, i) for i in (0, 1)]
    mode = layer.merge_mode
    if mode is None:
        merged = halves
    elif mode == "concat":
        merged = [b.op("Concat", halves, name, axis=-1)]
    elif mode == "sum":
        merged = [b.op("Add", halves, name)]
    elif mode == "mul":
        merged = [b.op("Mul", halves, name)]
    else:  # "ave"
        merged = [b.op("Mul", [b.op("Add", halves, name), b.const(0.5)], name)]
    if not layer.return_state:
        return merged
    states = [direction(s, 0, i) for i in (0, 1) for s in outs[1:]]
    return [*merged, *states]
