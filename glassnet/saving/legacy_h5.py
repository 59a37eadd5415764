"""The legacy ``.h5`` layout of Keras 2 (tf.keras) and of Keras 3's ``model.save("m.h5")``.

An ``.h5`` model file keeps the weights in ``model_weights``, one group per top-level
layer, which lists its arrays in the attribute ``weight_names`` (the layer's trainable
weights, then its non-trainable ones, sublayers included); the group's attribute
``layer_names`` lists the layers in model order.  Keras matches the layers that have
weights to the saved groups that have weights *by order* and the arrays by order inside
each, and so does glassnet.  The optimizer's variables are in ``optimizer_weights``,
again listed by ``weight_names``:

* Keras 3: ``iteration``, ``learning_rate``, then the slots as in a ``.keras`` file;
* tf.keras 2.11+: ``iteration:0`` then the slots, interleaved per variable the same way;
* tf.keras 2.10 and older ("legacy" optimizers): ``Adam/iter:0`` then each slot for
  every variable in turn (all m, then all v).
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from . import weights as _weights
from .errors import SavedModelError
from .weights import _read_array


def _legacy_weights(layer: Any) -> list[Any]:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_layers(model: Any) -> list[Any]:
    return list(model.layers) if hasattr(model, "layers") else []


def _names(group: Any, attr: str) -> list[str]:
    """A list-of-names attribute (also the chunked ``name0``, ``name1``... form Keras uses for long lists)."""
    if attr in group.attrs:
        raw = list(group.attrs[attr])
    else:
        raw, chunk = [], 0
        while f"{attr}{chunk}" in group.attrs:
            raw += list(group.attrs[f"{attr}{chunk}"])
            chunk += 1
    names = []
    for item in raw:
        if isinstance(item, (bytes, np.bytes_)):
            item = bytes(item).decode("utf8", errors="replace")
        if not isinstance(item, str):
            raise SavedModelError(f"'{group.name}': the attribute {attr} lists {item!r}, not a name")
        names.append(item)
    return names


def is_legacy(group: Any) -> bool:
    """Whether ``group`` holds weights in this layout (it lists its layers)."""
    return "layer_names" in group.attrs or "layer_names0" in group.attrs


# -- writing --------------------------------------------------------------------------------------------
def write_model_weights(group: Any, model: Any) -> None:
    """Every top-level layer's weights in Keras' legacy layout (as Keras 3's ``save`` to ``.h5`` writes)."""
    layers = _top_layers(model)
    group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = b"numpy"
    group.attrs["keras_version"] = b"3.0.0"
    for layer in sorted(layers, key=lambda lyr: lyr.name):  # as Keras: growing names avoid prefix clashes
        _write_subset(group.create_group(layer.name), _legacy_weights(layer))
    owned = [v for v in model._variables]
    _write_subset(group.create_group("top_level_model_weights"), owned)


def _write_subset(group: Any, variables: list[Any]) -> None:
    names = _unique([v.path or v.name or f"weight_{i}" for i, v in enumerate(variables)])
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype=object) if names \
        else np.array([], dtype="S1")
    for name, var in zip(names, variables):
        _weights._write_array(group, name, var.numpy())  # with its SHA-256, as every array glassnet writes


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


def write_optimizer_weights(root: Any, model: Any, values: list[tuple[str, Any]]) -> None:
    """``optimizer_weights`` as Keras 3 writes it: ``values`` are (name, array) in the optimizer's order."""
    group = root.create_group("optimizer_weights")
    names = _unique([f"{model.optimizer.name}/{name}" for name, _ in values])
    group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names], dtype=object)
    for name, (_, value) in zip(names, values):
        _weights._write_array(group, name, value)


# -- reading --------------------------------------------------------------------------------------------
def read_model_weights(group: Any, model: Any, source: str, skip_mismatch: bool = False) -> list[tuple[Any, Any]]:
    """``(variable, array)`` pairs for ``model`` from a legacy-layout group, every array checked first."""
    import warnings

    saved = []
    for name in _names(group, "layer_names"):
        if name not in group or not isinstance(group[name], h5py.Group):
            raise SavedModelError(f"'{source}': the layer list names '{name}' but the file has no group for it")
        weight_names = _names(group[name], "weight_names")
        if weight_names:
            saved.append((name, weight_names))
    layers = [layer for layer in _top_layers(model) if _legacy_weights(layer)]
    if len(saved) != len(layers):
        raise SavedModelError(
            f"'{source}' holds weights for {len(saved)} layer(s) ({', '.join(n for n, _ in saved) or 'none'}) but "
            f"the model has {len(layers)} layer(s) with weights ({', '.join(lyr.name for lyr in layers) or 'none'}): "
            "the file was saved from a different model")
    pairs: list[tuple[Any, Any]] = []
    for (name, weight_names), layer in zip(saved, layers):
        variables = _legacy_weights(layer)
        try:
            if len(weight_names) != len(variables):
                raise SavedModelError(
                    f"'{source}': layer '{layer.name}' has {len(variables)} weight(s) "
                    f"({', '.join(v.path or '?' for v in variables)}) but the file's layer '{name}' holds "
                    f"{len(weight_names)} ({', '.join(weight_names)})")
            pairs += [(var, _read_array(group[name], weight, f"'{source}': weight '{var.path}' of layer "
                                        f"'{layer.name}'", var.shape, var.dtype))
                      for var, weight in zip(variables, weight_names)]
        except SavedModelError as err:
            if not skip_mismatch or "checksum" in str(err):
                raise
            warnings.warn(f"skip_mismatch: {err}; layer '{layer.name}' keeps its weights", stacklevel=4)
    return pairs


def optimizer_arrays(root: Any, source: str) -> list[tuple[str, Any]] | None:
    """``(name, dataset)`` of ``optimizer_weights`` in their saved order, or None without one."""
    if "optimizer_weights" not in root:
        return None
    group = root["optimizer_weights"]
    if not isinstance(group, h5py.Group):
        raise SavedModelError(f"'{source}': 'optimizer_weights' is not a group")
    out = []
    for name in _names(group, "weight_names"):
        if name not in group or not isinstance(group[name], h5py.Dataset):
            raise SavedModelError(f"'{source}': the optimizer weight '{name}' is listed but not in the file")
        out.append((name, group[name]))
    return out
