"""``save_model``/``load_model``, ``save_weights``/``load_weights`` and JSON configs.

Resuming training reproduces an uninterrupted run: with ``include_optimizer=True``
(the default) a model file also stores the optimizer's step count and slots
(momentum, Adam's moments) and the state of glassnet's random generator, which
drives shuffling and dropout.  ``load_model`` restores all three (pass
``restore_rng=False`` to leave the generator alone), so ``fit(...,
initial_epoch=N)`` on the loaded model continues with exactly the batches,
masks and updates the original run would have used next.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterator
from typing import Any

from .. import backend, serialization
from ..engine.allocation import allocation_limit
from ..layers import naming as layer_naming
from . import assets, formats, guard, keras_config, legacy_h5, training_state, weights
from .errors import SavedModelError

_MODEL_EXTENSIONS = (".keras", ".h5", ".hdf5")


def _path(filepath: Any) -> str:
    return os.fspath(filepath)


def _check_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False")


def save_model(model: Any, filepath: Any, overwrite: bool = True, include_optimizer: bool = True,
               **kwargs: Any) -> None:
    """Save the architecture, weights, compile settings and (by default) the training state.

    Parameters
    ----------
    model : Model
    filepath : str or path
        Ending in ``.keras`` (zip, Keras 3 layout) or ``.h5``/``.hdf5`` (HDF5, Keras 2 layout).
    overwrite : bool
        Refuse to replace an existing file when False.
    include_optimizer : bool
        Also store the optimizer state and random-generator state, for an exact resume.

    The write is atomic: a crash or Ctrl-C during the save leaves any previous file intact.
    """
    path = _path(filepath)
    save_format = kwargs.pop("save_format", None)  # Keras 2 argument: the extension decides here
    if kwargs:
        raise TypeError(f"save_model: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    if save_format not in (None, "keras", "h5", "tf") or save_format == "tf":
        raise ValueError(f"save_format={save_format!r} is not supported: glassnet writes '.keras' and '.h5' files")
    if not path.endswith(_MODEL_EXTENSIONS):
        raise ValueError(f"Invalid filepath extension for saving: '{path}'. Use a name ending in '.keras' (or "
                         "'.h5' for the legacy HDF5 format); weights alone go to save_weights('name.weights.h5')")
    _check_overwrite(path, overwrite)
    config = model_config(model)
    with_state = include_optimizer and getattr(model, "optimizer", None) is not None

    def fill(h5: Any) -> None:
        weights.write_weights(h5, model)
        if with_state:
            training_state.write_training_state(h5, model)

    def fill_h5_state(h5: Any) -> None:
        legacy_h5.write_optimizer_weights(h5, model, training_state.optimizer_values(model))
        training_state.write_rng_state(h5, model)

    if path.endswith(".keras"):
        formats.write_keras(path, config, fill, assets.collect(model))
    else:
        formats.write_h5(path, config, lambda g: legacy_h5.write_model_weights(g, model),
                         fill_h5_state if with_state else None)


def model_config(model: Any) -> dict[str, Any]:
    """The ``config.json`` content: the model's entry (class, config) plus its compile settings."""
    entry = serialization.serialize(model)
    compile_config = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    if compile_config is not None:
        entry["compile_config"] = compile_config
    return keras_config.to_keras(entry)


def load_model(filepath: Any, custom_objects: dict[str, Any] | None = None, compile: bool = True,  # noqa: A002 (Keras' name)
               safe_mode: bool = True, restore_rng: bool = True) -> Any:
    """Load a model saved by :func:`save_model` (``.keras`` or ``.h5``, recognised by content).

    Parameters
    ----------
    filepath : str or path
    custom_objects : dict, optional
        ``{"MyLayer": MyLayer, "my_loss": my_loss}``: custom classes and functions the file names.
        Registered objects (``@register_keras_serializable``) are found without this.
    compile : bool
        Compile the model with the saved settings and restore the optimizer state.
    safe_mode : bool
        Accepted for Keras compatibility; loading is always safe (no code runs from a file).
    restore_rng : bool
        Restore the saved random-generator state, so that training resumes exactly.

    Raises
    ------
    SavedModelError
        For a damaged, truncated, foreign or newer-version file, or an unregistered class.
        Either a complete model is returned or nothing changes.
    """
    path = _path(filepath)
    kind = formats.sniff(path)
    with _nothing_changes_on_failure(path), serialization.custom_object_scope(custom_objects):
        if kind == "zip":
            config, weights_bytes, asset_files = formats.read_keras_with_assets(path)
            with formats.open_h5_bytes(weights_bytes, path) as (h5, inventory):
                model = _model_from_config(config, compile, path, inventory)
                pairs, state, rng_state = _read_all(h5, h5, model, path, compile)
            with assets.unpacked(asset_files) as folder:  # the layers' own files (save_assets), if any
                assets.load_into(model, folder)
        else:
            with formats.open_h5(path) as (h5, inventory):
                with formats.damaged(path, "HDF5 model file"):
                    config = formats.h5_config(h5, path)
                model = _model_from_config(config, compile, path, inventory)
                pairs, state, rng_state = _read_all(formats.h5_weights_group(h5), h5, model, path, compile)
        # Everything was read and checked above; from here on nothing can fail half-way.
        weights.assign_all(pairs)
        training_state.apply_training_state(model, state, rng_state, restore_rng and compile)
    return model


@contextlib.contextmanager
def _nothing_changes_on_failure(path: str) -> Iterator[None]:
    """On any failure put back what building a model touches (the random generator, automatic names),
    and report every error as a :class:`SavedModelError` naming the file."""
    rng_state = backend.rng().bit_generator.state
    names = dict(layer_naming._NAME_COUNTS)
    try:
        yield
    except BaseException as err:
        backend.rng().bit_generator.state = rng_state
        layer_naming._NAME_COUNTS.clear()
        layer_naming._NAME_COUNTS.update(names)
        if isinstance(err, SavedModelError) or not isinstance(err, Exception):
            raise
        raise SavedModelError(f"'{path}' could not be loaded ({type(err).__name__}: {err})") from err


def _read_all(weights_group: Any, state_group: Any, model: Any, path: str, with_state: bool,
              skip_mismatch: bool = False) -> tuple:
    if legacy_h5.is_legacy(weights_group):
        return _read_legacy(weights_group, state_group, model, path, with_state, skip_mismatch)
    with formats.damaged(path, "weights file"):
        pairs = weights.read_weights(weights_group, model, path, skip_mismatch, weights.layout_of(state_group))
        state, rng_state = (training_state.read_training_state(state_group, model, path) if with_state
                            else (None, None))
    return pairs, state, rng_state


def _read_legacy(weights_group: Any, root: Any, model: Any, path: str, with_state: bool,
                 skip_mismatch: bool) -> tuple:
    """Weights and optimizer state of Keras' legacy .h5 layout (Keras 2, tf.keras, Keras 3's .h5)."""
    with formats.damaged(path, "HDF5 model file"):
        pairs = legacy_h5.read_model_weights(weights_group, model, path, skip_mismatch)
        if not with_state or getattr(model, "optimizer", None) is None:
            return pairs, None, None
        saved = legacy_h5.optimizer_arrays(root, path)
        state = None
        if saved:
            items = [(name, root["optimizer_weights"], name) for name, _ in saved]
            legacy_optimizer = saved[0][0].endswith("/iter:0") or saved[0][0] == "iter:0"
            # Keras 3 lists the learning rate second; tf.keras 2 does not store it
            with_rate = len(saved) > 1 and saved[1][0].split(":")[0].endswith("learning_rate")
            state = training_state.state_from_arrays(items, model, path, heads=(2,) if with_rate else (1,),
                                                     per_slot_blocks=legacy_optimizer)
        return pairs, state, training_state._read_rng_states(root, model, path)


def _model_from_config(config: dict[str, Any], compile_: bool, path: str, inventory: guard.Inventory) -> Any:
    """Rebuild the model, creating no more weight values than the file holds (see :mod:`.guard`)."""
    try:
        config = keras_config.from_keras(config)
    except SavedModelError as err:
        raise SavedModelError(f"'{path}': {err}") from err
    reason = f"'{path}' holds only {inventory.values:,} weight values in all"
    sample_bytes = max(guard.MIN_SAMPLE_BYTES, inventory.declared_bytes)
    try:
        with allocation_limit(inventory.values, sample_bytes, reason):
            model = serialization.deserialize(config)
    except SavedModelError as err:
        raise SavedModelError(f"'{path}': {err}") from err
    except Exception as err:  # any other failure of a config is still the file's fault: name it
        raise SavedModelError(f"'{path}': the model could not be rebuilt from its config "
                              f"({type(err).__name__}: {err})") from err
    if compile_ and config.get(keras_config.COMPILE_ERROR):
        warnings.warn(f"'{path}': the model was loaded but not compiled: {config[keras_config.COMPILE_ERROR]}; "
                      "call compile() yourself", stacklevel=3)
    if compile_ and config.get("compile_config"):
        try:
            model.compile_from_config(config["compile_config"])
        except Exception as err:  # a model without its compile settings is still a complete model
            warnings.warn(f"'{path}': the model was loaded but could not be compiled with its saved settings "
                          f"({type(err).__name__}: {err}); call compile() yourself", stacklevel=3)
    return model


def save_weights(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Save only the weights, to an HDF5 file ``name.weights.h5`` (``.h5`` also accepted)."""
    path = _path(filepath)
    if not path.endswith((".h5", ".hdf5")):
        raise ValueError(f"save_weights: the filepath must end in '.weights.h5', got '{path}'")
    _check_overwrite(path, overwrite)
    # Keras 3 writes 'name.weights.h5' in its own layout and reads other '.h5' names in the legacy one
    write = weights.write_weights if path.endswith(".weights.h5") else legacy_h5.write_model_weights
    formats.write_h5(path, None, lambda h5: write(h5, model))


def load_weights(model: Any, filepath: Any, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Load weights saved by ``save_weights`` or ``save`` (``.weights.h5``, ``.h5`` or ``.keras``) into ``model``.

    Every array is read and checked first; on any problem a :class:`SavedModelError` names
    it and the model's weights are left unchanged.

    Parameters
    ----------
    skip_mismatch : bool
        Skip (with a warning) layers that are missing from the file or whose shapes differ,
        instead of raising.
    by_name : bool
        Keras 2 argument, accepted for old code: layers are always matched by their place in
        the model (``dense``, ``dense_1``...) or their attribute name, as in Keras 3.
    """
    path = _path(filepath)
    kind = formats.sniff(path)
    if not model.weights and not model.built:
        raise ValueError(f"Model '{model.name}' has no weights yet: build it (call it on a batch, or give it an "
                         "Input) before load_weights")
    with _nothing_changes_on_failure(path):
        if kind == "zip":
            _, data = formats.read_keras(path)
            with formats.open_h5_bytes(data, path) as (h5, _):
                pairs, _, _ = _read_all(h5, h5, model, path, False, skip_mismatch)
        else:
            with formats.open_h5(path) as (h5, _):
                pairs, _, _ = _read_all(formats.h5_weights_group(h5), h5, model, path, False, skip_mismatch)
        weights.assign_all(pairs)


def model_to_json(model: Any, **kwargs: Any) -> str:
    """The model's architecture as a JSON string (no weights), for :func:`model_from_json`."""
    return serialization.to_json(serialization.serialize(model), **kwargs)


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuild a model (freshly initialised weights) from :func:`model_to_json` output."""
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as err:
        raise SavedModelError(f"model_from_json: the string is not valid JSON ({err})") from err
    if not isinstance(config, dict):
        raise SavedModelError("model_from_json: the JSON does not describe a model")
    with serialization.custom_object_scope(custom_objects):
        return serialization.deserialize(config)
