"""IMDB movie-review sentiment (``keras.datasets.imdb``), read from Keras' cached ``imdb.npz``; no download.

The reviews are lists of word ids, ranked by frequency; see :mod:`glassnet.datasets.keras_cache` for
where the file is looked for and why it is read without ``allow_pickle``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import keras_cache

_HOW = "keras.datasets.imdb.load_data()"


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0, maxlen: int | None = None,
              seed: int = 113, start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs: Any) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(x_train, y_train), (x_test, y_test)`` exactly as Keras: object arrays of lists of word ids, 0/1 labels.

    Parameters
    ----------
    num_words : int, optional
        Keep the ids below ``num_words``; rarer words become ``oov_char`` (or are dropped when it is None).
    skip_top : int
        Ids below it (the most frequent words) become ``oov_char`` too.
    maxlen : int, optional
        Keep only reviews shorter than ``maxlen`` (after ``start_char`` is added), as Keras.
    seed : int
        Both parts are shuffled with ``np.random.RandomState(seed)``, train first, as Keras.
    start_char, oov_char, index_from : int
        Each review starts with ``start_char``; the stored ids are shifted up by ``index_from``.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognised arguments {sorted(kwargs)}")
    file = keras_cache.cached_file(path, "imdb", _HOW)
    arrays = keras_cache.load_npz(file, ("x_train", "y_train", "x_test", "y_test"))
    x_train = keras_cache.as_sequences(arrays["x_train"], "x_train", file)
    x_test = keras_cache.as_sequences(arrays["x_test"], "x_test", file)
    y_train = keras_cache.as_labels(arrays["y_train"], "y_train", file, len(x_train))
    y_test = keras_cache.as_labels(arrays["y_test"], "y_test", file, len(x_test))

    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, y_train = [x_train[i] for i in order], y_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = [x_test[i] for i in order], y_test[order]

    x_train, y_train = keras_cache.drop_long(keras_cache.shift(x_train, start_char, index_from), y_train, maxlen)
    x_test, y_test = keras_cache.drop_long(keras_cache.shift(x_test, start_char, index_from), y_test, maxlen)
    if maxlen and (not x_train or not x_test):
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                         "Increase maxlen.")
    xs = keras_cache.cap(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(x_train)
    return (keras_cache.object_array(xs[:n]), labels[:n]), (keras_cache.object_array(xs[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """Word -> id (before the ``index_from`` shift), from Keras' cached ``imdb_word_index.json``."""
    return keras_cache.load_word_index(path, "imdb", "keras.datasets.imdb.get_word_index()")
