"""Reuters newswire topics (``keras.datasets.reuters``), read from Keras' cached ``reuters.npz``; no download.

See :mod:`glassnet.datasets.keras_cache` for where the file is looked for and why it is read without
``allow_pickle``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import keras_cache

_HOW = "keras.datasets.reuters.load_data()"


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              test_split: float = 0.2, seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2,
              index_from: int = 3, **kwargs: Any) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` as Keras: 46 topics; the shuffled newswires split by ``test_split``.

    The arguments are :func:`glassnet.datasets.imdb.load_data`'s, plus ``test_split``.
    """
    if kwargs:
        raise TypeError(f"reuters.load_data: unrecognised arguments {sorted(kwargs)}")
    file = keras_cache.cached_file(path, "reuters", _HOW)
    arrays = keras_cache.load_npz(file, ("x", "y"))
    xs = keras_cache.as_sequences(arrays["x"], "x", file)
    labels = keras_cache.as_labels(arrays["y"], "y", file, len(xs))
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = [xs[i] for i in order], labels[order]
    xs, labels = keras_cache.drop_long(keras_cache.shift(xs, start_char, index_from), labels, maxlen)
    xs = keras_cache.cap(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (keras_cache.object_array(xs[:idx]), labels[:idx]), (keras_cache.object_array(xs[idx:]), labels[idx:])


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """Word -> id (before the ``index_from`` shift), from Keras' cached ``reuters_word_index.json``."""
    return keras_cache.load_word_index(path, "reuters", "keras.datasets.reuters.get_word_index()")


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order (as Keras)."""
    return _LABELS


_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")
