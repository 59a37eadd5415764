"""What ``image_dataset_from_directory`` and ``text_dataset_from_directory`` share: a folder per class.

Checking the labelling arguments, listing the files with their class ids, shuffling paths and ids
together, encoding the labels for ``label_mode`` and keeping the last fraction apart for validation
work the same for images and texts, as in Keras; only the files listed and how one is read differ.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def check_labelling(who: str, labels: Any, label_mode: Any, class_names: Any, subset: Any, validation_split: Any,
                    shuffle: bool, seed: Any) -> None:
    """Refuse labelling and splitting arguments Keras refuses, naming the argument."""
    if not (labels in ("inferred", None) if isinstance(labels, (str, type(None)))
            else isinstance(labels, (list, tuple, np.ndarray))):
        raise ValueError(f"{who}: labels must be 'inferred', None or a list of labels, got {labels!r}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"{who}: label_mode must be 'int', 'categorical', 'binary' or None, got {label_mode!r}")
    if class_names is not None and labels != "inferred":
        raise ValueError(f"{who}: class_names is only allowed with labels='inferred'")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"{who}: subset must be 'training', 'validation', 'both' or None, got {subset!r}")
    if (validation_split is None) != (subset is None):
        raise ValueError(f"{who}: validation_split and subset go together (got {validation_split!r}, {subset!r})")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{who}: validation_split must be between 0 and 1, got {validation_split}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{who}: if using validation_split and shuffling the data, you must provide a seed "
                         "argument, to make sure that there is no overlap between the training and validation subset")


def index_files(who: str, directory: Path, labels: Any, class_names: Any, list_files: Callable[[Path], list[str]],
                what: str) -> tuple[list[str], list[int], list[str]]:
    """``(paths, class ids, class names)``: one class per sub-folder, or ``labels`` given per file."""
    if labels == "inferred":
        subdirs = sorted(d.name for d in directory.iterdir() if d.is_dir())
        if class_names is not None:
            if sorted(class_names) != subdirs:
                raise ValueError(f"{who}: class_names {list(class_names)} must be the sub-folders of {directory}: "
                                 f"{subdirs}")
            subdirs = list(class_names)
        paths, ids = [], []
        for i, name in enumerate(subdirs):
            found = list_files(directory / name)
            paths += found
            ids += [i] * len(found)
        return paths, ids, subdirs
    paths = list_files(directory)
    if labels is None:
        return paths, [], []
    if len(labels) != len(paths):
        raise ValueError(f"{who}: expected as many labels as {what} in {directory}: {len(paths)} files, "
                         f"{len(labels)} labels")
    ids = [int(v) for v in labels]
    return paths, ids, [str(c) for c in sorted(set(ids))]


def shuffle_together(paths: list[str], ids: list[int], seed: int | None) -> int:
    """Shuffle ``paths`` and ``ids`` in place with the same permutation; returns the seed used."""
    if seed is None:
        seed = int(np.random.randint(1_000_000))
    np.random.RandomState(seed).shuffle(paths)
    np.random.RandomState(seed).shuffle(ids)
    return seed


def encode_labels(ids: list[int], label_mode: str | None, n_classes: int) -> np.ndarray | None:
    """Class ids as ``label_mode`` wants them: int ids, float32 (n, 1) for binary, one-hot, or None."""
    part = np.asarray(ids, dtype=np.int32)
    if label_mode is None:
        return None
    if label_mode == "int":
        return part
    if label_mode == "binary":
        return part.astype(np.float32)[:, None]
    return np.eye(n_classes, dtype=np.float32)[part]


def split_subsets(n: int, validation_split: float | None, subset: str | None, verbose: bool,
                  make: Callable[[int, int], Any]) -> Any:
    """``make(lo, hi)`` for the subset asked: all files, the first part, the last ``validation_split``, or both."""
    if validation_split is None:
        return make(0, n)
    n_val = int(validation_split * n)
    if subset in ("training", "both") and verbose:
        print(f"Using {n - n_val} files for training.")
    if subset in ("validation", "both") and verbose:
        print(f"Using {n_val} files for validation.")
    if subset == "training":
        return make(0, n - n_val)
    if subset == "validation":
        return make(n - n_val, n)
    return [make(0, n - n_val), make(n - n_val, n)]
