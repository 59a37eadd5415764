"""Reading Keras' own cached dataset files (``~/.keras/datasets/``) offline, without unpickling anything.

glassnet never downloads. ``imdb`` and ``reuters`` read the file that Keras itself downloads into its
cache folder: ``$KERAS_HOME/datasets/`` when ``KERAS_HOME`` is set, else ``~/.keras/datasets/``. When the
file is missing, the error names the exact file, the folder, and how to get it with Keras on a machine
that has a network.

**Why no ``np.load(allow_pickle=True)``.** Keras' ``imdb.npz``/``reuters.npz`` store the reviews as NumPy
*object* arrays, which ``.npy`` keeps as a Python pickle; unpickling a file can run arbitrary code. Here
object arrays are read by :class:`_ArrayOnlyUnpickler`, which refuses every global except the few NumPy
uses to rebuild an array (``_reconstruct``, ``ndarray``, ``dtype``, ``scalar``); the result must then be
a 1-D array of sequences of non-negative integers, or loading fails.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .mnist import DatasetError

_ALLOWED_GLOBALS = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
                    ("numpy._core.multiarray", "scalar")}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles what ``np.save`` writes for an object array of lists of ints, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain NumPy arrays are accepted")
        return super().find_class(module, name)


def keras_datasets_dir() -> Path:
    """Keras' cache folder for datasets: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def cached_file(fname: str, dataset: str, how: str) -> Path:
    """The path of ``fname`` in Keras' cache (an absolute ``fname`` is used as is), or a clear error."""
    path = keras_datasets_dir() / fname
    if not path.is_file():
        raise FileNotFoundError(
            f"{dataset}: {path} not found. glassnet does not download (there may be no network here); place "
            f"Keras' file '{Path(fname).name}' at {path} (the folder is $KERAS_HOME/datasets, else "
            f"~/.keras/datasets). On a machine with a network, `{how}` with Keras downloads it into that folder "
            "there; copy it over.")
    return path


def _read_npy(raw: bytes, name: str, source: Path) -> np.ndarray:
    fp = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        if not dtype.hasobject:
            fp.seek(0)
            return np.lib.format.read_array(fp, allow_pickle=False)
        array = _ArrayOnlyUnpickler(fp, encoding="ASCII").load()
    except (ValueError, pickle.UnpicklingError, EOFError, TypeError, AttributeError) as err:
        raise DatasetError(f"{source}: array '{name}' cannot be read safely ({err})") from None
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise DatasetError(f"{source}: array '{name}' is not the array its header announces")
    return array


def load_npz(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``names`` of an ``.npz`` file; object arrays read without general unpickling."""
    out = {}
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            for name in names:
                if f"{name}.npy" not in members:
                    raise DatasetError(f"{path}: array '{name}' missing (has {sorted(members)})")
                out[name] = _read_npy(zf.read(f"{name}.npy"), name, path)
    except zipfile.BadZipFile as err:
        raise DatasetError(f"{path}: not an .npz file ({err})") from None
    return out


def as_sequences(array: np.ndarray, name: str, source: Path) -> list[list[int]]:
    """A 1-D array of integer sequences as lists of Python ints, checked."""
    if array.ndim == 2 and array.dtype.kind in "iu":
        array = np.array(list(array) + [None], dtype=object)[:-1]  # equal lengths were stored as a 2-D array
    if array.ndim != 1:
        raise DatasetError(f"{source}: '{name}' must be a 1-D array of sequences, got shape {array.shape}")
    out = []
    for seq in array:
        seq = np.asarray(seq)
        if seq.ndim != 1 or (seq.size and (seq.dtype.kind not in "iu" or seq.min() < 0)):
            raise DatasetError(f"{source}: '{name}' must hold sequences of non-negative integers")
        out.append(seq.astype(np.int64).tolist())
    return out


def as_labels(array: np.ndarray, name: str, source: Path, n: int) -> np.ndarray:
    if array.dtype.kind not in "iu" or array.shape != (n,):
        raise DatasetError(f"{source}: '{name}' must be {n} integer labels, got {array.dtype} {array.shape}")
    return array


def shift(xs: list[list[int]], start_char: int | None, index_from: int) -> list[list[int]]:
    """Keras: shift the stored ids up by ``index_from`` and prepend ``start_char``."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def drop_long(xs: list[list[int]], labels: np.ndarray, maxlen: int | None) -> tuple[list[list[int]], np.ndarray]:
    """Keras' ``remove_long_seq``: keep the sequences shorter than ``maxlen``."""
    if not maxlen:
        return xs, labels
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], labels[np.asarray(keep, dtype=np.int64)]


def cap(xs: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None) -> list[list[int]]:
    """Keras: ids outside ``[skip_top, num_words)`` become ``oov_char`` (dropped when it is None)."""
    if not num_words:
        num_words = max((max(x) for x in xs if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(xs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (as Keras returns), whatever the lengths."""
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out


def load_word_index(fname: str, dataset: str, how: str) -> dict[str, int]:
    path = cached_file(fname, dataset, how)
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(f"{path}: not a JSON word index ({err})") from None
    if not isinstance(index, dict) or not all(isinstance(k, str) and isinstance(v, int) for k, v in index.items()):
        raise DatasetError(f"{path}: expected a JSON object mapping words to integer ids")
    return index
