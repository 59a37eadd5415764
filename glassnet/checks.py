"""Checks of numeric arguments, shared by layers, optimizers and ``fit``/``evaluate``/``predict``.

One rule everywhere: a bad hyper-parameter is refused where it is given (the constructor or the
method call), by a message that names the owner (``Adam``, ``Dense 'hidden'``, ``fit()``), the
argument, what it accepts and what it got:

    Dropout 'dropout': rate must be a number in [0, 1), got 'half' (a str)

A value of the wrong type raises :class:`ArgumentTypeError`; a number out of range (NaN included)
raises ``ValueError``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type, such as a string where a number belongs.

    It is both a ``TypeError`` and a ``ValueError``: earlier versions raised ``ValueError`` for some
    of these (``Dense("10")``, ``fit(batch_size="32")``), and code catching that keeps working.
    """


def _real(value: Any) -> float | None:
    """``value`` as a float if it is a real number (Python, NumPy or a 0-d array), else None."""
    # bool is an int to Python, but Dropout(True) or momentum=False is a mistake, not a number.
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        return None
    if isinstance(value, np.ndarray) and (value.ndim != 0 or value.dtype.kind not in "iuf"):
        return None
    if not hasattr(value, "__float__"):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _got(value: Any) -> str:
    """How a rejected value is shown: its repr, its type when that is the problem, and a tip for
    numbers written as strings (``'0.2'``: the usual slip when values come from a config file)."""
    shown = f"{value!r}"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"{shown} (a str)"
        return f"{shown} (a str; pass the number {value.strip()}, not a string)"
    if _real(value) is None:
        return f"{shown} (a {type(value).__name__})"
    return shown


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def check_number(value: Any, name: str, owner: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, optional: bool = False,
                 expected: str | None = None) -> float | None:
    """Return ``value`` as a float after checking it is a finite real number in the given interval.

    Parameters
    ----------
    value : Any
        What the user passed.
    name : str
        The argument's name, as the user typed it (``"learning_rate"``).
    owner : str
        Who received it (``"Adam"``, ``"Dropout 'drop'"``, ``"fit()"``).
    low, high : float, optional
        Bounds of the accepted interval; closed unless ``low_open``/``high_open``.
    optional : bool
        Whether ``None`` is accepted (and returned).
    expected : str, optional
        What to say the argument must be, instead of the interval (``"in [0, 1) or None"``).

    Returns
    -------
    float or None

    Raises
    ------
    ArgumentTypeError
        ``value`` is not a real number.
    ValueError
        ``value`` is NaN, infinite or out of the interval.

    Examples
    --------
    >>> check_number(0.5, "rate", "Dropout 'drop'", low=0, high=1, high_open=True)
    0.5
    """
    if value is None and optional:
        return None
    interval = _interval(low, high, low_open, high_open)
    number = _real(value)
    if number is None:
        raise ArgumentTypeError(f"{owner}: {name} must be {expected or ('a number ' + interval).strip()}, "
                                f"got {_got(value)}")
    inside = math.isfinite(number) and not (
        low is not None and (number < low or (low_open and number == low))) and not (
        high is not None and (number > high or (high_open and number == high)))
    if not inside:
        raise ValueError(f"{owner}: {name} must be {expected or interval or 'a finite number'}, got {value!r}")
    return number


def check_integer(value: Any, name: str, owner: str, *, low: int = 1, high: int | None = None,
                  optional: bool = False, expected: str | None = None) -> int | None:
    """Return ``value`` as an int after checking it is a whole number (not a bool, not 2.0) >= ``low``.

    Parameters
    ----------
    value : Any
        What the user passed.
    name : str
        The argument's name.
    owner : str
        Who received it (``"Dense 'hidden'"``, ``"fit()"``).
    low, high : int
        Inclusive bounds (``high`` optional); ``low=1`` reads "a positive integer".
    optional : bool
        Whether ``None`` is accepted (and returned).
    expected : str, optional
        What to say the argument must be, instead of the generated phrase.

    Returns
    -------
    int or None

    Raises
    ------
    ArgumentTypeError
        ``value`` is not an integer (a float, a string, a bool...).
    ValueError
        ``value`` is out of range.

    Examples
    --------
    >>> check_integer(32, "batch_size", "fit()")
    32
    """
    if value is None and optional:
        return None
    if expected is None:
        if high is not None:
            expected = f"an integer in [{low}, {high}]"
        else:
            expected = {1: "a positive integer", 0: "a non-negative integer"}.get(low, f"an integer >= {low}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(f"{owner}: {name} must be {expected}, got {_got(value)}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return int(value)
