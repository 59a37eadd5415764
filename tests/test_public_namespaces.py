"""Every public namespace lists only its API: ``__all__`` exists, ``dir()`` follows it, and each name listed
imports and has a docstring."""

from __future__ import annotations

import importlib
import inspect

import pytest

NAMESPACES = ["glassnet", "glassnet.layers", "glassnet.losses", "glassnet.metrics", "glassnet.optimizers",
              "glassnet.callbacks", "glassnet.activations", "glassnet.initializers", "glassnet.regularizers",
              "glassnet.constraints", "glassnet.utils", "glassnet.datasets", "glassnet.models", "glassnet.saving",
              "glassnet.ops"]
# Helpers that leaked into dir() before: type hints, the array module, registries, submodules.
NEVER_PUBLIC = {"Any", "Callable", "annotations", "xp", "np", "m", "math", "re", "Registry", "backend"}


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_shows_only_its_api(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list) and module.__all__, f"{name} has no __all__"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ repeats a name"
    shown = [n for n in dir(module) if not n.startswith("_")]
    assert sorted(shown) == sorted(module.__all__)
    if name != "glassnet":  # glassnet.backend is Keras' keras.backend module
        assert not NEVER_PUBLIC & set(shown), f"dir({name}) shows helpers: {sorted(NEVER_PUBLIC & set(shown))}"


@pytest.mark.parametrize("name", NAMESPACES)
def test_listed_names_import_and_are_documented(name):
    module = importlib.import_module(name)
    undocumented = []
    for attr in module.__all__:
        obj = getattr(module, attr)  # AttributeError here: __all__ names something that is not there
        exec(f"from {name} import {attr}", {})
        if (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)) and not inspect.getdoc(obj):
            undocumented.append(attr)
    assert not undocumented, f"{name}: no docstring on {undocumented}"
