"""Flatten and Reshape: change the shape of each sample, never the batch axis."""

from __future__ import annotations

import math
from typing import Any

from ..checks import ArgumentTypeError, check_integer
from ..engine.ops import math as m
from ..explanation import Equation, Explanation, dc
from .base import Layer
from .explaining import io_shapes


def _reshape_explanation(layer: Layer, target: Any) -> Explanation:
    """Flatten and Reshape: the values stay, in the same order; only the sample's shape changes."""
    x, a = io_shapes(layer, (None, "..."), (None,) + tuple(target))
    e = Explanation(layer.name, type(layer).__name__, {"x": x, "a": a, "g": a})
    e.forward.append(Equation(f"a = reshape(x, {tuple(a[1:])})", r"a = \mathrm{reshape}(x)", "x reshape -> a"))
    e.backward.append(Equation("dC/dx = reshape(g) back to the shape of x", dc("x") + r" = \mathrm{reshape}(g)",
                               "g reshape -> x"))
    return e


class Flatten(Layer):
    """Collapse each sample to one axis: (batch, 28, 28) -> (batch, 784)."""

    def call(self, inputs: Any) -> Any:
        return m.reshape(inputs, (inputs.shape[0], -1))

    def _explain(self) -> Explanation:
        e = _reshape_explanation(self, ("n",))
        sizes = e.symbols["x"][1:]
        if all(isinstance(n, int) for n in sizes) and len(sizes) > 1:
            e.notes.append(f"each sample's values in one row: {' x '.join(map(str, sizes))} = {math.prod(sizes):,}")
        return e


class Reshape(Layer):
    """Give each sample ``target_shape`` (one entry may be -1): (batch, 784) -> (batch, 28, 28, 1)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who, expected = f"Reshape '{self.name}'", "a tuple of positive sizes (one of them may be -1)"
        if not isinstance(target_shape, (list, tuple)):
            raise ArgumentTypeError(f"{who}: target_shape must be {expected}, got {target_shape!r}")
        self.target_shape = tuple(int(check_integer(n, "target_shape", who, low=-1, expected=expected))
                                  for n in target_shape)
        if 0 in self.target_shape:
            raise ValueError(f"{who}: target_shape must be {expected}, got {target_shape!r}")
        if sum(1 for n in self.target_shape if n == -1) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one -1 is allowed in {self.target_shape}")

    def build(self, input_shape: Any) -> None:
        size = math.prod(n for n in input_shape[1:] if n is not None)
        known = math.prod(n for n in self.target_shape if n != -1)
        if None not in input_shape[1:]:
            ok = size % known == 0 if -1 in self.target_shape else size == known
            if not ok:
                raise ValueError(
                    f"Reshape '{self.name}': cannot reshape samples of shape {tuple(input_shape[1:])} "
                    f"({size} values) into {self.target_shape}"
                )
        self.built = True

    def call(self, inputs: Any) -> Any:
        return m.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def _explain(self) -> Explanation:
        return _reshape_explanation(self, self.target_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": self.target_shape}
