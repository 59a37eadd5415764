"""Activation functions, by function and by name (``activation="relu"``).

Each function takes and returns a :class:`~glassnet.Tensor`; the forward
formula and its derivative sit together in :mod:`glassnet.engine.ops.nn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine.ops import nn as _nn
from .registry import Registry

_REGISTRY = Registry("activation")


def linear(x: Any) -> Any:
    """f(z) = z (also what ``activation=None`` means)."""
    return _nn.linear(x)


def step(x: Any) -> Any:
    """Heaviside step for perceptrons: 1 if z >= 0 else 0 (zero gradient)."""
    return _nn.step(x)


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Any:
    """Rectified linear unit: max(z, 0); Keras' optional slope, cap and threshold are supported."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _nn.relu(x)
    from .engine.ops import math as m
    from .engine.tensor import as_tensor

    # Keras' composition: above the threshold x (clipped to [0, max_value] when a cap is given),
    # below it negative_slope * (x - threshold).
    x = as_tensor(x)
    above = x.data > threshold
    upper = x if max_value is None else m.clip(x, 0.0, max_value)
    return m.where(above, upper, m.multiply(m.subtract(x, threshold), negative_slope))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """z if z > 0 else slope * z (Keras' function default slope 0.2)."""
    return _nn.leaky_relu(x, negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """z if z > 0 else alpha (e^z - 1)."""
    return _nn.elu(x, alpha)


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalising constants."""
    return _nn.selu(x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-z)."""
    return _nn.sigmoid(x)


def hard_sigmoid(x: Any) -> Any:
    """relu6(z + 3) / 6, a cheap piecewise-linear sigmoid."""
    return _nn.hard_sigmoid(x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return _nn.tanh(x)


def softplus(x: Any) -> Any:
    """ln(1 + e^z), computed without overflow."""
    return _nn.softplus(x)


def softsign(x: Any) -> Any:
    """z / (1 + |z|)."""
    return _nn.softsign(x)


def silu(x: Any) -> Any:
    """Swish / SiLU: z * sigmoid(z)."""
    return _nn.silu(x)


swish = silu


def gelu(x: Any, approximate: bool = False) -> Any:
    """Gaussian error linear unit z * Phi(z) (exact by default, as Keras 3)."""
    return _nn.gelu(x, approximate)


def mish(x: Any) -> Any:
    """z * tanh(softplus(z))."""
    return _nn.mish(x)


def exponential(x: Any) -> Any:
    """e^z."""
    return _nn.exponential(x)


def softmax(x: Any, axis: int = -1) -> Any:
    """Normalised exponentials along ``axis``: probabilities that sum to 1 (stable at +-1000)."""
    return _nn.softmax(x, axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """log(softmax(z)), computed stably."""
    return _nn.log_softmax(x, axis)


for _fn in (linear, step, relu, leaky_relu, elu, selu, sigmoid, hard_sigmoid, tanh, softplus,
            softsign, silu, gelu, mish, exponential, softmax, log_softmax):
    _REGISTRY.add(_fn, _fn.__name__)
_REGISTRY.add(silu, "swish")
_REGISTRY.add(step, "heaviside")


def get(identifier: Any) -> Callable[[Any], Any]:
    """Resolve ``None``, a name, a config dict or a callable to an activation function."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "activation")
    if isinstance(identifier, dict):
        return _REGISTRY.get(identifier.get("config", {}).get("name") or identifier["class_name"],
                             "activation")
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation {identifier!r}: expected a name or a callable")


def serialize(fn: Callable[[Any], Any]) -> str:
    """The name under which ``fn`` can be found again by :func:`get`."""
    name = getattr(fn, "_registered_name", None) or getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize activation {fn!r}: it has no name")
    return name


def names() -> list[str]:
    """All activation names :func:`get` understands."""
    return _REGISTRY.names()
