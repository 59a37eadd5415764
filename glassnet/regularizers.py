"""Weight penalties added to the loss: l1 sum|w|, l2 sum w^2 (no 1/2, as Keras), l1_l2."""

from __future__ import annotations

from typing import Any

from .engine.ops import math as m
from .registry import Registry

_REGISTRY = Registry("regularizer")


class Regularizer:
    """Base class: ``reg(weight)`` returns a scalar tensor added to the loss."""

    def __call__(self, weight: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Regularizer":
        return cls(**config)


class L1L2(Regularizer):
    """penalty = l1 * sum|w| + l2 * sum w^2."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight: Any) -> Any:
        total = None
        if self.l1:
            total = m.multiply(m.sum(m.abs(weight)), self.l1)
        if self.l2:
            term = m.multiply(m.sum(m.square(weight)), self.l2)
            total = term if total is None else m.add(total, term)
        return total if total is not None else m.constant(0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """penalty = l1 * sum|w| (Keras default l1=0.01)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """penalty = l2 * sum w^2 (Keras default l2=0.01)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def l1_l2(l1: float = 0.0, l2: float = 0.0) -> L1L2:
    """Both penalties; as in Keras 3 (where ``l1_l2`` is ``L1L2``) both default to 0.0."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
_REGISTRY.add(L1, "L1", "l1")
_REGISTRY.add(L2, "L2", "l2")
_REGISTRY.add(L1L2, "L1L2", "l1_l2")


def get(identifier: Any) -> Regularizer | None:
    """Resolve None, a name, a config dict or an instance/callable to a regularizer."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "regularizer")()
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier["class_name"], "regularizer").from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret regularizer {identifier!r}")


def serialize(reg: Any) -> dict[str, Any] | None:
    """A config dict :func:`get` can rebuild from (None stays None)."""
    if reg is None:
        return None
    name = getattr(type(reg), "_registered_name", None) or type(reg).__name__
    return {"class_name": name, "config": reg.get_config()}

__all__ = [
    "L1", "L1L2", "L2", "Regularizer", "get", "l1", "l1_l2", "l2", "serialize"
]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
