"""Yearly sunspot numbers 1700-2008 (NOAA/NGDC, public domain), shipped inside glassnet: no download.

>>> from glassnet.datasets import sunspots
>>> years, values = sunspots.load_data()
>>> int(years[0]), int(years[-1]), float(values[0])
(1700, 2008, 5.0)
>>> (y_tr, v_tr), (y_te, v_te) = sunspots.train_test_split(years, values, split_year=1950)
>>> int(y_tr[-1]), int(y_te[0])
(1949, 1950)

The file and its licence note are in ``data/sunspots/`` (see its ``README.md``); its content's SHA-256
is checked on every load, so a damaged copy is reported instead of giving wrong data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from .mnist import DatasetError

DATA_FILE = Path(__file__).parent / "data" / "sunspots" / "sunspots_yearly.csv"

# SHA-256 of the CSV text with line endings normalised to "\n".
CONTENT_SHA256 = "c0740c96ce2ae2d190a099d8ed7bb2a8e35c77e4d9a358439bcd9e65394c15a6"


def load_data(path: str | os.PathLike[str] | None = None, verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The yearly series as ``(years, values)``: ``int64`` years 1700..2008 and ``float32`` sunspot numbers.

    Parameters
    ----------
    path : path-like, optional
        Another copy of the CSV (``year,sunspot_number``); the bundled file by default.
    verify : bool, default True
        Check the content's SHA-256 (only meaningful for the bundled file's content).
    """
    file = Path(path) if path is not None else DATA_FILE
    try:
        text = file.read_bytes().replace(b"\r\n", b"\n")
    except OSError as err:
        raise DatasetError(f"sunspots: cannot read {file} ({err})") from None
    if verify:
        digest = hashlib.sha256(text).hexdigest()
        if digest != CONTENT_SHA256:
            raise DatasetError(f"{file}: content checksum mismatch (sha256 {digest[:12]}..., expected "
                               f"{CONTENT_SHA256[:12]}...); the copy is damaged or not the bundled series")
    lines = text.decode("ascii").strip().split("\n")
    if not lines or lines[0].strip() != "year,sunspot_number":
        raise DatasetError(f"{file}: expected the header 'year,sunspot_number'")
    try:
        table = np.array([[float(v) for v in line.split(",")] for line in lines[1:]], dtype=np.float64)
    except ValueError as err:
        raise DatasetError(f"{file}: not a table of numbers ({err})") from None
    if table.ndim != 2 or table.shape[1] != 2 or not np.all(np.diff(table[:, 0]) == 1):
        raise DatasetError(f"{file}: expected one row per consecutive year")
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.float32)


def train_test_split(years: Any, values: Any, split_year: int | None = None,
                     test_fraction: float = 0.2) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split by time (never shuffled): years before ``split_year`` train, the rest test.

    Without ``split_year``, the last ``test_fraction`` of the years are the test part.
    """
    years, values = np.asarray(years), np.asarray(values)
    if years.shape[0] != values.shape[0]:
        raise ValueError(f"train_test_split: {years.shape[0]} years but {values.shape[0]} values")
    if split_year is None:
        if not 0 < test_fraction < 1:
            raise ValueError(f"train_test_split: test_fraction must be between 0 and 1, got {test_fraction}")
        cut = len(years) - max(1, int(round(len(years) * test_fraction)))
    else:
        cut = int(np.searchsorted(years, split_year))
    if not 0 < cut < len(years):
        raise ValueError(f"train_test_split: split_year {split_year} leaves one part empty")
    return (years[:cut], values[:cut]), (years[cut:], values[cut:])
