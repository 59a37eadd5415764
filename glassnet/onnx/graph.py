"""The graph builder the converters write into, and the walk over a model's layer calls.

A glassnet model already is a graph: every layer call left a ``Node`` that names the symbolic
tensors it read and wrote.  The walk visits those nodes in dependency order and asks the converter
registered for the layer's class to emit ONNX nodes; a nested model (a Sequential used as a layer
inside a Functional model) is walked in turn, its nodes inlined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tree import flatten


class UnsupportedLayerError(ValueError):
    """A layer (or a layer option) that the ONNX exporter cannot express."""


def unsupported(layer: Any, why: str = "") -> UnsupportedLayerError:
    """The error for ``layer``, naming it and its class."""
    detail = f": {why}" if why else ""
    return UnsupportedLayerError(f"glassnet.onnx.export: layer '{layer.name}' ({type(layer).__name__}) cannot be "
                                 f"exported to ONNX{detail}")


class GraphBuilder:
    """Collects ONNX nodes and initializers with unique names.

    Parameters
    ----------
    dtype : numpy dtype
        The floating-point type of the model (its weights and float constants).
    """

    def __init__(self, dtype: Any) -> None:
        from onnx import helper

        self.helper = helper
        self.dtype = np.dtype(dtype)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()

    def fresh(self, base: str) -> str:
        """A tensor or node name not used yet, starting with ``base``."""
        base = base.replace("/", "_") or "t"
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def reserve(self, name: str) -> None:
        """Claim ``name`` (a graph input or output name)."""
        self._used.add(name)

    def const(self, value: Any, name: str = "const", dtype: Any = None) -> str:
        """An initializer holding ``value`` (the model's float type unless ``dtype`` says otherwise)."""
        from onnx import numpy_helper

        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        out = self.fresh(name)
        # copy(order="C"), not ascontiguousarray: that would turn a 0-d scalar (a Gather index) into 1-d.
        self.initializers.append(numpy_helper.from_array(array.copy(order="C"), out))
        return out

    def ints(self, values: Any, name: str = "shape") -> str:
        """An int64 initializer (shapes, axes, pads for the ops that take them as inputs)."""
        return self.const(np.asarray(values, dtype=np.int64), name, np.int64)

    def op(self, op_type: str, inputs: list[str], name: str, n_out: int = 1, out: list[str] | None = None,
           **attrs: Any) -> Any:
        """Append one node; returns its output name (or the list of names when ``n_out > 1``)."""
        outputs = out if out is not None else [self.fresh(f"{name}_{op_type.lower()}") for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outputs, name=self.fresh(f"{name}/{op_type}"),
                                                **attrs))
        return outputs[0] if n_out == 1 and out is None else outputs


Converter = Callable[[GraphBuilder, Any, list[str], Any], list[str]]
CONVERTERS: dict[type, Converter] = {}


def converts(*classes: type) -> Callable[[Converter], Converter]:
    """Register a converter: ``fn(builder, layer, input_names, node) -> output_names``."""

    def register(fn: Converter) -> Converter:
        for cls in classes:
            CONVERTERS[cls] = fn
        return fn

    return register


def _converter_for(layer: Any) -> Converter | None:
    for cls in type(layer).__mro__:  # a subclass of Dense converts as Dense unless it has its own entry
        if cls in CONVERTERS:
            return CONVERTERS[cls]
    return None


def model_nodes(model: Any) -> list[Any]:
    """The nodes between ``model.inputs`` and ``model.outputs``, each after the nodes it reads from."""
    input_ids = {id(t) for t in model.inputs}
    order: list[Any] = []
    done: set[int] = set()
    stack: list[tuple[Any, bool]] = [(t.node, False) for t in reversed(model.outputs)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in input_ids and id(parent.node) not in done:
                stack.append((parent.node, False))
    return order


def emit_model(builder: GraphBuilder, model: Any, input_names: list[str]) -> list[str]:
    """Emit the nodes of ``model`` reading ``input_names``; returns the names of its outputs."""
    from ..layers.tracing import InputLayer, SymbolicTensor
    from ..models.model import Model

    if not getattr(model, "outputs", None) or not model.inputs:
        raise UnsupportedLayerError(f"glassnet.onnx.export: model '{model.name}' has no graph of layer calls (a "
                                    "subclassed model, or a Sequential that was never built); build it on "
                                    "keras.Input first")
    names: dict[int, str] = {id(t): n for t, n in zip(model.inputs, input_names)}
    for node in model_nodes(model):
        layer = node.layer
        if isinstance(layer, InputLayer):
            continue
        extra = [t for t in flatten(node.call_kwargs) if isinstance(t, SymbolicTensor)]
        if extra:
            raise unsupported(layer, "tensor keyword arguments (initial_state, mask...) are not exported")
        inputs = [names[id(t)] for t in flatten(node.call_args) if isinstance(t, SymbolicTensor)]
        if isinstance(layer, Model):
            outputs = emit_model(builder, layer, inputs)
        else:
            outputs = emit_layer(builder, layer, inputs, node)
        if len(outputs) != len(node.outputs):
            raise unsupported(layer, f"it produced {len(node.outputs)} tensors, the converter {len(outputs)}")
        for t, n in zip(node.outputs, outputs):
            names[id(t)] = n
    return [names[id(t)] for t in model.outputs]


def weight(variable: Any) -> np.ndarray:
    """A layer variable's values as a NumPy array."""
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


def emit_layer(builder: GraphBuilder, layer: Any, inputs: list[str], node: Any) -> list[str]:
    """Emit one layer call through its registered converter (the walk above and wrappers use it)."""
    convert = _converter_for(layer)
    if convert is None:
        raise unsupported(layer, "no ONNX converter for this layer class")
    return convert(builder, layer, inputs, node)
