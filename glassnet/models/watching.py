"""What ``fit`` adds to watch training: the training doctor, and putting the model back on an error.

``fit(verbose>=1)`` appends a :class:`~glassnet.callbacks.TrainingDoctor` to the user's callbacks
(unless ``doctor=False`` or the user passed one), gives it the first batch to look at, and lets it
read an :class:`~glassnet.callbacks.Inspector` the user passed instead of running a second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..callbacks import CallbackList, Inspector, TrainingDoctor


def with_doctor(callbacks: list[Any] | None, verbose: int, doctor: Any, xs: list[Any], ys: list[Any] | None
                ) -> list[Any]:
    """The user's callbacks, with a training doctor after them when ``fit`` prints and ``doctor`` is on.

    Raises
    ------
    TypeError
        ``doctor`` is not True or False.
    """
    if not isinstance(doctor, (bool, np.bool_)):
        raise TypeError(f"fit(): doctor must be True (diagnose the run when verbose >= 1) or False, got {doctor!r}")
    out = list(callbacks or [])
    given = [cb for cb in out if isinstance(cb, TrainingDoctor)]
    if not given and doctor and verbose:
        inspector = next((cb for cb in out if isinstance(cb, Inspector)), None)
        given = [TrainingDoctor(inspector=inspector)]
        out += given
    for cb in given:
        if cb._first_x is None:
            cb.set_first_batch(xs, ys)
    return out


@contextmanager
def restored_on_error(cbs: CallbackList) -> Iterator[None]:
    """Put the model's layers back (the inspectors' wrapped ``call``s) if training stops on an error."""
    try:
        yield
    except BaseException:
        for cb in cbs.callbacks:
            if isinstance(cb, (Inspector, TrainingDoctor)):
                cb.restore()
        raise
