"""``keras.applications``: classic ImageNet architectures with Keras' arguments and layer names.

``VGG16``, ``ResNet50`` and ``MobileNetV2`` build the same layers, with the same names, as Keras,
so Keras' weight files (ImageNet ``.h5`` files from ``~/.keras/models``, or any ``.weights.h5``)
load into them.  Each module has its ``preprocess_input`` and ``decode_predictions``::

    base = keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights="imagenet")
    base.trainable = False  # transfer learning: freeze the features, train a new head
"""

from . import imagenet_utils, mobilenet_v2, resnet50, vgg16
from .mobilenet_v2 import MobileNetV2
from .resnet50 import ResNet50
from .vgg16 import VGG16

resnet = resnet50  # Keras also exposes ResNet50 under keras.applications.resnet

__all__ = ["MobileNetV2", "ResNet50", "VGG16", "imagenet_utils", "mobilenet_v2", "resnet", "resnet50", "vgg16"]
