"""Boston housing prices (``keras.datasets.boston_housing``), read from Keras' cached ``boston_housing.npz``.

glassnet does not download: see :func:`glassnet.utils.get_file` for where the file must be. The
``.npz`` is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from ..utils.get_file import get_file
from .keras_cache import keras_datasets_dir
from .mnist import DatasetError

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2,
              seed: int = 113) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras: 13 features per house, the median value in k$.

    Parameters
    ----------
    path : str
        The file's name in Keras' cache folder.
    test_split : float
        Fraction held out for the test part, in ``[0, 1)``.
    seed : int
        The rows are shuffled with ``np.random.RandomState(seed)`` before the split, as Keras.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    file = get_file(path, origin=ORIGIN, file_hash=FILE_SHA256, cache_dir=os.path.dirname(keras_datasets_dir()))
    try:
        with np.load(file, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise DatasetError(f"{file}: not Keras' boston_housing.npz with arrays 'x' and 'y' ({err})") from None
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise DatasetError(f"{file}: expected x of shape (n, features) and y of shape (n,), got {x.shape}, {y.shape}")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
