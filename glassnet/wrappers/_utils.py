"""Helpers of the scikit-learn wrappers: parameter routing, seeding and model bytes for pickling."""

from __future__ import annotations

import contextlib
import inspect
import os
import random
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import backend

#: Prefixes that route a parameter to one destination, as scikeras does (``model__units=32``).
ROUTES = ("model", "fit", "predict", "compile", "optimizer", "loss", "callbacks")


def route(params: dict[str, Any], destination: str) -> dict[str, Any]:
    """The parameters addressed to ``destination`` (``optimizer__learning_rate`` -> ``learning_rate``)."""
    prefix = destination + "__"
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def is_routed(name: str) -> bool:
    """Whether ``name`` has the form ``<route>__<parameter>``."""
    head, sep, tail = name.partition("__")
    return bool(sep and tail) and head in ROUTES


def accepted(fn: Any, candidates: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``candidates`` that ``fn``'s signature names.

    A ``**kwargs`` catch-all does not count: it would receive every wrapper parameter.
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    named = {k for k, p in signature.parameters.items() if p.kind is not p.VAR_KEYWORD}
    return {k: v for k, v in candidates.items() if k in named}


def seed_from(random_state: Any) -> int | None:
    """An int seed from scikit-learn's ``random_state`` (None, an int or a ``RandomState``)."""
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy RandomState, got {random_state!r}")


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Run with glassnet's random state set to ``seed``, then put every generator back as it was.

    Restoring keeps a seeded estimator from changing the random stream of the code around it.
    """
    if seed is None:
        yield
        return
    saved = (backend._RNG, np.random.get_state(), random.getstate())
    backend.set_random_seed(seed)
    try:
        yield
    finally:
        backend._RNG = saved[0]
        np.random.set_state(saved[1])
        random.setstate(saved[2])


def model_to_bytes(model: Any) -> bytes:
    """The model as ``.keras`` bytes: glassnet models refuse pickle, which can run code when loaded."""
    from ..saving import save_model

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        save_model(model, path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data: bytes) -> Any:
    """The model that :func:`model_to_bytes` wrote."""
    from ..saving import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)
