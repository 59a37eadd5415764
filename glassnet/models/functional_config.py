"""The config of a Functional model: its layers and the calls that connect them.

A Functional config lists every layer once, Keras-style, with its
``inbound_nodes``: one entry per call of the layer in this model, holding the
call's arguments with their nesting kept (a list stays a list) and every
symbolic tensor replaced by a reference ``{"class_name": "__keras_tensor__",
"config": {"keras_history": [layer_name, node_index, tensor_index]}}``.
Rebuilding replays those calls on fresh ``Input`` tensors, so shared layers and
several inputs/outputs come back with the same connections.
"""

from __future__ import annotations

from typing import Any

from ..layers.tracing import InputLayer, SymbolicTensor
from ..serialization import SavedModelError, deserialize, serialize
from ..tree import flatten, map_structure


def functional_config(model: Any) -> dict[str, Any]:
    """Layers with their inbound calls, and the model's input/output tensors, by name."""
    node_ids: dict[int, tuple[str, int]] = {}
    counts: dict[str, int] = {}
    layers: list[dict[str, Any]] = []
    entries: dict[str, dict[str, Any]] = {}
    owners: dict[str, Any] = {}
    for node in model._nodes:
        layer = node.layer
        if layer.name in owners and owners[layer.name] is not layer:
            raise ValueError(f"Model '{model.name}' has two different layers named '{layer.name}': layer names "
                             "must be unique in a model to save it")
        owners[layer.name] = layer
        index = counts.get(layer.name, 0)
        counts[layer.name] = index + 1
        node_ids[id(node)] = (layer.name, index)
        if layer.name not in entries:
            entries[layer.name] = serialize(layer)
            entries[layer.name]["inbound_nodes"] = []
            layers.append(entries[layer.name])
        if not isinstance(layer, InputLayer):
            entries[layer.name]["inbound_nodes"].append({
                "args": [map_structure(lambda v: _ref(v, node_ids), a) for a in node.call_args],
                "kwargs": map_structure(lambda v: _ref(v, node_ids), node.call_kwargs),
            })
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": map_structure(lambda t: _ref(t, node_ids), model._inputs_structure),
        "output_layers": map_structure(lambda t: _ref(t, node_ids), model._outputs_structure),
    }


def _ref(value: Any, node_ids: dict[int, tuple[str, int]]) -> Any:
    if isinstance(value, SymbolicTensor):
        name, index = node_ids[id(value.node)]
        # shape and dtype are what Keras 3 writes too (its loader reads them); glassnet needs only the history
        return {"class_name": "__keras_tensor__", "config": {"shape": list(value.shape), "dtype": value.dtype.name,
                                                             "keras_history": [name, index, value.index]}}
    return value


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _resolve(structure: Any, outputs: dict[tuple[str, int], list[Any]]) -> Any:
    """Replace tensor references by the symbolic tensors already built (KeyError if not yet)."""
    if _is_ref(structure):
        name, node_index, tensor_index = structure["config"]["keras_history"]
        return outputs[(name, int(node_index))][int(tensor_index)]
    if isinstance(structure, list):
        return [_resolve(v, outputs) for v in structure]
    if isinstance(structure, dict):
        return {k: _resolve(v, outputs) for k, v in structure.items()}
    return structure


def rebuild_graph(config: dict[str, Any]) -> tuple[Any, Any]:
    """Rebuild the layers of a :func:`functional_config` (fresh weights) and replay their calls.

    Returns the ``(inputs, outputs)`` symbolic structures to build the Functional model from.
    """
    try:
        entries = config["layers"]
        by_name: dict[str, Any] = {}
        outputs: dict[tuple[str, int], list[Any]] = {}
        pending: list[tuple[str, int, dict[str, Any]]] = []
        for entry in entries:
            name = entry.get("name") or entry["config"]["name"]
            layer = deserialize(entry)
            by_name[name] = layer
            if isinstance(layer, InputLayer):
                outputs[(name, 0)] = [layer.tensor]
            pending += [(name, i, node) for i, node in enumerate(entry.get("inbound_nodes", []))]
        # Replay the calls; a call waits until its inputs (and the layer's earlier calls) exist.
        while pending:
            waiting = []
            for name, i, node in pending:
                if i > 0 and (name, i - 1) not in outputs:
                    waiting.append((name, i, node))
                    continue
                try:
                    args = _resolve(node.get("args", []), outputs)
                    kwargs = _resolve(node.get("kwargs", {}), outputs)
                except KeyError:
                    waiting.append((name, i, node))
                    continue
                out = by_name[name](*args, **kwargs)
                outputs[(name, i)] = flatten(out)
            if len(waiting) == len(pending):
                missing = sorted({str(n) for n, _, _ in waiting})
                raise SavedModelError(f"The saved graph is inconsistent: the calls of layer(s) {missing} refer to "
                                      "tensors that no layer produces")
            pending = waiting
        return _resolve(config["input_layers"], outputs), _resolve(config["output_layers"], outputs)
    except SavedModelError:
        raise
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as err:
        raise SavedModelError(f"The Functional model config is damaged or incomplete ({type(err).__name__}: "
                              f"{err})") from err
