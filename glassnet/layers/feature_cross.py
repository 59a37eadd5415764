"""``FeatureCross``: the TensorFlow Playground's input features (x1, x2, x1^2, x2^2, x1 x2, sin x1, sin x2).

The playground lets a learner click extra inputs computed from the two coordinates of a point.
With ``x1^2`` and ``x2^2`` a single neuron separates the circle dataset, because the boundary
``x1^2 + x2^2 = r^2`` is a straight line in those features.  This layer computes the chosen
features from a ``(batch, 2)`` input, composing engine operations so that gradients reach the
input (a model can be differentiated with respect to the point, e.g. for saliency).  It has no
weights.

The same table serves :func:`glassnet.datasets.playground.features`, so a feature has one formula.

Examples
--------
>>> import numpy as np
>>> from glassnet.layers import FeatureCross
>>> FeatureCross(["x1", "x1^2", "x1*x2"])(np.array([[2.0, 3.0]])).data.tolist()
[[2.0, 4.0, 6.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..checks import ArgumentTypeError
from ..engine.ops import math as m
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Equation, Explanation, dc
from .base import Layer
from .explaining import io_shapes

# Each feature as a formula of the two input columns (each of shape (..., 1)).
FEATURES: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: m.square(x1),
    "x2^2": lambda x1, x2: m.square(x2),
    "x1*x2": lambda x1, x2: m.multiply(x1, x2),
    "sin(x1)": lambda x1, x2: m.sin(x1),
    "sin(x2)": lambda x1, x2: m.sin(x2),
    # The playground removed these from its UI but still reads them from a URL.
    "cos(x1)": lambda x1, x2: m.cos(x1),
    "cos(x2)": lambda x1, x2: m.cos(x2),
}

# What each feature passes back to (dC/dx1, dC/dx2), given g = dC/d(feature): the chain rule, read by explain().
DERIVATIVES: dict[str, tuple[str, str]] = {
    "x1": ("g", "0"), "x2": ("0", "g"), "x1^2": ("2 x1 g", "0"), "x2^2": ("0", "2 x2 g"),
    "x1*x2": ("x2 g", "x1 g"), "sin(x1)": ("cos(x1) g", "0"), "sin(x2)": ("0", "cos(x2) g"),
    "cos(x1)": ("-sin(x1) g", "0"), "cos(x2)": ("0", "-sin(x2) g"),
}

# Other spellings, after _key() has lower-cased them and dropped spaces, "_", "(" and ")": the
# playground's own input names (x, y, xSquared, xTimesY, sinX...) and the ways people write them.
_ALIASES = {
    "x1": "x1", "x": "x1", "x2": "x2", "y": "x2",
    "x1^2": "x1^2", "xsquared": "x1^2", "x1squared": "x1^2",
    "x2^2": "x2^2", "ysquared": "x2^2", "x2squared": "x2^2",
    "x1*x2": "x1*x2", "x1x2": "x1*x2", "xtimesy": "x1*x2", "x1timesx2": "x1*x2",
    "sinx1": "sin(x1)", "sinx": "sin(x1)", "sinx2": "sin(x2)", "siny": "sin(x2)",
    "cosx1": "cos(x1)", "cosx": "cos(x1)", "cosx2": "cos(x2)", "cosy": "cos(x2)",
}


def _key(name: str) -> str:
    key = name.lower().replace("**", "^").replace("²", "^2")
    return "".join(c for c in key if not c.isspace() and c not in "_()")


def feature_names(names: Any, owner: str = "features") -> list[str]:
    """The canonical names of ``names`` (``["x", "xSquared"]`` -> ``["x1", "x1^2"]``), checked.

    Raises
    ------
    ArgumentTypeError
        ``names`` is not a list of strings.
    ValueError
        A name is unknown (the message lists the known ones), listed twice, or the list is empty.
    """
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ArgumentTypeError(f"{owner}: features must be a list of feature names such as ['x1', 'x2'], "
                                f"got {names!r}")
    canonical: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ArgumentTypeError(f"{owner}: features must be feature names (strings), got {name!r} in {names!r}")
        found = name if name in FEATURES else _ALIASES.get(_key(name))
        if found is None:
            raise ValueError(f"{owner}: unknown feature {name!r}; known features: {', '.join(FEATURES)} (also the "
                             "playground's names x, y, xSquared, ySquared, xTimesY, sinX, sinY)")
        if found in canonical:
            raise ValueError(f"{owner}: feature {found!r} is listed twice in {list(names)!r}")
        canonical.append(found)
    if not canonical:
        raise ValueError(f"{owner}: features must name at least one feature; known features: {', '.join(FEATURES)}")
    return canonical


def cross_features(inputs: Any, names: Sequence[str]) -> Tensor:
    """The features ``names`` (canonical, see :func:`feature_names`) of points ``(..., 2)``, side by side."""
    x = as_tensor(inputs)
    x1, x2 = m.getitem(x, (Ellipsis, slice(0, 1))), m.getitem(x, (Ellipsis, slice(1, 2)))
    columns = [FEATURES[name](x1, x2) for name in names]
    return columns[0] if len(columns) == 1 else m.concatenate(columns, axis=-1)


class FeatureCross(Layer):
    """Compute playground features of 2-D points: ``(batch, 2) -> (batch, len(features))``.

    Parameters
    ----------
    features : list of str
        In output order, from ``x1``, ``x2``, ``x1^2``, ``x2^2``, ``x1*x2``, ``sin(x1)``, ``sin(x2)``
        (and ``cos(x1)``, ``cos(x2)``).  The playground's names (``x``, ``y``, ``xSquared``,
        ``ySquared``, ``xTimesY``, ``sinX``, ``sinY``) and spellings such as ``x1**2``, ``x1 x2``
        or ``sin x1`` are accepted; the config keeps the canonical names.  Default: the
        playground's default, ``["x1", "x2"]``.
    **kwargs
        ``name``, ``input_shape``... as for every layer.
    """

    def __init__(self, features: Sequence[str] = ("x1", "x2"), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.features = feature_names(features, f"FeatureCross '{self.name}'")

    def build(self, input_shape: Any) -> None:
        if len(input_shape) < 1 or input_shape[-1] != 2:
            raise ValueError(f"FeatureCross '{self.name}': expects points (x1, x2), i.e. inputs of shape "
                             f"(batch, 2); got samples of shape {tuple(input_shape)}")
        self.built = True

    def call(self, inputs: Any) -> Any:
        return cross_features(inputs, self.features)

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, 2), (None, len(self.features)))
        e = Explanation(self.name, type(self).__name__, {"x": x, "a": a, "g": a})
        e.forward.append(Equation(f"a = [{', '.join(self.features)}]", "", "x -> a"))
        # Each input coordinate receives the sum over the features that use it (the multivariable chain rule).
        for axis, label in ((0, "x1"), (1, "x2")):
            terms = [f"{DERIVATIVES[f][axis].replace('g', f'g_{j + 1}')}" for j, f in enumerate(self.features)
                     if DERIVATIVES[f][axis] != "0"]
            e.backward.append(Equation(f"dC/d{label} = {' + '.join(terms) or '0'}", ""))
        e.backward.append(Equation("dC/dx = [dC/dx1, dC/dx2]", dc("x") + " = [" + dc("x1") + ", " + dc("x2") + "]",
                                   "g -> x"))
        e.notes.append("no weights: the features are fixed functions of the point; g_j = dC/d(feature j)")
        return e

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[:-1]) + (len(self.features),)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "features": list(self.features)}
