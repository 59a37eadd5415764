"""CIFAR-10 (``keras.datasets.cifar10``): 60,000 32x32 colour images in 10 classes, from Keras' cache.

glassnet does not download: the archive Keras downloads (``cifar-10-python.tar.gz``) must be in
Keras' cache folder (see :func:`glassnet.utils.get_file`); the batches are read without general
unpickling (see :mod:`glassnet.datasets.cifar`).
"""

from __future__ import annotations

import numpy as np

from . import cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras: uint8 images ``(50000, 32, 32, 3)`` and
    ``(10000, 32, 32, 3)`` (channels last), uint8 labels ``(n, 1)`` in 0..9."""
    folder = cifar.batches_folder("cifar-10-batches-py-target", "cifar-10-batches-py", ORIGIN, FILE_SHA256)
    parts = [cifar.load_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts])
    x_test, y_test = cifar.load_batch(folder / "test_batch")
    return ((cifar.to_image_format(x_train), y_train.astype(np.uint8).reshape(-1, 1)),
            (cifar.to_image_format(x_test), y_test.astype(np.uint8).reshape(-1, 1)))
