"""Dense, Activation and Lambda: the layers of a multi-layer perceptron."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import activations as _activations
from ..backend import xp
from ..checks import check_integer, check_number
from ..engine.ops import math as m
from ..engine.ops import nn
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, Param, dc, latex_text
from ..registry import get_registered_object
from ..serialization import SavedModelError
from .base import InputSpec, Layer
from .explaining import as_layer, io_shapes
from .weight_options import KernelBiasLayer, add_weight_with_options, set_weight_options, weight_options_config


class Dense(KernelBiasLayer):
    """Fully connected layer: ``output = activation(inputs @ kernel + bias)``.

    Applied to the last axis, so a (batch, time, features) input gives
    (batch, time, units), as in Keras.  Kernel layout ``(in, units)``.

    Parameters
    ----------
    units : int
        Number of neurons (output features).
    activation : str or callable, optional
        ``None`` means linear.
    use_bias : bool
        Whether to add the bias vector ``b``.
    kernel_initializer, bias_initializer : str or Initializer
        Defaults ``"glorot_uniform"`` and ``"zeros"``.
    kernel_regularizer, bias_regularizer, activity_regularizer : Regularizer, optional
        Penalties added to the loss (the last on the layer's output).
    kernel_constraint, bias_constraint : Constraint, optional
        Applied to the weight after each optimizer step.

    Examples
    --------
    >>> import glassnet as keras
    >>> layer = keras.layers.Dense(3, activation="relu")
    >>> layer(keras.ops.ones((2, 4))).shape
    (2, 3)
    """

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any) -> None:
        # The shared options are spelled out above so help(Dense) shows Keras' signature.
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        self.units = check_integer(units, "units", f"Dense '{self.name}'")
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple):
            raise ValueError(f"Dense '{self.name}' takes one input tensor, got {len(input_shape)} inputs")
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(f"Dense '{self.name}': the last axis of the input must be known, got {input_shape}")
        self.build_kernel_and_bias((fan_in, self.units), self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: fan_in})
        self.built = True

    def call(self, inputs: Any) -> Any:
        # z = x W + b  (its backward, dW = x^T delta, lives next to it in engine.ops.nn.dense)
        return self.activate(nn.dense(inputs, self.kernel, self.bias))

    def _explain(self) -> Explanation:
        # call() above, in the course's notation, with this layer's shapes (symbols before build).
        x, a = io_shapes(self, (None, "n_in"), None)
        n_in = x[-1]
        z = tuple(x[:-1]) + (self.units,) if a is None else a
        e = Explanation(self.name, "Dense", {"x": x, "W": (n_in, self.units), "z": z, "delta": z})
        e.params.append(Param("W", "kernel", (n_in, self.units)))
        if self.use_bias:
            e.symbols["b"] = (self.units,)
            e.params.append(Param("b", "bias", (self.units,)))
            e.forward.append(Equation("z = x W + b", "z = xW + b", "x @ W + b -> z"))
        else:
            e.forward.append(Equation("z = x W", "z = xW", "x @ W -> z"))
        e.extend(_activations.explain(self.activation, z))
        e.backward.append(Equation("dC/dW = x^T delta", dc("W") + r" = x^\top \delta", "x^T @ delta -> W"))
        if self.use_bias:
            e.backward.append(Equation("dC/db = sum_n delta_n",
                                       dc("b") + r" = \sum_n \delta_n", "delta -> b"))
        e.backward.append(Equation("dC/dx = delta W^T", dc("x") + r" = \delta W^\top", "delta @ W^T -> x"))
        if len(x) > 2:
            e.notes.append("x has more than one leading axis: they are flattened into rows, and x^T delta sums "
                           "over all of them")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, **self.kernel_bias_config()}


class Activation(Layer):
    """Apply an activation function: ``Activation("relu")``."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        return as_layer(_activations.explain(self.activation, x, z="x", grad=("dC/dx", dc("x"))), self)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": _activations.serialize(self.activation)}


class ReLU(Layer):
    """ReLU as a layer, with Keras' optional ``max_value``, ``negative_slope`` and ``threshold``."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"ReLU '{self.name}'"
        self.max_value = check_number(max_value, "max_value", who, low=0, optional=True)
        self.negative_slope = check_number(negative_slope, "negative_slope", who, low=0)
        self.threshold = check_number(threshold, "threshold", who)

    def call(self, inputs: Any) -> Any:
        return _activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        if self.negative_slope == 0 and self.max_value is None and self.threshold == 0:
            return as_layer(_activations.explain("relu", x, z="x", grad=("dC/dx", dc("x"))), self)
        t, s = self.threshold, self.negative_slope
        cap = "" if self.max_value is None else f", capped at {self.max_value:g}"
        e = Explanation(self.name, "ReLU", {"x": x, "a": x, "g": x})
        e.forward.append(Equation(f"a = x if x > {t:g} else {s:g} (x - {t:g}){cap}",
                                  rf"a = x\,\mathbb{{1}}[x > {t:g}] + {s:g} (x - {t:g})\,\mathbb{{1}}[x \le {t:g}]",
                                  "x -> a"))
        e.backward.append(Equation(f"dC/dx = g * (1 if x > {t:g}{cap and ' (0 above the cap)'} else {s:g})",
                                   dc("x") + rf" = g \odot (\mathbb{{1}}[x > {t:g}] + {s:g}\,\mathbb{{1}}[x \le {t:g}])",
                                   "g * x -> x"))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """Leaky ReLU layer; Keras' layer default slope is 0.3 (``alpha=`` accepted, Keras 2)."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.negative_slope = check_number(alpha if alpha is not None else negative_slope,
                                           "alpha" if alpha is not None else "negative_slope",
                                           f"LeakyReLU '{self.name}'", low=0)

    def call(self, inputs: Any) -> Any:
        return nn.leaky_relu(inputs, self.negative_slope)

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        return as_layer(_activations.explain("leaky_relu", x, z="x", grad=("dC/dx", dc("x"))), self,
                        f"alpha = negative_slope = {self.negative_slope:g}")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """Softmax along ``axis`` as a layer."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = check_integer(axis, "axis", f"Softmax '{self.name}'", low=-(2**31))

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            # Keras: a masked position gets a large negative logit, so it takes (almost) no probability
            keep = xp.asarray(mask.data if isinstance(mask, Tensor) else mask, dtype=inputs.dtype)
            inputs = m.add(inputs, (1.0 - keep) * inputs.dtype.type(-1e9))
        return nn.softmax(inputs, self.axis)

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        notes = () if self.axis in (-1, len(x) - 1) else (f"over axis {self.axis}: K is the size of that axis",)
        return as_layer(_activations.explain("softmax", x, z="x", grad=("dC/dx", dc("x"))), self, *notes)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # a builtin without a signature
        return ()


class Lambda(Layer):
    """Wrap an arbitrary function of tensors as a layer: ``Lambda(lambda x: x * 2)``.

    A Lambda's function cannot be saved in a model file (loading never runs
    code from a file); register it and rebuild it by name instead.
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, arguments: dict | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}

    def call(self, inputs: Any, mask: Any = None) -> Any:
        # As Keras: the function receives the mask only if it has a ``mask`` argument.
        if mask is not None and "mask" in _parameters(self.function):
            return self.function(inputs, mask=mask, **self.arguments)
        return self.function(inputs, **self.arguments)

    def _explain(self) -> Explanation:
        x, a = io_shapes(self, (None, "..."), (None, "..."))
        fn = getattr(self.function, "__name__", "function")
        e = Explanation(self.name, "Lambda")
        single = isinstance(x, tuple) and isinstance(a, tuple)
        e.symbols.update({"x": x, "a": a, "g": a} if single else {})
        e.forward.append(Equation(f"a = {fn}(x)", rf"a = \text{{{latex_text(fn)}}}(x)",
                                  "x -> a" if single else ""))
        e.backward.append(Equation(f"dC/dx: the tape differentiates the operations {fn} uses", "",
                                   "g -> x" if single else ""))
        return e

    def get_config(self) -> dict[str, Any]:
        name = getattr(self.function, "_registered_name", None) or getattr(self.function, "__name__", "?")
        return {**super().get_config(), "function": name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Lambda":
        """Rebuild from a config; the function is found by its registered name, never loaded as code.

        Keras writes a named function as ``{"class_name": "function", "config": "name"}``, found the same
        way, and a ``lambda`` as its Python bytecode (``"__lambda__"``), which glassnet never runs: the
        user may opt in by passing the function itself, ``custom_objects={"<layer name>": function}``.
        """
        config = dict(config)
        layer = config.get("name")
        saved = config.get("function")
        if isinstance(saved, dict) and saved.get("class_name") == "function" and isinstance(saved.get("config"), str):
            saved = saved["config"]
        if isinstance(saved, dict) and saved.get("class_name") == "__lambda__":
            fn = get_registered_object(layer) if isinstance(layer, str) else None
            if fn is None or not callable(fn):
                raise SavedModelError(
                    f"Lambda layer '{layer}': Keras saved its function as Python bytecode, and glassnet never runs "
                    "code from a file (Keras too refuses it in safe_mode). To load the model, pass the function "
                    f"yourself: load_model(path, custom_objects={{'{layer}': my_function}})")
            config["function"] = fn
            return cls(**config)
        if not isinstance(saved, str):  # a config only ever names a function
            raise SavedModelError(f"Lambda layer '{layer}': its function is saved as {str(saved)[:60]}; a config "
                                  "may only name a registered function")
        fn = get_registered_object(saved)
        if fn is None:
            raise SavedModelError(
                f"Lambda layer '{layer}' uses the function '{saved}', which is not "
                "registered: functions are never loaded from a file. Register it with "
                "@glassnet.saving.register_keras_serializable() or pass it in custom_objects")
        config["function"] = fn
        return cls(**config)


class ELU(Layer):
    """ELU as a layer: z if z > 0 else alpha (e^z - 1)."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = check_number(alpha, "alpha", f"ELU '{self.name}'")

    def call(self, inputs: Any) -> Any:
        return nn.elu(inputs, self.alpha)

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        return as_layer(_activations.explain("elu", x, z="x", grad=("dC/dx", dc("x"))), self,
                        f"alpha = {self.alpha:g}")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Parametric ReLU: z if z > 0 else a z, with a learned slope ``a`` per feature (last axis)."""

    supports_masking = True  # the mask of a sequence passes through unchanged (Keras)

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None, alpha_constraint: Any = None,
                 shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        set_weight_options(self, alpha_initializer=alpha_initializer, alpha_regularizer=alpha_regularizer,
                           alpha_constraint=alpha_constraint)
        self.shared_axes = None if shared_axes is None else tuple(
            [shared_axes] if isinstance(shared_axes, int) else shared_axes)

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for ax in self.shared_axes or ():
            shape[ax - 1] = 1
        self.alpha = add_weight_with_options(self, "alpha", tuple(shape))
        self.built = True

    def call(self, inputs: Any) -> Any:
        from ..engine.ops import math as m

        # f(z) = max(z, 0) + a min(z, 0): each part differentiable, dC/da = sum of delta * min(z, 0)
        return m.add(nn.relu(inputs), m.multiply(self.alpha, m.minimum(inputs, 0.0)))

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "K"), None)
        alpha = tuple(1 if ax in (self.shared_axes or ()) else n for ax, n in enumerate(x) if ax > 0)
        e = Explanation(self.name, "PReLU", {"x": x, "a": x, "g": x, "alpha": alpha},
                        params=[Param("alpha", "alpha", alpha)])
        e.forward.append(Equation("a = max(x, 0) + alpha * min(x, 0)",
                                  r"a = \max(x, 0) + \alpha \odot \min(x, 0)", "x , alpha -> a"))
        e.backward += [
            Equation("dC/dx = g * (1 if x > 0 else alpha)", dc("x") + r" = g \odot (\mathbb{1}[x > 0] + "
                     r"\alpha\,\mathbb{1}[x \le 0])", "g * x -> x"),
            Equation("dC/dalpha = sum over the batch (and shared axes) of g * min(x, 0)",
                     dc("alpha") + r" = \sum_n g \odot \min(x, 0)", "g -> alpha"),
        ]
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                **weight_options_config(self, "alpha_initializer", "alpha_regularizer", "alpha_constraint"),
                "shared_axes": self.shared_axes}
