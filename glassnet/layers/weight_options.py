"""Weight options: the ``<weight>_initializer``, ``_regularizer`` and ``_constraint`` arguments of layers.

Dense, the convolutions, BatchNormalization and PReLU take these three options
for each weight they own (``kernel_initializer``, ``gamma_regularizer``,
``alpha_constraint``, ...).  Each option goes through the same three steps:
resolved once in ``__init__`` (a name or config becomes an object, so a typo
fails at construction, not at ``build``), handed to ``add_weight`` in ``build``,
and written back by name in ``get_config``.  The steps live here, once, and the
option's suffix says which registry (initializers, regularizers, constraints)
it belongs to.

:class:`KernelBiasLayer` builds on them for the layers computing
``activation(x (*) kernel + bias)``: Dense and the convolutions.
"""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.tensor import Variable
from .base import Layer

# The registry of each option kind, found from the option's suffix ("kernel_initializer" -> initializers).
_REGISTRIES = {"initializer": _initializers, "regularizer": _regularizers, "constraint": _constraints}


def _registry(option: str) -> Any:
    return _REGISTRIES[option.rsplit("_", 1)[-1]]


def set_weight_options(layer: Layer, **options: Any) -> None:
    """Resolve each option (``kernel_initializer="he_normal"``) and set it on ``layer`` under its own name.

    Parameters
    ----------
    layer : Layer
        The layer being constructed.
    **options
        ``<weight>_initializer``, ``<weight>_regularizer`` or ``<weight>_constraint`` values, as the
        user passed them: a name, a config dict, an object or ``None``.
    """
    for option, value in options.items():
        setattr(layer, option, _registry(option).get(value))


def weight_options_config(layer: Layer, *options: str) -> dict[str, Any]:
    """The named options of ``layer`` serialized for ``get_config``, in the order given."""
    return {option: _registry(option).serialize(getattr(layer, option)) for option in options}


def add_weight_with_options(layer: Layer, name: str, shape: tuple[int, ...]) -> Variable:
    """Create weight ``name`` with the layer's ``<name>_initializer`` and, where it has them,
    ``<name>_regularizer`` and ``<name>_constraint``."""
    return layer.add_weight(shape, getattr(layer, f"{name}_initializer"),
                            regularizer=getattr(layer, f"{name}_regularizer", None),
                            constraint=getattr(layer, f"{name}_constraint", None), name=name)


# Keras' order of these options in a config.
KERNEL_BIAS_OPTIONS = ("kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                       "activity_regularizer", "kernel_constraint", "bias_constraint")


class KernelBiasLayer(Layer):
    """Base of the layers computing ``activation(x (*) kernel + bias)``: Dense and the convolutions.

    Holds what they share: the activation, ``use_bias``, the kernel and bias
    initializers, regularizers and constraints, the ``activity_regularizer`` (a
    penalty on the layer's output), creating the two weights, and their part of
    the config.  The arguments are documented once, on :class:`~glassnet.layers.Dense`.
    """

    def __init__(self, activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(self, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                           activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                           bias_constraint=bias_constraint)

    def build_kernel_and_bias(self, kernel_shape: tuple[int, ...], units: int) -> None:
        """Create ``self.kernel`` of ``kernel_shape`` and, with ``use_bias``, ``self.bias`` of ``(units,)``."""
        self.kernel = add_weight_with_options(self, "kernel", kernel_shape)
        self.bias = add_weight_with_options(self, "bias", (units,)) if self.use_bias else None

    def activate(self, z: Any) -> Any:
        """``activation(z)``, recording the activity penalty on it when the layer has one."""
        out = self.activation(z)
        self.add_activity_loss(out)
        return out

    def kernel_bias_config(self) -> dict[str, Any]:
        """The config entries of the shared arguments, from ``activation`` to ``bias_constraint``."""
        return {"activation": _activations.serialize(self.activation), "use_bias": self.use_bias,
                **weight_options_config(self, *KERNEL_BIAS_OPTIONS)}
