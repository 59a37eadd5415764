"""``keras.layers.TextVectorization``: strings -> standardized -> split -> n-grams -> a vocabulary lookup.

The vocabulary comes from ``vocabulary=`` or ``adapt(data)`` (Keras' order: by frequency, ties in
decreasing token order); in ``"int"`` mode index 0 is the padding ``""`` and 1 the OOV ``"[UNK]"``; in
``"multi_hot"``/``"count"``/``"tf_idf"`` mode index 0 is ``"[UNK]"``. tf-idf weights are Keras':
``idf = log(1 + documents / (1 + documents containing the token))``, the OOV slot getting their mean.
The vocabulary (and idf weights) are in ``get_config``, so ``model.save`` keeps them.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import backend
from ..engine.tensor import Tensor
from .base import Layer
from .text_lookup import StringLookup, _data, _rows

# Keras' DEFAULT_STRIP_REGEX
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")
_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorization(Layer):
    """Turn strings into sequences of token ids or into bag-of-words vectors (Keras' layer, in NumPy).

    >>> import numpy as np, glassnet as keras
    >>> tv = keras.layers.TextVectorization(output_sequence_length=4)
    >>> tv.adapt(["the cat sat", "The dog, the cat!"])
    >>> tv.get_vocabulary()
    ['', '[UNK]', 'the', 'cat', 'sat', 'dog']
    >>> tv(np.array(["the bird sat"])).data.tolist()
    [[2, 1, 4, 0]]
    """

    _keeps_integer_input = True
    _accepts_string_input = True

    def __init__(self, max_tokens: int | None = None, standardize: Any = "lower_and_strip_punctuation",
                 split: Any = "whitespace", ngrams: int | tuple[int, ...] | None = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False, ragged: bool = False,
                 encoding: str = "utf-8", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(standardize) and standardize not in _STANDARDIZE:
            raise ValueError(f"TextVectorization: standardize must be one of {_STANDARDIZE} or a function, "
                             f"got {standardize!r}")
        if not callable(split) and split not in _SPLIT:
            raise ValueError(f"TextVectorization: split must be one of {_SPLIT} or a function, got {split!r}")
        if output_mode not in _MODES:
            raise ValueError(f"TextVectorization: output_mode must be one of {_MODES}, got {output_mode!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("TextVectorization: output_sequence_length only applies to output_mode='int'")
        if isinstance(ngrams, int) and not isinstance(ngrams, bool):
            if ngrams < 1:
                raise ValueError(f"TextVectorization: ngrams must be a positive integer or a tuple, got {ngrams}")
        elif ngrams is not None and not (isinstance(ngrams, (tuple, list)) and all(isinstance(n, int) and n > 0
                                                                                   for n in ngrams)):
            raise ValueError(f"TextVectorization: ngrams must be None, a positive integer or a tuple, got {ngrams!r}")
        if ragged or sparse:
            raise NotImplementedError("TextVectorization: ragged and sparse outputs are not supported")
        self.standardize, self.split, self.output_mode = standardize, split, output_mode
        self.ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self.output_sequence_length, self.max_tokens = output_sequence_length, max_tokens
        self.pad_to_max_tokens, self.encoding, self.sparse, self.ragged = pad_to_max_tokens, encoding, sparse, ragged
        self.lookup = StringLookup(max_tokens=max_tokens, mask_token="" if output_mode == "int" else None,
                                   output_mode="count" if output_mode == "multi_hot" else output_mode,
                                   vocabulary=vocabulary, idf_weights=idf_weights, pad_to_max_tokens=pad_to_max_tokens,
                                   name=f"{self.name}_lookup")

    # -- the text pipeline ---------------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.lower()
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def _tokens(self, text: Any) -> list[str]:
        if isinstance(text, bytes):
            text = text.decode(self.encoding)
        text = self._standardize(str(text))
        if self.split is None:
            tokens = [text]
        elif callable(self.split):
            tokens = list(self.split(text))
        elif self.split == "whitespace":
            tokens = text.split()
        else:
            tokens = list(text)
        if self.ngrams is None:
            return tokens
        sizes = range(1, self.ngrams + 1) if isinstance(self.ngrams, int) else self.ngrams
        return [" ".join(tokens[i:i + n]) for n in sizes for i in range(len(tokens) - n + 1)]

    def _documents(self, data: Any) -> list[list[str]]:
        docs = []
        for row in _rows(data):
            row = np.asarray(row, dtype=object).reshape(-1)
            if len(row) != 1:
                raise ValueError(f"TextVectorization: each sample must be one string, got {len(row)} values")
            docs.append(self._tokens(row[0]))
        return docs

    # -- vocabulary ----------------------------------------------------------------------------
    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Learn the vocabulary (and idf weights for ``"tf_idf"``) from strings: an array or batches of them."""
        self.lookup._learn(self._documents(data))

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        self.lookup.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return self.lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self.lookup.vocabulary_size()

    # -- the call ------------------------------------------------------------------------------
    def call(self, inputs: Any) -> Tensor:
        values = _data(inputs)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise ValueError(f"TextVectorization: expected a batch of strings of shape (batch,) or (batch, 1), got "
                             f"shape {values.shape}")
        docs = [self._tokens(v) for v in values.tolist()]
        if self.output_mode != "int":
            width = max(1, max((len(d) for d in docs), default=0))
            padded = np.full((len(docs), width), "", dtype=object)
            ids = np.full((len(docs), width), -2, dtype=np.int64)  # -2: no token, counts for nothing
            for i, d in enumerate(docs):
                padded[i, :len(d)] = d
            present = np.array([[j < len(d) for j in range(width)] for d in docs], dtype=bool).reshape(len(docs), width)
            if present.any():
                ids[present] = self.lookup._indices(padded[present])
            out = self.lookup._encode(ids)
            return Tensor(backend.to_array(np.minimum(out, 1) if self.output_mode == "multi_hot" else out))
        length = self.output_sequence_length
        if length is None:
            length = max((len(d) for d in docs), default=0)
        out = np.zeros((len(docs), length), dtype=np.int64)
        flat = [t for d in docs for t in d[:length]]
        if flat:
            ids = self.lookup._indices(np.array(flat, dtype=object))
            row = np.repeat(np.arange(len(docs)), [min(len(d), length) for d in docs])
            col = np.concatenate([np.arange(min(len(d), length)) for d in docs])
            out[row, col] = ids
        return Tensor(backend.to_array(out))  # host token ids -> the backend's device

    def get_config(self) -> dict[str, Any]:
        if callable(self.standardize) or callable(self.split):
            raise NotImplementedError("TextVectorization: a layer with a custom standardize/split function cannot be "
                                      "saved (a config never holds code)")
        config = super().get_config()
        vocab = list(self.lookup._vocab) or None
        idf = self.lookup.idf_weights if vocab else None
        config.update(max_tokens=self.max_tokens, standardize=self.standardize, split=self.split, ngrams=self.ngrams,
                      output_mode=self.output_mode, output_sequence_length=self.output_sequence_length,
                      pad_to_max_tokens=self.pad_to_max_tokens, vocabulary=vocab,
                      idf_weights=None if idf is None else idf[1:].tolist(), sparse=self.sparse, ragged=self.ragged,
                      encoding=self.encoding)
        return config
