"""CIFAR-100 (``keras.datasets.cifar100``): 60,000 32x32 colour images in 100 classes (20 superclasses).

Read from Keras' cached ``cifar-100-python.tar.gz``; no download (see :mod:`glassnet.datasets.cifar10`).
"""

from __future__ import annotations

import numpy as np

from . import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine") -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras: uint8 images ``(50000|10000, 32, 32, 3)``, labels
    ``(n, 1)``.

    Parameters
    ----------
    label_mode : {"fine", "coarse"}
        The 100 classes, or the 20 superclasses.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    folder = cifar.batches_folder("cifar-100-python-target", "cifar-100-python", ORIGIN, FILE_SHA256)
    key = f"{label_mode}_labels"
    x_train, y_train = cifar.load_batch(folder / "train", label_key=key)
    x_test, y_test = cifar.load_batch(folder / "test", label_key=key)
    return ((cifar.to_image_format(x_train), y_train.reshape(-1, 1)),
            (cifar.to_image_format(x_test), y_test.reshape(-1, 1)))
