"""Graph configs of Functional models (the ``config.json`` part of a saved model)."""

from __future__ import annotations

from typing import Any

from .symbolic import InputLayer, SymbolicTensor


def _layer_entry(layer: Any) -> dict[str, Any]:
    name = getattr(type(layer), "_registered_name", None) or type(layer).__name__
    return {"module": "glassnet.layers", "class_name": name, "config": layer.get_config(), "name": layer.name}


def functional_config(model: Any) -> dict[str, Any]:
    """Layers with their inbound connections, and the model's input/output tensors, by name."""
    node_ids: dict[int, tuple[str, int]] = {}
    counts: dict[str, int] = {}
    layers: list[dict[str, Any]] = []
    entries: dict[str, dict[str, Any]] = {}
    for node in model._nodes:
        layer = node.layer
        index = counts.get(layer.name, 0)
        counts[layer.name] = index + 1
        node_ids[id(node)] = (layer.name, index)
        if layer.name not in entries:
            entries[layer.name] = _layer_entry(layer)
            entries[layer.name]["inbound_nodes"] = []
            layers.append(entries[layer.name])
        if not isinstance(layer, InputLayer):
            args = [_ref(t, node_ids) for t in _flat(node.call_args)]
            entries[layer.name]["inbound_nodes"].append({"args": args, "kwargs": {}})

    def tensor_ref(t: SymbolicTensor) -> list[Any]:
        name, index = node_ids[id(t.node)]
        return [name, index, t.index]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": [tensor_ref(t) for t in model.inputs],
        "output_layers": [tensor_ref(t) for t in model.outputs],
    }


def _flat(structure: Any) -> list[Any]:
    from .symbolic import flatten

    return flatten(structure)


def _ref(value: Any, node_ids: dict[int, tuple[str, int]]) -> Any:
    if isinstance(value, SymbolicTensor):
        name, index = node_ids[id(value.node)]
        return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, index, value.index]}}
    return value
