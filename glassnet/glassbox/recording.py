"""Who ran which op, and what flowed back through it: the bookkeeping behind :func:`glassnet.trace`.

The engine records every op on the tape as ``(output, inputs, backward)`` and nothing more, which
keeps training fast.  A trace needs three more facts, found here without touching that hot path:

* the op's **name**: read from its ``backward`` function, which every op defines inside itself
  (``dense.<locals>.backward`` and ``sigmoid.<locals>.<lambda>`` are the ops ``dense`` and ``sigmoid``);
* the **layer** it belongs to: while tracing, each layer's ``call`` is wrapped (an instance attribute,
  removed afterwards) to note which tape entries it added; a layer inside a layer claims its own
  entries first, so every op goes to the innermost layer that ran it;
* what **flowed back**: each ``backward`` is wrapped to keep a copy of the gradient it received
  (the delta dC/d(output)) and of the gradients it returned, and the engine's own
  :func:`~glassnet.engine.tensor.backpropagate` walks the wrapped nodes, so the walk is the one
  training uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import backend
from ..engine.tensor import Tensor

Node = tuple[Tensor, tuple[Tensor, ...], Callable[[Any], Sequence[Any]]]


def op_name(backward: Callable[..., Any]) -> str:
    """The name of the op that recorded ``backward``: the function it was defined in.

    ``dense.<locals>.backward`` -> ``"dense"``; a backward defined at module level (a user's custom
    op) is named after itself.
    """
    qualname = getattr(backward, "__qualname__", None) or type(backward).__name__
    return qualname.split(".<locals>")[0].rsplit(".", 1)[-1].lstrip("_")  # _max_pool_2x2 reads max_pool_2x2


def _copy(value: Any) -> Any:
    return None if value is None else backend.to_numpy(value).copy()


@contextmanager
def layer_owners(layers: Sequence[Any], nodes: Callable[[], list[Any]]) -> Iterator[dict[int, str]]:
    """While active, note which layer added each tape entry; yields ``{entry index: layer name}``.

    Parameters
    ----------
    layers : sequence of Layer
        The layers to watch (a model and all its sublayers).
    nodes : callable
        Returns the tape's list of entries (read at each call, so its length marks where a call began).
    """
    owners: dict[int, str] = {}

    def watch(layer: Any, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = len(nodes())
            try:
                return original(*args, **kwargs)
            finally:
                for i in range(start, len(nodes())):
                    owners.setdefault(i, layer.name)  # an inner layer returned first and already claimed its ops
        return call

    wrapped: list[tuple[Any, bool, Any]] = []  # (layer, had its own `call` attribute, that attribute)
    try:
        for layer in layers:
            own = "call" in vars(layer)
            wrapped.append((layer, own, vars(layer).get("call")))
            # object.__setattr__: a Layer's __setattr__ would try to track the function as a child.
            object.__setattr__(layer, "call", watch(layer, layer.call))
        yield owners
    finally:
        for layer, own, previous in wrapped:
            if own:
                object.__setattr__(layer, "call", previous)
            else:
                del vars(layer)["call"]


class BackwardRecord:
    """What one op saw during back-propagation (filled in as :func:`observed` nodes run).

    Attributes
    ----------
    delta : ndarray or None
        dC/d(output): the gradient that reached the op (None if the cost does not depend on it).
    input_grads : list of ndarray or None
        The gradient the op passed on to each input (None for inputs that need none).
    """

    __slots__ = ("delta", "input_grads")

    def __init__(self, n_inputs: int) -> None:
        self.delta: np.ndarray | None = None
        self.input_grads: list[np.ndarray | None] = [None] * n_inputs


def observed(nodes: Sequence[Node]) -> tuple[list[Node], list[BackwardRecord]]:
    """The same nodes with each ``backward`` wrapped to copy what flows through it, and the records."""
    records = [BackwardRecord(len(parents)) for _, parents, _ in nodes]

    def watch(backward: Callable[[Any], Sequence[Any]], parents: tuple[Tensor, ...],
              record: BackwardRecord) -> Callable[[Any], Sequence[Any]]:
        def run(g: Any) -> Sequence[Any]:
            grads = backward(g)
            record.delta = _copy(g)
            # Only what the engine passes on counts: a gradient for an input that needs none is dropped.
            record.input_grads = [_copy(pg) if p.requires_grad else None for p, pg in zip(parents, grads)]
            return grads
        return run

    wrapped = [(out, parents, watch(backward, parents, rec))
               for (out, parents, backward), rec in zip(nodes, records)]
    return wrapped, records


__all__ = ["BackwardRecord", "layer_owners", "observed", "op_name"]
