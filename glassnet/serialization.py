"""Any glassnet object to a JSON-able config and back, knowing only ``get_config``/``from_config``.

This is a low-level service: it imports nothing of glassnet but the registry, so
layers, models, losses and optimizers can all use it.  An entry looks like Keras 3's::

    {"module": "glassnet.layers", "class_name": "Dense", "config": {...}, "name": "dense",
     "build_config": {"input_shape": [null, 784]}}

Safety rule: a config only ever *names* classes and functions.  A name is resolved
against glassnet's own classes (each registers itself when defined, see
:func:`register_builtin`), the objects registered with
:func:`register_keras_serializable`, and the ``custom_objects`` of the current
:func:`custom_object_scope`; nothing is imported, evaluated or unpickled.

What a class owns:

* ``get_config()`` / ``from_config(config)``: its constructor arguments (a container
  serializes its children with :func:`serialize` and rebuilds them with :func:`deserialize`);
* ``get_build_config()`` / ``build_from_config(config)``: the input shape it was built for,
  so a deserialized layer gets its weights before they are loaded.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import registry
from .registry import get_registered_object, register_keras_serializable


class SavedModelError(ValueError):
    """A saved model or weights file is unreadable, damaged, of another format or a newer version,
    or names an object that is not registered.  The message names the file and the problem."""


# glassnet's own serializable classes by class name (and Keras aliases such as Convolution2D).
_BUILTIN: dict[str, type] = {}


def register_builtin(cls: type, *aliases: str) -> type:
    """Make a glassnet class resolvable by its name in configs (called as each class is defined)."""
    _BUILTIN.setdefault(cls.__name__, cls)
    for alias in aliases:
        _BUILTIN.setdefault(alias, cls)
    return cls


@contextlib.contextmanager
def custom_object_scope(custom_objects: dict[str, Any] | None) -> Iterator[None]:
    """Make ``custom_objects`` ({name: class or function}) resolvable inside the block.

    Every name lookup (layers, activations, losses, initializers...) also sees these
    objects, as with ``keras.saving.custom_object_scope``; the previous entries come
    back when the block ends.
    """
    added = dict(custom_objects or {})
    saved = {k: registry._CUSTOM_OBJECTS[k] for k in added if k in registry._CUSTOM_OBJECTS}
    registry._CUSTOM_OBJECTS.update(added)
    try:
        yield
    finally:
        for key in added:
            if key in saved:
                registry._CUSTOM_OBJECTS[key] = saved[key]
            else:
                registry._CUSTOM_OBJECTS.pop(key, None)


def get_custom_objects() -> dict[str, Any]:
    """The registered custom objects (Keras' ``keras.saving.get_custom_objects``); edits take effect."""
    return registry._CUSTOM_OBJECTS


def registered_name(obj: Any) -> str:
    """The name a config uses for a class or function (``Package>Name`` when registered)."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", None) or type(obj).__name__


def resolve_class(class_name: str, owner: str | None = None) -> type:
    """The class a config names: registered objects first, then glassnet's own classes."""
    cls = get_registered_object(class_name)
    if cls is None and ">" in class_name:
        cls = get_registered_object(class_name.split(">", 1)[1])
    if cls is None:
        cls = _BUILTIN.get(class_name)
    if cls is None:
        where = f" ('{owner}')" if owner else ""
        bare = class_name.split(">")[-1]
        raise SavedModelError(
            f"Unknown layer class '{class_name}'{where} in the config. glassnet never imports code named in a file: "
            f"decorate the class with @glassnet.saving.register_keras_serializable() or pass "
            f"custom_objects={{'{bare}': {bare}}} to the loader")
    return cls


# -- objects ------------------------------------------------------------------------------------------
def serialize(obj: Any) -> dict[str, Any]:
    """``{"module", "class_name", "config", "name", "build_config"}`` of a layer, model or other object."""
    cls = type(obj)
    module = cls.__module__.rsplit(".", 1)[0] if cls.__module__.startswith("glassnet") else "custom"
    entry: dict[str, Any] = {"module": module, "class_name": getattr(cls, "serialized_class_name", None)
                             or registered_name(cls), "config": obj.get_config()}
    if getattr(obj, "name", None) is not None:
        entry["name"] = obj.name
    build = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build is not None:
        entry["build_config"] = build
    return entry


def deserialize(entry: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuild an object from :func:`serialize` output (a layer comes back built, weights not loaded).

    Any failure, whatever a malformed config makes a constructor raise, becomes a
    :class:`SavedModelError` naming the object and its class.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) or \
            not isinstance(entry.get("config", {}), dict):
        raise SavedModelError(f"A layer entry of the config is malformed: {str(entry)[:120]}")
    name = entry.get("name") or (entry.get("config") or {}).get("name")
    if name is not None and not isinstance(name, str):
        raise SavedModelError(f"A layer entry of the config has the name {name!r}, not a string")
    build_config = entry.get("build_config")
    with custom_object_scope(custom_objects):
        cls = resolve_class(entry["class_name"], name)
        try:
            obj = cls.from_config(dict(entry.get("config") or {}))
            if build_config is not None:
                if not isinstance(build_config, dict):
                    raise ValueError(f"build_config should be a dict, not {type(build_config).__name__}")
                if hasattr(obj, "build_from_config"):
                    obj.build_from_config(build_config)
        except SavedModelError:
            raise
        except Exception as err:  # the config is at fault, whatever it made the constructor raise: name it
            hint = (" A custom class needs get_config() returning its constructor arguments."
                    if isinstance(err, TypeError) else "")
            raise SavedModelError(f"Could not rebuild layer '{name}' of class '{entry['class_name']}' from its "
                                  f"config: {type(err).__name__}: {err}.{hint}") from err
    return obj


# -- JSON -----------------------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.size <= 64:
        return value.tolist()
    if isinstance(value, np.dtype):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"a value of type {type(value).__name__} ({value!r:.60}) cannot be stored in a JSON config")


def to_json(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` that also takes NumPy scalars and small arrays."""
    return json.dumps(obj, default=_json_default, **kwargs)


__all__ = ["SavedModelError", "custom_object_scope", "deserialize", "get_custom_objects", "register_builtin",
           "register_keras_serializable", "registered_name", "resolve_class", "serialize", "to_json"]
