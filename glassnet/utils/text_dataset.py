"""``keras.utils.text_dataset_from_directory``: a folder per class of ``.txt`` files -> batches of (texts, labels).

Keras' rules: class names are the sub-folder names in alphanumeric order (or ``class_names``), files are
listed in sorted order under each class folder (recursively), then shuffled with
``np.random.RandomState(seed)`` (paths and labels with the same seed, as Keras); ``validation_split``
keeps the last fraction for ``subset="validation"``. Texts come out as NumPy object arrays of ``str``
(Keras gives ``tf.string`` tensors of bytes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .batch_dataset import BatchDataset
from .directory_files import check_labelling, encode_labels, index_files, shuffle_together, split_subsets

_NAME = "text_dataset_from_directory"


class TextFileDataset(BatchDataset):
    """Batches of texts read from files (and their labels); made by :func:`text_dataset_from_directory`."""

    def __init__(self, paths: list[str], labels: np.ndarray | None, class_names: list[str] | None,
                 batch_size: int | None, max_length: int | None) -> None:
        super().__init__()
        self.file_paths = paths
        self.labels = labels
        self.class_names = class_names
        self.batch_size = batch_size
        self.max_length = max_length

    def __len__(self) -> int:
        n = len(self.file_paths)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def _text(self, path: str) -> str:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        return text if self.max_length is None else text[:self.max_length]

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch {index} out of range: the dataset has {len(self)} batches")
        index %= len(self)
        if self.batch_size is None:
            x: Any = np.array(self._text(self.file_paths[index]), dtype=object)
            return x if self.labels is None else (x, self.labels[index])
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        texts = [self._text(p) for p in self.file_paths[part]]
        x = np.empty(len(texts), dtype=object)
        x[:] = texts
        return x if self.labels is None else (x, self.labels[part])


def _txt_files(folder: Path) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(".txt")]
    return sorted(found)


def text_dataset_from_directory(directory: str | os.PathLike[str], labels: Any = "inferred", label_mode: str | None = "int",
                                class_names: list[str] | None = None, batch_size: int | None = 32,
                                max_length: int | None = None, shuffle: bool = True, seed: int | None = None,
                                validation_split: float | None = None, subset: str | None = None,
                                follow_links: bool = False, verbose: bool = True) -> Any:
    """Texts from ``directory/<class>/*.txt`` with their labels, in batches that ``fit`` reads.

    Parameters
    ----------
    labels : "inferred", None, or a list of int
        ``"inferred"``: one class per sub-folder; a list: one label per file, in sorted path order.
    label_mode : "int", "categorical", "binary" or None
        Integer ids, one-hot ``float32``, ``float32`` of shape ``(batch, 1)`` (two classes), or no labels.
    max_length : int, optional
        Cut each text to this many characters.
    validation_split, subset : float, "training" / "validation" / "both"
        Keep the last fraction apart; ``"both"`` returns ``[train, validation]``. Needs ``seed`` when shuffling.

    Returns
    -------
    TextFileDataset
        ``ds[i]`` is ``(texts, labels)``, texts a NumPy object array of ``str``; ``ds.class_names``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{_NAME}: {directory} is not a folder")
    if labels is None:
        label_mode = None
    check_labelling(_NAME, labels, label_mode, class_names, subset, validation_split, shuffle, seed)
    del follow_links  # os.walk does not follow links, as Keras' default

    paths, ids, names = index_files(_NAME, directory, labels, class_names, _txt_files, ".txt files")
    if not paths:
        raise ValueError(f"{_NAME}: no .txt files found in {directory}")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"{_NAME}: label_mode='binary' needs exactly 2 classes, found {len(names)}: {names}")
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        shuffle_together(paths, ids, seed)

    def make(lo: int, hi: int) -> TextFileDataset:
        y = encode_labels(ids[lo:hi], label_mode, len(names))
        return TextFileDataset(paths[lo:hi], y, names or None, batch_size, max_length)

    return split_subsets(len(paths), validation_split, subset, verbose, make)
