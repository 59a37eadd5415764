"""The forward plan of ``Sequential`` and Functional models: which layers run fused.

A ``Conv2D(activation="relu")`` followed by ``MaxPooling2D(2)`` runs as one op,
:func:`glassnet.engine.ops.fused.conv2d_relu_max_pool`, which gives the same values and gradients
(the tests check both against the unfused pair) in one cache-sized pass.  The two layers stay two
layers: weights, configs, ``summary()`` and saving are unchanged; only the computation is planned
differently.

The decision is taken once per model, not inside the forward code: :func:`plan` turns the model's
layers (or graph nodes) into a list of *steps*, each a layer (a graph node) or a
:class:`FusedPair`, and ``call`` just runs the steps in order.  The plan is rebuilt when the layer
list, a layer's ``built`` state or ``model.fuse_layers`` changes.  Set ``model.fuse_layers = False``
to run every layer separately, e.g. to step through them in a debugger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import activations
from ..engine.ops.fused import conv2d_relu_max_pool
from ..engine.tensor import Tensor
from ..layers.convolutional import Conv2D
from ..layers.pooling import MaxPooling2D
from ..layers.tracing import InputLayer, Node, SymbolicTensor


def can_fuse(conv: Any, pool: Any) -> bool:
    """Whether ``conv`` then ``pool`` is a ReLU Conv2D followed by a 2x2/stride-2 'valid' max pooling.

    Both must be built (their shapes known) and nothing may need the conv's own output: no
    activity regularizer.  Subclasses are left alone, since they may override ``call``.
    """
    return (type(conv) is Conv2D and type(pool) is MaxPooling2D and conv.built and pool.built
            and conv.activation is activations.relu and conv.activity_regularizer is None
            and tuple(pool.pool_size) == (2, 2) and tuple(pool.strides) == (2, 2) and pool.padding == "valid")


def conv_relu_max_pool(conv: Any, pool: Any, inputs: Any) -> Any:
    """Run the fused pair on ``inputs`` with the same shape checks the layers make."""
    if conv.input_spec is not None:
        conv.input_spec.check(conv.name, inputs.shape)
    conv._check_size(inputs)
    return conv2d_relu_max_pool(inputs, conv.kernel, conv.bias, conv.strides, conv.padding, conv.dilation_rate)


class FusedPair:
    """One step of a plan: ``pool(conv(x))`` computed by the fused op; called like a layer.

    Parameters
    ----------
    conv : Conv2D
        With ``activation="relu"``.
    pool : MaxPooling2D
        2x2, stride 2, 'valid'.
    """

    def __init__(self, conv: Any, pool: Any) -> None:
        self.conv = conv
        self.pool = pool

    @property
    def name(self) -> str:
        return f"{self.conv.name}+{self.pool.name}"

    def __call__(self, inputs: Any, training: Any = None) -> Any:
        if not isinstance(inputs, Tensor):
            # Not a single tensor (e.g. an array a Lambda layer returned): the layers convert and check it.
            return self.pool(self.conv(inputs, training=training), training=training)
        return conv_relu_max_pool(self.conv, self.pool, inputs)

    def __repr__(self) -> str:
        return f"<FusedPair {self.name}: Conv2D(relu) -> MaxPooling2D(2) in one op>"


@dataclass(frozen=True)
class FusedNode:
    """A :class:`FusedPair` in a Functional graph, shaped like the node it replaces.

    It reads the conv node's input (``call_args``) and writes the pooling node's ``outputs``, so the
    graph walk treats it like any other :class:`~glassnet.layers.tracing.Node`.
    """

    layer: FusedPair
    call_args: tuple[Any, ...]
    call_kwargs: dict[str, Any]
    outputs: list[SymbolicTensor]


# --- building the steps --------------------------------------------------------------------------
def layer_steps(layers: Sequence[Any], fuse: bool) -> list[Any]:
    """The steps of a layer stack: each layer, with every fusable (conv, pool) neighbour pair joined."""
    steps: list[Any] = []
    i = 0
    while i < len(layers):
        if fuse and i + 1 < len(layers) and can_fuse(layers[i], layers[i + 1]):
            steps.append(FusedPair(layers[i], layers[i + 1]))
            i += 2
        else:
            steps.append(layers[i])
            i += 1
    return steps


def node_steps(nodes: Sequence[Node], outputs: Sequence[SymbolicTensor], fuse: bool) -> list[Any]:
    """The steps of a graph: its nodes in topological order (inputs left out), fusable pairs joined.

    A (conv node, pooling node) pair qualifies when the conv's output feeds only that pooling node
    and is not a model output (otherwise someone still needs the unpooled activation).  The fused
    step takes the pooling node's place; the conv node is dropped.
    """
    pools: dict[int, Node] = {}  # id(pooling node) -> the conv node feeding it
    if fuse:
        uses: dict[int, int] = {}
        for node in nodes:
            for parent in node.parents:
                uses[id(parent)] = uses.get(id(parent), 0) + 1
        output_ids = {id(t) for t in outputs}
        for node in nodes:
            args = node.call_args
            if len(args) != 1 or node.call_kwargs or not isinstance(args[0], SymbolicTensor):
                continue
            source = args[0]
            conv_node = source.node
            if (len(conv_node.outputs) == 1 and uses.get(id(source)) == 1 and id(source) not in output_ids
                    and len(conv_node.call_args) == 1 and not conv_node.call_kwargs
                    and can_fuse(conv_node.layer, node.layer)):
                pools[id(node)] = conv_node
    fused_convs = {id(conv_node) for conv_node in pools.values()}
    steps: list[Any] = []
    for node in nodes:
        if isinstance(node.layer, InputLayer) or id(node) in fused_convs:
            continue
        conv_node = pools.get(id(node))
        if conv_node is None:
            steps.append(node)
        else:
            steps.append(FusedNode(FusedPair(conv_node.layer, node.layer), conv_node.call_args, {}, node.outputs))
    return steps


# --- the plan, cached on the model ---------------------------------------------------------------
class _Plan:
    """The steps and what they were built from (a plain object, so the model does not track it)."""

    __slots__ = ("key", "steps")

    def __init__(self, key: tuple[Any, ...], steps: list[Any]) -> None:
        self.key = key
        self.steps = steps


def plan(model: Any, layers: Sequence[Any], build: Callable[[bool], list[Any]]) -> list[Any]:
    """The model's forward steps, built by ``build(model.fuse_layers)`` once and then reused.

    Parameters
    ----------
    model : Model
        Holds the plan (``model._cached_forward_plan``) and the ``fuse_layers`` switch.
    layers : sequence of Layer
        What the plan depends on: it is rebuilt when this list, a layer's ``built`` state (only
        built layers fuse) or ``model.fuse_layers`` changes.
    build : callable
        ``build(fuse) -> steps``, e.g. ``lambda fuse: layer_steps(model.layers, fuse)``.

    Returns
    -------
    list
        Layers / graph nodes and fused pairs, in the order ``call`` runs them.
    """
    fuse = bool(model.fuse_layers)
    key = (fuse,) + tuple((id(layer), layer.built) for layer in layers)
    cached = model.__dict__.get("_cached_forward_plan")
    if cached is None or cached.key != key:
        cached = _Plan(key, build(fuse))
        model._cached_forward_plan = cached
    return cached.steps
