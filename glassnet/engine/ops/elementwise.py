"""More element-wise functions (``keras.ops``' trigonometry, logs, ``erf``...): forward beside derivative.

Each unary op is one line of the table below: the forward ``f(x)`` and its slope ``f'(x)``, written in
terms of the input ``x`` and the output ``y`` (``tan' = 1 + y^2`` reuses the forward's work).  The
backward is always ``g * slope``.  Constants are Python floats so float32 inputs stay float32.
"""

from __future__ import annotations

import math as _pymath
from collections.abc import Callable
from typing import Any

from ... import backend
from ...backend import xp
from ..tensor import Tensor, as_tensor, record
from .math import _pair, _unbroadcast

_LN2 = _pymath.log(2.0)
_LN10 = _pymath.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / _pymath.sqrt(_pymath.pi)


def _special() -> Any:
    """scipy.special (erf, erfc, erfinv, i0, i1: NumPy has none), or cupyx.scipy.special on CuPy."""
    return backend.scipy_module("special")


def _unary(name: str, forward: Callable[[Any], Any], slope: Callable[[Any, Any], Any], doc: str) -> Callable[[Any], Tensor]:
    def op(x: Any) -> Tensor:
        x = as_tensor(x)
        y = forward(x.data)
        return record(y, (x,), lambda g: (g * slope(x.data, y),))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


# name, forward, slope(x, y), docstring
tan = _unary("tan", xp.tan, lambda x, y: 1 + y * y, "z = tan(x);   dz/dx = 1 + tan(x)^2.")
sinh = _unary("sinh", xp.sinh, lambda x, y: xp.cosh(x), "z = sinh(x);   dz/dx = cosh(x).")
cosh = _unary("cosh", xp.cosh, lambda x, y: xp.sinh(x), "z = cosh(x);   dz/dx = sinh(x).")
arcsin = _unary("arcsin", xp.arcsin, lambda x, y: 1 / xp.sqrt(1 - x * x), "z = asin(x);   dz/dx = 1/sqrt(1 - x^2).")
arccos = _unary("arccos", xp.arccos, lambda x, y: -1 / xp.sqrt(1 - x * x), "z = acos(x);   dz/dx = -1/sqrt(1 - x^2).")
arctan = _unary("arctan", xp.arctan, lambda x, y: 1 / (1 + x * x), "z = atan(x);   dz/dx = 1/(1 + x^2).")
arcsinh = _unary("arcsinh", xp.arcsinh, lambda x, y: 1 / xp.sqrt(x * x + 1), "z = asinh(x);   dz/dx = 1/sqrt(x^2 + 1).")
arccosh = _unary("arccosh", xp.arccosh, lambda x, y: 1 / xp.sqrt(x * x - 1), "z = acosh(x);   dz/dx = 1/sqrt(x^2 - 1).")
arctanh = _unary("arctanh", xp.arctanh, lambda x, y: 1 / (1 - x * x), "z = atanh(x);   dz/dx = 1/(1 - x^2).")
expm1 = _unary("expm1", xp.expm1, lambda x, y: y + 1, "z = e^x - 1 (exact for small x);   dz/dx = e^x.")
exp2 = _unary("exp2", xp.exp2, lambda x, y: y * _LN2, "z = 2^x;   dz/dx = 2^x ln 2.")
log2 = _unary("log2", xp.log2, lambda x, y: 1 / (x * _LN2), "z = log2(x);   dz/dx = 1/(x ln 2).")
log10 = _unary("log10", xp.log10, lambda x, y: 1 / (x * _LN10), "z = log10(x);   dz/dx = 1/(x ln 10).")
cbrt = _unary("cbrt", xp.cbrt, lambda x, y: 1 / (3 * y * y), "z = x^(1/3) (negative x too);   dz/dx = 1/(3 z^2).")
reciprocal = _unary("reciprocal", lambda x: 1 / x, lambda x, y: -y * y, "z = 1/x;   dz/dx = -1/x^2.")
rsqrt = _unary("rsqrt", lambda x: 1 / xp.sqrt(x), lambda x, y: -0.5 * y * y * y, "z = 1/sqrt(x);   dz/dx = -z^3/2.")
erf = _unary("erf", lambda x: _special().erf(x), lambda x, y: _TWO_OVER_SQRT_PI * xp.exp(-x * x),
             "Gauss error function z = erf(x);   dz/dx = 2/sqrt(pi) e^(-x^2).")
erfc = _unary("erfc", lambda x: _special().erfc(x), lambda x, y: -_TWO_OVER_SQRT_PI * xp.exp(-x * x),
              "z = 1 - erf(x), accurate where erf(x) is near 1;   dz/dx = -2/sqrt(pi) e^(-x^2).")
erfinv = _unary("erfinv", lambda x: _special().erfinv(x), lambda x, y: (1 / _TWO_OVER_SQRT_PI) * xp.exp(y * y),
                "z = erf^-1(x) for x in (-1, 1);   dz/dx = sqrt(pi)/2 e^(z^2).")
# scipy's Bessel functions have float64 loops only: cast back so float32 stays float32.
i0 = _unary("i0", lambda x: _special().i0(x).astype(x.dtype), lambda x, y: _special().i1(x).astype(x.dtype),
            "Modified Bessel function of the first kind, order 0;   dz/dx = I1(x).")
log_sigmoid = _unary("log_sigmoid", lambda x: -(xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))),
                     lambda x, y: 1 - xp.exp(y),
                     "z = log(sigmoid(x)) = -softplus(-x), without overflow;   dz/dx = 1 - sigmoid(x).")


def arctan2(x1: Any, x2: Any) -> Tensor:
    """z = atan2(x1, x2), the angle of the point (x2, x1);   dz/dx1 = x2/r^2,  dz/dx2 = -x1/r^2."""
    a, b = _pair(x1, x2)
    r2 = a.data * a.data + b.data * b.data

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g * b.data / r2, a.shape), _unbroadcast(-g * a.data / r2, b.shape)

    return record(xp.arctan2(a.data, b.data), (a, b), backward)


def hypot(x1: Any, x2: Any) -> Tensor:
    """z = sqrt(x1^2 + x2^2) without overflow;   dz/dx1 = x1/z,  dz/dx2 = x2/z."""
    a, b = _pair(x1, x2)
    out = xp.hypot(a.data, b.data)

    def backward(g: Any) -> tuple[Any, Any]:
        return _unbroadcast(g * a.data / out, a.shape), _unbroadcast(g * b.data / out, b.shape)

    return record(out, (a, b), backward)


def logaddexp(x1: Any, x2: Any) -> Tensor:
    """z = log(e^x1 + e^x2) without overflow;   dz/dx1 = e^(x1 - z),  dz/dx2 = e^(x2 - z)."""
    a, b = _pair(x1, x2)
    out = xp.logaddexp(a.data, b.data)

    def backward(g: Any) -> tuple[Any, Any]:
        return (_unbroadcast(g * xp.exp(a.data - out), a.shape),
                _unbroadcast(g * xp.exp(b.data - out), b.shape))

    return record(out, (a, b), backward)
