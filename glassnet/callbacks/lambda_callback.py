"""``LambdaCallback``: a callback made of plain functions, one per hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import _HOOKS, Callback


class LambdaCallback(Callback):
    """Build a callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Hooks take the same arguments as the methods of :class:`Callback`:
    ``on_epoch_begin/on_epoch_end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)``
    (``on_batch_begin/end`` also accepted), ``on_train_begin/on_train_end(logs)``, and so on.
    """

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 **kwargs: Callable) -> None:
        super().__init__()
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                 "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        unknown = sorted(set(given) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {unknown}; hooks are {sorted(_HOOKS)}")
        self.functions = {hook: fn for hook, fn in given.items() if fn is not None}
        # CallbackList only calls hooks a class overrides (so idle hooks cost nothing per batch):
        # give this instance a class of its own that overrides exactly the hooks given.
        methods = {hook: _forward(hook) for hook in self.functions}
        self.__class__ = type("LambdaCallback", (LambdaCallback,), methods)


def _forward(hook: str) -> Callable[..., Any]:
    def method(self: LambdaCallback, *args: Any) -> Any:
        return self.functions[hook](*args)

    method.__name__ = hook
    return method
