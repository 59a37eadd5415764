"""The Functional API: a model defined by a graph of layer calls from ``Input`` tensors."""

from __future__ import annotations

from typing import Any

from ..layers.base import Layer, unique_name
from ..layers.tracing import InputLayer, Node, SymbolicTensor
from ..serialization import custom_object_scope
from ..tree import flatten, map_structure
from . import data, fusion
from .functional_config import functional_config, rebuild_graph
from .layer_order import keras_layer_order
from .model import Model, numbered_children


class Functional(Model):
    """A model whose ``call`` replays the recorded graph from ``inputs`` to ``outputs``.

    Parameters
    ----------
    inputs : SymbolicTensor, list or dict
        From ``keras.Input``.
    outputs : SymbolicTensor, list or dict
        Produced by calling layers on the inputs.
    name : str, optional
        ``"functional"`` by default.
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, **kwargs: Any) -> None:
        Model.__init__(self, name=name or unique_name("functional"), **kwargs)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, SymbolicTensor):
                raise TypeError(f"Model(inputs, outputs) expects tensors from keras.Input and layer calls, got "
                                f"{type(t).__name__}")
        self._inputs_structure = inputs
        self._outputs_structure = outputs
        self.inputs = flatten(inputs)
        self.outputs = flatten(outputs)
        for t in self.inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"Model inputs must come straight from keras.Input; {t.name} is produced by "
                                 f"layer '{t.node.layer.name}'")
        self._nodes = self._topological_nodes()
        self._check_connected()
        layers = keras_layer_order(self._nodes, self.outputs)  # Keras' order: its files number weights by it
        input_layers = [t.node.layer for t in self.inputs]
        self._operations = input_layers + [layer for layer in layers if not isinstance(layer, InputLayer)]
        for layer in self._operations:
            self._track(layer)
        self.input_names = list(inputs) if isinstance(inputs, dict) else [t.node.layer.name for t in self.inputs]
        if isinstance(outputs, dict):
            self.output_names = list(outputs)
        else:
            self.output_names = _unique([t.node.layer.name for t in self.outputs])
        self._num_inputs = len(self.inputs)
        self.fuse_layers = True  # run Conv2D(relu) + MaxPooling2D(2) pairs as one op (models/fusion.py)
        self._inputs_keep_int = [t.dtype.kind in "iu" for t in self.inputs]
        self._inputs_take_strings = [t.dtype.kind in "OUS" for t in self.inputs]
        self.built = True
        self._output_shape = map_structure(lambda t: t.shape, outputs)

    def _topological_nodes(self) -> list[Node]:
        """Nodes in an order where every node comes after the nodes it depends on (iterative DFS)."""
        order: list[Node] = []
        done: set[int] = set()
        stack: list[tuple[Node, bool]] = [(t.node, False) for t in reversed(self.outputs)]
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
                if id(parent.node) not in done:
                    stack.append((parent.node, False))
        return order

    def _check_connected(self) -> None:
        input_ids = {id(t) for t in self.inputs}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs[0]) not in input_ids:
                raise ValueError(
                    f"Graph disconnected: the outputs depend on input '{node.layer.name}', which is not in "
                    f"the model's inputs {[t.name for t in self.inputs]}"
                )

    @property
    def layers(self) -> list[Layer]:
        """Input layers first, then every layer in graph order (Keras 3)."""
        return list(self._operations)

    @property
    def input(self) -> Any:
        return self._inputs_structure

    @property
    def output(self) -> Any:
        return self._outputs_structure

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        # ``mask`` is accepted because Keras passes it to a nested model (its saved configs say
        # ``"kwargs": {"mask": null}``); masks travel with the tensors themselves (``_keras_mask``).
        values: dict[int, Any] = {}
        if isinstance(inputs, dict) and isinstance(self._inputs_structure, dict):
            given = [inputs[k] for k in self._inputs_structure]
        elif isinstance(inputs, dict):
            given = [inputs[name] for name in self.input_names]
        else:
            given = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s), got {len(given)}")
        for sym, value in zip(self.inputs, given):
            expected = sym.shape[1:]
            if value.ndim != len(sym.shape) or any(e is not None and e != a for e, a in zip(expected, value.shape[1:])):
                hint = data.batch_axis_hint(sym.shape, value.shape)
                shown = tuple(value.shape) if hint else (None,) + tuple(value.shape[1:])
                raise ValueError(f"Input '{sym.name}' of model '{self.name}' is incompatible: expected shape "
                                 f"{(None,) + tuple(expected)}, but received input with shape {shown}.{hint}")
            values[id(sym)] = value

        def lookup(t: Any) -> Any:
            return values[id(t)] if isinstance(t, SymbolicTensor) else t

        for step in self._forward_plan():  # graph nodes, or fused Conv2D(relu) + MaxPooling2D(2) pairs
            args = map_structure(lookup, step.call_args)
            kwargs = map_structure(lookup, step.call_kwargs)
            out = step.layer(*args, training=training, **kwargs)
            for sym, val in zip(step.outputs, flatten(out)):
                values[id(sym)] = val
        return map_structure(lambda t: values[id(t)], self._outputs_structure)

    def _forward_plan(self) -> list[Any]:
        """The steps ``call`` runs: the graph's nodes in order, fusable pairs joined (built once, models/fusion.py)."""
        return fusion.plan(self, self._operations, lambda fuse: fusion.node_steps(self._nodes, self.outputs, fuse))

    def _maybe_build(self, shapes: Any) -> None:
        self.built = True

    def get_config(self) -> dict[str, Any]:
        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> "Functional":
        """Rebuild (fresh weights): the layers are deserialized and their saved calls replayed."""
        with custom_object_scope(custom_objects):
            inputs, outputs = rebuild_graph(config)
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))

    def get_build_config(self) -> None:
        return None  # the graph carries its own shapes

    def _weight_children(self) -> list[tuple[str, Layer]]:
        return numbered_children(self.layers)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}_{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out
