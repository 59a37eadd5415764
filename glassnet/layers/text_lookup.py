"""Vocabulary lookups with Keras' rules: ``StringLookup``, ``IntegerLookup`` and their shared base.

A vocabulary is a list of tokens; the index of a token is its place after the reserved entries:
``[mask_token]`` (when set) then the OOV token(s), then the vocabulary. ``adapt(data)`` learns it as
Keras does: tokens by decreasing frequency, ties in decreasing token order (``np.lexsort`` reversed),
cut to ``max_tokens`` including the reserved entries. The layers have no weights: the vocabulary
(and the idf weights) are part of ``get_config``, so a saved model carries them.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .. import backend
from ..engine.tensor import Tensor
from .base import Layer

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _data(inputs: Any) -> np.ndarray:
    return backend.to_numpy(inputs)  # tokens are looked up on the host, whatever the backend


class IndexLookup(Layer):
    """The shared machinery; use :class:`StringLookup` or :class:`IntegerLookup`."""

    _keeps_integer_input = True  # ids stay integers (IntegerLookup); strings are never converted
    _oov_default: Any = None

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: Any = None,
                 oov_token: Any = None, vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        name = type(self).__name__
        if output_mode not in _MODES:
            raise ValueError(f"{name}: output_mode must be one of {_MODES}, got {output_mode!r}")
        if num_oov_indices not in (0, 1):
            raise NotImplementedError(f"{name}: num_oov_indices={num_oov_indices}: Keras hashes out-of-vocabulary "
                                      "tokens over several indices with TensorFlow's fingerprint; glassnet supports 0 or 1")
        if max_tokens is not None and max_tokens <= num_oov_indices + (mask_token is not None):
            raise ValueError(f"{name}: max_tokens={max_tokens} leaves no room beside the reserved tokens")
        if invert and output_mode != "int":
            raise ValueError(f"{name}: invert=True needs output_mode='int'")
        if sparse:
            raise NotImplementedError(f"{name}: sparse outputs are not supported; outputs are dense NumPy arrays")
        self.max_tokens, self.num_oov_indices, self.invert = max_tokens, num_oov_indices, invert
        self.mask_token = mask_token
        self.oov_token = self._oov_default if oov_token is None else oov_token
        self.output_mode, self.pad_to_max_tokens, self.sparse = output_mode, pad_to_max_tokens, sparse
        self.idf_weights: np.ndarray | None = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{name}: idf_weights needs a vocabulary")
        else:  # as Keras: before adapt() every token is out of vocabulary
            self._vocab: list[Any] = []
            self._index: dict[Any, int] = {}
            if output_mode == "tf_idf":
                self.idf_weights = np.zeros(len(self._reserved()), np.float32)

    # -- the vocabulary ------------------------------------------------------------------------
    def _reserved(self) -> list[Any]:
        use_mask = self.mask_token is not None and self.output_mode == "int"  # Keras: not in the dense modes
        return ([self.mask_token] if use_mask else []) + [self.oov_token] * self.num_oov_indices

    def _token(self, value: Any) -> Any:
        return value

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (without reserved tokens, or with them in front, as Keras accepts)."""
        name = type(self).__name__
        tokens = [self._token(t) for t in np.asarray(vocabulary).reshape(-1).tolist()]
        reserved = self._reserved()
        if tokens[:len(reserved)] == reserved and reserved:
            tokens = tokens[len(reserved):]
        special = {self.mask_token, self.oov_token} - {None}
        if any(t in special for t in tokens):
            raise ValueError(f"{name}: the vocabulary holds a reserved token ({sorted(map(str, special))}) "
                             "after the reserved positions")
        if len(set(tokens)) != len(tokens):
            dup = [t for t, c in collections.Counter(tokens).items() if c > 1]
            raise ValueError(f"{name}: the vocabulary has repeated tokens: {dup[:5]}")
        if self.max_tokens is not None and len(reserved) + len(tokens) > self.max_tokens:
            raise ValueError(f"{name}: a vocabulary of {len(reserved) + len(tokens)} tokens (with the reserved ones) "
                             f"is more than max_tokens={self.max_tokens}")
        if self.output_mode == "tf_idf":
            if idf_weights is None and not tokens:
                idf_weights = np.zeros(0, np.float32)
            if idf_weights is None:
                raise ValueError(f"{name}: output_mode='tf_idf' needs idf_weights with a vocabulary (or adapt())")
            idf = np.asarray(idf_weights, dtype=np.float32).reshape(-1)
            if len(idf) == len(tokens):  # Keras: reserved positions get the mean idf
                idf = np.concatenate([np.full(len(reserved), idf.mean() if len(idf) else 0, np.float32), idf])
                idf = idf.astype(np.float32)
            if len(idf) != len(tokens) + len(reserved):
                raise ValueError(f"{name}: {len(idf)} idf_weights for {len(tokens)} tokens")
            self.idf_weights = idf
        elif idf_weights is not None:
            raise ValueError(f"{name}: idf_weights only apply to output_mode='tf_idf'")
        self._vocab = tokens
        self._index = {t: i + len(reserved) for i, t in enumerate(tokens)}

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The tokens in index order (reserved ones first unless ``include_special_tokens=False``)."""
        return (self._reserved() if include_special_tokens else []) + list(self._vocab)

    def vocabulary_size(self) -> int:
        """Tokens with the reserved ones: the number of distinct output indices."""
        return len(self.get_vocabulary())

    def _learn(self, documents: list[list[Any]]) -> None:
        """Keras' adapt: frequency order, ties in decreasing token order; document counts for tf_idf."""
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        special = {self.mask_token, self.oov_token} - {None}
        for doc in documents:
            doc = [t for t in doc if t not in special]
            counts.update(doc)
            doc_counts.update(set(doc))
        tokens = list(counts)
        if tokens:
            order = np.lexsort((np.array(tokens), np.array([counts[t] for t in tokens])))[::-1]
            tokens = [tokens[i] for i in order]
        reserved = self._reserved()
        if self.max_tokens is not None:
            tokens = tokens[:self.max_tokens - len(reserved)]
        idf = None
        if self.output_mode == "tf_idf":
            n = len(documents)
            idf = np.log(1 + n / (1 + np.array([doc_counts[t] for t in tokens], dtype=np.float64))).astype(np.float32)
        self.set_vocabulary(tokens, idf)

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Learn the vocabulary from ``data`` (an array, or an iterable of arrays/batches)."""
        self._learn([[self._token(t) for t in np.asarray(row).reshape(-1).tolist()] for row in _rows(data)])

    # -- the lookup ----------------------------------------------------------------------------
    def _indices(self, values: np.ndarray) -> np.ndarray:
        flat = values.reshape(-1)
        uniq, inverse = np.unique(flat, return_inverse=True)
        oov = len(self._reserved()) - 1 if self.num_oov_indices else -1
        mapped = np.array([self._index.get(self._token(u), oov) for u in uniq.tolist()], dtype=np.int64)
        if self.mask_token is not None:  # index 0 in "int" mode; left out of the dense modes' counts
            mapped[[self._token(u) == self.mask_token for u in uniq.tolist()]] = 0 if self.output_mode == "int" else -2
        out = mapped[inverse].reshape(values.shape) if len(uniq) else np.zeros(values.shape, np.int64)
        if self.num_oov_indices == 0 and (out == -1).any():
            bad = flat[out.reshape(-1) == -1][0]
            raise ValueError(f"{type(self).__name__}: {bad!r} is not in the vocabulary and num_oov_indices=0")
        return out

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()

    def _encode(self, ids: np.ndarray) -> np.ndarray:
        """ids (batch, n) -> the dense output of output_mode."""
        depth = self._depth()
        if self.output_mode == "one_hot":
            table = np.eye(depth + 1, dtype=np.float32)[:, :depth]  # its last row, all zeros, is for a mask
            return table[np.where(ids < 0, depth, ids)]
        rows = ids.reshape(ids.shape[0], -1) if ids.ndim else ids.reshape(1, 1)
        out = np.zeros((rows.shape[0], depth), dtype=np.float32)
        batch = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
        keep = rows.reshape(-1) >= 0
        np.add.at(out, (batch[keep], rows.reshape(-1)[keep]), 1.0)
        if self.output_mode == "multi_hot":
            return np.minimum(out, 1)
        if self.output_mode == "tf_idf":
            idf = np.zeros(depth, np.float32)
            idf[:len(self.idf_weights)] = self.idf_weights
            return out * idf
        return out

    def call(self, inputs: Any) -> Tensor:
        values = _data(inputs)
        if self.invert:
            vocab = np.array(self.get_vocabulary(), dtype=object)
            ids = values.astype(np.int64)
            out = np.where((ids >= 0) & (ids < len(vocab)), vocab[np.clip(ids, 0, len(vocab) - 1)], self.oov_token)
            if isinstance(self.oov_token, str):  # strings live on the host only
                return Tensor(np.asarray(out, dtype=object))
            return Tensor(backend.to_array(np.asarray(out, dtype=np.int64)))
        ids = self._indices(values)
        if self.output_mode == "int":
            return Tensor(backend.to_array(ids))  # numbers cross to the device at the layer's output
        if self.output_mode == "one_hot":
            return Tensor(backend.to_array(self._encode(ids[..., 0] if ids.ndim > 1 and ids.shape[-1] == 1 else ids)))
        return Tensor(backend.to_array(self._encode(ids if ids.ndim > 1 else ids[:, None])))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices, mask_token=self.mask_token,
                      oov_token=self.oov_token, invert=self.invert, output_mode=self.output_mode,
                      pad_to_max_tokens=self.pad_to_max_tokens, sparse=self.sparse,
                      vocabulary=list(self._vocab) or None,
                      idf_weights=self.idf_weights.tolist() if self.idf_weights is not None and self._vocab else None)
        return config


def _rows(data: Any) -> list[Any]:
    """The documents of ``data``: rows of an array, or of each batch an iterable gives."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, list, tuple)):
        arr = np.asarray(data, dtype=object) if isinstance(data, (list, tuple)) else data
        return list(arr) if arr.ndim else [arr]
    rows: list[Any] = []
    for batch in data:  # a dataset of batches: (x,) / (x, y) / x
        x = batch[0] if isinstance(batch, tuple) else batch
        rows += _rows(backend.to_numpy(x))
    return rows


class StringLookup(IndexLookup):
    """Strings -> indices (``keras.layers.StringLookup``): ``[mask_token]``, ``"[UNK]"``, then the vocabulary.

    >>> import glassnet as keras
    >>> lookup = keras.layers.StringLookup(vocabulary=["a", "b", "c"])
    >>> lookup(np.array([["a", "c", "z"]])).data.tolist()
    [[1, 3, 0]]
    """

    _oov_default = "[UNK]"
    _accepts_string_input = True

    def _token(self, value: Any) -> Any:
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: str | None = None,
                 oov_token: str = "[UNK]", vocabulary: Any = None, idf_weights: Any = None, invert: bool = False,
                 output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", **kwargs: Any) -> None:
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    """Integer ids -> contiguous indices (``keras.layers.IntegerLookup``); the OOV token is ``-1``.

    >>> import glassnet as keras
    >>> lookup = keras.layers.IntegerLookup(vocabulary=[12, 36, 1138])
    >>> lookup(np.array([[12, 1138, 42]])).data.tolist()
    [[1, 3, 0]]
    """

    _oov_default = -1

    def _token(self, value: Any) -> Any:
        return int(value)

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1, mask_token: int | None = None,
                 oov_token: int = -1, vocabulary: Any = None, vocabulary_dtype: str = "int64", idf_weights: Any = None,
                 invert: bool = False, output_mode: str = "int", pad_to_max_tokens: bool = False, sparse: bool = False,
                 **kwargs: Any) -> None:
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
