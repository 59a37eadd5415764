"""``glassnet summary FILE``: what a saved model holds, read with the safe loader.

The model is rebuilt with ``load_model(compile=False)`` (no code from the file runs, no optimizer is
built); the compile settings are read from the file's config as plain data and only printed.
"""

from __future__ import annotations

import json
from typing import Any

from .serialization import SavedModelError


def compile_config_of(path: str) -> dict[str, Any] | None:
    """The compile settings stored in a ``.keras`` or ``.h5`` model file (None when it has none)."""
    from .saving import formats

    if formats.sniff(path) == "zip":
        config, _ = formats.read_keras(path)
    else:
        with formats.open_h5(path) as (h5, _inventory):
            config = formats.h5_config(h5, path)
    found = config.get("compile_config") if isinstance(config, dict) else None
    return found if isinstance(found, dict) else None


def _short(value: Any) -> str:
    """A Keras config entry as ``ClassName(arg=value, ...)``, anything else as JSON."""
    if isinstance(value, dict) and "class_name" in value:
        inner = value.get("config") or {}
        args = ", ".join(f"{k}={_short(v)}" for k, v in inner.items() if k != "name") if isinstance(inner, dict) else ""
        return f"{value['class_name']}({args})"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def describe(path: str, print_fn: Any = print) -> None:
    """Print the architecture table, the parameter counts and the training configuration of a saved model.

    Raises
    ------
    SavedModelError
        The file is missing, damaged, foreign or names an unregistered class (the loader's message).
    """
    from .models import load_model

    model = load_model(path, compile=False)
    model.summary(print_fn=print_fn)
    compile_config = compile_config_of(path)
    if not compile_config:
        print_fn("Training config: none (the model was saved uncompiled)")
        return
    print_fn("Training config:")
    for key, value in compile_config.items():
        if value is not None:
            print_fn(f"  {key}: {_short(value)}")


__all__ = ["SavedModelError", "compile_config_of", "describe"]
