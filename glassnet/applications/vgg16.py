"""VGG16 (Simonyan & Zisserman, 2014): five blocks of 3x3 convolutions + 2x2 max pooling, then three dense layers.

Why it is taught: the simplest deep ConvNet — only 3x3 'same' convolutions (ReLU) doubling the
channels 64 -> 128 -> 256 -> 512 -> 512 while each 2x2 pooling halves the image; two stacked 3x3
layers see a 5x5 window with fewer weights than one 5x5.  138 million weights, 124 million of them
in the dense classifier (``fc1``, ``fc2``, ``predictions``).  Layer names are Keras', so Keras' weight
files load into it.  Inputs: ``preprocess_input`` ('caffe': BGR, ImageNet mean subtracted).
"""

from __future__ import annotations

from typing import Any

from .. import layers
from ..models import Input, Model
from . import imagenet_utils

_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
_FILES = {True: ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b"),
          False: ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc")}
# (filters, convolutions) of the five blocks.
_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
          pooling: str | None = None, classes: int = 1000, classifier_activation: Any = "softmax",
          name: str = "vgg16") -> Model:
    """The VGG16 network, with Keras' arguments and layer names.

    Parameters
    ----------
    include_top : bool
        Keep the classifier (Flatten, fc1, fc2, predictions); needs a known input size (224 for ImageNet).
    weights : None, 'imagenet' or a path
        Random initialisation, Keras' cached ImageNet file (``~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels
        [_notop].h5``), or a weights file.
    input_tensor : symbolic tensor, optional
        Use it as the input (from ``keras.Input``).
    input_shape : (height, width, channels), optional
        Default (224, 224, 3) with the top, (None, None, 3) without.
    pooling : None, 'avg' or 'max'
        Without the top: global pooling of the last feature map into a vector.
    classes, classifier_activation :
        Size and activation of the ``predictions`` layer.
    """
    shape = imagenet_utils.check_arguments("VGG16", weights, include_top, classes, input_shape, 224)
    file_name, file_hash = _FILES[bool(include_top)]
    path = imagenet_utils.weights_path(weights, file_name, _URL + file_name, file_hash)
    inputs = Input(shape=shape) if input_tensor is None else input_tensor
    x = inputs
    for b, (filters, convs) in enumerate(_BLOCKS, start=1):
        for c in range(1, convs + 1):
            x = layers.Conv2D(filters, 3, activation="relu", padding="same", name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)

    def top(h: Any) -> Any:
        h = layers.Flatten(name="flatten")(h)
        h = layers.Dense(4096, activation="relu", name="fc1")(h)
        h = layers.Dense(4096, activation="relu", name="fc2")(h)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(h)

    x = imagenet_utils.head(x, include_top, pooling, classes, classifier_activation, top)
    model = Model(inputs, x, name=name)
    return imagenet_utils.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """VGG16's input normalisation: 'caffe' (RGB -> BGR, ImageNet mean subtracted, not scaled)."""
    return imagenet_utils.preprocess_input(x, data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
