"""Merge layers: combine several tensors of compatible shapes into one."""

from __future__ import annotations

from typing import Any

from ..engine.ops import math as m
from .base import Layer


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


class Add(_Merge):
    """Element-wise sum of the inputs (a residual connection)."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return out


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def call(self, inputs: list[Any]) -> Any:
        if len(inputs) != 2:
            raise ValueError(f"Subtract layer '{self.name}' needs exactly 2 inputs, got {len(inputs)}")
        return m.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Element-wise product of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.multiply(out, x)
        return out


class Average(_Merge):
    """Element-wise mean of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.add(out, x)
        return m.divide(out, float(len(inputs)))


class Maximum(_Merge):
    """Element-wise maximum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.maximum(out, x)
        return out


class Minimum(_Merge):
    """Element-wise minimum of the inputs."""

    def call(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = m.minimum(out, x)
        return out


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
