"""Merge layers: combine several tensors of compatible shapes into one."""

from __future__ import annotations

from typing import Any

from ..engine.ops import math as m
from ..explanation import Equation, Explanation, dc, latex_symbol
from .base import Layer
from .explaining import io_shapes, multi_input


class _Merge(Layer):
    """Base: checks that a list of at least two inputs arrives."""

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(
                f"{type(self).__name__} layer '{self.name}' must be called on a list of at least 2 "
                f"inputs, got {input_shape}"
            )
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, shapes: list[Any]) -> None:
        first = shapes[0][1:]
        for s in shapes[1:]:
            if len(s[1:]) != len(first) or any(a is not None and b is not None and a != b and 1 not in (a, b)
                                                for a, b in zip(first, s[1:])):
                raise ValueError(
                    f"{type(self).__name__} layer '{self.name}': inputs must have the same shape, got "
                    f"{[(None,) + tuple(x[1:]) for x in shapes]}"
                )

    def _merge_explanation(self, forward: str, forward_latex: str, grads: list[tuple[str, str]],
                           template: str) -> Explanation:
        """The entry of an element-wise merge: ``forward`` over inputs x1, x2...; ``grads[k]`` is dC/dx_k."""
        shapes, a = io_shapes(self, None, (None, "K"))
        inputs = multi_input(self, shapes, (None, "K"))
        names = list(inputs)
        e = Explanation(self.name, type(self).__name__, {**inputs, "a": a, "g": a}, inputs=tuple(names))
        e.forward.append(Equation(forward, forward_latex, f" {template} ".join(names) + " -> a"))
        for k, name in enumerate(names):
            text, latex = grads[min(k, len(grads) - 1)]
            others = [n for n in names if n != name]  # "{others}": the other inputs, for the product rule
            text = text.replace("x_k", name).replace("{others}", " * ".join(others))
            latex = latex.replace("x_k", latex_symbol(name)).replace(
                "{others}", r" \odot ".join(latex_symbol(n) for n in others))
            e.backward.append(Equation(f"dC/d{name} = {text}", dc(name) + " = " + latex, f"g -> {name}"))
        if len(names) > 1 and any(inputs[n] != a for n in names):
            e.notes.append("an input broadcast along an axis gets its gradient summed over that axis")
        return e


class Add(_Merge):
    """Element-wise sum of the inputs (a residual connection)."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return out

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = x1 + x2 + ...", "a = x_1 + x_2 + \\dots", [("g", "g")], "+")


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def call(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"Subtract layer '{self.name}' needs exactly 2 inputs, got {len(inputs)}")
        return m.subtract(inputs[0], inputs[1])

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = x1 - x2", "a = x_1 - x_2", [("g", "g"), ("-g", "-g")], "-")


class Multiply(_Merge):
    """Element-wise product of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.multiply(out, x)
        return out

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = x1 * x2 * ...", "a = x_1 \\odot x_2 \\odot \\dots",
                                       [("g * {others}", "g \\odot {others}")],
                                       "*")


class Average(_Merge):
    """Element-wise mean of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return m.divide(out, float(len(inputs)))

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = (x1 + x2 + ...) / K, K inputs", "a = \\tfrac{1}{K} \\sum_k x_k",
                                       [("g / K", "g / K")], "+")


class Maximum(_Merge):
    """Element-wise maximum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.maximum(out, x)
        return out

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = max(x1, x2, ...) element-wise", "a = \\max_k x_k",
                                       [("g where x_k is the largest, else 0", "g \\odot \\mathbb{1}[x_k = a]")], ",")


class Minimum(_Merge):
    """Element-wise minimum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.minimum(out, x)
        return out

    def _explain(self) -> Explanation:
        return self._merge_explanation("a = min(x1, x2, ...) element-wise", "a = \\min_k x_k",
                                       [("g where x_k is the smallest, else 0", "g \\odot \\mathbb{1}[x_k = a]")], ",")


class Concatenate(_Merge):
    """Join the inputs along ``axis`` (default -1, the features)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes: list[Any]) -> None:
        rank = len(shapes[0])
        ax = self.axis % rank
        for s in shapes[1:]:
            if len(s) != rank or any(i != ax and i != 0 and a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(shapes[0], s))):
                raise ValueError(
                    f"Concatenate layer '{self.name}' requires inputs with matching shapes except for "
                    f"the concatenation axis {self.axis}. Received: input_shape={shapes}"
                )

    def call(self, inputs: list[Any]) -> Any:
        return m.concatenate(list(inputs), axis=self.axis)

    def _explain(self) -> Explanation:
        # Each input fills a slice of a along the axis; its gradient is the same slice of g.
        shapes, a = io_shapes(self, None, (None, "K"))
        inputs = multi_input(self, shapes, (None, "K"))
        e = Explanation(self.name, "Concatenate", {**inputs, "a": a, "g": a}, inputs=tuple(inputs))
        e.forward.append(Equation(f"a = [{', '.join(inputs)}] joined along axis {self.axis}",
                                  rf"a = [{', '.join(latex_symbol(n) for n in inputs)}]", " , ".join(inputs) + " -> a"))
        start: Any = 0
        for name, shape in inputs.items():
            size = shape[self.axis]
            stop = start + size if isinstance(start, int) and isinstance(size, int) else "..."
            e.backward.append(Equation(f"dC/d{name} = g[{start}:{stop}] along axis {self.axis}",
                                       dc(name) + rf" = g_{{[{start}:{stop}]}}", f"g -> {name}"))
            start = stop
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)
