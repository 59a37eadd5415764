"""Optimizers with Keras' names and defaults, and learning-rate schedules."""

from __future__ import annotations

from typing import Any

from ..registry import Registry
from . import legacy, schedules
from .base import Optimizer
from .rules import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop

_REGISTRY = Registry("optimizer")
for _cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam):
    _REGISTRY.add(_cls, _cls.__name__)


def get(identifier: Any) -> Optimizer:
    """Resolve ``"adam"`` (any case), a config dict, a class or an instance to an optimizer."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "optimizer")()
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier["class_name"], "optimizer").from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise TypeError(f"Could not interpret optimizer {identifier!r}: expected a name such as 'adam' or an "
                    "Optimizer")


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Config dict of an optimizer (without its state)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def names() -> list[str]:
    """Every optimizer name :func:`get` understands."""
    return _REGISTRY.names()


__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop", "get", "legacy",
           "schedules", "serialize"]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
