"""``pad_sequences``: lists of sequences of different lengths -> one rectangular array, as Keras."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def pad_sequences(sequences: Iterable[Any], maxlen: int | None = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pad (or cut) every sequence to the same length.

    Parameters
    ----------
    sequences : iterable of sequences
        Each a list or array of scalars (or of equal-shaped vectors).
    maxlen : int, optional
        The length of the result; the longest sequence's length by default.
    dtype : str or dtype
        Of the result (``"int32"``; use ``"float32"`` or ``object`` for other values).
    padding : {"pre", "post"}
        Add ``value`` before (Keras' default) or after each sequence.
    truncating : {"pre", "post"}
        Drop the values at the beginning (default) or the end of a sequence longer than ``maxlen``.
    value : scalar
        The padding value.

    Returns
    -------
    numpy.ndarray
        ``(len(sequences), maxlen)`` plus the shape of one element.

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post")
    array([[2, 3],
           [4, 0]], dtype=int32)
    """
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {choice!r}")
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: sequences must be a list (or array) of sequences")
    seqs = [np.asarray(s) for s in sequences]
    lengths = [len(s) if s.ndim else None for s in seqs]
    if any(n is None for n in lengths):
        raise ValueError("pad_sequences: every element of sequences must itself be a sequence (list or array)")
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be a non-negative integer, got {maxlen!r}")
    sample_shape = next((s.shape[1:] for s in seqs if len(s)), ())
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the padding value {value!r}; "
                         "use dtype=object")
    out = np.full((len(seqs), int(maxlen)) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not len(s) or not maxlen:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: sequence {i} has elements of shape {kept.shape[1:]}, "
                             f"the others {tuple(sample_shape)}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
