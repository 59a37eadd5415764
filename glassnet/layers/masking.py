"""Masking: mark the time steps whose features all equal ``mask_value`` as padding (Keras' layer)."""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..checks import check_number
from ..engine.ops import math as m
from ..engine.tensor import Tensor, as_tensor
from ..explanation import Equation, Explanation
from .base import Layer
from .explaining import io_shapes


class Masking(Layer):
    """Skip the padded steps of a sequence: ``mask[n, t] = any(x[n, t, :] != mask_value)``.

    The output is ``x * mask`` (padded steps become 0) and carries the mask, so the recurrent layers
    after it skip those steps, and compile's loss and metrics leave them out.

    Parameters
    ----------
    mask_value : float
        The padding value (0.0 by default).

    Examples
    --------
    >>> import glassnet as keras
    >>> x = keras.ops.convert_to_tensor([[[1.0], [0.0]]])
    >>> keras.layers.Masking()(x)._keras_mask.tolist()
    [[True, False]]
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = check_number(mask_value, "mask_value", f"Masking '{self.name}'")

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        data = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
        return xp.any(data != self.mask_value, axis=-1)

    def call(self, inputs: Any) -> Any:
        x = as_tensor(inputs)
        mask = self.compute_mask(x)
        out = m.multiply(x, Tensor(mask[..., None].astype(x.dtype)))
        out._keras_mask = mask
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "T", "d"), None)
        e = Explanation(self.name, "Masking", {"x": x, "a": x, "g": x})
        e.forward.append(Equation(f"mask[n, t] = any(x[n, t, :] != {self.mask_value:g});  a = x * mask",
                                  r"a_{nt} = x_{nt}\,[\exists i: x_{nti} \neq v]", "x -> a"))
        e.backward.append(Equation("dC/dx = g * mask", r"\frac{\partial C}{\partial x} = g \odot m", "g -> x"))
        e.notes.append("the mask rides on the output: recurrent layers skip the padded steps, losses ignore them")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
