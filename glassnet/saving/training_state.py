"""The training state in a model file: the optimizer's step count and slots, and the random generators.

The optimizer's variables sit where Keras 3 keeps them, so training resumes in either
library: ``optimizer/vars/0`` the step count, ``1`` the learning rate (absent for a
schedule), then the slots in the order Keras creates them, for the model's trainable
variables in order (Adam: m and v interleaved per variable, see
``Optimizer._keras_state_layout``), then any extra scalars (Nadam's schedule product).
Files of glassnet format version 1 kept the slots by name (``optimizer/vars/momentum/0``);
they are still read.

The random generators (shuffling, dropout) are glassnet's own: a JSON attribute
``rng_state`` that Keras ignores.
"""

from __future__ import annotations

import json
from typing import Any

import h5py
import numpy as np

from .. import backend
from .errors import SavedModelError
from .guard import read_json_attr
from .weights import _read_array, _write_array


def _keras_order(optimizer: Any, weights: list[Any]) -> list[tuple[str, int]]:
    """``(slot name, variable index)`` in the order Keras 3 stores an optimizer's slots."""
    order = []
    for names in optimizer._keras_state_layout():
        for i in range(len(weights)):
            order += [(name, i) for name in names]
    return order


def _learning_rate_is_stored(optimizer: Any) -> bool:
    from ..optimizers.schedules import LearningRateSchedule

    return not isinstance(optimizer._learning_rate, LearningRateSchedule)


def optimizer_values(model: Any) -> list[tuple[str, Any]]:
    """The optimizer's variables as ``(name, array)`` in Keras 3's order (empty slots before the first step)."""
    optimizer = model.optimizer
    weights = model.trainable_weights
    state = optimizer.get_state(weights)
    values: list[tuple[str, Any]] = [("iteration", np.asarray(state["iterations"], dtype=np.int64))]
    if _learning_rate_is_stored(optimizer):
        values.append(("learning_rate", np.asarray(optimizer.learning_rate, dtype=np.float32)))
    if state["slots"]:  # an optimizer that never stepped has no slots yet, as in Keras
        values += [(f"{weights[i].path.replace('/', '_')}_{name}", state["slots"][name][i])
                   for name, i in _keras_order(optimizer, weights)]
        values += optimizer._keras_extra_state()
    return values


def write_training_state(group: Any, model: Any) -> None:
    """The optimizer's variables at Keras 3's places, and the shuffling/dropout generator states."""
    opt = group.require_group("optimizer/vars")
    opt.attrs["name"] = model.optimizer.name
    opt.attrs["class_name"] = type(model.optimizer).__name__
    for i, (_, value) in enumerate(optimizer_values(model)):
        _write_array(opt, str(i), value)
    write_rng_state(group, model)


def write_rng_state(group: Any, model: Any) -> None:
    group.attrs["rng_state"] = json.dumps(_rng_states(model))


def read_training_state(group: Any, model: Any, source: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Read and check the optimizer state and generator states (nothing is applied here).

    The stored variables must be the compiled optimizer's (count and shapes), the step count a
    non-negative integer and each generator state one NumPy accepts (tried on a scratch
    generator), so applying them afterwards cannot fail.
    """
    if "optimizer" not in group or getattr(model, "optimizer", None) is None:  # not compiled: nothing to resume
        return None, _read_rng_states(group, model, source)
    opt = group["optimizer"]
    if not isinstance(opt, h5py.Group):
        raise SavedModelError(f"'{source}': '{opt.name}' (the optimizer state) is not a group")
    stored = opt.get("vars")
    if isinstance(stored, h5py.Group) and len(stored) and all(key.isdigit() for key in stored):
        items = [(f"{stored.name}/{i}", stored, str(i)) for i in range(len(stored))]
        if any(str(i) not in stored for i in range(len(stored))):
            raise SavedModelError(f"'{source}': the optimizer variables in '{stored.name}' are not numbered 0..n-1")
        state = state_from_arrays(items, model, source, heads=(1 + _learning_rate_is_stored(model.optimizer),))
    elif isinstance(stored, h5py.Group) and len(stored) == 0 and "iterations" not in opt.attrs:
        state = None  # Keras wrote an optimizer that had not been built
    else:
        state = _read_v1_optimizer_state(opt, model, source)
    return state, _read_rng_states(group, model, source)


def state_from_arrays(items: list[tuple[str, Any, str]], model: Any, source: str, heads: tuple[int, ...],
                      per_slot_blocks: bool = False) -> dict[str, Any]:
    """The optimizer state from its variables listed in Keras' order: ``(label, group, dataset name)``.

    ``heads`` are the accepted numbers of leading scalars (step count, then the learning rate if 2).
    ``per_slot_blocks``: the slots of tf.keras' legacy optimizers, each slot for every variable in turn.
    """
    optimizer = model.optimizer
    weights = model.trainable_weights
    who = type(optimizer).__name__
    if per_slot_blocks:
        order = [(name, i) for name in optimizer._slot_names for i in range(len(weights))]
    else:
        order = _keras_order(optimizer, weights)
    extras = optimizer._keras_extra_state()
    counts = {head + len(order) + len(extras): head for head in heads}
    counts.update({head + len(order): head for head in heads})  # tf.keras 2 keeps no extra scalars
    counts.update({head: head for head in heads})  # saved before the first step: no slots yet
    if len(items) not in counts:
        raise SavedModelError(
            f"'{source}': the saved optimizer state has {len(items)} variables, but {who} on this model's "
            f"{len(weights)} trainable weights has {max(heads) + len(order) + len(extras)} (step count, "
            f"learning rate, {len(order)} slot arrays{f', {len(extras)} extra' if extras else ''}): the file was "
            "saved with another optimizer or model")
    head = counts[len(items)]
    label, group, name = items[0]
    iterations = _read_array(group, name, f"'{source}': the optimizer's step count ({label})", (), np.float64)
    if not np.isfinite(iterations) or iterations < 0 or iterations != np.floor(iterations):
        raise SavedModelError(f"'{source}': the optimizer's step count is {iterations!r}, not a whole number >= 0")
    state: dict[str, Any] = {"iterations": int(iterations), "slots": {}}
    if head == 2:
        label, group, name = items[1]
        rate = _read_array(group, name, f"'{source}': the optimizer's learning rate ({label})", (), np.float64)
        if not np.isfinite(rate) or rate < 0:
            raise SavedModelError(f"'{source}': the optimizer's learning rate is {float(rate)!r}, not a number >= 0")
    if len(items) > head:
        slots: dict[str, list[Any]] = {name: [None] * len(weights) for name in optimizer._slot_names}
        for (slot, i), (label, group, name) in zip(order, items[head:]):
            var = weights[i]
            slots[slot][i] = _read_array(group, name, f"'{source}': optimizer slot '{slot}' of '{var.path}' "
                                         f"({label})", var.shape, var.dtype)
        state["slots"] = slots
    return state


def _read_v1_optimizer_state(opt: Any, model: Any, source: str) -> dict[str, Any]:
    """Format version 1: ``optimizer/vars/<slot name>/<i>``, the step count an attribute."""
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
    return {"iterations": int(iterations), "slots": slots, "class_name": class_name}


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
        # The stored learning rate is not applied: both libraries also write the rate in use into the
        # optimizer's config, from which the model was compiled (perhaps by a custom compile_from_config).
    if restore_rng and rng_state is not None:
        backend.rng().bit_generator.state = rng_state["global"]
        gens = dict(_generators(model))
        for key, saved in rng_state.get("layers", {}).items():
            if key in gens:
                gens[key].bit_generator.state = saved


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
        for key, sub in layer._weight_children():
            walk(sub, f"{path}/layers/{key}" if path else f"layers/{key}")

    walk(model, "")
    return out


def _rng_states(model: Any) -> dict[str, Any]:
    return {"global": backend.rng().bit_generator.state,
            "layers": {key: gen.bit_generator.state for key, gen in _generators(model)}}
