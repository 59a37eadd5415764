"""DepthwiseConv2D: one small kernel per input channel (MobileNet's cheap spatial filtering).

A depthwise convolution filters each channel on its own, never mixing channels:

    z[n, i, j, c M + m] = sum_(p, q) x_pad[n, s i + d p, s j + d q, c] W[p, q, c, m] + b[c M + m]

with ``M`` the depth multiplier (outputs per input channel) and the kernel in Keras' layout
``(kh, kw, C, M)``.  A 3x3 depthwise layer on C channels has 9 C weights instead of 9 C^2 for a
Conv2D; MobileNet follows it with a 1x1 Conv2D (pointwise) to mix the channels.  It is PyTorch's
``conv2d(groups=C)``.

Backward (delta = dC/dz, reshaped to (n, i, j, c, m)):

    dC/dW[p, q, c, m] = sum_(n, i, j) x_pad[n, s i + d p, s j + d q, c] delta[n, i, j, c, m]
    dC/dx_pad[n, s i + d p, s j + d q, c] += sum_m delta[n, i, j, c, m] W[p, q, c, m]   (each tap)
    dC/db[c M + m] = sum_(n, i, j) delta[n, i, j, c, m]

Every sum runs one kernel tap (p, q) at a time over the whole batch and all pixels (kh * kw strided
slices, as :mod:`glassnet.engine.ops.im2col`), never a loop over samples or pixels.
"""

from __future__ import annotations

from typing import Any

from .. import activations as _activations
from ..backend import xp
from ..engine.ops.im2col import crop_hw, kernel_taps, pad_hw, resolve_padding
from ..engine.tensor import Tensor, as_tensor, record
from ..explanation import Equation, Explanation, Param, dc
from .base import InputSpec, Layer
from .convolutional import check_data_format, normalize_tuple, output_size_note
from .explaining import io_shapes
from .weight_options import set_weight_options, weight_options_config


def depthwise_conv2d(x: Any, kernel: Tensor, bias: Tensor | None = None, strides: Any = 1, padding: str = "valid",
                     dilation_rate: Any = 1) -> Tensor:
    """Depthwise 2-D convolution of NHWC ``x`` with a ``(kh, kw, C, M)`` kernel; output channels ``C M``.

    Raises
    ------
    ValueError
        When the input's channels are not the kernel's third axis.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    kh, kw, c, mult = kernel.shape
    if x.ndim != 4 or x.shape[3] != c:
        raise ValueError(f"depthwise_conv2d: input of shape {x.shape} does not match the kernel {kernel.shape} "
                         "(layout (kh, kw, channels, depth_multiplier))")
    strides, dilation = tuple(strides), tuple(dilation_rate)
    (ho, wo), pads = resolve_padding(x.shape[1:3], (kh, kw), strides, padding, dilation)
    taps = kernel_taps((kh, kw), (ho, wo), strides, dilation)
    xpad = pad_hw(x.data, pads)
    w = kernel.data
    n = x.shape[0]
    z = xp.zeros((n, ho, wo, c, mult), dtype=xp.result_type(x.dtype, w.dtype))
    for p, q, si, sj in taps:  # one tap for the whole batch: (n, ho, wo, c, 1) * (c, m)
        z += xpad[:, si, sj, :, None] * w[p, q]
    z = z.reshape(n, ho, wo, c * mult)
    if bias is not None:
        z += bias.data
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(delta: Any) -> tuple[Any, ...]:
        d5 = delta.reshape(n, ho, wo, c, mult)
        dx = xp.zeros(xpad.shape, dtype=delta.dtype) if x.requires_grad else None
        dw = xp.zeros(w.shape, dtype=delta.dtype) if kernel.requires_grad else None
        for p, q, si, sj in taps:
            if dw is not None:
                dw[p, q] = xp.einsum("nijc,nijcm->cm", xpad[:, si, sj, :], d5, optimize=True)
            if dx is not None:
                dx[:, si, sj, :] += xp.einsum("nijcm,cm->nijc", d5, w[p, q])
        grads: tuple[Any, ...] = (None if dx is None else crop_hw(dx, pads), dw)
        if bias is not None:
            grads += (delta.reshape(-1, c * mult).sum(axis=0),)
        return grads

    return record(z, parents, backward)


DEPTHWISE_OPTIONS = ("depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer",
                     "activity_regularizer", "depthwise_constraint", "bias_constraint")


class DepthwiseConv2D(Layer):
    """2-D depthwise convolution: each input channel filtered by its own ``depth_multiplier`` kernels.

    Parameters
    ----------
    kernel_size : int or (int, int)
    strides : int or (int, int)
    padding : {'valid', 'same'}
    depth_multiplier : int
        Output channels per input channel (``M``): the output has ``C M`` channels.
    dilation_rate : int or (int, int)
    activation, use_bias : as for ``Conv2D``.
    depthwise_initializer, depthwise_regularizer, depthwise_constraint :
        Of the kernel, shape ``(kh, kw, C, M)`` (Keras' layout; weight name ``kernel``).
    bias_initializer, bias_regularizer, bias_constraint, activity_regularizer : as for ``Conv2D``.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.DepthwiseConv2D(3, padding="same")(keras.ops.ones((2, 8, 8, 5))).shape
    (2, 8, 8, 5)
    """

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid", depth_multiplier: int = 1,
                 data_format: str | None = None, dilation_rate: Any = (1, 1), activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        who = f"DepthwiseConv2D '{self.name}'"
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", who)
        self.strides = normalize_tuple(strides, 2, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", who)
        self.depth_multiplier = normalize_tuple(depth_multiplier, 1, "depth_multiplier", who)[0]
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras)")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"{who}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding
        self.data_format = check_data_format(data_format, who)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(self, depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                           depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                           activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                           bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: Any) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"DepthwiseConv2D '{self.name}': the channel axis (last) of the input must be known, "
                             f"got input shape {input_shape}")
        shape = self.kernel_size + (channels, self.depth_multiplier)
        self.kernel = self.add_weight(shape, self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint, name="kernel")
        self.bias = (self.add_weight((channels * self.depth_multiplier,), self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint, name="bias")
                     if self.use_bias else None)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})
        self.built = True

    def call(self, inputs: Any) -> Any:
        z = depthwise_conv2d(inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate)
        out = self.activation(z)
        self.add_activity_loss(out)  # divided by the batch size, as Keras 3 does
        return out

    def _explain(self) -> Explanation:
        # call() above: depthwise_conv2d, the equations of this module's docstring.
        m = self.depth_multiplier
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, "H'", "W'", f"C*{m}"))
        kernel = self.kernel_size + (x[-1], m)
        e = Explanation(self.name, "DepthwiseConv2D", {"x": x, "W": kernel, "z": a, "delta": a})
        e.params.append(Param("W", "kernel", kernel))
        bias = ""
        if self.use_bias:
            e.symbols["b"] = (a[-1],)
            e.params.append(Param("b", "bias", (a[-1],)))
            bias = " + b[c M + m]"
        e.forward.append(Equation(f"z[n, i, j, c M + m] = sum_(p, q) x[n, s i + d p, s j + d q, c] W[p, q, c, m]{bias}"
                                  f"   (M = {m}: channels never mix)",
                                  r"z_{n,i,j,cM+m} = \sum_{p,q} x_{n,si+dp,sj+dq,c} W_{p,q,c,m}", "x conv W -> z"))
        e.extend(_activations.explain(self.activation, a))
        e.backward += [
            Equation("dC/dW[p, q, c, m] = sum_(n, i, j) x[n, s i + d p, s j + d q, c] delta[n, i, j, c, m]",
                     dc("W") + r" = \sum_{n,i,j} x_{n,si+dp,sj+dq,c}\, \delta_{n,i,j,c,m}", "x * delta -> W"),
            Equation("dC/dx[n, s i + d p, s j + d q, c] += sum_m delta[n, i, j, c, m] W[p, q, c, m]   (each tap p, q)",
                     dc("x") + r" = \sum_{p,q,m} \delta W_{p,q,c,m}", "delta * W -> x"),
        ]
        if self.use_bias:
            e.backward.insert(-1, Equation("dC/db = sum_(n, i, j) delta[n, i, j, :]",
                                          dc("b") + r" = \sum_{n,i,j} \delta_{n,i,j}", "delta -> b"))
        e.notes.append(output_size_note(tuple(x[1:3]), self.kernel_size, self.strides, self.padding,
                                        self.dilation_rate))
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "depth_multiplier": self.depth_multiplier, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "activation": _activations.serialize(self.activation),
                "use_bias": self.use_bias, **weight_options_config(self, *DEPTHWISE_OPTIONS)}
