"""Reading CIFAR's python batches (Keras' cached ``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz``).

Each batch is a Python pickle of a dict (``data``: a uint8 array ``(n, 3072)``, ``labels``/``fine_labels``/
``coarse_labels``: lists of ints). Unpickling can run code, so the batches are read by
:class:`_BatchUnpickler`: it builds plain dicts, lists, bytes and ints, and refuses every global
except the few NumPy functions that rebuild an array; the result is then checked field by field.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from .. import backend
from ..utils.get_file import get_file
from .keras_cache import _ALLOWED_GLOBALS, keras_datasets_dir
from .mnist import DatasetError

# Arrays pickled with protocol 5 (NumPy >= 1.16, Python 3.8+) are rebuilt by _frombuffer: as safe.
_BATCH_GLOBALS = _ALLOWED_GLOBALS | {("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, bytes, ints and NumPy arrays; nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _BATCH_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain data and NumPy arrays "
                                         "are accepted")
        return super().find_class(module, name)


def load_batch(fpath: Any, label_key: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """``(data, labels)`` of one CIFAR batch file: uint8 ``(n, 3, 32, 32)`` and int64 ``(n,)``."""
    fpath = Path(fpath)
    if not fpath.is_file():
        raise DatasetError(f"CIFAR batch file {fpath} is missing; the extracted folder is incomplete")
    try:
        with open(fpath, "rb") as fh:
            raw = _BatchUnpickler(fh, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as err:
        raise DatasetError(f"{fpath}: not a CIFAR batch that can be read safely ({err})") from None
    if not isinstance(raw, dict):
        raise DatasetError(f"{fpath}: a CIFAR batch is a dict, got {type(raw).__name__}")
    batch = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in raw.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DatasetError(f"{fpath}: 'data' must be a uint8 array of shape (n, 3072)")
    if labels is None:
        raise DatasetError(f"{fpath}: no '{label_key}' in the batch (has {sorted(map(str, batch))})")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (len(data),) or (labels.size and labels.min() < 0):
        raise DatasetError(f"{fpath}: '{label_key}' must be {len(data)} non-negative integer labels")
    return data.reshape(len(data), 3, 32, 32), labels.astype(np.int64)


def batches_folder(dirname: str, inner: str, origin: str, file_hash: str) -> Path:
    """The extracted ``inner`` folder: Keras 3's ``<dirname>/`` (from the archive), or Keras 2's ``<inner>/``."""
    keras2 = keras_datasets_dir() / inner  # older Keras extracted straight into the datasets folder
    if keras2.is_dir():
        return keras2
    path = get_file(fname=dirname, origin=origin, extract=True, file_hash=file_hash,
                    cache_dir=os.path.dirname(keras_datasets_dir()))
    return Path(path) / inner


def to_image_format(x: np.ndarray) -> np.ndarray:
    """Channels last (Keras' default), or as stored when ``image_data_format()`` is channels_first."""
    return x.transpose(0, 2, 3, 1) if backend.image_data_format() == "channels_last" else x
