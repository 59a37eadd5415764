"""The arguments ``fit``, ``evaluate`` and ``predict`` share, checked where they are given.

A wrong type or value is refused before any data is read, with a message naming the call
(``fit()``), the argument and what was given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import ArgumentTypeError, check_integer


def check_batch_size(batch_size: Any, who: str) -> int:
    """A positive integer; None means Keras' default of 32."""
    return 32 if batch_size is None else int(check_integer(batch_size, "batch_size", who))


def check_verbose(verbose: Any, who: str) -> int:
    """Keras' ``verbose``: "auto" (1), 0, 1 or 2; booleans too (verbose=False is common)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    return int(check_integer(verbose, "verbose", who, low=0,
                             expected="0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto'"))


def check_loop_arguments(batch_size: Any, verbose: Any, steps: Any, who: str) -> tuple[int, int, int | None]:
    """``batch_size``, ``verbose`` and ``steps`` of ``evaluate``/``predict``, checked."""
    return (check_batch_size(batch_size, who), check_verbose(verbose, who),
            check_integer(steps, "steps", who, optional=True))


def check_shuffle(shuffle: Any, who: str) -> bool:
    """True or False (``"batch"`` and 0/1 accepted, as Keras 2 did)."""
    # "batch" is Keras 2's shuffle-in-batch-sized chunks; shuffling every sample is at least as random.
    if isinstance(shuffle, (bool, np.bool_)) or shuffle in (0, 1) or shuffle == "batch":
        return bool(shuffle)
    raise ArgumentTypeError(f"{who}: shuffle must be True or False, got {shuffle!r} (a {type(shuffle).__name__})")
