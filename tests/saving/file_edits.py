"""Edits the damaged- and hostile-file tests make to saved files (one copy, shared)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import h5py


def rewrite_zip(path: Any, change: Callable[[str, bytes], bytes | None], compression: int = zipfile.ZIP_STORED) -> None:
    """Rewrite a .keras zip with ``change(name, bytes) -> bytes or None (drop)`` applied to each member."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            data = change(name, data)
            if data is not None:
                zf.writestr(name, data)


def edit_weights(path: Any, edit: Callable[[Any], None]) -> None:
    """Apply ``edit(weights_group)`` to the weights of a .keras, .h5 or .weights.h5 file."""
    if str(path).endswith(".keras"):
        def change(member: str, data: bytes) -> bytes:
            if member != "model.weights.h5":
                return data
            buf = io.BytesIO(data)
            with h5py.File(buf, "r+") as h5:
                edit(h5)
            return buf.getvalue()

        rewrite_zip(path, change)
    else:
        with h5py.File(path, "r+") as h5:
            edit(h5["model_weights"] if "model_weights" in h5 else h5)
