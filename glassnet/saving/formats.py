"""The two model file formats and the weights-only file, read and written.

* ``.keras``: a zip holding ``metadata.json``, ``config.json`` and ``model.weights.h5`` (Keras 3's layout).
* ``.h5``: one HDF5 file; the config and compile settings are JSON root attributes (``model_config``,
  ``training_config``) and the weights sit in the ``model_weights`` group (Keras 2's places).
* ``.weights.h5``: only the weights, from ``save_weights``.

Readers first pull everything out of the file and check it, wrapping any low-level
failure (truncated zip, bad CRC, not HDF5, bad JSON) in a :class:`SavedModelError`
that names the file; writers go through :func:`atomic_write`.
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
import zlib
from contextlib import contextmanager
from typing import Any

import h5py

from ..serialization import to_json
from . import guard, keras_config
from .atomic import atomic_write
from .errors import SavedModelError

FORMAT_VERSION = 2
"""Raised whenever the layout changes incompatibly; a file with a larger number is refused.

2: weights and optimizer state at Keras 3's paths (version 1 nested every sublayer under ``layers/``).
"""

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

# Anything the standard readers raise on damaged input.
_LOW_LEVEL = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError, RuntimeError,
              UnicodeDecodeError, TypeError, IndexError)


def _glassnet_version() -> str:
    from .. import __version__

    return __version__


def sniff(path: str) -> str:
    """``"zip"`` or ``"hdf5"`` from the first bytes of ``path`` (a clear error for anything else)."""
    if os.path.isdir(path):
        raise SavedModelError(f"'{path}' is a directory (a TensorFlow SavedModel?); glassnet loads .keras and "
                              ".h5 files")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such model file: '{path}'")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise SavedModelError(f"'{path}' is empty: the save that wrote it did not finish")
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == HDF5_MAGIC:
        return "hdf5"
    raise SavedModelError(f"'{path}' is not a model file: it is neither a .keras archive (zip) nor an HDF5 (.h5) "
                          f"file (it starts with {head!r})")


def check_version(version: Any, path: str) -> None:
    if version is None:
        return
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise SavedModelError(f"'{path}' has an unreadable format version {version!r}") from None
    if number > FORMAT_VERSION:
        raise SavedModelError(f"'{path}' was written in file format version {number} by a newer glassnet; this "
                              f"glassnet ({_glassnet_version()}) reads versions up to {FORMAT_VERSION}: upgrade "
                              "glassnet to load it")


@contextmanager
def damaged(path: str, what: str):  # type: ignore[no-untyped-def]
    """Turn any low-level read error into a SavedModelError naming the file."""
    try:
        yield
    except SavedModelError:
        raise
    except json.JSONDecodeError as err:
        raise SavedModelError(f"'{path}': the {what} is not valid JSON ({err}); the file is corrupted") from err
    except _LOW_LEVEL as err:
        raise SavedModelError(f"'{path}' could not be read as a {what}: it is truncated, corrupted or of another "
                              f"format ({type(err).__name__}: {err})") from err


# -- .keras ---------------------------------------------------------------------------------------------
def write_keras(path: str, config: dict[str, Any], write_h5: Any, assets: dict[str, bytes] | None = None) -> None:
    """Write a .keras zip atomically; ``write_h5(h5file)`` fills ``model.weights.h5``; ``assets`` are extra
    members (``assets/...``) written by layers' ``save_assets``."""
    config_json = to_json(config)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.attrs["glassnet_format_version"] = FORMAT_VERSION
        write_h5(h5)
    metadata = {"keras_version": "3.0.0", "glassnet_version": _glassnet_version(), "format_version": FORMAT_VERSION,
                "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}
    with atomic_write(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr("metadata.json", json.dumps(metadata), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("config.json", config_json, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("model.weights.h5", buffer.getvalue(), compress_type=zipfile.ZIP_STORED)
        for name, data in (assets or {}).items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def read_keras(path: str) -> tuple[dict[str, Any], bytes]:
    """``(config, weights_h5_bytes)`` of a .keras file, every member size-capped and CRC-checked."""
    config, weights, _ = read_keras_with_assets(path)
    return config, weights


def read_keras_with_assets(path: str) -> tuple[dict[str, Any], bytes, dict[str, bytes]]:
    """``(config, weights_h5_bytes, assets)``: also the layers' asset files (checked, see :mod:`.assets`)."""
    from . import assets as _assets

    with damaged(path, ".keras archive"), zipfile.ZipFile(path, "r") as zf:
        names = set(zf.namelist())
        missing = sorted({"metadata.json", "config.json", "model.weights.h5"} - names)
        if missing:
            raise SavedModelError(f"'{path}' is a zip but not a .keras model: it lacks {missing}")
        metadata = guard.parse_json(guard.read_member(zf, "metadata.json", path, guard.MAX_METADATA_BYTES), path,
                                    "metadata.json", guard.MAX_METADATA_BYTES)
        if not isinstance(metadata, dict):
            raise SavedModelError(f"'{path}': metadata.json does not hold a dict of metadata")
        check_version(metadata.get("format_version"), path)
        config = guard.parse_json(guard.read_member(zf, "config.json", path, guard.MAX_JSON_BYTES), path,
                                  "config.json")
        weights = guard.read_member(zf, "model.weights.h5", path)
        files = _assets.read(zf, path)
    if not isinstance(config, dict):
        raise SavedModelError(f"'{path}': config.json does not hold a model config")
    return config, weights, files


@contextmanager
def open_h5_bytes(data: bytes, path: str):  # type: ignore[no-untyped-def]
    """The weights HDF5 file of a .keras archive, opened and inspected (see :mod:`.guard`)."""
    with damaged(path, "weights file (model.weights.h5)"), h5py.File(io.BytesIO(data), "r") as h5:
        check_version(h5.attrs.get("glassnet_format_version"), path)
        inventory = guard.inspect_h5(h5, f"{path}: model.weights.h5")
        yield h5, inventory


# -- .h5 --------------------------------------------------------------------------------------------------
def write_h5(path: str, config: dict[str, Any] | None, write_weights: Any, write_state: Any = None) -> None:
    """Write a legacy .h5 model file (or, with ``config=None``, a weights-only file) atomically."""
    model_json = None if config is None else to_json({k: v for k, v in config.items() if k != "compile_config"})
    training_json = None
    if config is not None and config.get("compile_config"):
        training_json = to_json(keras_config.h5_training_config(config["compile_config"]))
    with atomic_write(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["glassnet_format_version"] = FORMAT_VERSION
        h5.attrs["backend"] = "numpy"
        h5.attrs["keras_version"] = "3.0.0"  # the layout's version, for Keras' loader
        if model_json is None:
            write_weights(h5)
        else:
            h5.attrs["model_config"] = model_json
            if training_json is not None:
                h5.attrs["training_config"] = training_json
            group = h5.create_group("model_weights")
            write_weights(group)
            if write_state is not None:
                write_state(h5)


@contextmanager
def open_h5(path: str):  # type: ignore[no-untyped-def]
    """An HDF5 model or weights file, opened and inspected (see :mod:`.guard`)."""
    with damaged(path, "HDF5 model file"), h5py.File(path, "r") as h5:
        check_version(h5.attrs.get("glassnet_format_version"), path)
        inventory = guard.inspect_h5(h5, path)
        yield h5, inventory


def h5_config(h5: Any, path: str) -> dict[str, Any]:
    """The model config (with compile settings) stored in a legacy .h5 file."""
    config = guard.read_json_attr(h5, "model_config", path)
    if config is None:
        raise SavedModelError(f"'{path}' holds only weights (written by save_weights), not a model: build the model "
                              "in code, then call model.load_weights()")
    if not isinstance(config, dict):
        raise SavedModelError(f"'{path}': model_config does not hold a model config")
    training = guard.read_json_attr(h5, "training_config", path)
    if isinstance(training, dict):
        config["compile_config"] = {("optimizer" if k == "optimizer_config" else k): v for k, v in training.items()}
    elif training is not None:
        config["compile_config"] = training
    return config


def h5_weights_group(h5: Any) -> Any:
    """Where the weights sit: ``model_weights`` in a model file, the root in a weights-only file."""
    return h5["model_weights"] if "model_weights" in h5 else h5
