"""Layers' own files (``save_assets``/``load_assets``), kept in a ``.keras`` archive under ``assets/``.

As in Keras 3, a layer that defines ``save_assets(dir_path)`` is handed an empty folder when the
model is saved; whatever it writes there is stored in the archive at ``assets/<its path>/...``
(the path of :mod:`.keras_paths`).  Loading unpacks each layer's files into a fresh temporary
folder and calls ``load_assets(dir_path)`` once the model is built.

The archive is data from anywhere: member names are checked (no absolute paths, no ``..``,
nothing outside ``assets/``), every member is size-capped like the rest of the archive, and the
files land only in a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tempfile
import zipfile
from collections.abc import Iterator
from typing import Any

from . import guard
from .errors import SavedModelError
from .keras_paths import keras_layer_paths

PREFIX = "assets/"
MAX_ASSET_FILES = 10_000


def collect(model: Any) -> dict[str, bytes]:
    """``{zip member name: bytes}`` of every file the model's layers write in ``save_assets``."""
    members: dict[str, bytes] = {}
    savers = [(path, layer) for path, layer in keras_layer_paths(model) if callable(getattr(layer, "save_assets", None))]
    if not savers:
        return members
    with tempfile.TemporaryDirectory(prefix="glassnet-assets-") as root:
        for path, layer in savers:
            folder = os.path.join(root, *(path.split("/") if path else []))
            os.makedirs(folder, exist_ok=True)
            layer.save_assets(folder)
            for here, _, files in os.walk(folder):
                for name in files:
                    full = os.path.join(here, name)
                    relative = os.path.relpath(full, root).replace(os.sep, "/")
                    with open(full, "rb") as fh:
                        members[PREFIX + relative] = fh.read()
    return members


def read(zf: zipfile.ZipFile, source: str) -> dict[str, bytes]:
    """The ``assets/`` members of an archive, each name checked and each size capped."""
    names = [n for n in zf.namelist() if n.startswith(PREFIX) and not n.endswith("/")]
    if len(names) > MAX_ASSET_FILES:
        raise SavedModelError(f"'{source}' holds {len(names):,} asset files, over the {MAX_ASSET_FILES:,} allowed")
    out = {}
    for name in names:
        relative = name[len(PREFIX):]
        normal = posixpath.normpath(relative)
        if relative.startswith("/") or "\\" in relative or normal.startswith("..") or normal != relative or \
                ":" in relative.split("/")[0]:
            raise SavedModelError(f"'{source}': the asset '{name}' has a path that could leave the assets folder")
        out[relative] = guard.read_member(zf, name, source)
    return out


@contextlib.contextmanager
def unpacked(files: dict[str, bytes]) -> Iterator[str]:
    """A temporary folder holding ``files`` (relative path -> bytes), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="glassnet-assets-") as root:
        for relative, data in files.items():
            target = os.path.join(root, *relative.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
        yield root


def load_into(model: Any, root: str) -> None:
    """Call ``load_assets(folder)`` of every layer that defines it, with its own (possibly empty) folder."""
    for path, layer in keras_layer_paths(model):
        loader = getattr(layer, "load_assets", None)
        if callable(loader):
            folder = os.path.join(root, *(path.split("/") if path else []))
            os.makedirs(folder, exist_ok=True)
            loader(folder)
