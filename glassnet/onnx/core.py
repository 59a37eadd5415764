"""Converters for the dense layers, activations, normalisation, reshaping and merges."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from .. import activations as _activations
from ..engine.ops.nn import SELU_ALPHA, SELU_SCALE
from ..layers import core, embedding, merge, normalization, preprocessing, regularization, reshaping, wrappers
from .graph import GraphBuilder, converts, emit_layer, unsupported, weight


def activation(b: GraphBuilder, fn: Any, x: str, name: str, layer: Any = None) -> str:
    """Emit ``fn(x)`` for a glassnet activation function (found by its registered name)."""
    key = fn if isinstance(fn, str) else _activations.serialize(fn)
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
              "softsign": "Softsign", "exponential": "Exp"}
    if key in ("linear", None):
        return x
    if key in simple:
        return b.op(simple[key], [x], name)
    if key == "leaky_relu":
        return b.op("LeakyRelu", [x], name, alpha=0.2)
    if key == "elu":
        return b.op("Elu", [x], name, alpha=1.0)
    if key == "selu":
        return b.op("Selu", [x], name, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    if key == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1)
        return b.op("HardSigmoid", [x], name, alpha=1.0 / 6.0, beta=0.5)
    if key in ("softmax", "log_softmax"):
        return b.op("Softmax" if key == "softmax" else "LogSoftmax", [x], name, axis=-1)
    if key in ("silu", "swish"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], name)], name)
    if key == "mish":
        return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x], name)], name)], name)
    if key == "gelu":  # glassnet's default is the exact form: x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
        erf = b.op("Erf", [b.op("Mul", [x, b.const(1 / math.sqrt(2))], name)], name)
        half = b.op("Mul", [x, b.const(0.5)], name)
        return b.op("Mul", [half, b.op("Add", [erf, b.const(1.0)], name)], name)
    if key in ("step", "heaviside"):
        return b.op("Cast", [b.op("GreaterOrEqual", [x, b.const(0.0)], name)], name,
                    to=b.helper.np_dtype_to_tensor_dtype(b.dtype))
    who = layer if layer is not None else type("activation", (), {"name": name})()
    raise unsupported(who, f"activation {key!r} has no ONNX form here")


@converts(core.Dense)
def dense(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    y = b.op("MatMul", [inputs[0], b.const(weight(layer.kernel), f"{layer.name}_kernel")], layer.name)
    if layer.use_bias:
        y = b.op("Add", [y, b.const(weight(layer.bias), f"{layer.name}_bias")], layer.name)
    return [activation(b, layer.activation, y, layer.name, layer)]


@converts(core.Activation)
def activation_layer(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    return [activation(b, layer.activation, inputs[0], layer.name, layer)]


@converts(core.ReLU)
def relu(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    x, name = inputs[0], layer.name
    slope, cap, threshold = layer.negative_slope, layer.max_value, layer.threshold
    if threshold == 0 and slope == 0:
        y = b.op("Relu", [x], name)
        return [y if cap is None else b.op("Min", [y, b.const(cap)], name)]
    if threshold == 0 and cap is None:
        return [b.op("LeakyRelu", [x], name, alpha=float(slope))]
    # Keras' composition: above the threshold x (clipped to [0, max_value]), below it slope (x - threshold).
    below = b.op("Mul", [b.op("Sub", [x, b.const(threshold)], name), b.const(slope)], name)
    upper = x if cap is None else b.op("Clip", [x, b.const(0.0), b.const(cap)], name)
    return [b.op("Where", [b.op("Greater", [x, b.const(threshold)], name), upper, below], name)]


@converts(core.LeakyReLU)
def leaky_relu(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    return [b.op("LeakyRelu", inputs, layer.name, alpha=float(layer.negative_slope))]


@converts(core.ELU)
def elu(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    return [b.op("Elu", inputs, layer.name, alpha=float(layer.alpha))]


@converts(core.PReLU)
def prelu(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    return [b.op("PRelu", [inputs[0], b.const(weight(layer.alpha), f"{layer.name}_alpha")], layer.name)]


@converts(core.Softmax)
def softmax(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    if len(inputs) > 1:
        raise unsupported(layer, "a mask input is not exported")
    return [b.op("Softmax", inputs, layer.name, axis=int(layer.axis))]


@converts(regularization.Dropout)
def identity(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    # Inference graph: dropout (and noise layers) pass their input through.
    return [b.op("Identity", inputs[:1], layer.name)]


@converts(normalization.BatchNormalization)
def batch_norm(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    # Inference form folded into one scale and shift: gamma (x - mean) / sqrt(var + eps) + beta.
    mean, var = weight(layer.moving_mean).astype(np.float64), weight(layer.moving_variance).astype(np.float64)
    gamma = weight(layer.gamma).astype(np.float64) if layer.gamma is not None else 1.0
    beta = weight(layer.beta).astype(np.float64) if layer.beta is not None else 0.0
    scale = gamma / np.sqrt(var + layer.epsilon)
    shift = beta - mean * scale
    ndim = len(node.outputs[0].shape)
    shape = [1] * ndim
    shape[layer.axis % ndim] = -1
    y = b.op("Mul", [inputs[0], b.const(np.reshape(scale, shape), f"{layer.name}_scale")], layer.name)
    return [b.op("Add", [y, b.const(np.reshape(shift, shape), f"{layer.name}_shift")], layer.name)]


@converts(normalization.LayerNormalization)
def layer_norm(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    ndim = len(node.outputs[0].shape)
    axes = sorted(a % ndim for a in layer._axes)
    if axes != list(range(axes[0], ndim)):
        raise unsupported(layer, "only trailing normalisation axes are exported")
    shape = node.outputs[0].shape[axes[0]:]
    gamma = weight(layer.gamma) if layer.gamma is not None else np.ones(shape)
    beta = weight(layer.beta) if layer.beta is not None else np.zeros(shape)
    return [b.op("LayerNormalization", [inputs[0], b.const(gamma, f"{layer.name}_gamma"),
                                        b.const(beta, f"{layer.name}_beta")], layer.name,
                 axis=axes[0], epsilon=float(layer.epsilon))]


@converts(preprocessing.Rescaling)
def rescaling(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    y = b.op("Mul", [inputs[0], b.const(layer.scale)], layer.name)
    return [b.op("Add", [y, b.const(layer.offset)], layer.name)]


@converts(reshaping.Flatten)
def flatten(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    return [b.op("Flatten", inputs, layer.name, axis=1)]


@converts(reshaping.Reshape)
def reshape(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    # 0 keeps the batch size; a -1 in target_shape is inferred by ONNX as by Keras.
    return [b.op("Reshape", [inputs[0], b.ints([0, *layer.target_shape])], layer.name)]


@converts(embedding.Embedding)
def embedding_layer(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    if layer.mask_zero:
        raise unsupported(layer, "mask_zero=True: masks are not exported")
    ids = b.op("Cast", inputs, layer.name, to=b.helper.np_dtype_to_tensor_dtype(np.dtype(np.int64)))
    return [b.op("Gather", [b.const(weight(layer.embeddings), f"{layer.name}_embeddings"), ids], layer.name, axis=0)]


def _chain(b: GraphBuilder, op_type: str, inputs: list[str], name: str) -> str:
    y = inputs[0]
    for other in inputs[1:]:
        y = b.op(op_type, [y, other], name)
    return y


@converts(merge.Add, merge.Multiply, merge.Maximum, merge.Minimum, merge.Subtract, merge.Average,
          merge.Concatenate)
def merge_layer(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    name = layer.name
    if isinstance(layer, merge.Concatenate):
        return [b.op("Concat", inputs, name, axis=int(layer.axis))]
    if isinstance(layer, merge.Subtract):
        return [b.op("Sub", inputs, name)]
    if isinstance(layer, merge.Average):
        return [b.op("Mul", [_chain(b, "Add", inputs, name), b.const(1.0 / len(inputs))], name)]
    op_type = {merge.Add: "Add", merge.Multiply: "Mul", merge.Maximum: "Max", merge.Minimum: "Min"}[type(layer)]
    return [_chain(b, op_type, inputs, name)]


@converts(wrappers.TimeDistributed)
def time_distributed(b: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    # (N, T, ...) -> (N T, ...) -> the wrapped layer -> back to (N, T, ...), as Keras computes it.
    in_shape, out_shape = tuple(node.parents[0].shape), tuple(node.outputs[0].shape)
    if any(n is None for n in in_shape[2:] + out_shape[2:]):
        raise unsupported(layer, "TimeDistributed is exported for known per-step shapes only")
    inner = SimpleNamespace(parents=[SimpleNamespace(shape=(None, *in_shape[2:]))],
                            outputs=[SimpleNamespace(shape=(None, *out_shape[2:]))], call_args=(), call_kwargs={})
    steps = b.op("Reshape", [inputs[0], b.ints([-1, *in_shape[2:]])], layer.name)
    outs = emit_layer(b, layer.layer, [steps], inner)
    if len(outs) != 1:
        raise unsupported(layer, "the wrapped layer has several outputs")
    batch_and_time = b.op("Slice", [b.op("Shape", inputs[:1], layer.name), b.ints([0], "starts"), b.ints([2], "ends")],
                          layer.name)
    shape = b.op("Concat", [batch_and_time, b.ints(list(out_shape[2:]))], layer.name, axis=0)
    return [b.op("Reshape", [outs[0], shape], layer.name)]
