"""``keras.random``: seeded random tensors, with Keras 3's names and signatures.

Every function takes ``seed``, which is one of

* ``None``: draw from glassnet's global generator (:func:`glassnet.backend.rng`), which
  :func:`glassnet.utils.set_random_seed` reseeds, so a whole script is repeatable;
* an ``int``: a fixed stream, so the same call gives the same values every time (as in Keras);
* a :class:`SeedGenerator`: a private stream that advances on every call, so successive calls
  differ but the sequence is repeatable from the generator's seed.

Results are constant tensors (no gradient flows into a random draw), except :func:`dropout`,
whose gradient is the mask, as for the ``Dropout`` layer.

Host and device: the draws come from a NumPy generator on the host whatever the backend (so a seed
gives the same numbers on CPU and GPU; see docs/gpu.md); their parameters are read there with
:func:`glassnet.backend.to_numpy` and each result crosses to the backend once with
:func:`glassnet.backend.to_array` (free on NumPy).  The module holds no NumPy import of its own.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

from . import backend
from .backend import xp
from .engine.ops import nn as _nn
from .engine.tensor import Tensor, Variable, as_tensor

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint", "shuffle",
           "truncated_normal", "uniform"]


class SeedGenerator:
    """A seed that advances each time a random function uses it (``keras.random.SeedGenerator``).

    Parameters
    ----------
    seed : int, optional
        The starting seed.  ``None`` draws one from glassnet's global generator, so it too is
        fixed by :func:`glassnet.utils.set_random_seed`.
    name : str, optional
        The name of its ``state`` variable.

    Notes
    -----
    The state is ``[seed, counter]``; each :meth:`next` returns it and increments the counter.
    NumPy's generator seeded with that pair gives independent streams per call, so saving and
    restoring ``state`` resumes the exact sequence.
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        if seed is None:
            seed = int(backend.rng().integers(0, 2**31 - 1))
        elif not isinstance(seed, Integral) or isinstance(seed, bool):
            raise TypeError(f"SeedGenerator: seed must be an int or None, got {type(seed).__name__}")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(xp.array([int(seed), 0], dtype=xp.int64), trainable=False,
                              name=f"{self.name}/state", dtype=xp.int64)

    def next(self, ordered: bool = True) -> Any:
        """Return the current ``[seed, counter]`` state and advance the counter."""
        current = self.state.data.copy()
        self.state.data[1] += 1
        return current

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (``{"seed": ...}``)."""
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "SeedGenerator":
        """Rebuild from :meth:`get_config`'s dictionary."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed} calls={int(self.state.data[1])}>"


def _generator(seed: Any, fn: str) -> backend.Generator:
    """The NumPy generator a ``seed`` argument stands for (see the module docstring)."""
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return backend.default_rng(backend.to_numpy(seed.next()).tolist())
    if isinstance(seed, Integral) and not isinstance(seed, bool):
        return backend.default_rng(int(seed))
    if isinstance(seed, backend.Generator):
        return seed
    raise TypeError(f"{fn}: seed must be None, an int or a SeedGenerator, got {type(seed).__name__}")


def _shape(shape: Any, fn: str) -> tuple[int, ...]:
    if isinstance(shape, Integral):
        shape = (int(shape),)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: shape must be a tuple of ints, got {shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{fn}: shape must not have negative entries, got {dims}")
    return dims


def _float_dtype(dtype: Any, fn: str) -> Any:
    dt = xp.dtype(dtype or backend.floatx())
    if dt.kind != "f":
        raise ValueError(f"{fn}: dtype must be a float type, got {dt.name!r}")
    return dt


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else xp.asarray(x)


def _host(x: Any) -> Any:
    """A parameter of a draw (mean, alpha, counts...) on the host, where the generator is."""
    return backend.to_numpy(x)


def _drawn(values: Any, dtype: Any) -> Tensor:
    """A host draw as a constant tensor of the backend (one copy to the device on CuPy)."""
    return Tensor(backend.to_array(values.astype(dtype)))


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from N(mean, stddev^2)."""
    dt = _float_dtype(dtype, "normal")
    gen = _generator(seed, "normal")
    return _drawn(gen.normal(_host(mean), _host(stddev), _shape(shape, "normal")), dt)


def uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from U[minval, maxval)."""
    dt = xp.dtype(dtype or backend.floatx())
    if dt.kind in "iu":  # Keras allows integer uniform draws; that is randint
        return randint(shape, minval, maxval, dtype=dt, seed=seed)
    dt = _float_dtype(dt, "uniform")
    gen = _generator(seed, "uniform")
    return _drawn(gen.uniform(_host(minval), _host(maxval), _shape(shape, "uniform")), dt)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> Tensor:
    """Samples from N(mean, stddev^2) redrawn until within two standard deviations of the mean."""
    dt = _float_dtype(dtype, "truncated_normal")
    gen = _generator(seed, "truncated_normal")
    dims = _shape(shape, "truncated_normal")
    z = gen.standard_normal(dims)
    bad = abs(z) > 2  # z is a host array: the redraws stay on the host
    while bad.any():  # each redraw keeps ~95%: a handful of rounds at most
        z[bad] = gen.standard_normal(int(bad.sum()))
        bad = abs(z) > 2
    return _drawn(_host(mean) + _host(stddev) * z, dt)


def randint(shape: Any, minval: int, maxval: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Integers drawn uniformly from ``[minval, maxval)``."""
    dt = xp.dtype(dtype)
    if dt.kind not in "iu":
        raise ValueError(f"randint: dtype must be an integer type, got {dt.name!r}")
    if int(maxval) <= int(minval):
        raise ValueError(f"randint: maxval ({maxval}) must be greater than minval ({minval})")
    gen = _generator(seed, "randint")
    return _drawn(gen.integers(int(minval), int(maxval), _shape(shape, "randint")), dt)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """``x`` with its entries along ``axis`` in a random order (the gradient is unshuffled)."""
    from .engine.ops.arrays import take

    x = as_tensor(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"shuffle: axis {axis} is out of range for a tensor of rank {x.ndim}")
    order = _generator(seed, "shuffle").permutation(x.shape[axis])
    return take(x, order, axis=axis)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    if not 0 <= float(rate) < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    return _nn.dropout(inputs, float(rate), noise_shape=noise_shape, seed=_generator(seed, "dropout"))


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Draw ``num_samples`` class indices per row of ``logits`` (batch, classes) -> (batch, num_samples)."""
    z = _value(logits).astype(xp.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical: logits must have shape (batch, classes), got {z.shape}")
    if int(num_samples) < 0:
        raise ValueError(f"categorical: num_samples must be >= 0, got {num_samples}")
    p = xp.exp(z - z.max(axis=1, keepdims=True))
    cdf = xp.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = backend.to_array(_generator(seed, "categorical").random((z.shape[0], int(num_samples))))
    # Inverse-CDF sampling, vectorised over rows: count the classes whose cumulative mass is <= u.
    idx = (u[:, :, None] >= cdf[:, None, :]).sum(axis=2)
    return Tensor(xp.minimum(idx, z.shape[1] - 1).astype(dtype))


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from Gamma(alpha, 1) (mean and variance ``alpha``)."""
    dt = _float_dtype(dtype, "gamma")
    alpha_ = _host(alpha)
    if (alpha_ <= 0).any():
        raise ValueError(f"gamma: alpha must be positive, got {alpha}")
    return _drawn(_generator(seed, "gamma").gamma(alpha_, 1.0, _shape(shape, "gamma")), dt)


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from Beta(alpha, beta) (mean ``alpha / (alpha + beta)``)."""
    dt = _float_dtype(dtype, "beta")
    a, b = _host(alpha), _host(beta)
    if (a <= 0).any() or (b <= 0).any():
        raise ValueError(f"beta: alpha and beta must be positive, got {alpha} and {beta}")
    return _drawn(_generator(seed, "beta").beta(a, b, _shape(shape, "beta")), dt)


def binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Number of successes in ``counts`` trials of success probability ``probabilities`` (as floats, as Keras)."""
    dt = _float_dtype(dtype, "binomial")
    p = _host(probabilities)
    if ((p < 0) | (p > 1)).any():
        raise ValueError(f"binomial: probabilities must be in [0, 1], got {probabilities}")
    n = _host(counts).astype("int64")
    return _drawn(_generator(seed, "binomial").binomial(n, p, _shape(shape, "binomial")), dt)
