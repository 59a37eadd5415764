"""What the layers' ``_explain`` methods share: their real shapes (symbols before build) and the default entry.

Each layer states its own equations next to its ``call`` (``Dense._explain`` beside ``Dense.call``);
the data structure and its rendering live in :mod:`glassnet.explanation`.
"""

from __future__ import annotations

from typing import Any

from ..explanation import Equation, Explanation, Param, Shape
from ..tree import is_shape


def io_shapes(layer: Any, x: Any, a: Any) -> tuple[Any, Any]:
    """The input and output shapes of ``layer`` (batch axis ``None``), or ``x`` and ``a`` while unknown.

    The output shape is the one of the layer's first call; a layer built by ``build()`` but never
    called is run once on a zero sample to find it.
    """
    built_for = layer._build_shape
    out = layer._output_shape
    if out is None and layer.built and built_for is not None:
        out = layer.compute_output_shape(built_for)
    return (x if built_for is None else _tuples(built_for)), (a if out is None else _tuples(out))


def _tuples(shape: Any) -> Any:
    return tuple(shape) if is_shape(shape) else [tuple(s) for s in shape]


def as_layer(part: Explanation, layer: Any, *notes: str) -> Explanation:
    """An activation fragment renamed after ``layer``, with ``notes`` added."""
    part.name, part.kind = layer.name, type(layer).__name__
    part.notes += list(notes)
    return part


def multi_input(layer: Any, shapes: Any, symbolic: Shape) -> dict[str, Shape]:
    """Symbols ``x1, x2, ...`` for the inputs of a merge (two symbolic ones before build)."""
    if not isinstance(shapes, list):
        shapes = [symbolic, symbolic]
    return {f"x{i + 1}": tuple(s) for i, s in enumerate(shapes)}


def weight_params(layer: Any, symbols: dict[str, str] | None = None) -> list[Param]:
    """The layer's weights as they are (for entries that count nothing themselves)."""
    symbols = symbols or {}
    return [Param(symbols.get(v.name, v.name or "w"), v.name or "?", tuple(v.shape), v.trainable)
            for v in layer.weights]


def no_entry(layer: Any) -> Explanation:
    """The default explanation of a layer without ``_explain``: its weights, and how to add an entry."""
    kind = type(layer).__name__
    x, a = io_shapes(layer, None, None)
    part = Explanation(layer.name, kind, has_entry=False)
    if x is not None and is_shape(x) and a is not None and is_shape(a):
        part.symbols.update(x=tuple(x), a=tuple(a))
        part.forward.append(Equation(f"a = {kind}.call(x)", rf"a = \mathrm{{{kind}}}(x)", "x -> a"))
    else:
        part.forward.append(Equation(f"a = {kind}.call(x)", rf"a = \mathrm{{{kind}}}(x)"))
    part.backward.append(Equation("dC/dx and dC/dW: the tape differentiates the operations call() uses"))
    part.params = weight_params(layer)
    part.notes.append(f"{kind} states no equations of its own: define `_explain(self) -> "
                      "glassnet.explanation.Explanation` next to its call() (Dense._explain is an example)")
    return part
