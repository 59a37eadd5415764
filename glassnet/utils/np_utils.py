"""Keras 2's import path ``keras.utils.np_utils``: ``from glassnet.utils.np_utils import to_categorical``."""

from . import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]
