"""``keras.preprocessing.sequence.pad_sequences`` (Keras 2's home of it; also ``keras.utils.pad_sequences``)."""

from ..utils.sequence import pad_sequences

__all__ = ["pad_sequences"]
