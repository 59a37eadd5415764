"""Where each layer's weights sit in a ``.keras``/``.weights.h5`` file: Keras 3's paths, exactly.

Keras 3 stores a layer's own variables at ``<path>/vars/0..n`` and finds ``<path>`` by
walking the model like this (``keras.src.saving.saving_lib._walk_saveable``), which
glassnet repeats so that files move both ways:

* a Sequential or Functional model visits its ``layers`` list first;
* then every attribute, sorted by name with private ones (``_x``) last, that holds a
  layer (path ``<attr>``) or a list/tuple/dict of layers (path ``<attr>/<key>`` where
  ``<key>`` is the item's class name in snake case, numbered in order: ``dense``,
  ``dense_1``...; a nested list is ``container``, ``container_1``...);
* a subclassed ``Model`` also has the attribute ``layers`` (its direct sublayers),
  visited in its sorted place, so ``self.block`` is stored under ``block`` but
  ``self.out`` under ``layers/dense``;
* a layer reached twice is stored only where it was first reached.

Attributes that every layer has (the machinery, not the model) are skipped, as Keras
skips those of a bare ``Layer()``.  Built-in layers whose variables Keras keeps in
sublayers (``MultiHeadAttention``: ``query_dense``...) say so with
``_keras_variable_groups()``.
"""

from __future__ import annotations

import functools
from typing import Any

from ..layers.base import Layer
from ..layers.naming import snake_case

WeightEntry = tuple[str, Any, list[Any]]


def _join(path: str, key: str) -> str:
    return f"{path}/{key}" if path else key


def _sort_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name  # private attributes last, as Keras


@functools.cache
def _machinery(kind: str) -> frozenset[str]:
    """Attribute names a bare Layer (or Model) already has: never children, whatever they hold."""
    from ..models.model import Model

    bare = Model() if kind == "model" else Layer()
    return frozenset(vars(bare))


def _is_container_model(obj: Any) -> bool:
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    return isinstance(obj, (Sequential, Functional))


def keras_children(obj: Any) -> list[tuple[str, Any]]:
    """``(attribute, layer or container)`` pairs in the order Keras 3 visits them."""
    from ..models.model import Model

    out: list[tuple[str, Any]] = []
    if _is_container_model(obj):
        out.append(("layers", obj.layers))
        return out  # everything else a Sequential/Functional holds is machinery or already listed
    skip = _machinery("model" if isinstance(obj, Model) else "layer")
    attributes = {name: value for name, value in vars(obj).items() if name not in skip}
    if isinstance(obj, Model):
        attributes["layers"] = obj.layers
    for name in sorted(attributes, key=_sort_key):
        value = attributes[name]
        if isinstance(value, Layer) and value is not obj:
            out.append((name, value))
        elif isinstance(value, (list, tuple, dict)) and _holds_layers(value):
            out.append((name, value))
    return out


def _holds_layers(container: Any, depth: int = 0) -> bool:
    items = container.values() if isinstance(container, dict) else container
    for item in items:
        if isinstance(item, Layer):
            return True
        if isinstance(item, (list, tuple, dict)) and depth < 8 and _holds_layers(item, depth + 1):
            return True
    return False


def own_variable_groups(layer: Any) -> list[tuple[str, list[Any]]]:
    """``(sub-path, variables)`` of the variables ``layer`` owns; ``""`` is the layer's own ``vars``."""
    grouped = getattr(layer, "_keras_variable_groups", None)
    if grouped is not None:
        return list(grouped())
    return [("", list(layer._variables))]


def keras_weight_tree(model: Any) -> list[WeightEntry]:
    """``(group path, layer, variables)`` for every group of variables, at Keras 3's paths.

    The model's own variables (if any) have the path ``""`` (stored at the root ``vars``).
    """
    entries: list[WeightEntry] = []
    for path, layer in keras_layer_paths(model):
        for sub, variables in own_variable_groups(layer):
            if variables:
                entries.append((_join(path, sub) if sub else path, layer, variables))
    return entries


def keras_layer_paths(model: Any) -> list[tuple[str, Any]]:
    """``(path, layer)`` for the model and every layer in it, each at the first path Keras 3 reaches it by."""
    entries: list[tuple[str, Any]] = []
    visited: set[int] = set()

    def visit(obj: Any, path: str) -> None:
        if id(obj) in visited:
            return
        visited.add(id(obj))
        entries.append((path, obj))
        for key, child in keras_children(obj):
            if isinstance(child, Layer):
                visit(child, _join(path, key))
            else:
                visit_container(child, _join(path, key), set())

    def visit_container(container: Any, path: str, seen_containers: set[int]) -> None:
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used: dict[str, int] = {}
        items = list(container.values()) if isinstance(container, dict) else list(container)
        for item in items:
            if isinstance(item, Layer):
                visit(item, _join(path, _numbered(snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _numbered("container", used)), seen_containers)

    visit(model, "")
    return entries


def _numbered(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def vars_path(path: str) -> str:
    """The HDF5 group of a weight-tree path: ``layers/dense`` -> ``layers/dense/vars``, ``""`` -> ``vars``."""
    return f"{path}/vars" if path else "vars"
