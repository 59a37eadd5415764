"""Convolution layers: Conv1D, Conv2D and Conv2DTranspose (channels_last, Keras layouts).

Why convolutions: the same small kernel slides over the whole image (parameter sharing), so a
3x3 layer from 1 to 32 channels has 3*3*1*32 + 32 = 320 weights whatever the image size, and a
pattern learnt in one place is recognised everywhere.  Output size per axis:
W_out = (W - F + 2P) / S + 1  ('valid': P = 0; 'same': W_out = ceil(W / S)).

The arithmetic (im2col + one matrix product, and its backward) lives in ``engine.ops.conv``
(and its array kernels in ``engine.ops.im2col``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .. import activations as _activations
from ..checks import ArgumentTypeError, check_integer
from ..engine.ops import conv as _conv
from ..explanation import Equation, Explanation, Param, dc
from .base import InputSpec
from .explaining import io_shapes
from .weight_options import KernelBiasLayer


def normalize_tuple(value: Any, rank: int, name: str, layer: str, minimum: int = 1) -> tuple[int, ...]:
    """An int or a sequence of ``rank`` ints as a tuple, checked to be >= ``minimum``."""
    expected = f"an int >= {minimum} or a tuple of {rank} such ints"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):  # NumPy ints are Integral, np.bool_ not
        items: tuple[Any, ...] = (value,) * rank
    elif hasattr(value, "__len__") and not isinstance(value, str) and len(value) == rank:
        items = tuple(value)
    else:
        raise ArgumentTypeError(f"{layer}: {name} must be {expected}, got {value!r}")
    # Each entry through the shared check, so kernel_size=(3, "3") or strides=1.5 is named like units=2.5.
    return tuple(int(check_integer(v, name, layer, low=minimum, expected=expected)) for v in items)


def output_size_note(sizes: tuple[Any, ...], kernel: tuple[int, ...], strides: tuple[int, ...], padding: str,
                     dilation: tuple[int, ...] | None = None) -> str:
    """How each output size follows from the input size, with the numbers: ``(28 - 3) / 1 + 1 = 26``.

    The course's W_out = (W - F + 2P) / S + 1 (rounded down) for 'valid'; ceil(W / S) for 'same'
    and 'causal'.  A dilated kernel spans F = d (k - 1) + 1 inputs.
    """
    dilation = dilation or (1,) * len(kernel)
    parts = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        span = d * (k - 1) + 1
        if not isinstance(n, int):
            parts.append(f"({n} - {span}) / {s} + 1" if padding == "valid" else f"ceil({n} / {s})")
        elif padding == "valid":
            parts.append(f"floor(({n} - {span}) / {s}) + 1 = {(n - span) // s + 1}")
        else:
            parts.append(f"ceil({n} / {s}) = {-(-n // s)}")
    if len(set(parts)) == 1:
        return f"output size, each axis ('{padding}'): {parts[0]}"
    return f"output size per axis ('{padding}'): " + "; ".join(parts)


def tap(stride: int, out: str, dilation: int, offset: str) -> str:
    """The input index a kernel tap reads: ``2i + p`` for stride 2 (``i + 2p`` for dilation 2)."""
    return f"{'' if stride == 1 else stride}{out} + {'' if dilation == 1 else dilation}{offset}"


def check_data_format(data_format: Any, layer: str) -> str:
    """glassnet is channels_last only; say so clearly for anything else."""
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"{layer}: data_format={data_format!r} is not supported; glassnet lays images out as "
            "(batch, height, width, channels) ('channels_last')"
        )
    return "channels_last"


class _Conv(KernelBiasLayer):
    """Shared arguments, checks, weights and config of Conv1D and Conv2D."""

    rank = 2
    _paddings: tuple[str, ...] = ("valid", "same")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        filters = check_integer(filters, "filters", who)
        if groups != 1:
            raise ValueError(f"{who}: only groups=1 is supported, got groups={groups}")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras)")
        padding = str(padding).lower()
        if padding not in self._paddings:
            raise ValueError(f"{who}: padding must be one of {self._paddings}, got {padding!r}")
        self.padding = padding
        self.data_format = check_data_format(data_format, who)
        self.groups = groups
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple):
            raise ValueError(f"{type(self).__name__} '{self.name}' takes one input tensor, got {len(input_shape)}")
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the channel axis (last) of the input must be known, "
                f"got input shape {input_shape}"
            )
        self.build_kernel_and_bias(self._kernel_shape(channels), self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def _check_size(self, inputs: Any) -> None:
        spatial = inputs.shape[1:-1]
        for n, k, d in zip(spatial, self.kernel_size, self.dilation_rate):
            if self.padding == "valid" and n < d * (k - 1) + 1:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': input of spatial size {tuple(spatial)} is smaller "
                    f"than the kernel {self.kernel_size} (dilation {self.dilation_rate}) with padding='valid'; "
                    "use padding='same' or a smaller kernel"
                )

    def _explain(self) -> Explanation:
        # Conv1D and Conv2D: the sliding window of call(), then the same as one matrix product (im2col),
        # which is how engine.ops.conv computes it.  Shapes are this layer's (symbols before build).
        r, f = self.rank, self.filters
        x, a = io_shapes(self, (None,) + ("H", "W")[2 - r:] + ("C",), (None,) + ("H'", "W'")[2 - r:] + (f,))
        kernel = self._kernel_shape(x[-1])
        patch = math.prod(kernel[:-1]) if all(isinstance(n, int) for n in kernel) else "k*C"
        e = Explanation(self.name, type(self).__name__, {"x": x, "W": kernel, "z": a, "delta": a,
                                                           "X": tuple(a[:-1]) + (patch,), "W_mat": (patch, f)})
        e.params.append(Param("W", "kernel", kernel))
        out, offs = ("i, j", "p, q") if r == 2 else ("i", "p")
        taps = ", ".join(tap(s, o, d, p) for s, o, d, p in zip(self.strides, "ij", self.dilation_rate, "pq"))
        bias, bias_latex, plus_b = "", "", ""
        if self.use_bias:
            e.symbols["b"] = (f,)
            e.params.append(Param("b", "bias", (f,)))
            bias, bias_latex, plus_b = " + b[f]", " + b_f", " + b"
        e.forward += [
            Equation(f"z[n, {out}, f] = sum_({offs}, c) x[n, {taps}, c] W[{offs}, c, f]{bias}",
                     rf"z_{{n,{out},f}} = \sum_{{{offs},c}} x_{{n,{taps},c}}\, W_{{{offs},c,f}}{bias_latex}",
                     f"x conv W{plus_b} -> z"),
            Equation(f"z = X W_mat{plus_b}   (im2col: each row of X is one window of x)",
                     rf"z = X W_{{mat}}{plus_b}", f"X @ W_mat{plus_b} -> z"),
        ]
        e.extend(_activations.explain(self.activation, a))
        e.backward += [
            Equation(f"dC/dW[{offs}, c, f] = sum_(n, {out}) x[n, {taps}, c] delta[n, {out}, f] = X^T delta",
                     dc("W") + r" = X^\top \delta", "X^T @ delta -> W"),
            Equation("dC/dx = col2im(delta W_mat^T): each window's gradient added back where it was read",
                     dc("x") + r" = \mathrm{col2im}(\delta W_{mat}^\top)", "delta @ W_mat^T -> X col2im -> x"),
        ]
        if self.use_bias:
            e.backward.insert(-1, Equation(f"dC/db[f] = sum_(n, {out}) delta[n, {out}, f]",
                                           dc("b") + rf" = \sum_{{n,{out}}} \delta_{{n,{out},f}}", "delta -> b"))
        padding = "same" if self.padding == "causal" else self.padding
        e.notes.append(output_size_note(tuple(x[1:-1]), self.kernel_size, self.strides, padding, self.dilation_rate))
        if self.padding == "causal":
            e.notes.append(f"causal: x is padded with {self.dilation_rate[0] * (self.kernel_size[0] - 1)} zeros on "
                           "the left only, so step i never reads inputs after i")
        return e

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            **self.kernel_bias_config(),
        }


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels) images.

    Parameters
    ----------
    filters : int
        Number of kernels, i.e. output channels.
    kernel_size : int or (int, int)
        Window height and width.
    strides : int or (int, int)
        Step between windows (default 1).
    padding : {'valid', 'same'}
        'valid': no padding, W_out = floor((W - F) / S) + 1.  'same': zero padding so that
        W_out = ceil(W / S), the odd extra row/column going at the bottom/right (TensorFlow's rule).
    dilation_rate : int or (int, int)
        Spacing between kernel taps ("atrous" convolution).
    activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer :
        As for ``Dense``.  The kernel has shape ``(kh, kw, in_channels, filters)``.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.Conv2D(32, 3, activation="relu")(keras.ops.ones((2, 28, 28, 1))).shape
    (2, 26, 26, 32)
    """

    rank = 2

    def call(self, inputs: Any) -> Any:
        self._check_size(inputs)
        # relu is fused into the convolution op (same result, two passes over memory fewer).
        fuse = self.activation is _activations.relu
        z = _conv.conv2d(inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate,
                         fuse_relu=fuse)
        if fuse:
            self.add_activity_loss(z)
            return z
        return self.activate(z)


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels) sequences; kernel ``(k, in_channels, filters)``.

    Takes the arguments of :class:`Conv2D` with single ints, and also ``padding='causal'``
    (pad only on the left, so output step t never sees inputs after t).
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def call(self, inputs: Any) -> Any:
        if self.padding != "causal":
            self._check_size(inputs)
        pad: Any = self.padding
        if pad == "causal":
            pad = (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
        z = _conv.conv1d(inputs, self.kernel, self.bias, self.strides[0], pad, self.dilation_rate[0])
        return self.activate(z)


class Conv2DTranspose(_Conv):
    """Transposed convolution ("deconvolution"): upsamples, the adjoint of a Conv2D.

    Output size per axis: ``valid``: n s + max(k - s, 0);  ``same``: n s;  with ``output_padding``
    p: (n - 1) s + k - 2 pad + p.  The kernel has shape ``(kh, kw, filters, in_channels)`` as in Keras.

    Examples
    --------
    >>> import glassnet as keras
    >>> keras.layers.Conv2DTranspose(16, 3, strides=2)(keras.ops.ones((1, 7, 7, 8))).shape
    (1, 15, 15, 16)
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        if output_padding is not None:
            output_padding = normalize_tuple(output_padding, 2, "output_padding", f"Conv2DTranspose '{self.name}'",
                                             minimum=0)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(
                    f"Conv2DTranspose '{self.name}': output_padding {output_padding} must be smaller than "
                    f"strides {self.strides}"
                )
        self.output_padding = output_padding

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return self.kernel_size + (self.filters, channels)

    def call(self, inputs: Any) -> Any:
        z = _conv.conv2d_transpose(inputs, self.kernel, self.bias, self.strides, self.padding,
                                   self.output_padding, self.dilation_rate)
        return self.activate(z)

    def _explain(self) -> Explanation:
        # The adjoint of Conv2D: each input pixel stamps the kernel, scaled, onto the output.
        f, (sh, sw) = self.filters, self.strides
        x, a = io_shapes(self, (None, "H", "W", "C"), (None, "H'", "W'", f))
        kernel = self._kernel_shape(x[-1])
        patch = math.prod(kernel[:-1]) if all(isinstance(n, int) for n in kernel) else "k*F"
        e = Explanation(self.name, "Conv2DTranspose", {"x": x, "W": kernel, "z": a, "delta": a,
                                                        "X": tuple(x[:-1]) + (patch,), "W_mat": (patch, x[-1])})
        e.params.append(Param("W", "kernel", kernel))
        bias = ""
        if self.use_bias:
            e.symbols["b"] = (f,)
            e.params.append(Param("b", "bias", (f,)))
            bias = " + b"
        taps = f"{tap(sh, 'i', 1, 'p')}, {tap(sw, 'j', 1, 'q')}"
        e.forward += [
            Equation(f"z[n, {taps}, f] += sum_c x[n, i, j, c] W[p, q, f, c], then{bias or ' nothing'} added",
                     rf"z_{{n,{taps},f}} \mathrel{{+}}= \sum_c x_{{n,i,j,c}} W_{{p,q,f,c}}", f"x conv^T W{bias} -> z"),
            Equation(f"z = col2im(x W_mat^T){bias}", rf"z = \mathrm{{col2im}}(x W_{{mat}}^\top){bias}",
                     "x @ W_mat^T -> X col2im -> z"),
        ]
        e.extend(_activations.explain(self.activation, a))
        e.backward += [
            Equation("dC/dW = X^T x, X the windows (im2col) of delta, reshaped to W", dc("W") + r" = X^\top x",
                     "X^T @ x -> W"),
            Equation("dC/dx = X W_mat: an ordinary convolution of delta with W", dc("x") + r" = X W_{mat}",
                     "X @ W_mat -> x"),
        ]
        if self.use_bias:
            e.backward.insert(-1, Equation("dC/db[f] = sum_(n, i, j) delta[n, i, j, f]",
                                           dc("b") + r" = \sum_{n,i,j} \delta_{n,i,j,f}", "delta -> b"))
        e.notes.append("output size per axis: 'valid' n s + max(k - s, 0); 'same' n s; with output_padding p: "
                       "(n - 1) s + k - 2 pad + p")
        return e

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


# Keras' alternative names.
Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
