"""Batch normalisation (standardise each channel over the batch) and layer normalisation (each sample over
its features), then scale and shift.

Training (``training=True``):  x_hat = (x - mean_batch) / sqrt(var_batch + epsilon),
y = gamma x_hat + beta, and the moving averages move towards the batch statistics:
moving = moving * momentum + batch * (1 - momentum).
Inference: the same formula with the moving mean and variance instead of the batch's.

Statistics are per channel (``axis=-1``): for images every pixel of a channel shares one mean,
which is what makes it *batch* normalisation of a convolutional layer and not per-activation.
"""

from __future__ import annotations

from typing import Any

from ..backend import xp
from ..checks import check_integer, check_number
from ..engine.ops import math as _m
from ..engine.ops import normalization as _norm
from ..engine.tensor import Tensor
from ..explanation import Equation, Explanation, Param, dc
from .base import InputSpec, Layer
from .explaining import io_shapes
from .weight_options import add_weight_with_options, set_weight_options, weight_options_config


class BatchNormalization(Layer):
    """Normalise each feature (channel) with batch statistics in training and moving ones in inference.

    Parameters
    ----------
    axis : int
        The feature axis (default -1, the channels of channels_last images).
    momentum : float
        Weight of the old value in the moving averages (Keras: 0.99).
    epsilon : float
        Added to the variance before the square root (Keras: 1e-3).
    center, scale : bool
        Whether to learn the shift ``beta`` and the scale ``gamma``.
    beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer :
        Defaults zeros, ones, zeros, ones.
    beta_regularizer, gamma_regularizer : optional penalties.

    Notes
    -----
    Weights, in Keras' order: gamma, beta (trainable), moving_mean, moving_variance
    (non-trainable, updated in place only when called with ``training=True``).  A layer set to
    ``trainable = False`` always runs in inference mode, as in Keras 3.  The moving variance
    is updated with the biased batch variance (divided by N), as in Keras.

    A mask (batch, ...) one axis shorter than the input (Embedding(mask_zero=True), Masking) restricts the
    training moments to the kept steps, as in Keras 3: mu = sum(mask x) / (sum(mask) + 1e-7),
    var = sum(mask (x - mu)^2) / (sum(mask) + 1e-7); every step is still normalised, and the mask passes on.
    """

    supports_masking = True  # Keras 3: the mask passes on, and weighs the batch moments in training

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"BatchNormalization '{self.name}': only one feature axis is supported, got {axis}")
            axis = axis[0]
        who = f"BatchNormalization '{self.name}'"
        self.axis = check_integer(axis, "axis", who, low=-(2**31))
        self.momentum = check_number(momentum, "momentum", who, low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", who, low=0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        set_weight_options(self, beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                           moving_mean_initializer=moving_mean_initializer,
                           moving_variance_initializer=moving_variance_initializer,
                           beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                           beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple):
            raise ValueError(f"BatchNormalization '{self.name}' takes one input tensor, got {len(input_shape)}")
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"BatchNormalization '{self.name}': axis {self.axis} is not a feature axis of inputs of "
                f"shape {input_shape}"
            )
        size = input_shape[self.axis]
        if size is None:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} of {input_shape} must be known")
        shape = (size,)
        self.gamma = add_weight_with_options(self, "gamma", shape) if self.scale else None
        self.beta = add_weight_with_options(self, "beta", shape) if self.center else None
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: size})
        self.built = True

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if mask is not None:
            mask = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool, copy=False)
            if mask.ndim != inputs.ndim - 1 or mask.shape != tuple(inputs.shape[:-1]):
                raise ValueError(f"BatchNormalization '{self.name}': the mask must be one axis shorter than the "
                                 f"inputs, {tuple(inputs.shape[:-1])} for inputs of shape {tuple(inputs.shape)}, "
                                 f"got {mask.shape}")
        if training and self.trainable and mask is not None:
            out, mean, var = self._masked_batch_norm(inputs, mask)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.data * m + mean * (1 - m))
            self.moving_variance.assign(self.moving_variance.data * m + var * (1 - m))
            return out
        if training and self.trainable:
            out, mean, var = _norm.batch_norm(inputs, self.gamma, self.beta, self.axis, self.epsilon)
            # moving = moving * momentum + batch * (1 - momentum), written in place (views stay valid).
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.data * m + mean * (1 - m))
            self.moving_variance.assign(self.moving_variance.data * m + var * (1 - m))
            return out
        out, _, _ = _norm.batch_norm(inputs, self.gamma, self.beta, self.axis, self.epsilon,
                                     mean=self.moving_mean.data, variance=self.moving_variance.data)
        return out

    def _masked_batch_norm(self, x: Any, mask: Any) -> tuple[Any, Any, Any]:
        """Training with a mask, composed of differentiable ops (the tape chains their backwards):

        w = mask broadcast over the features;  n = sum(w) + 1e-7 per channel;
        mu = sum(w x) / n;  var = sum(w (x - mu)^2) / n;  a = gamma (x - mu) / sqrt(var + eps) + beta.
        """
        axis = self.axis % x.ndim
        red = tuple(i for i in range(x.ndim) if i != axis)
        w = xp.broadcast_to(mask[..., None], x.shape)
        n = w.sum(axis=red, keepdims=True).astype(x.dtype) + x.dtype.type(1e-7)  # Keras' backend.epsilon()
        mu = _m.divide(_m.sum(_m.where(w, x, 0.0), axis=red, keepdims=True), n)
        centred = _m.subtract(x, mu)
        var = _m.divide(_m.sum(_m.square(_m.where(w, centred, 0.0)), axis=red, keepdims=True), n)
        out = _m.divide(centred, _m.sqrt(_m.add(var, float(self.epsilon))))
        bshape = tuple(x.shape[axis] if i == axis else 1 for i in range(x.ndim))
        if self.gamma is not None:
            out = _m.multiply(out, _m.reshape(self.gamma, bshape))
        if self.beta is not None:
            out = _m.add(out, _m.reshape(self.beta, bshape))
        return out, mu.data.reshape(-1), var.data.reshape(-1)

    def _explain(self) -> Explanation:
        # call() above, training mode first (batch statistics), then what inference changes.
        x, _ = io_shapes(self, (None, "C"), None)
        ax = self.axis % len(x)
        c = x[ax]
        others = [str(i) for i in range(1, len(x)) if i != ax]
        over = "the batch" + (f" and axes {', '.join(others)}" if others else "")
        count = " x ".join(["N"] + [str(n) for i, n in enumerate(x) if i not in (0, ax)])
        e = Explanation(self.name, "BatchNormalization", {"x": x, "a": x, "g": x, "x_hat": x, "mu": (c,),
                                                          "var": (c,), "gamma": (c,), "beta": (c,)})
        e.params = ([Param("gamma", "gamma", (c,))] if self.scale else []) + (
            [Param("beta", "beta", (c,))] if self.center else []) + [
            Param("moving_mean", "moving_mean", (c,), trainable=False),
            Param("moving_variance", "moving_variance", (c,), trainable=False)]
        scale = "gamma * x_hat" if self.scale else "x_hat"
        shift = " + beta" if self.center else ""
        e.forward += [
            Equation(f"mu = mean of x over {over}, per channel", r"\mu = \tfrac{1}{m} \sum x", "x -> mu"),
            Equation("var = mean of (x - mu)^2 over the same values", r"\sigma^2 = \tfrac{1}{m} \sum (x - \mu)^2",
                     "x -> var"),
            Equation(f"x_hat = (x - mu) / sqrt(var + {self.epsilon:g})",
                     rf"\hat x = (x - \mu) / \sqrt{{\sigma^2 + {self.epsilon:g}}}", "x - mu -> x_hat"),
            Equation(f"a = {scale}{shift}", "a = " + (r"\gamma \odot " if self.scale else "") + r"\hat x"
                     + (r" + \beta" if self.center else ""), f"{scale}{shift} -> a"),
        ]
        e.backward += [
            Equation("dC/dx = gamma / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat))",
                     dc("x") + r" = \frac{\gamma}{\sqrt{\sigma^2 + \epsilon}} \left(g - \overline{g} - "
                     r"\hat x\, \overline{g \hat x}\right)", "g -> x"),
        ]
        if self.scale:
            e.backward.append(Equation("dC/dgamma = sum g * x_hat", dc("gamma") + r" = \sum g \odot \hat x",
                                       "g * x_hat -> gamma"))
        if self.center:
            e.backward.append(Equation("dC/dbeta = sum g", dc("beta") + r" = \sum g", "g -> beta"))
        m = self.momentum
        e.notes += [f"m = {count} values per channel; the means in dC/dx run over the same values",
                    f"training: moving_mean <- {m:g} moving_mean + {1 - m:g} mu, and the same for moving_variance",
                    "inference (and trainable=False): moving_mean and moving_variance replace mu and var, so "
                    "dC/dx = gamma g / sqrt(moving_variance + eps)",
                    "with a mask (one axis shorter than x), training: mu and var are weighted by it, "
                    "mu = sum(mask x) / (sum(mask) + 1e-7), and so is the backward through them"]
        return e

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            # In the order glassnet 0.1 wrote them, so a saved config reads the same.
            **weight_options_config(self, "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                                    "moving_variance_initializer", "beta_regularizer", "beta_constraint",
                                    "gamma_constraint", "gamma_regularizer"),
        }


class LayerNormalization(Layer):
    """Normalise each sample over its feature axis (or axes), then scale by gamma and shift by beta.

    x_hat = (x - mean) / sqrt(var + epsilon) with the mean and (biased) variance of each sample's features,
    y = gamma x_hat + beta.  No batch statistics, so training and inference compute the same thing.

    Parameters
    ----------
    axis : int or list of int
        The axes normalised together (default -1).
    epsilon : float
        Keras: 1e-3.
    center, scale : bool
        Whether to learn beta and gamma (Keras' weight order: gamma, then beta).
    beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint :
        Defaults zeros and ones; the rest None.

    A mask riding on the input passes on unchanged (each sample is normalised on its own, so the padded
    steps do not touch the kept ones), as in Keras 3.
    """

    supports_masking = True

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"LayerNormalization '{self.name}'"
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes:
            raise ValueError(f"{who}: axis must name at least one axis, got {axis!r}")
        self.axis = [check_integer(a, "axis", who, low=-(2**31)) for a in axes]
        self.epsilon = check_number(epsilon, "epsilon", who, low=0, low_open=True)
        if rms_scaling:
            raise ValueError(f"{who}: rms_scaling=True is not supported")
        self.center, self.scale = bool(center), bool(scale)
        set_weight_options(self, beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                           beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                           beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)

    def build(self, input_shape: Any) -> None:
        who = f"LayerNormalization '{self.name}'"
        if not isinstance(input_shape, tuple):
            raise ValueError(f"{who} takes one input tensor, got {len(input_shape)}")
        ndim = len(input_shape)
        for a in self.axis:
            if not -ndim <= a < ndim or a % ndim == 0:
                raise ValueError(f"{who}: axis {a} is not a feature axis of inputs of shape {input_shape}")
        axes = sorted({a % ndim for a in self.axis})
        shape = tuple(input_shape[a] for a in axes)
        if any(n is None for n in shape):
            raise ValueError(f"{who}: axis {self.axis} of {input_shape} must be known")
        self._axes = tuple(axes)
        self.gamma = add_weight_with_options(self, "gamma", shape) if self.scale else None
        self.beta = add_weight_with_options(self, "beta", shape) if self.center else None
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in axes})
        self.built = True

    def call(self, inputs: Any) -> Any:
        # y = gamma x_hat + beta  (its backward lives beside it in engine.ops.normalization.layer_norm)
        return _norm.layer_norm(inputs, self.gamma, self.beta, self._axes, self.epsilon)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def _explain(self) -> Explanation:
        x, _ = io_shapes(self, (None, "T", "D"), None)
        axes = getattr(self, "_axes", (len(x) - 1,))
        f = tuple(x[a] for a in axes)
        count = " x ".join(str(n) for n in f)
        e = Explanation(self.name, "LayerNormalization", {"x": x, "a": x, "g": x, "x_hat": x, "gamma": f, "beta": f})
        e.params = ([Param("gamma", "gamma", f)] if self.scale else []) + (
            [Param("beta", "beta", f)] if self.center else [])
        scale = "gamma * x_hat" if self.scale else "x_hat"
        shift = " + beta" if self.center else ""
        e.forward += [
            Equation(f"mu, var = mean and variance of each sample's {count} features", r"\mu, \sigma^2 \text{ per sample}",
                     "x -> x_hat"),
            Equation(f"x_hat = (x - mu) / sqrt(var + {self.epsilon:g})",
                     rf"\hat x = (x - \mu) / \sqrt{{\sigma^2 + {self.epsilon:g}}}", "x -> x_hat"),
            Equation(f"a = {scale}{shift}", "a = " + (r"\gamma \odot " if self.scale else "") + r"\hat x"
                     + (r" + \beta" if self.center else ""), f"{scale}{shift} -> a"),
        ]
        e.backward.append(Equation(
            "dC/dx = (1/N) / sqrt(var + eps) * (N g' - sum(g') - x_hat sum(g' x_hat)),  g' = gamma * g",
            dc("x") + r" = \frac{1}{N\sqrt{\sigma^2 + \epsilon}} \left(N g' - \textstyle\sum g' - \hat x \sum g' \hat x\right)",
            "g -> x"))
        if self.scale:
            e.backward.append(Equation("dC/dgamma = sum over samples of g * x_hat", dc("gamma") + r" = \sum g \odot \hat x",
                                       "g * x_hat -> gamma"))
        if self.center:
            e.backward.append(Equation("dC/dbeta = sum over samples of g", dc("beta") + r" = \sum g", "g -> beta"))
        e.notes.append(f"N = {count} features per sample; the sums in dC/dx run over them")
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis if len(self.axis) > 1 else self.axis[0],
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale, "rms_scaling": False,
                **weight_options_config(self, "beta_initializer", "gamma_initializer", "beta_regularizer",
                                        "gamma_regularizer", "beta_constraint", "gamma_constraint")}
