"""Automatic layer names (``dense``, ``dense_1``...) and Keras' snake-case keys."""

from __future__ import annotations

import re

_NAME_COUNTS: dict[str, int] = {}


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``... (Keras' automatic names)."""
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Reset automatic layer and model names (Keras' ``clear_session``)."""
    _NAME_COUNTS.clear()


def snake_case(name: str) -> str:
    """``Conv2D`` -> ``conv2d``, ``BatchNormalization`` -> ``batch_normalization``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
