"""Weight constraints (Keras names): projections applied to a weight after every optimizer step.

``Dense(64, kernel_constraint=keras.constraints.MaxNorm(3))`` rescales each column of the kernel
(the weights into one unit) whose L2 norm exceeds 3 back to norm 3 after each update, as in the
dropout paper's recipe.
"""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import xp
from .registry import Registry

_REGISTRY = Registry("constraint")


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weight array."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Constraint":
        return cls(**config)


def _norms(w: Any, axis: Any) -> Any:
    return xp.sqrt((w * w).sum(axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale the weights into each unit so their L2 norm is at most ``max_value``.

    ``axis=0`` for a Dense kernel (in, out) constrains each column; for a Conv2D kernel use
    ``axis=[0, 1, 2]``.
    """

    def __init__(self, max_value: float = 2.0, axis: Any = 0) -> None:
        self.max_value, self.axis = float(max_value), axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        desired = xp.clip(norms, 0, self.max_value)
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w: Any) -> Any:
        return w * (w >= 0)


class UnitNorm(Constraint):
    """Rescale the weights into each unit to L2 norm 1."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each unit's weight norm into [min_value, max_value] (fully when ``rate=1``)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis

    def __call__(self, w: Any) -> Any:
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
for _cls, _alias in ((MaxNorm, "max_norm"), (NonNeg, "non_neg"), (UnitNorm, "unit_norm"),
                     (MinMaxNorm, "min_max_norm")):
    _REGISTRY.add(_cls, _cls.__name__, _alias)


def get(identifier: Any) -> Constraint | None:
    """Resolve None, a name, a config dict, a class, an instance or a callable to a constraint."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "constraint")()
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier["class_name"], "constraint").from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret constraint {identifier!r}")


def serialize(constraint: Any) -> dict[str, Any] | None:
    """Config dict of a constraint (None stays None)."""
    if constraint is None:
        return None
    name = getattr(type(constraint), "_registered_name", None) or type(constraint).__name__
    return {"class_name": name, "config": constraint.get_config() if hasattr(constraint, "get_config") else {}}

__all__ = [
    "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "get", "max_norm", "min_max_norm", "non_neg",
    "serialize", "unit_norm"
]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
