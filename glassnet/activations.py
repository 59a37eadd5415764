"""Activation functions, by function and by name (``activation="relu"``).

Each function takes and returns a :class:`~glassnet.Tensor`; the forward
formula and its derivative sit together in :mod:`glassnet.engine.ops.nn`, and the
``@_states(...)`` line above each function writes them in the course's notation for
:func:`explain` (what ``layer.explain()`` shows).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .engine.ops import nn as _nn
from .explanation import Equation, Explanation, Shape, dc, latex_text
from .registry import Registry

_REGISTRY = Registry("activation")

# f(z) and f'(z) of each activation, as plain text and LaTeX (right-hand sides, in z and a = f(z)).
_EQUATIONS: dict[Callable[..., Any], tuple[str, str, str, str]] = {}


def _states(forward: str, forward_latex: str, derivative: str, derivative_latex: str) -> Callable[[Any], Any]:
    """Record ``a = f(z)`` and ``f'(z)`` for the function below (a Jacobian for softmax)."""

    def record(fn: Callable[..., Any]) -> Callable[..., Any]:
        _EQUATIONS[fn] = (forward, forward_latex, derivative, derivative_latex)
        return fn

    return record



@_states("z", r"z",
         "1", r"1")
def linear(x: Any) -> Any:
    """f(z) = z (also what ``activation=None`` means)."""
    return _nn.linear(x)


@_states("1 if z >= 0 else 0", r"\mathbb{1}[z \ge 0]",
         "0 almost everywhere (no gradient flows back)", r"0")
def step(x: Any) -> Any:
    """Heaviside step for perceptrons: 1 if z >= 0 else 0 (zero gradient)."""
    return _nn.step(x)


@_states("max(z, 0)", r"\max(z, 0)",
         "1 if z > 0 else 0", r"\mathbb{1}[z > 0]")
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


@_states("z if z > 0 else alpha z", r"\max(z, 0) + \alpha \min(z, 0)",
         "1 if z > 0 else alpha", r"\mathbb{1}[z > 0] + \alpha\,\mathbb{1}[z \le 0]")
def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    """z if z > 0 else slope * z (Keras' function default slope 0.2)."""
    return _nn.leaky_relu(x, negative_slope)


@_states("z if z > 0 else alpha (e^z - 1)",
         r"z\,\mathbb{1}[z > 0] + \alpha (e^{z} - 1)\,\mathbb{1}[z \le 0]",
         "1 if z > 0 else a + alpha", r"\mathbb{1}[z > 0] + (a + \alpha)\,\mathbb{1}[z \le 0]")
def elu(x: Any, alpha: float = 1.0) -> Any:
    """z if z > 0 else alpha (e^z - 1)."""
    return _nn.elu(x, alpha)


@_states("lambda (z if z > 0 else alpha (e^z - 1)), lambda = 1.0507, alpha = 1.6733",
         r"\lambda \left(z\,\mathbb{1}[z > 0] + \alpha (e^{z} - 1)\,\mathbb{1}[z \le 0]\right)",
         "lambda if z > 0 else lambda alpha e^z", r"\lambda\,\mathbb{1}[z > 0] + \lambda \alpha e^{z}\,\mathbb{1}[z \le 0]")
def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalising constants."""
    return _nn.selu(x)


@_states("1 / (1 + e^-z)", r"\frac{1}{1 + e^{-z}}",
         "a (1 - a)", r"a (1 - a)")
def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-z)."""
    return _nn.sigmoid(x)


@_states("min(max(z + 3, 0), 6) / 6", r"\min(\max(z + 3, 0), 6) / 6",
         "1/6 if -3 < z < 3 else 0", r"\tfrac{1}{6}\,\mathbb{1}[-3 < z < 3]")
def hard_sigmoid(x: Any) -> Any:
    """relu6(z + 3) / 6, a cheap piecewise-linear sigmoid."""
    return _nn.hard_sigmoid(x)


@_states("tanh z", r"\tanh z",
         "1 - a^2", r"1 - a^2")
def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return _nn.tanh(x)


@_states("ln(1 + e^z)", r"\ln(1 + e^{z})",
         "sigmoid(z) = 1 / (1 + e^-z)", r"\sigma(z)")
def softplus(x: Any) -> Any:
    """ln(1 + e^z), computed without overflow."""
    return _nn.softplus(x)


@_states("z / (1 + |z|)", r"\frac{z}{1 + |z|}",
         "1 / (1 + |z|)^2", r"\frac{1}{(1 + |z|)^2}")
def softsign(x: Any) -> Any:
    """z / (1 + |z|)."""
    return _nn.softsign(x)


@_states("z sigmoid(z)", r"z\,\sigma(z)",
         "s (1 + z (1 - s)), s = sigmoid(z)", r"\sigma(z)\,(1 + z (1 - \sigma(z)))")
def silu(x: Any) -> Any:
    """Swish / SiLU: z * sigmoid(z)."""
    return _nn.silu(x)


swish = silu


@_states("z Phi(z), Phi the standard normal CDF", r"z\,\Phi(z)",
         "Phi(z) + z phi(z), phi the normal density", r"\Phi(z) + z\,\varphi(z)")
def gelu(x: Any, approximate: bool = False) -> Any:
    """Gaussian error linear unit z * Phi(z) (exact by default, as Keras 3)."""
    return _nn.gelu(x, approximate)


@_states("z tanh(softplus(z))", r"z \tanh(\operatorname{softplus}(z))",
         "tanh(sp) + z sigmoid(z) (1 - tanh^2(sp)), sp = softplus(z)",
         r"\tanh(s_p) + z\,\sigma(z)\,(1 - \tanh^2 s_p),\ s_p = \operatorname{softplus}(z)")
def mish(x: Any) -> Any:
    """z * tanh(softplus(z))."""
    return _nn.mish(x)


@_states("e^z", r"e^{z}",
         "e^z = a", r"e^{z} = a")
def exponential(x: Any) -> Any:
    """e^z."""
    return _nn.exponential(x)


@_states("e^(z_i) / sum_j e^(z_j)", r"\frac{e^{z_i}}{\sum_j e^{z_j}}",
         "J_ij = a_i (1[i=j] - a_j)", r"J_{ij} = a_i (\mathbb{1}[i=j] - a_j)")
def softmax(x: Any, axis: int = -1) -> Any:
    """Normalised exponentials along ``axis``: probabilities that sum to 1 (stable at +-1000)."""
    return _nn.softmax(x, axis)


@_states("z_i - log sum_j e^(z_j)", r"z_i - \log \sum_j e^{z_j}",
         "J_ij = 1[i=j] - softmax(z)_j", r"J_{ij} = \mathbb{1}[i=j] - \operatorname{softmax}(z)_j")
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


# z as a variable of a formula (not the z of a word or of a LaTeX command), renamed when the
# activation's input has another name (an Activation layer's x).
_Z = re.compile(r"(?<![A-Za-z\\])z(?![A-Za-z])")


def explain(activation: Any, shape: Shape | None = None, z: str = "z",
            grad: tuple[str, str] = ("delta = dC/dz", r"\delta = " + dc("z"))) -> Explanation:
    """The equations of ``a = f(z)`` and of its backward, with the shapes of ``z`` (and ``a``).

    Parameters
    ----------
    activation : str or callable
        A name (``"relu"``) or an activation function; a function without an entry is named
        and left to the tape.
    shape : tuple, optional
        The shape of ``z`` (batch axis ``None``); ``(None, "K")`` when unknown.
    z : str
        The input's symbol (``"x"`` for an ``Activation`` layer).
    grad : (str, str)
        How the gradient the backward computes is written, as text and LaTeX.

    Returns
    -------
    Explanation
        A fragment that a layer appends to its own (``Explanation.extend``).

    Examples
    --------
    >>> print(explain("relu", (None, 3)).forward[0].text)
    a = relu(z) = max(z, 0)
    """
    fn = get(activation)
    name = getattr(fn, "__name__", type(fn).__name__)
    shape = (None, "K") if shape is None else tuple(shape)
    part = Explanation(name, "activation", symbols={z: shape, "a": shape, "g": shape}, inputs=(z,))
    entry = _EQUATIONS.get(fn)
    grad_text, grad_latex = grad
    if entry is None:  # a user's function: named, and differentiated by the tape through its operations
        part.forward.append(Equation(f"a = {name}({z})", rf"a = \text{{{latex_text(name)}}}({z})", f"{z} -> a"))
        part.backward.append(Equation(f"{grad_text} = g * {name}'({z})", "", f"g * {z} -> {z}"))
        part.notes.append(f"the activation {name!r} has no entry in glassnet.activations: the tape differentiates "
                          "it through the operations it uses")
        return part
    forward, forward_latex, derivative, derivative_latex = (_Z.sub(z, s) for s in entry)
    if name in ("softmax", "log_softmax"):
        part.forward.append(Equation(f"a_i = {forward}", f"a_i = {forward_latex}", f"{z} -> a"))
        # Each output depends on every input of its row: the derivative is a K x K Jacobian per sample.
        classes = shape[-1] if shape else "K"
        part.symbols["J"] = shape + (classes,)
        part.backward += [Equation(f"{derivative}   (da_i/d{z}_j: the full Jacobian, K x K per sample)",
                                   derivative_latex, f"{z} -> J"),
                          Equation(f"{grad_text} = J^T g", rf"{grad_latex} = J^\top g", f"J @ g -> {z}")]
        part.notes.append("J^T g is computed without building J: " + (
            "a * (g - sum_j g_j a_j)" if name == "softmax" else "g - softmax(z) sum_j g_j"))
    else:
        part.forward.append(Equation(f"a = {name}({z}) = {forward}", f"a = {forward_latex}", f"{z} -> a"))
        part.backward += [Equation(f"{name}'({z}) = {derivative}", rf"f'({z}) = {derivative_latex}"),
                          Equation(f"{grad_text} = g * {name}'({z})", rf"{grad_latex} = g \odot f'({z})",
                                   f"g * {z} -> {z}")]
    return part

__all__ = [
    "elu", "exponential", "explain", "gelu", "get", "hard_sigmoid", "leaky_relu", "linear", "log_softmax", "mish",
    "names", "relu", "selu", "serialize", "sigmoid", "silu", "softmax", "softplus", "softsign", "step", "swish",
    "tanh",
]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
