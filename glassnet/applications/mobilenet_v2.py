"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks built on cheap depthwise convolutions.

Why it is taught: a 3x3 convolution from C to C channels costs 9 C^2 weights; a *depthwise* 3x3
(one kernel per channel, 9 C) followed by a *pointwise* 1x1 (C^2) does nearly as well for a
fraction of the cost.  Each inverted residual block expands the channels 6x with a 1x1
convolution, filters them with a depthwise 3x3, then projects back down with a *linear* 1x1
(no ReLU, to keep information in the narrow layer); when the shapes allow it the input is added
back (a residual shortcut).  ReLU6 = min(max(x, 0), 6) throughout.  ``alpha`` scales every width.
Layer names are Keras'; inputs: ``preprocess_input`` ('tf': x / 127.5 - 1).
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import layers
from ..models import Input, Model
from . import imagenet_utils

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6))
_SIZES = (96, 128, 160, 192, 224)  # the input sizes with ImageNet weights
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)


def make_divisible(v: float, divisor: int = 8) -> int:
    """``v`` rounded to a multiple of ``divisor`` (at least ``divisor``), never more than 10% below ``v``."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _bn(x: Any, name: str) -> Any:
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def _same_pad(size: tuple[Any, Any], kernel: int = 3) -> tuple[tuple[int, int], tuple[int, int]]:
    """Padding before a stride-2 'valid' convolution that centres the windows like TensorFlow's 'same'."""
    half = kernel // 2
    adjust = [1 if n is None else 1 - n % 2 for n in size]
    return ((half - adjust[0], half), (half - adjust[1], half))


def inverted_residual(x: Any, filters: int, stride: int, expansion: int, alpha: float, block_id: int) -> Any:
    """Expand (1x1, ReLU6) -> depthwise 3x3 (ReLU6) -> project (1x1, linear) [+ x]."""
    in_channels = x.shape[-1]
    out_channels = make_divisible(int(filters * alpha), 8)
    inputs, prefix = x, f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_bn(x, f"{prefix}expand_BN"))
    else:
        prefix = "expanded_conv_"  # the first block has no expansion (Keras' names)
    if stride == 2:
        x = layers.ZeroPadding2D(_same_pad(tuple(x.shape[1:3])), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(x, f"{prefix}depthwise_BN"))
    x = layers.Conv2D(out_channels, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == out_channels and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape: Any = None, alpha: float = 1.0, include_top: bool = True, weights: Any = "imagenet",
                input_tensor: Any = None, pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str | None = None) -> Model:
    """The MobileNetV2 network, with Keras' arguments and layer names (see :func:`~glassnet.applications.VGG16`).

    ``alpha`` multiplies every layer's width (0.35 ... 1.4 with ImageNet weights).  ImageNet weights:
    ``~/.keras/models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{size}[_no_top].h5``.
    """
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    rows = input_shape[0] if input_shape is not None else None
    default = rows if input_shape is not None and rows == input_shape[1] and rows in _SIZES else 224
    shape = imagenet_utils.check_arguments("MobileNetV2", weights, include_top, classes, input_shape, default)
    rows = shape[0]
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError(f"MobileNetV2: with weights='imagenet', alpha must be one of {_ALPHAS}, got {alpha}")
        if rows != shape[1] or rows not in _SIZES:
            warnings.warn(f"MobileNetV2: input_shape {shape} is not one of the ImageNet sizes {_SIZES}; the weights "
                          "for 224 are loaded", stacklevel=2)
            rows = 224
    suffix = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
    path = imagenet_utils.weights_path(weights, file_name, _URL + file_name)
    inputs = Input(shape=shape) if input_tensor is None else input_tensor
    x = layers.Conv2D(make_divisible(32 * alpha, 8), 3, strides=2, padding="same", use_bias=False, name="Conv1")(inputs)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn(x, "bn_Conv1"))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = inverted_residual(x, filters, stride, expansion, alpha, block_id)
    # The last 1x1 convolution is not narrowed by alpha < 1 (as in the paper).
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn(x, "Conv_1_bn"))

    def top(h: Any) -> Any:
        h = layers.GlobalAveragePooling2D()(h)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(h)

    x = imagenet_utils.head(x, include_top, pooling, classes, classifier_activation, top)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    return imagenet_utils.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """MobileNetV2's input normalisation: 'tf' (x / 127.5 - 1, into [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
