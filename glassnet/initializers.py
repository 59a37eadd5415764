"""Weight initializers with Keras' names, defaults and formulas.

fan_in / fan_out of a kernel: for Dense (in, out) they are in and out; for a
convolution kernel (kh, kw, in, out) each is multiplied by kh*kw, the
receptive field.
"""

from __future__ import annotations

import math
from typing import Any

from . import backend
from .backend import xp
from .registry import Registry

_REGISTRY = Registry("initializer")


def compute_fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """Return (fan_in, fan_out) for a weight of ``shape`` as Keras computes them."""
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Initializer":
        return cls(**config)


def _dtype(dtype: Any) -> Any:
    return dtype or backend.floatx()


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        return xp.zeros(shape, dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        return xp.ones(shape, dtype=_dtype(dtype))


class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        return xp.full(shape, self.value, dtype=_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal samples N(mean, stddev^2); Keras' defaults mean 0, stddev 0.05."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        gen = _generator(self.seed)
        return (gen.standard_normal(shape) * self.stddev + self.mean).astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform samples U(minval, maxval); Keras' defaults -0.05 and 0.05."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        gen = _generator(self.seed)
        return gen.uniform(self.minval, self.maxval, size=shape).astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal samples redrawn until within two standard deviations of the mean."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        gen = _generator(self.seed)
        return (_truncated_standard_normal(gen, shape) * self.stddev + self.mean).astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n``, n = fan_in, fan_out or their mean (``mode``).

    ``distribution`` is 'truncated_normal' (stddev corrected for the truncation,
    as Keras does), 'untruncated_normal' or 'uniform' (limit sqrt(3 scale / n)).
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(f"VarianceScaling: unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        fan_in, fan_out = compute_fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        gen = _generator(self.seed)
        if self.distribution in ("truncated_normal", "normal"):
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2].
            std = math.sqrt(variance) / 0.87962566103423978
            values = _truncated_standard_normal(gen, shape) * std
        elif self.distribution == "untruncated_normal":
            values = gen.standard_normal(shape) * math.sqrt(variance)
        else:
            limit = math.sqrt(3.0 * variance)
            values = gen.uniform(-limit, limit, size=shape)
        return values.astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)): Keras' default kernel initializer."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """U(-limit, limit), limit = sqrt(6 / fan_in): suited to ReLU layers."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / fan_in)."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(1 / fan_in): the SELU initializer."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    """U(-limit, limit), limit = sqrt(3 / fan_in)."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class Orthogonal(Initializer):
    """A (scaled) random orthogonal matrix from the QR decomposition of a normal sample."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = gain, seed

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of at least 2 axes, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        gen = _generator(self.seed)
        a = backend.to_array(gen.standard_normal((max(rows, cols), min(rows, cols))))  # host draw -> device
        q, r = xp.linalg.qr(a)
        q *= xp.sign(xp.diag(r))  # make the decomposition unique
        if rows < cols:
            q = q.T
        # C order: q.T is Fortran-ordered, and a weight's flat views (optimizers, gradcheck) need C order
        return xp.ascontiguousarray((self.gain * q[:rows, :cols]).reshape(shape), dtype=_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix times ``gain`` (2-D shapes only)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> Any:
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {shape}")
        return (self.gain * xp.eye(*shape)).astype(_dtype(dtype))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


def _generator(seed: int | None) -> Any:
    # NumPy's generator on every backend, so a seed gives the same weights on CPU and GPU (backend.py).
    return backend.rng() if seed is None else backend.default_rng(seed)


def _truncated_standard_normal(gen: Any, shape: tuple[int, ...]) -> Any:
    values = gen.standard_normal(shape)  # drawn and redrawn on the host, then moved to the backend
    outside = abs(values) > 2
    while outside.any():  # loops over redraw rounds (a handful), never over elements
        values[outside] = gen.standard_normal(int(outside.sum()))
        outside = abs(values) > 2
    return backend.to_array(values)


for _cls, _names in [
    (Zeros, ("Zeros", "zeros", "zero")), (Ones, ("Ones", "ones", "one")), (Constant, ("Constant", "constant")),
    (RandomNormal, ("RandomNormal", "random_normal", "normal")),
    (RandomUniform, ("RandomUniform", "random_uniform", "uniform")),
    (TruncatedNormal, ("TruncatedNormal", "truncated_normal")),
    (VarianceScaling, ("VarianceScaling", "variance_scaling")),
    (GlorotUniform, ("GlorotUniform", "glorot_uniform")), (GlorotNormal, ("GlorotNormal", "glorot_normal")),
    (HeUniform, ("HeUniform", "he_uniform")), (HeNormal, ("HeNormal", "he_normal")),
    (LecunNormal, ("LecunNormal", "lecun_normal")), (LecunUniform, ("LecunUniform", "lecun_uniform")),
    (Orthogonal, ("Orthogonal", "orthogonal")), (Identity, ("Identity", "identity")),
]:
    _REGISTRY.add(_cls, *_names)


def get(identifier: Any) -> Initializer:
    """Resolve a name, a config dict, a class, an instance or a callable to an initializer."""
    if identifier is None:
        return Zeros()
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        return _REGISTRY.get(identifier, "initializer")()
    if isinstance(identifier, dict):
        cls = _REGISTRY.get(identifier["class_name"], "initializer")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer {identifier!r}")


def serialize(init: Any) -> dict[str, Any]:
    """A config dict that :func:`get` turns back into an equal initializer."""
    name = getattr(type(init), "_registered_name", None) or type(init).__name__
    return {"class_name": name, "config": init.get_config()}


# Keras exposes lowercase function-style aliases too (keras.initializers.he_normal()).
zeros, ones, constant = Zeros, Ones, Constant
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_normal, lecun_uniform, orthogonal = LecunNormal, LecunUniform, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "Initializer", "LecunNormal",
    "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
    "Zeros", "constant", "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
    "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "serialize", "truncated_normal",
    "zeros"
]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
