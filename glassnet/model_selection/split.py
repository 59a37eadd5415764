"""Splitting data for honest evaluation: hold-out splits and K folds (scikit-learn's names).

A model is judged on data it never trained on.  ``train_test_split`` holds out
one test part; ``KFold`` cuts the data into k parts and lets each part be the
test set once, so every sample is tested exactly once.  The stratified
variants keep each class's share the same in every part, which matters when a
class is rare (a fold without it cannot measure its recall).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np


def _num_samples(a: Any) -> int:
    return len(a) if not hasattr(a, "shape") else int(a.shape[0])


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _index(a: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of an array, or of a list (kept a list)."""
    if a is None:
        return None
    if hasattr(a, "shape"):
        return np.asarray(a)[idx]
    return [a[i] for i in idx.tolist()]


def _split_sizes(n: int, test_size: Any, train_size: Any) -> tuple[int, int]:
    """(n_train, n_test) as scikit-learn computes them: the test part rounds up, the train part down."""
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, size in (("test_size", test_size), ("train_size", train_size)):
        if size is None:
            continue
        if isinstance(size, float) and not 0 < size < 1:
            raise ValueError(f"{name}={size} should be either positive and smaller than the number of samples "
                             f"{n} or a float in the (0, 1) range")
        if isinstance(size, (int, np.integer)) and not 0 < size < n:
            raise ValueError(f"{name}={size} should be either positive and smaller than the number of samples "
                             f"{n} or a float in the (0, 1) range")
    n_test = math.ceil(test_size * n) if isinstance(test_size, float) else test_size
    n_train = math.floor(train_size * n) if isinstance(train_size, float) else train_size
    if n_train is None:
        n_train = n - n_test
    elif n_test is None:
        n_test = n - n_train
    if n_train + n_test > n:
        raise ValueError(f"The sum of train_size and test_size = {n_train + n_test}, should be smaller than the "
                         f"number of samples {n}. Reduce test_size and/or train_size.")
    if n_train == 0:
        raise ValueError(f"With n_samples={n}, test_size={test_size} and train_size={train_size}, the resulting "
                         f"train set will be empty. Adjust any of the aforementioned parameters.")
    return int(n_train), int(n_test)


def _allocate(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` over classes in proportion to ``counts`` (largest remainders, random ties)."""
    exact = counts * total / counts.sum()
    alloc = np.floor(exact).astype(np.int64)
    left = total - alloc.sum()
    if left > 0:
        remainder = exact - alloc
        # Largest remainder first; a random key breaks ties so no class is always favoured.
        order = np.lexsort((rng.random(len(counts)), -remainder))
        room = counts - alloc
        order = order[room[order] > 0]
        alloc[order[:left]] += 1
    return alloc


def train_test_split(*arrays: Any, test_size: float | int | None = None, train_size: float | int | None = None,
                     random_state: Any = None, shuffle: bool = True, stratify: Any = None) -> list[Any]:
    """Split arrays into random train and test parts (scikit-learn's signature and sizes).

    Parameters
    ----------
    *arrays : array_like
        Arrays with the same first dimension (inputs, labels, sample weights...).
    test_size, train_size : float or int, optional
        Fraction (0, 1) or number of samples; by default a quarter is held out for testing.
    random_state : int or numpy Generator, optional
        Seed for a reproducible split.
    shuffle : bool
        Shuffle before splitting; False takes the test part from the end (as Keras' validation_split).
    stratify : array_like, optional
        Class labels whose proportions both parts keep.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``.
    """
    if not arrays:
        raise ValueError("At least one array required as input")
    n = _num_samples(arrays[0])
    for i, a in enumerate(arrays[1:], start=1):
        if _num_samples(a) != n:
            raise ValueError(f"Found input variables with inconsistent numbers of samples: array 0 has {n}, "
                             f"array {i} has {_num_samples(a)}")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    rng = _rng(random_state)
    if not shuffle:
        if stratify is not None:
            raise ValueError("Stratified train/test split is not implemented for shuffle=False")
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    elif stratify is None:
        perm = rng.permutation(n)
        test, train = perm[:n_test], perm[n_test:n_test + n_train]
    else:
        labels = np.asarray(stratify)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)    # one-hot rows
        classes, y = np.unique(labels.reshape(n, -1)[:, 0] if labels.ndim > 1 else labels, return_inverse=True)
        counts = np.bincount(y)
        if counts.min() < 2:
            raise ValueError("The least populated class in y has only 1 member, which is too few. The minimum "
                             "number of groups for any class cannot be less than 2.")
        if n_test < len(classes) or n_train < len(classes):
            raise ValueError(f"The test_size = {n_test} and train_size = {n_train} should each be greater or equal "
                             f"to the number of classes = {len(classes)}")
        test_counts = _allocate(counts, n_test, rng)
        train_counts = _allocate(counts - test_counts, n_train, rng)
        # Shuffle, then take each class's first test_counts for test and the next train_counts for training.
        perm = rng.permutation(n)
        by_class = perm[np.argsort(y[perm], kind="stable")]
        rank = np.arange(n) - np.repeat(np.r_[0, np.cumsum(counts)[:-1]], counts)
        cls = y[by_class]
        test = rng.permutation(by_class[rank < test_counts[cls]])
        train = rng.permutation(by_class[(rank >= test_counts[cls]) & (rank < test_counts[cls] + train_counts[cls])])
    out: list[Any] = []
    for a in arrays:
        out.extend([_index(a, train), _index(a, test)])
    return out


class KFold:
    """K folds in order (or shuffled): each fold is the test set once, the rest the training set.

    Parameters
    ----------
    n_splits : int
        Number of folds (at least 2). The first ``n % n_splits`` folds get one extra sample.
    shuffle : bool
        Shuffle the samples before cutting folds.
    random_state : int, optional
        Seed of that shuffle.
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, random_state: Any = None) -> None:
        if not isinstance(n_splits, (int, np.integer)) or isinstance(n_splits, bool):
            raise ValueError(f"The number of folds must be of Integral type. {n_splits!r} of type "
                             f"{type(n_splits).__name__} was passed.")
        if n_splits <= 1:
            raise ValueError(f"k-fold cross-validation requires at least one train/test split by setting "
                             f"n_splits=2 or more, got n_splits={n_splits}.")
        if not shuffle and random_state is not None:
            raise ValueError("Setting a random_state has no effect since shuffle is False. You should leave "
                             "random_state to its default (None), or set shuffle=True.")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def _test_folds(self, n: int, y: Any) -> np.ndarray:
        """The fold number of each sample."""
        if self.n_splits > n:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater than the number of "
                             f"samples: n_samples={n}.")
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        folds = np.repeat(np.arange(self.n_splits), sizes)
        if self.shuffle:
            out = np.empty(n, dtype=np.int64)
            out[_rng(self.random_state).permutation(n)] = folds
            return out
        return folds

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, test_indices)`` for each fold."""
        n = _num_samples(X)
        if y is not None and _num_samples(y) != n:
            raise ValueError(f"X has {n} samples but y has {_num_samples(y)}")
        folds = self._test_folds(n, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_splits={self.n_splits}, random_state={self.random_state}, " \
               f"shuffle={self.shuffle})"


class StratifiedKFold(KFold):
    """K folds that keep each class's share of the samples (scikit-learn's allocation).

    Sorting the labels and dealing them round-robin to the folds fixes how many samples of each
    class every fold gets; the samples of a class then go to folds in blocks, in data order
    (shuffled first when ``shuffle=True``).
    """

    def _test_folds(self, n: int, y: Any) -> np.ndarray:
        if y is None:
            raise ValueError("StratifiedKFold.split needs the class labels y")
        labels = np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)
        labels = labels.reshape(n)
        # Classes numbered by first appearance, as scikit-learn does, so the folds match its folds.
        _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        code = np.argsort(np.argsort(first))[inverse]
        counts = np.bincount(code)
        if np.all(self.n_splits > counts):
            raise ValueError(f"n_splits={self.n_splits} cannot be greater than the number of members in each class.")
        if self.n_splits > counts.min():
            warnings.warn(f"The least populated class in y has only {counts.min()} members, which is less than "
                          f"n_splits={self.n_splits}.", UserWarning, stacklevel=3)
        # Deal the sorted labels to the folds in turn: allocation[f, c] = samples of class c in fold f.
        dealt = np.sort(code)
        allocation = np.zeros((self.n_splits, len(counts)), dtype=np.int64)
        np.add.at(allocation, (np.arange(n) % self.n_splits, dealt), 1)
        rng = _rng(self.random_state) if self.shuffle else None
        folds = np.empty(n, dtype=np.int64)
        for c in range(len(counts)):          # a loop over classes, not samples
            fold_of_class = np.repeat(np.arange(self.n_splits), allocation[:, c])
            if rng is not None:
                rng.shuffle(fold_of_class)
            folds[code == c] = fold_of_class
        return folds
