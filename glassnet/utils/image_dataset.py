"""``keras.utils.image_dataset_from_directory``: a folder per class of images -> batches of (images, labels).

Keras' rules: class names are the sub-folder names in alphanumeric order (or ``class_names``);
image files (.bmp, .gif, .jpeg, .jpg, .png) are listed in sorted order under each class folder
(recursively), then shuffled with ``np.random.RandomState(seed)`` (paths and labels with the same
seed); ``validation_split`` keeps the last fraction for ``subset="validation"``.  Each image is
decoded with Pillow, converted to ``color_mode`` and resized to ``image_size`` (bilinear with
half-pixel centres by default, as ``tf.image.resize``), as ``float32`` in [0, 255].  Files are read
batch by batch, when a batch is asked for, so a large folder never sits in memory whole; with
``shuffle=True`` the order changes after every epoch (seeded), as Keras' dataset reshuffles.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .batch_dataset import BatchDataset
from .directory_files import check_labelling, encode_labels, index_files, shuffle_together, split_subsets

_NAME = "image_dataset_from_directory"
ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_PIL_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow is a dependency
        raise ImportError(f"{_NAME} reads images with Pillow: pip install pillow") from exc
    return Image


def load_image(path: str, color_mode: str, image_size: tuple[int, int], interpolation: str,
               crop_to_aspect_ratio: bool) -> np.ndarray:
    """One image file as a float32 (height, width, channels) array in [0, 255], resized to ``image_size``."""
    from ..layers.augmentation_ops import aspect_crop_box, resize

    with _pil().open(path) as img:
        arr = np.asarray(img.convert(_PIL_MODES[color_mode]), dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    height, width = image_size
    if crop_to_aspect_ratio:
        top, left, rows, cols = aspect_crop_box(arr.shape[0], arr.shape[1], height, width)
        arr = arr[top:top + rows, left:left + cols]
    return np.asarray(resize(arr[None], height, width, interpolation).data[0], dtype=np.float32)


class ImageFileDataset(BatchDataset):
    """Batches of images read from files (and their labels); made by :func:`image_dataset_from_directory`."""

    def __init__(self, paths: list[str], labels: np.ndarray | None, class_names: list[str] | None,
                 batch_size: int | None, load: Any, reshuffle_seed: int | None = None) -> None:
        super().__init__()
        self.file_paths = paths
        self.labels = labels
        self.class_names = class_names
        self.batch_size = batch_size
        self._load = load
        # Reading order; with shuffle=True a new (seeded) order each epoch, as Keras' dataset reshuffles.
        self._order = np.arange(len(paths))
        self._rng = None if reshuffle_seed is None else np.random.default_rng(reshuffle_seed)

    def on_epoch_end(self) -> None:
        if self._rng is not None:
            self._order = self._rng.permutation(len(self.file_paths))

    def __len__(self) -> int:
        n = len(self.file_paths)
        return n if self.batch_size is None else -(-n // self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch {index} out of range: the dataset has {len(self)} batches")
        index %= len(self)
        if self.batch_size is None:
            i = self._order[index]
            x = self._load(self.file_paths[i])
            return x if self.labels is None else (x, self.labels[i])
        part = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        x = np.stack([self._load(self.file_paths[i]) for i in part])
        return x if self.labels is None else (x, self.labels[part])


def _image_files(folder: Path, follow_links: bool) -> list[str]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=follow_links):
        dirs.sort()
        found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(ALLOWED_FORMATS)]
    return sorted(found)


def _check(labels: Any, label_mode: Any, class_names: Any, color_mode: Any, image_size: Any, interpolation: Any,
            subset: Any, validation_split: Any, shuffle: bool, seed: Any) -> None:
    check_labelling(_NAME, labels, label_mode, class_names, subset, validation_split, shuffle, seed)
    if color_mode not in _CHANNELS:
        raise ValueError(f"{_NAME}: color_mode must be 'grayscale', 'rgb' or 'rgba', got {color_mode!r}")
    if not (isinstance(image_size, (list, tuple)) and len(image_size) == 2
            and all(isinstance(v, (int, np.integer)) and v > 0 for v in image_size)):
        raise ValueError(f"{_NAME}: image_size must be a (height, width) pair of positive ints, got {image_size!r}")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"{_NAME}: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")


def image_dataset_from_directory(directory: str | os.PathLike[str], labels: Any = "inferred",
                                 label_mode: str | None = "int", class_names: list[str] | None = None,
                                 color_mode: str = "rgb", batch_size: int | None = 32,
                                 image_size: tuple[int, int] = (256, 256), shuffle: bool = True,
                                 seed: int | None = None, validation_split: float | None = None,
                                 subset: str | None = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format: str | None = None,
                                 verbose: bool = True) -> Any:
    """Images from ``directory/<class>/*.png|jpg|...`` with their labels, in batches that ``fit`` reads.

    Parameters
    ----------
    labels : "inferred", None, or a list of int
        ``"inferred"``: one class per sub-folder; a list: one label per file, in sorted path order.
    label_mode : "int", "categorical", "binary" or None
        Integer ids, one-hot ``float32``, ``float32`` of shape ``(batch, 1)`` (two classes), or no labels.
    color_mode : "rgb", "grayscale" or "rgba"
        1, 3 or 4 channels.
    image_size : (int, int)
        Every image is resized to (height, width).
    interpolation : "bilinear" or "nearest"
    crop_to_aspect_ratio : bool
        Cut the largest centred window with the target aspect ratio before resizing (no distortion).
    validation_split, subset : float, "training" / "validation" / "both"
        Keep the last fraction apart; ``"both"`` returns ``[train, validation]``. Needs ``seed`` when shuffling.

    Returns
    -------
    ImageFileDataset
        ``ds[i]`` is ``(images, labels)``, images ``float32`` of shape (batch, height, width, channels)
        in [0, 255]; ``ds.class_names``, ``ds.file_paths``; ``take``, ``map`` and iteration as other datasets.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{_NAME}: {directory} is not a folder")
    if labels is None:
        label_mode = None
    _check(labels, label_mode, class_names, color_mode, image_size, interpolation, subset, validation_split,
           shuffle, seed)
    if pad_to_aspect_ratio:
        raise ValueError(f"{_NAME}: pad_to_aspect_ratio=True is not supported; use crop_to_aspect_ratio=True")
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{_NAME}: data_format={data_format!r} is not supported; glassnet images are channels_last")

    paths, ids, names = index_files(_NAME, directory, labels, class_names,
                                    lambda folder: _image_files(folder, follow_links), "image files")
    if not paths:
        raise ValueError(f"{_NAME}: no images found in {directory} (allowed formats: {ALLOWED_FORMATS})")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"{_NAME}: label_mode='binary' needs exactly 2 classes, found {len(names)}: {names}")
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        seed = shuffle_together(paths, ids, seed)

    size = (int(image_size[0]), int(image_size[1]))

    def load(path: str) -> np.ndarray:
        return load_image(path, color_mode, size, interpolation, crop_to_aspect_ratio)

    def make(lo: int, hi: int) -> ImageFileDataset:
        y = encode_labels(ids[lo:hi], label_mode, len(names))
        return ImageFileDataset(paths[lo:hi], y, names or None, batch_size, load, seed if shuffle else None)

    return split_subsets(len(paths), validation_split, subset, verbose, make)
