"""What the ImageNet applications share: input checks, the classifier head, pretrained weights, pre/post-processing.

* ``preprocess_input(x, mode)``: the normalisation each architecture was trained with, on RGB
  images in [0, 255]:
  ``caffe`` (VGG16, ResNet50): RGB -> BGR, then subtract the ImageNet mean per channel
  (103.939, 116.779, 123.68), no scaling;  ``tf`` (MobileNetV2): x / 127.5 - 1, into [-1, 1];
  ``torch``: x / 255, then (x - mean) / std with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
* ``decode_predictions(preds, top)``: the ``top`` (wordnet id, name, probability) of each row of
  1000 ImageNet probabilities, names from Keras' ``imagenet_class_index.json``.
* ``weights="imagenet"``: Keras' own weight files, found where Keras caches them
  (``$KERAS_HOME`` or ``~/.keras``, then ``models/``); glassnet never downloads, so a missing file
  is an error that names the file, the folder and the URL.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .. import backend, layers
from ..utils.get_file import get_file

CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_CLASS_INDEX: dict[str, list[str]] | None = None
_CAFFE_MEAN = (103.939, 116.779, 123.68)  # B, G, R
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> np.ndarray:
    """Normalise RGB images in [0, 255] (channels last) as the network expects; returns a new float32 array.

    Parameters
    ----------
    x : array_like, shape (..., 3)
    data_format : None or 'channels_last'
    mode : {'caffe', 'tf', 'torch'}
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"preprocess_input: data_format={data_format!r} is not supported; glassnet images are "
                         "channels_last")
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch', got {mode!r}")
    x = np.array(backend.to_numpy(x), dtype=np.float32)
    if mode == "tf":
        return x / 127.5 - 1.0
    if x.shape[-1] != 3:
        raise ValueError(f"preprocess_input (mode={mode!r}): expects 3 colour channels last, got shape {x.shape}")
    if mode == "torch":
        return (x / 255.0 - np.float32(_TORCH_MEAN)) / np.float32(_TORCH_STD)
    return x[..., ::-1] - np.float32(_CAFFE_MEAN)  # caffe: BGR, centred, not scaled


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """The ``top`` classes of each sample: lists of (wordnet id, class name, score), best first.

    Raises
    ------
    ValueError
        When ``preds`` is not (samples, 1000).
    FileNotFoundError
        When ``imagenet_class_index.json`` is not in Keras' cache (``~/.keras/models``).
    """
    global _CLASS_INDEX
    preds = backend.to_numpy(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, shape (samples, 1000); "
                         f"got shape {preds.shape}")
    if _CLASS_INDEX is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_URL, cache_subdir="models")
        with open(path, encoding="utf-8") as f:
            _CLASS_INDEX = json.load(f)
    order = np.argsort(-preds, axis=1, kind="stable")[:, :top]
    return [[(*_CLASS_INDEX[str(i)], float(row[i])) for i in idx] for row, idx in zip(preds, order)]


def check_arguments(model: str, weights: Any, include_top: bool, classes: int, input_shape: Any,
                    default_size: int, min_size: int = 32) -> tuple[Any, ...]:
    """Keras' checks of an application's arguments; returns the (height, width, channels) input shape.

    With ``include_top`` the size must be known (the classifier is sized for it) and, with ImageNet
    weights, be ``default_size``; without it, unknown sizes (None) are allowed.
    """
    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(f"{model}: weights must be None (random initialisation), 'imagenet' (pre-training on "
                         f"ImageNet) or the path of a weights file that exists, got weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model}: with weights='imagenet' and include_top=True, classes must be 1000, got {classes}")
    if input_shape is None:
        shape: tuple[Any, ...] = (default_size, default_size, 3) if include_top else (None, None, 3)
    else:
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{model}: input_shape must be (height, width, channels), got {input_shape!r}")
    if weights == "imagenet" and shape[-1] != 3:
        raise ValueError(f"{model}: ImageNet weights need 3 input channels, got input_shape={shape}")
    if include_top and (shape[0] is None or shape[1] is None):
        raise ValueError(f"{model}: with include_top=True the input size must be known, got input_shape={shape}")
    if include_top and weights == "imagenet" and shape[:2] != (default_size, default_size):
        raise ValueError(f"{model}: with include_top=True and weights='imagenet' the input must be "
                         f"({default_size}, {default_size}, 3), got input_shape={shape}")
    if any(s is not None and s < min_size for s in shape[:2]):
        raise ValueError(f"{model}: input height and width must be at least {min_size}, got input_shape={shape}")
    return shape


def head(x: Any, include_top: bool, pooling: Any, classes: int, classifier_activation: Any,
         top: Any = None, pool_names: tuple[str | None, str | None] = (None, None)) -> Any:
    """The end of an application: ``top(x)`` (the classifier) when ``include_top``, else the optional pooling."""
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")
    if include_top:
        return top(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=pool_names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=pool_names[1])(x)
    return x


def weights_path(weights: Any, file_name: str, url: str, file_hash: str | None = None) -> Any:
    """The weights file to load: Keras' cached ImageNet file, a given path, or None (random initialisation).

    Looked up before the model is built, so a missing ImageNet file fails at once (an ``OfflineError``
    naming ``file_name``, the folder to put it in and ``url``).
    """
    if weights == "imagenet":
        return get_file(file_name, url, cache_subdir="models", file_hash=file_hash)
    return weights


def load(model: Any, path: Any) -> Any:
    """``model`` with the weights of ``path`` loaded (nothing when None); returns ``model``."""
    if path is not None:
        model.load_weights(path)
    return model
