"""Fashion-MNIST (Zalando; same IDX layout as MNIST).  Not bundled: glassnet works offline and ships
only MNIST, so point ``load_data(path=...)`` at a folder holding the four files
(``train-images-idx3-ubyte.gz`` ...), as downloaded from the dataset's page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .mnist import DatasetError, _read_idx

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def load_data(path: str | os.PathLike[str] | None = None) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays (60000/10000, 28, 28), from local files."""
    if path is None:
        raise DatasetError(
            "Fashion-MNIST is not bundled with glassnet (only MNIST is, so everything works offline). Download "
            "the four IDX files and call keras.datasets.fashion_mnist.load_data(path='folder/with/files')."
        )
    folder = Path(path)
    parts = [_read_idx(folder, stem, verify=False) for stem in (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    return (parts[0], parts[1]), (parts[2], parts[3])
