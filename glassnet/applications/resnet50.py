"""ResNet50 (He et al., 2015): 50 layers made trainable by identity shortcuts, ``out = relu(F(x) + x)``.

Why it is taught: each block learns a *residual* F(x) added to its input, so the gradient reaches
early layers through the shortcut undiminished (dC/dx = dC/dout (dF/dx + 1)) and very deep
networks train.  A bottleneck block is 1x1 (reduce) -> 3x3 -> 1x1 (expand x4) convolutions, each
followed by batch normalisation; the first block of a stage also downsamples (stride 2) and
projects the shortcut with a 1x1 convolution.  Stages conv2..conv5 have 3, 4, 6, 3 blocks.
Layer names are Keras'; inputs: ``preprocess_input`` ('caffe').
"""

from __future__ import annotations

from typing import Any

from .. import layers
from ..models import Input, Model
from . import imagenet_utils

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_FILES = {True: ("resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107"),
          False: ("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "4d473c1dd8becc155b73f8504c6f6626")}
_EPS = 1.001e-5  # the batch-norm epsilon of Keras' ResNets


def _bn(x: Any, name: str) -> Any:
    return layers.BatchNormalization(axis=3, epsilon=_EPS, name=name)(x)


def bottleneck(x: Any, filters: int, stride: int = 1, project: bool = True, name: str = "") -> Any:
    """One residual block: relu(BN(1x1) -> relu -> BN(3x3) -> relu -> BN(1x1, 4 filters) + shortcut)."""
    shortcut = x
    if project:  # the shortcut changes shape: a strided 1x1 convolution (+ BN) brings x to 4 * filters
        shortcut = _bn(layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x), f"{name}_0_bn")
    x = _bn(layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x), f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = _bn(layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x), f"{name}_2_bn")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = _bn(layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x), f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stage(x: Any, filters: int, blocks: int, stride: int = 2, name: str = "") -> Any:
    """A stage: a projecting (and downsampling) block, then ``blocks - 1`` identity blocks."""
    x = bottleneck(x, filters, stride, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = bottleneck(x, filters, project=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: str | None = None, classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "resnet50") -> Model:
    """The ResNet50 network, with Keras' arguments and layer names (see :func:`~glassnet.applications.VGG16`).

    ImageNet weights: ``~/.keras/models/resnet50_weights_tf_dim_ordering_tf_kernels[_notop].h5``.
    """
    shape = imagenet_utils.check_arguments("ResNet50", weights, include_top, classes, input_shape, 224)
    file_name, file_hash = _FILES[bool(include_top)]
    path = imagenet_utils.weights_path(weights, file_name, _URL + file_name, file_hash)
    inputs = Input(shape=shape) if input_tensor is None else input_tensor
    x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = _bn(layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x), "conv1_bn")
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stage(x, 64, 3, stride=1, name="conv2")
    x = stage(x, 128, 4, name="conv3")
    x = stage(x, 256, 6, name="conv4")
    x = stage(x, 512, 3, name="conv5")

    def top(h: Any) -> Any:
        h = layers.GlobalAveragePooling2D(name="avg_pool")(h)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(h)

    x = imagenet_utils.head(x, include_top, pooling, classes, classifier_activation, top, ("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    return imagenet_utils.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """ResNet50's input normalisation: 'caffe' (RGB -> BGR, ImageNet mean subtracted, not scaled)."""
    return imagenet_utils.preprocess_input(x, data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
