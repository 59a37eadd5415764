"""Fashion-MNIST (Zalando; same IDX layout as MNIST).  Not bundled: glassnet works offline and ships
only MNIST, so ``load_data()`` reads the four files (``train-images-idx3-ubyte.gz`` ...) from Keras'
cache folder (``$KERAS_HOME/datasets/fashion-mnist/``), or ``load_data(path=...)`` from a folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .keras_cache import keras_datasets_dir
from .mnist import DatasetError, _read_idx

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def load_data(path: str | os.PathLike[str] | None = None) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays (60000/10000, 28, 28), from local files.

    Without ``path`` the four files are read where Keras caches them:
    ``$KERAS_HOME/datasets/fashion-mnist/`` (else ``~/.keras/datasets/fashion-mnist/``).
    """
    if path is None:
        folder = keras_datasets_dir() / "fashion-mnist"
        missing = [f"{stem}.gz" for stem in _STEMS
                   if not (folder / f"{stem}.gz").is_file() and not (folder / stem).is_file()]
        if missing:
            raise DatasetError(
                "Fashion-MNIST is not bundled with glassnet (only MNIST is, so everything works offline) and "
                f"{', '.join(missing)} not found in Keras' cache folder {folder}. Download them from "
                f"{_ORIGIN}<name> (or run keras.datasets.fashion_mnist.load_data() with Keras on a machine with "
                "a network) and put them there, or call keras.datasets.fashion_mnist.load_data(path='folder').")
    else:
        folder = Path(path)
    parts = [_read_idx(folder, stem, verify=False) for stem in _STEMS]
    return (parts[0], parts[1]), (parts[2], parts[3])
