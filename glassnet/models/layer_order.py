"""The order Keras 3 lists a Functional model's layers in, which decides where its weights are saved.

Keras numbers a Functional model's layers in ``model.layers`` order (``layers/conv2d``,
``layers/conv2d_1``... in a ``.keras`` file; the order of ``layer_names`` in an ``.h5``; the order
of ``trainable_variables`` and so of the optimizer's slots), and lists them by *depth*: the longest
path from a layer to an output, deepest first, ties broken by the order a depth-first walk from the
outputs first meets them (``keras.src.ops.function.map_graph``).  In a ResNet block the shortcut's
1x1 convolution sits at the same depth as the main branch's last convolution, so a plain
topological order would number them differently from Keras and its files would load wrong weights.
Glassnet keeps its inputs first (as ``keras.Input`` declared them) and orders the rest this way.
"""

from __future__ import annotations

from typing import Any


def keras_layer_order(nodes: list[Any], outputs: list[Any]) -> list[Any]:
    """The layers of ``nodes`` (topologically sorted, inputs first) in Keras' order.

    Parameters
    ----------
    nodes : list of Node
        Every call in the graph, each after the calls it depends on.
    outputs : list of SymbolicTensor
        The model's outputs, in order.
    """
    depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(nodes):  # from the outputs: a parent is at least one deeper than each child
        d = max(depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = d
        for parent in node.parents:
            depth[id(parent.node)] = max(depth.get(id(parent.node), 0), d + 1)
    first_seen: dict[int, int] = {}
    stack = [t.node for t in reversed(outputs)]
    while stack:  # pre-order walk from the outputs, a call's inputs in order (Keras' traversal index)
        node = stack.pop()
        if id(node.layer) in first_seen:
            continue
        first_seen[id(node.layer)] = len(first_seen)
        stack.extend(p.node for p in reversed(node.parents))
    layers: list[Any] = []
    for node in nodes:
        if all(node.layer is not seen for seen in layers):
            layers.append(node.layer)
    return sorted(layers, key=lambda layer: (-layer_depth.get(id(layer), 0), first_seen.get(id(layer), len(layers))))
