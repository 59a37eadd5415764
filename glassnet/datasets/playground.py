"""The TensorFlow Playground's datasets, with its formulas, noise and train/test split.

Classification: ``circle``, ``xor``, ``gauss``, ``spiral``; regression: ``plane`` and
``multi_gauss`` (the playground's ``reg-plane`` and ``reg-gauss``).  Points lie in about
[-6, 6]^2.  As in ``src/dataset.ts`` of tensorflow/playground:

* ``noise`` is the slider's percentage, 0..50; the generators use ``noise / 100``.
* circle and xor keep the points where they are and decide the label from a *noised copy* of the
  point, so noise flips labels near the boundary; gauss widens the clouds (variance 0.5 at
  noise 0 up to 4 at noise 50); spiral jitters the points; the regression sets compute the
  target from a noised copy of the point.
* The points are generated, shuffled once (Fisher-Yates) and split: the first
  ``floor(n_samples * train_ratio / 100)`` are the training set.

The playground labels classes -1/+1 and trains with ``0.5 (o - t)^2`` on a tanh output.  Keras'
classification losses want 0/1, so :func:`load_data` returns 0/1 labels by default;
``labels="signed"`` gives the playground's -1/+1.  Regression targets are real numbers in about
[-1, 1] either way.

Everything here is a pure NumPy function of its arguments and ``seed``: the same seed gives the
same data, so a lecture, a test and a browser playground can share a dataset by its seed.

Examples
--------
>>> from glassnet.datasets import playground
>>> (x_train, y_train), (x_test, y_test) = playground.load_data("circle", noise=10, seed=0)
>>> x_train.shape, y_train.shape, x_test.shape, sorted(set(y_train.tolist()))
((250, 2), (250,), (250, 2), [0.0, 1.0])
>>> playground.features([[2.0, 3.0]], ["x1", "x2^2", "x1*x2", "sin(x1)"]).round(3).tolist()
[[2.0, 9.0, 6.0, 0.909]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import backend
from ..checks import ArgumentTypeError, check_integer, check_number
from ..layers.feature_cross import cross_features, feature_names

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
"""The classification datasets (labels -1/+1, or 0/1 from :func:`load_data`)."""
REGRESSION = ("plane", "multi_gauss")
"""The regression datasets (real targets)."""
DATASETS = CLASSIFICATION + REGRESSION

# The playground's keys and titles, and common spellings, for the names above.
_ALIASES = {"reg-plane": "plane", "reg_plane": "plane", "reg-gauss": "multi_gauss", "reg_gauss": "multi_gauss",
            "multi-gauss": "multi_gauss", "multi_gaussian": "multi_gauss", "multi-gaussian": "multi_gauss",
            "multigaussian": "multi_gauss", "gaussian": "gauss", "exclusive_or": "xor", "exclusive-or": "xor"}
NUM_SAMPLES_CLASSIFY = 500
NUM_SAMPLES_REGRESS = 1200
_R = 5.0  # circle radius, and the half-width of the xor square


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    # n/2 points inside r < R/2 labelled +1, n/2 in the ring 0.7R < r < R labelled -1 (before noise).
    half = n // 2
    r = np.concatenate([rng.uniform(0, _R * 0.5, half), rng.uniform(_R * 0.7, _R, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    shifted = x + rng.uniform(-_R, _R, (n, 2)) * noise
    return x, np.where(np.hypot(shifted[:, 0], shifted[:, 1]) < _R * 0.5, 1.0, -1.0)


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)  # padding: no point within 0.3 of an axis
    shifted = x + rng.uniform(-5, 5, (n, 2)) * noise
    return x, np.where(shifted[:, 0] * shifted[:, 1] >= 0, 1.0, -1.0)


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    variance = 0.5 + (4 - 0.5) * noise / 0.5  # noise 0..0.5 -> variance 0.5..4 (linear)
    half = n // 2
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [half, n - half], axis=0)
    x = centres + rng.normal(0.0, np.sqrt(variance), (n, 2))
    return x, np.repeat([1.0, -1.0], [half, n - half])


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    i = np.concatenate([np.arange(half), np.arange(n - half)]).astype(float)
    count = np.concatenate([np.full(half, half), np.full(n - half, n - half)]).astype(float)
    delta = np.repeat([0.0, np.pi], [half, n - half])
    r = i / count * 5
    t = 1.75 * i / count * 2 * np.pi + delta
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (n, 2)) * noise
    return x, np.repeat([1.0, -1.0], [half, n - half])


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-6, 6, (n, 2))
    shifted = x + rng.uniform(-6, 6, (n, 2)) * noise
    return x, (shifted[:, 0] + shifted[:, 1]) / 10  # [-10, 10] -> [-1, 1], not clamped


_CENTRES = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multi_gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-6, 6, (n, 2))
    shifted = x + rng.uniform(-6, 6, (n, 2)) * noise
    # Each centre's value sign * clamp(1 - d/2, 0, 1); the label is the one largest in size (the
    # first such centre on a tie, as the playground's strict ">" keeps the earlier one).
    d = np.hypot(shifted[:, None, 0] - _CENTRES[:, 0], shifted[:, None, 1] - _CENTRES[:, 1])
    values = _CENTRES[:, 2] * np.clip(1 - d / 2, 0, 1)
    return x, values[np.arange(n), np.argmax(np.abs(values), axis=1)]


_GENERATORS: dict[str, Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "plane": _plane, "multi_gauss": _multi_gauss,
}


def _name(name: Any, owner: str) -> str:
    if isinstance(name, str):
        key = name.strip().lower()
        key = _ALIASES.get(key, key)
        if key in _GENERATORS:
            return key
    raise ValueError(f"{owner}: unknown dataset {name!r}; known datasets: {', '.join(DATASETS)} "
                     "(the playground's reg-plane and reg-gauss are accepted too)")


def _rng(seed: Any, owner: str) -> np.random.Generator:
    if seed is None:  # glassnet's generator: keras.utils.set_random_seed makes this reproducible too
        return np.random.default_rng(backend.rng().integers(2**63))
    return np.random.default_rng(check_integer(seed, "seed", owner, low=0, expected="a non-negative integer or None"))


def _points(name: Any, n_samples: Any, noise: Any, rng: np.random.Generator, owner: str
            ) -> tuple[str, np.ndarray, np.ndarray]:
    name = _name(name, owner)
    default = NUM_SAMPLES_CLASSIFY if name in CLASSIFICATION else NUM_SAMPLES_REGRESS
    n = default if n_samples is None else check_integer(n_samples, "n_samples", owner, low=2)
    noise = check_number(noise, "noise", owner, low=0, high=50, expected="a percentage in [0, 50] (the "
                         "playground's noise slider)")
    return name, *_GENERATORS[name](rng, n, noise / 100)


def generate(name: str, n_samples: int | None = None, noise: float = 0, seed: int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """All the points of a dataset in generation order (not shuffled), with the playground's labels.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS` (``"reg-plane"``, ``"reg-gauss"`` and ``"gaussian"`` are accepted too).
    n_samples : int, optional
        500 for classification, 1200 for regression (the playground's counts) by default.
    noise : float
        The playground's noise slider, a percentage in [0, 50].
    seed : int, optional
        Same seed, same data.  None draws from glassnet's generator (seeded by
        ``keras.utils.set_random_seed``).

    Returns
    -------
    x : float64 array (n_samples, 2)
    y : float64 array (n_samples,)
        -1/+1 for classification, a real target for regression.
    """
    owner = "playground.generate"
    _, x, y = _points(name, n_samples, noise, _rng(seed, owner), owner)
    return x, y


def load_data(name: str = "circle", n_samples: int | None = None, noise: float = 0, train_ratio: float = 50,
              seed: int | None = None, labels: str = "binary", dtype: Any = "float32"
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A playground dataset, shuffled and split, as ``(x_train, y_train), (x_test, y_test)``.

    Parameters
    ----------
    name : str
        ``"circle"`` (default), ``"xor"``, ``"gauss"``, ``"spiral"``, ``"plane"`` or ``"multi_gauss"``.
    n_samples : int, optional
        Points in all (train + test); 500 for classification and 1200 for regression by default.
    noise : float
        Percentage in [0, 50], as the playground's slider (default 0).
    train_ratio : float
        Percentage of the points used for training, in [10, 90] (playground default 50).
    seed : int, optional
        Makes the data reproducible; None draws from glassnet's generator.
    labels : {"binary", "signed"}
        Classification labels as 0/1 (for Keras' losses, the default) or as the playground's -1/+1.
        Ignored for regression.
    dtype : str
        Of the returned arrays (float32 by default).

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x`` of shape (n, 2); ``y`` of shape (n,).

    Raises
    ------
    ValueError
        An unknown name or ``labels``, or a number out of range (the message names the argument).
    """
    owner = "playground.load_data"
    if labels not in ("binary", "signed"):
        raise ValueError(f"{owner}: labels must be 'binary' (0/1) or 'signed' (-1/+1), got {labels!r}")
    ratio = check_number(train_ratio, "train_ratio", owner, low=10, high=90,
                         expected="a percentage in [10, 90] (the playground's ratio slider)")
    rng = _rng(seed, owner)
    name, x, y = _points(name, n_samples, noise, rng, owner)
    # As the playground: one seeded stream generates, then shuffles once; the first
    # floor(n * ratio / 100) points are the training set.
    order = rng.permutation(len(x))
    x, y = x[order].astype(dtype), y[order]
    if name in CLASSIFICATION and labels == "binary":
        y = (y > 0).astype(y.dtype)
    y = y.astype(dtype)
    split = int(np.floor(len(x) * ratio / 100))
    return (x[:split], y[:split]), (x[split:], y[split:])


def features(x: Any, names: Sequence[str] = ("x1", "x2")) -> np.ndarray:
    """The playground's input features of points ``x`` (n, 2), one column per name.

    Parameters
    ----------
    x : array (n, 2)
        Points (x1, x2).
    names : list of str
        From ``x1``, ``x2``, ``x1^2``, ``x2^2``, ``x1*x2``, ``sin(x1)``, ``sin(x2)`` (also ``cos(x1)``,
        ``cos(x2)``); the playground's names ``x``, ``y``, ``xSquared``, ``ySquared``, ``xTimesY``,
        ``sinX``, ``sinY`` and spellings such as ``x1**2`` work too.  The layer
        :class:`glassnet.layers.FeatureCross` computes the same inside a model.

    Returns
    -------
    array (n, len(names)), of ``x``'s float dtype.
    """
    names = feature_names(names, "playground.features")
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"playground.features: x must be points of shape (n, 2), got shape {arr.shape}")
    if arr.dtype.kind != "f":
        if arr.dtype.kind not in "biu":
            raise ArgumentTypeError(f"playground.features: x must hold numbers, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    return cross_features(arr, names).data
