"""Dropout: randomly silence units while training (inverted, so inference needs no rescaling)."""

from __future__ import annotations

from typing import Any

from .. import backend
from ..checks import check_integer, check_number
from ..engine.ops import nn
from ..explanation import Equation, Explanation, dc
from .base import Layer
from .explaining import io_shapes


class Dropout(Layer):
    """Zero each input unit with probability ``rate`` during training, scaling survivors by
    1/(1 - rate); identity at inference (``training`` False or None).

    Parameters
    ----------
    rate : float
        Fraction of units dropped, in [0, 1).
    noise_shape : tuple, optional
        Shape of the mask (``None`` entries take the input's size), to drop whole channels.
    seed : int, optional
        Seed of a private generator, for a repeatable mask sequence.
    """

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # rate = 1 would divide the survivors by 1 - rate = 0.
        self.rate = check_number(rate, "rate", f"Dropout '{self.name}'", low=0, high=1, high_open=True)
        self.noise_shape = noise_shape
        self.seed = check_integer(seed, "seed", f"Dropout '{self.name}'", low=0, optional=True)
        self._generator = backend.default_rng(seed) if seed is not None else None

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or self.rate == 0:
            return inputs
        shape = None
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        return nn.dropout(inputs, self.rate, shape, self._generator)

    def _explain(self) -> Explanation:
        # call() above: a fresh random mask each training step, the identity at inference.
        x, _ = io_shapes(self, (None, "K"), None)
        mask = x if self.noise_shape is None else tuple(s if n is None else n for n, s in zip(self.noise_shape, x))
        keep = f"{1 - self.rate:g}"
        e = Explanation(self.name, "Dropout", {"x": x, "a": x, "g": x, "mask": mask})
        e.forward.append(Equation(f"a = x * mask / {keep}   (training; mask = 1 with probability {keep}, else 0)",
                                  rf"a = x \odot m / {keep},\ m \sim \mathrm{{Bernoulli}}({keep})", "x * mask -> a"))
        e.backward.append(Equation(f"dC/dx = g * mask / {keep}   (the same mask)", dc("x") + rf" = g \odot m / {keep}",
                                   "g * mask -> x"))
        e.notes.append(f"rate = {self.rate:g}; at inference (training=False) a = x and dC/dx = g")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
