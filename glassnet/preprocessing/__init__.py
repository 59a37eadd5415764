"""Keras 2's ``keras.preprocessing`` names that glassnet has: ``sequence.pad_sequences``."""

from . import sequence

__all__ = ["sequence"]
