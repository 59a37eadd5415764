"""Weights, optimizer state and random-generator state in an HDF5 group (Keras 3's layout).

Each layer's own variables go to ``layers/<key>/vars/0..n`` where ``<key>`` is,
as in Keras 3, the snake-case class name numbered in order inside a
Sequential/Functional model (``dense``, ``dense_1``) and the attribute name
(``self.dense1``) inside a subclassed model or custom layer, nested for
sublayers (``layers/block/layers/dense1/vars/0``).  Both are stable across
sessions, unlike the automatic layer names ``dense_7``.  Every dataset carries
a SHA-256 of its bytes, so silently corrupted weights are caught on load.

Reading is two-phase: every array is read and checked (presence, count, shape,
checksum) before any variable is assigned, so a bad file never leaves a
half-loaded model.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from typing import Any

import h5py
import numpy as np

from .. import backend
from .errors import SavedModelError
from .guard import read_json_attr


def _children(layer: Any) -> list[tuple[str, Any]]:
    """(key, sublayer) pairs: each layer says how its children are keyed (``Layer._weight_children``)."""
    return layer._weight_children()


def weight_tree(model: Any) -> list[tuple[str, Any, list[Any]]]:
    """``(group path, layer, own variables)`` for every layer that owns variables, depth-first."""
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
    """Store every layer's variables under ``group`` (``layers/<key>/vars/i`` and top-level ``vars``)."""
    for path, layer, variables in weight_tree(model):
        target = group.require_group(path) if path != "model" else group
        vars_group = target.require_group("vars")
        vars_group.attrs["layer_name"] = layer.name
        for i, var in enumerate(variables):
            _write_array(vars_group, str(i), var.data)
            vars_group[str(i)].attrs["name"] = var.path or var.name or str(i)


def read_weights(group: Any, model: Any, source: str, skip_mismatch: bool = False) -> list[tuple[Any, np.ndarray]]:
    """Read and check every array ``model`` needs from ``group``; return ``(variable, array)`` pairs.

    Nothing is assigned here: the caller assigns only once everything checked out.  With
    ``skip_mismatch`` a missing or differently shaped layer is skipped with a warning.
    """
    pairs: list[tuple[Any, np.ndarray]] = []
    expected_paths = set()
    for path, layer, variables in weight_tree(model):
        key = path if path != "model" else ""
        vars_path = f"{key}/vars" if key else "vars"
        expected_paths.add(vars_path)
        try:
            pairs += _read_layer(group, vars_path, layer, variables, source)
        except SavedModelError as err:
            if not skip_mismatch or "checksum" in str(err):
                raise
            warnings.warn(f"skip_mismatch: {err}; layer '{layer.name}' keeps its weights", stacklevel=4)
    extra = sorted(set(_vars_groups(group)) - expected_paths)
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
        if name.rsplit("/", 1)[-1] == "vars" and (name == "vars" or name.startswith("layers/")) and \
                hasattr(obj, "keys"):
            found.append(name)

    group.visititems(visit)
    return found


def _layer_paths(group: Any) -> list[str]:
    return [p[:-len("/vars")] if p != "vars" else "(model)" for p in _vars_groups(group)]


def assign_all(pairs: list[tuple[Any, np.ndarray]]) -> None:
    """Assign checked arrays to their variables (in place, so optimizer buffers stay linked)."""
    for var, array in pairs:  # every array was checked and converted by _read_array: nothing here can fail
        var.assign(array)


# -- optimizer and random-generator state ---------------------------------------------------------
def write_training_state(group: Any, model: Any) -> None:
    """Optimizer iterations and slots (per trainable variable) and the shuffling/dropout RNG states."""
    optimizer = model.optimizer
    state = optimizer.get_state(model.trainable_weights)
    opt = group.require_group("optimizer")
    opt.attrs["class_name"] = type(optimizer).__name__
    opt.attrs["iterations"] = state["iterations"]
    for slot, arrays in state["slots"].items():
        slot_group = opt.require_group(f"vars/{slot}")
        for i, array in enumerate(arrays):
            _write_array(slot_group, str(i), array)
    group.attrs["rng_state"] = json.dumps(_rng_states(model))


def _generators(model: Any) -> list[tuple[str, Any]]:
    """Private generators of layers (a Dropout with a seed), keyed by their weight-tree path."""
    out = []
    for key, layer in _all_layers(model):
        gen = getattr(layer, "_generator", None)
        if isinstance(gen, np.random.Generator):
            out.append((key, gen))
    return out


def _all_layers(model: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def walk(layer: Any, path: str) -> None:
        out.append((path, layer))
        for key, sub in _children(layer):
            walk(sub, f"{path}/layers/{key}" if path else f"layers/{key}")

    walk(model, "")
    return out


def _rng_states(model: Any) -> dict[str, Any]:
    return {"global": backend.rng().bit_generator.state,
            "layers": {key: gen.bit_generator.state for key, gen in _generators(model)}}


def read_training_state(group: Any, model: Any, source: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Read and check the optimizer state and RNG states (nothing is applied here).

    The slot names must be the compiled optimizer's, the step count a non-negative integer and
    each generator state one NumPy accepts (tried on a scratch generator), so applying them
    afterwards cannot fail.
    """
    if "optimizer" not in group:
        return None, None
    opt = group["optimizer"]
    if not isinstance(opt, h5py.Group):
        raise SavedModelError(f"'{source}': '{opt.name}' (the optimizer state) is not a group")
    weights = model.trainable_weights
    optimizer = getattr(model, "optimizer", None)
    known = tuple(getattr(optimizer, "_slot_names", ()))
    slots: dict[str, list[np.ndarray]] = {}
    stored_slots = opt["vars"] if "vars" in opt else {}
    if not isinstance(stored_slots, (dict, h5py.Group)):
        raise SavedModelError(f"'{source}': '{opt.name}/vars' (the optimizer slots) is not a group")
    for slot in stored_slots:
        if slot not in known:
            raise SavedModelError(f"'{source}': the optimizer state has a slot '{slot}' that "
                                  f"{type(optimizer).__name__} does not have (its slots: {list(known)})")
        stored = stored_slots[slot]
        if not isinstance(stored, h5py.Group) or len(stored) != len(weights):
            count = len(stored) if isinstance(stored, h5py.Group) else "no"
            raise SavedModelError(f"'{source}': the optimizer slot '{slot}' holds {count} arrays for the "
                                  f"model's {len(weights)} trainable weights")
        slots[slot] = [_read_array(stored, str(i), f"'{source}': optimizer slot '{slot}' of '{var.path}'",
                                   var.shape, var.dtype) for i, var in enumerate(weights)]
    iterations = opt.attrs.get("iterations", 0)
    if isinstance(iterations, np.ndarray) and iterations.shape == ():
        iterations = iterations[()]
    if not isinstance(iterations, (int, np.integer)) or isinstance(iterations, (bool, np.bool_)) or iterations < 0:
        raise SavedModelError(f"'{source}': the optimizer's step count is {iterations!r}, not a whole number >= 0")
    class_name = opt.attrs.get("class_name", "")
    class_name = class_name.decode(errors="replace") if isinstance(class_name, bytes) else str(class_name)
    state = {"iterations": int(iterations), "slots": slots, "class_name": class_name}
    rng_state = _read_rng_states(group, model, source)
    return state, rng_state


def _read_rng_states(group: Any, model: Any, source: str) -> dict[str, Any] | None:
    """The saved generator states, each checked by loading it into a scratch generator of the same kind."""
    rng = read_json_attr(group, "rng_state", source)
    if rng is None:
        return None
    if not isinstance(rng, dict) or not isinstance(rng.get("global"), dict) or \
            not isinstance(rng.get("layers", {}), dict):
        raise SavedModelError(f"'{source}': the attribute 'rng_state' should be {{'global': state, 'layers': "
                              f"{{...}}}}, not {str(rng)[:80]}")
    _try_state(backend.rng(), rng["global"], "the global generator", source)
    gens = dict(_generators(model))
    for key, saved in rng.get("layers", {}).items():
        if key in gens:
            _try_state(gens[key], saved, f"the generator of '{key}'", source)
    return rng


def _try_state(generator: np.random.Generator, state: Any, what: str, source: str) -> None:
    scratch = type(generator.bit_generator)()
    try:
        scratch.state = state
    except Exception as err:  # NumPy raises TypeError, ValueError or KeyError for foreign states
        raise SavedModelError(f"'{source}': the saved state of {what} is not a "
                              f"{type(scratch).__name__} state ({type(err).__name__}: {err})") from err


def apply_training_state(model: Any, state: dict[str, Any] | None, rng_state: dict[str, Any] | None,
                         restore_rng: bool) -> None:
    """Restore the optimizer state (and, when asked, the RNG states) read by :func:`read_training_state`."""
    if state is not None and getattr(model, "optimizer", None) is not None:
        model.optimizer.set_state(model.trainable_weights, state)
    if restore_rng and rng_state is not None:
        backend.rng().bit_generator.state = rng_state["global"]
        gens = dict(_generators(model))
        for key, saved in rng_state.get("layers", {}).items():
            if key in gens:
                gens[key].bit_generator.state = saved
