"""A user's CSV as playground points: parse, check every cell, decide the kind of labels.

The rules (``docs/playground-protocol.md``, *CSV*): a header row; two numeric feature columns and a
label column (the one named ``label``, ``y`` or ``target``, else the last); at most ``max_samples``
rows and ``max_csv_bytes`` bytes.  Two distinct labels make a binary problem (mapped to -1/+1 in
sorted order), 3..10 integer labels a multi-class one (mapped to 0..K-1 in sorted order), anything
else numeric is regression.  An error names the line (1 = the header) and the column.

Every other column is a feature (at most ``MAX_FEATURE_COLUMNS``).  With two, the network's inputs
are x1, x2 and their crosses, as in the playground; with more, the inputs are the columns themselves
(named by the header) and the page adds the table view (``docs/playground-protocol.md``, *Frame*).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .protocol import ProtocolError

LABEL_NAMES = ("label", "y", "target")
MIN_ROWS = 10  # so that any train ratio in [10, 90] leaves points on both sides
MAX_CLASSES = 10
MAX_FEATURE_COLUMNS = 16  # the first layer's fan-in; the diagram draws one input row per column


@dataclass
class CsvData:
    """The points of an upload: ``x`` (n, k) float64 (k feature columns), ``y`` (n,) labels as the session uses them."""

    x: np.ndarray
    y: np.ndarray
    kind: str                          # "binary", "multiclass" or "regression"
    classes: list[Any]                 # [-1, 1], [0..K-1], or [] for regression
    columns: list[str]                 # the feature columns, in the file's order
    label_column: str
    original_labels: list[Any] = field(default_factory=list)  # the file's label for each class, in order
    ignored: list[str] = field(default_factory=list)          # always empty: every feature column is used

    @property
    def raw_columns(self) -> bool:
        """True when the network's inputs are the columns themselves (more than two features, no crosses)."""
        return len(self.columns) > 2


def _fail(problem: str) -> ProtocolError:
    return ProtocolError(f"upload_csv.text: {problem}")


def _q(text: str) -> str:
    return json.dumps(text)  # as the protocol writes them: line 7, column "x2": "abc" is not a number


def _number(text: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(f"line {line}, column {_q(column)}: {_q(text[:40])} is not a number") from None
    if not math.isfinite(value):
        raise _fail(f"line {line}, column {_q(column)}: {_q(text[:40])} is not a finite number")
    return value


def _label_kind(labels: np.ndarray, column: str) -> tuple[np.ndarray, str, list[Any], list[Any]]:
    values = np.unique(labels)
    as_written = [int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v) for v in values]  # 7, not 7.0
    if len(values) < 2:
        raise _fail(f"column {_q(column)}: every label is {values[0]:g}; a dataset needs at least two")
    if len(values) == 2:
        return np.where(labels == values[1], 1.0, -1.0), "binary", [-1, 1], as_written
    if len(values) <= MAX_CLASSES and np.all(values == np.round(values)):
        return np.searchsorted(values, labels).astype(np.float64), "multiclass", list(range(len(values))), \
            as_written
    return labels, "regression", [], []


def parse_csv(text: str, limits: Any) -> CsvData:
    """Parse an uploaded CSV.

    Parameters
    ----------
    text : str
        The file's text.
    limits : Limits
        ``max_csv_bytes`` and ``max_samples`` (rows).

    Returns
    -------
    CsvData

    Raises
    ------
    ProtocolError
        Too large, no header, too few or too many rows, a short row, a cell that is not a number,
        a single label; the message names the line and column.
    """
    if not isinstance(text, str):
        raise _fail(f"must be a string, got {type(text).__name__}")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_csv_bytes:
        raise _fail(f"{size} bytes is over the limit of {limits.max_csv_bytes} bytes")
    try:
        rows = [(i + 1, row) for i, row in enumerate(csv.reader(io.StringIO(text))) if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise _fail(f"not a readable CSV ({exc})") from None
    if not rows:
        raise _fail("the file is empty; it needs a header row and at least two feature columns and a label column")
    header_line, header = rows[0]
    header = [name.strip() for name in header]
    if len(header) < 3:
        raise _fail(f"line {header_line}: the header names {len(header)} columns; two features and a label are needed")
    if all(_is_number(name) for name in header):
        raise _fail(f"line {header_line}: the first row must be a header (column names), got numbers")
    lowered = [name.lower() for name in header]
    label_index = next((lowered.index(n) for n in LABEL_NAMES if n in lowered), len(header) - 1)
    feature_index = [i for i in range(len(header)) if i != label_index]
    if len(feature_index) > MAX_FEATURE_COLUMNS:
        raise _fail(f"line {header_line}: {len(feature_index)} feature columns is over the limit of "
                    f"{MAX_FEATURE_COLUMNS}")
    for i, name in enumerate(header):
        if not name:
            raise _fail(f"line {header_line}: column {i + 1} has no name")
        if name in header[:i]:
            raise _fail(f"line {header_line}: column {_q(name)} is named twice")
    data = rows[1:]
    if len(data) > limits.max_samples:
        raise _fail(f"{len(data)} rows is over the limit of {limits.max_samples}")
    if len(data) < MIN_ROWS:
        raise _fail(f"{len(data)} data rows; at least {MIN_ROWS} are needed")
    used = feature_index + [label_index]
    k = len(feature_index)
    table = np.empty((len(data), k + 1))
    for r, (line, row) in enumerate(data):
        if len(row) != len(header):
            raise _fail(f"line {line}: {len(row)} values, but the header has {len(header)} columns")
        for c, i in enumerate(used):
            table[r, c] = _number(row[i].strip(), line, header[i])
    y, kind, classes, original = _label_kind(table[:, k], header[label_index])
    return CsvData(x=table[:, :k].copy(), y=y, kind=kind, classes=classes,
                   columns=[header[i] for i in feature_index], label_column=header[label_index],
                   original_labels=original)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split(data: CsvData, train_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``default_rng(seed)`` and split: the first ``floor(n * ratio / 100)`` points train."""
    order = np.random.default_rng(seed).permutation(len(data.x))
    x, y = data.x[order], data.y[order]
    cut = int(np.floor(len(x) * train_ratio / 100))
    return x[:cut], y[:cut], x[cut:], y[cut:]
