"""MNIST handwritten digits, shipped inside glassnet so it works offline.

The four original IDX files (gzip) are bundled with their licence note
(CC BY-SA 3.0, see ``data/mnist/README.md``).  Loading decompresses them,
checks the SHA-256 of the decompressed content against the published values,
and parses the IDX headers, so a damaged copy is reported instead of
silently giving wrong data.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).parent / "data" / "mnist"

# SHA-256 of the decompressed IDX files (content, not the gzip wrapper).
CONTENT_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DatasetError(ValueError):
    """A dataset file is missing, damaged or not in the expected format."""


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse an IDX file (magic 0x0000TTNN: type TT, NN dimensions, big-endian sizes)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DatasetError(f"{source}: not an IDX file (bad magic number)")
    dtype = _IDX_TYPES.get(raw[2])
    ndim = raw[3]
    if dtype is None:
        raise DatasetError(f"{source}: unknown IDX data type 0x{raw[2]:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{source}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if len(raw) - header != expected:
        raise DatasetError(f"{source}: expected {expected} bytes of data for shape {shape}, found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(np.uint8 if dtype == np.uint8 else
                                                                                  np.dtype(dtype).newbyteorder("="))


def _read_idx(folder: Path, stem: str, verify: bool) -> np.ndarray:
    gz_path, raw_path = folder / f"{stem}.gz", folder / stem
    if gz_path.exists():
        try:
            with gzip.open(gz_path, "rb") as fh:
                raw = fh.read()
        except (OSError, EOFError) as err:
            raise DatasetError(f"{gz_path}: cannot decompress ({err}); the file is damaged") from None
    elif raw_path.exists():
        raw = raw_path.read_bytes()
    else:
        raise DatasetError(f"MNIST file {stem}(.gz) not found in {folder}")
    if verify and stem in CONTENT_SHA256:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != CONTENT_SHA256[stem]:
            raise DatasetError(f"{gz_path if gz_path.exists() else raw_path}: content checksum mismatch "
                               f"(sha256 {digest[:12]}..., expected {CONTENT_SHA256[stem][:12]}...); the copy is "
                               "damaged or not the original MNIST")
    return parse_idx(raw, stem)


def load_data(path: str | os.PathLike[str] | None = None, verify: bool = True) -> tuple[tuple[Any, Any],
                                                                                      tuple[Any, Any]]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, exactly Keras' shapes and dtypes.

    Parameters
    ----------
    path : str, optional
        A folder with the four IDX files (gzip or not), or a Keras ``mnist.npz``.
        The bundled copy is used by default.
    verify : bool
        Check the decompressed content against the published SHA-256 values.

    Returns
    -------
    x_train : uint8 array (60000, 28, 28)
    y_train : uint8 array (60000,)
    x_test : uint8 array (10000, 28, 28)
    y_test : uint8 array (10000,)
    """
    if path is not None and str(path).endswith(".npz"):
        with np.load(path, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    folder = Path(path) if path is not None else DATA_DIR
    x_train = _read_idx(folder, "train-images-idx3-ubyte", verify)
    y_train = _read_idx(folder, "train-labels-idx1-ubyte", verify)
    x_test = _read_idx(folder, "t10k-images-idx3-ubyte", verify)
    y_test = _read_idx(folder, "t10k-labels-idx1-ubyte", verify)
    return (x_train, y_train), (x_test, y_test)
