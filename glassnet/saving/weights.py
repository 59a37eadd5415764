"""Each layer's weights in an HDF5 group, at Keras 3's paths (see :mod:`.keras_paths`).

A layer's own variables go to ``<path>/vars/0..n`` where ``<path>`` is what Keras 3
would use: ``layers/dense``, ``layers/dense_1`` inside a Sequential/Functional model
(snake-case class names numbered in order, stable across sessions unlike the automatic
layer names ``dense_7``), attribute names inside a subclassed model or custom layer
(``block/dense1``), ``layers/lstm/cell`` for a recurrent layer.  So a ``.keras`` or
``.weights.h5`` file written here loads in Keras and the other way round.  Every
dataset also carries a SHA-256 of its bytes, so silently corrupted weights are caught
on load (Keras ignores the attribute).

Files written by glassnet before format version 2 nested every sublayer under
``layers/<key>``; they are still read (``layout="glassnet-v1"``).

Reading is two-phase: every array is read and checked (presence, count, shape,
checksum) before any variable is assigned, so a bad file never leaves a
half-loaded model.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import h5py
import numpy as np

from .. import backend
from .errors import SavedModelError
from .keras_paths import keras_weight_tree, vars_path

KERAS_LAYOUT = "keras"
V1_LAYOUT = "glassnet-v1"


def _children(layer: Any) -> list[tuple[str, Any]]:
    """(key, sublayer) pairs: each layer says how its children are keyed (``Layer._weight_children``)."""
    return layer._weight_children()


def layout_of(root: Any) -> str:
    """Which paths a file uses: glassnet's own before format version 2, Keras 3's since (and in Keras' files)."""
    version = root.attrs.get("glassnet_format_version")
    try:
        return V1_LAYOUT if version is not None and int(version) < 2 else KERAS_LAYOUT
    except (TypeError, ValueError):
        return KERAS_LAYOUT  # an unreadable version was already refused by formats.check_version


def weight_tree(model: Any, layout: str = KERAS_LAYOUT) -> list[tuple[str, Any, list[Any]]]:
    """``(group path, layer, variables)`` for every group of variables, in the file layout ``layout``."""
    return keras_weight_tree(model) if layout == KERAS_LAYOUT else v1_weight_tree(model)


def v1_weight_tree(model: Any) -> list[tuple[str, Any, list[Any]]]:
    """Paths of glassnet format version 1: every sublayer under ``layers/<key>``, the model itself ``model``."""
    out: list[tuple[str, Any, list[Any]]] = []
    seen: list[Any] = []

    def walk(layer: Any, path: str) -> None:
        if any(layer is s for s in seen):
            return
        seen.append(layer)
        own = list(layer._variables)
        if own:
            out.append((path or "model", layer, own))
        for key, sub in _children(layer):
            walk(sub, f"{path}/layers/{key}" if path else f"layers/{key}")

    walk(model, "")
    return out


def _checksum(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _write_array(group: Any, name: str, array: Any) -> None:
    array = np.asarray(backend.to_numpy(array))
    ds = group.create_dataset(name, data=array)
    ds.attrs["sha256"] = _checksum(array)


def _read_array(group: Any, name: str, where: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Read dataset ``name`` of ``group`` as ``dtype``, after checking it is a real array of ``shape``.

    Everything that could fail is checked before the caller assigns anything: that every dataset
    holds integers or floats was checked for the whole file by :func:`.guard.inspect_h5` when it was
    opened; here, that the dataset exists, has the expected shape (before reading, so a wrongly
    sized dataset is never loaded) and matches its SHA-256.  The returned array is already
    converted, so assigning it cannot fail.
    """
    if name not in group:
        raise SavedModelError(f"{where}: the file has no dataset '{group.name}/{name}'")
    ds = group[name]
    if not isinstance(ds, h5py.Dataset):
        raise SavedModelError(f"{where}: '{group.name}/{name}' is not a dataset")
    if tuple(ds.shape) != tuple(shape):
        raise SavedModelError(f"{where} has shape {tuple(shape)} in the model but {tuple(ds.shape)} in the file "
                              f"('{ds.name}')")
    array = np.asarray(ds[()])
    expected = ds.attrs.get("sha256")
    if expected is not None:
        expected = expected.decode() if isinstance(expected, bytes) else str(expected)
        if _checksum(array) != expected:
            raise SavedModelError(f"{where}: the weights in '{ds.name}' fail their checksum: the file is corrupted")
    return array.astype(dtype, copy=False)


def write_weights(group: Any, model: Any) -> None:
    """Store every layer's variables under ``group`` at Keras 3's paths (``layers/<key>/vars/i``)."""
    for path, layer, variables in keras_weight_tree(model):
        vars_group = group.require_group(vars_path(path))
        vars_group.attrs["name"] = layer.name  # what Keras records for each group
        for i, var in enumerate(variables):
            _write_array(vars_group, str(i), var.data)
            vars_group[str(i)].attrs["name"] = var.path or var.name or str(i)


def read_weights(group: Any, model: Any, source: str, skip_mismatch: bool = False,
                 layout: str = KERAS_LAYOUT) -> list[tuple[Any, np.ndarray]]:
    """Read and check every array ``model`` needs from ``group``; return ``(variable, array)`` pairs.

    Nothing is assigned here: the caller assigns only once everything checked out.  With
    ``skip_mismatch`` a missing or differently shaped layer is skipped with a warning.
    """
    pairs: list[tuple[Any, np.ndarray]] = []
    expected_paths = set()
    for path, layer, variables in weight_tree(model, layout):
        group_path = vars_path("" if layout == V1_LAYOUT and path == "model" else path)
        expected_paths.add(group_path)
        try:
            pairs += _read_layer(group, group_path, layer, variables, source)
        except SavedModelError as err:
            if not skip_mismatch or "checksum" in str(err):
                raise
            warnings.warn(f"skip_mismatch: {err}; layer '{layer.name}' keeps its weights", stacklevel=4)
    # Keras also writes empty groups (an InputLayer's, the model's own) and the optimizer's: not weights
    extra = sorted(p for p in set(_vars_groups(group)) - expected_paths if len(group[p]))
    if extra and not skip_mismatch:
        raise SavedModelError(f"'{source}' holds weights for layer group(s) {extra} that the model does not have: "
                              "the file was saved from a different model")
    return pairs


def _read_layer(group: Any, vars_path: str, layer: Any, variables: list[Any], source: str) -> list[tuple[Any, Any]]:
    if vars_path not in group:
        have = _layer_paths(group)
        raise SavedModelError(f"'{source}' has no weights for layer '{layer.name}' (expected group "
                              f"'{vars_path}'); the file has weights for: {have or 'no layers'}")
    stored = group[vars_path]
    if not isinstance(stored, h5py.Group):
        raise SavedModelError(f"'{source}': '{stored.name}' (weights of layer '{layer.name}') is not a group")
    if len(stored) != len(variables):
        raise SavedModelError(f"'{source}': layer '{layer.name}' has {len(variables)} weight(s) "
                              f"({', '.join(v.path or '?' for v in variables)}) but the file holds {len(stored)}")
    pairs = []
    for i, var in enumerate(variables):
        where = f"'{source}': weight '{var.path}' of layer '{layer.name}'"
        pairs.append((var, _read_array(stored, str(i), where, var.shape, var.dtype)))
    return pairs


def _vars_groups(group: Any) -> list[str]:
    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        # the optimizer's and the compiled metrics' variables (Keras writes both) are not layer weights
        if name.rsplit("/", 1)[-1] == "vars" and not name.startswith(("optimizer/", "metrics/")) and \
                isinstance(obj, h5py.Group):
            found.append(name)

    group.visititems(visit)
    return found


def _layer_paths(group: Any) -> list[str]:
    return [p[:-len("/vars")] if p != "vars" else "(model)" for p in _vars_groups(group)]


def assign_all(pairs: list[tuple[Any, np.ndarray]]) -> None:
    """Assign checked arrays to their variables (in place, so optimizer buffers stay linked)."""
    for var, array in pairs:  # every array was checked and converted by _read_array: nothing here can fail
        var.assign(array)


