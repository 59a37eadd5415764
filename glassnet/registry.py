"""One registry per kind of named object ("relu", "adam", "mse", ...).

String lookups, ``get_config`` round trips and the lists of valid names in
error messages all come from here, so a name is defined once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Objects the user registered with :func:`register_keras_serializable`, by "package>name".
_CUSTOM_OBJECTS: dict[str, Any] = {}


class Registry:
    """A case-aware mapping from names to objects of one kind.

    Parameters
    ----------
    kind : str
        What the objects are ("activation", "loss", ...), used in error messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Any] = {}

    def add(self, obj: Any, *names: str) -> Any:
        """Register ``obj`` under each of ``names`` (and return it, so this works as a decorator)."""
        for name in names:
            self._items[name] = obj
            self._items[name.lower()] = obj
        return obj

    def names(self) -> list[str]:
        """The canonical names, sorted, for error messages."""
        return sorted({k for k in self._items if k == k.lower()})

    def get(self, name: str, argument: str | None = None) -> Any:
        """Return the object named ``name``; raise a ``ValueError`` that lists the valid names."""
        if name in self._items:
            return self._items[name]
        if isinstance(name, str) and name.lower() in self._items:
            return self._items[name.lower()]
        if name in _CUSTOM_OBJECTS:
            return _CUSTOM_OBJECTS[name]
        where = f" for argument '{argument}'" if argument else ""
        raise ValueError(
            f"Unknown {self.kind} {name!r}{where}. Valid {self.kind} names: {', '.join(self.names())}"
        )

    def __contains__(self, name: str) -> bool:
        return name in self._items or (isinstance(name, str) and name.lower() in self._items)

    def items(self) -> Iterable[tuple[str, Any]]:
        return self._items.items()


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Decorator registering a custom class or function so configs can name it.

    Loading a saved model resolves custom names only through this registry and
    the ``custom_objects`` argument: nothing in a file can import or run code.
    """

    def decorate(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        _CUSTOM_OBJECTS[key] = obj
        _CUSTOM_OBJECTS[name or obj.__name__] = obj
        obj._registered_name = key
        return obj

    return decorate


def get_registered_object(name: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """Look ``name`` up in ``custom_objects`` then in the registered objects (or return None)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _CUSTOM_OBJECTS.get(name)
