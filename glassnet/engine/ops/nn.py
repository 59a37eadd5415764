"""Neural-network primitives: the dense layer's affine map, activations, dropout and
the numerically stable, fused cross-entropies.

Reading guide (the back-propagation equations of the slides):

* ``dense``:      z = x W + b;     dC/dW = x^T delta,  dC/db = sum_batch delta,  dC/dx = delta W^T
* activations:   a = f(z);        delta_z = delta_a * f'(z)
* ``softmax``:    the full Jacobian product  dz = s * (g - sum(g * s)), not just its diagonal
* cross-entropy on logits:  dC/dz = softmax(z) - y  (per sample), the stable fused form;
  ``logits_of`` hands a softmax/sigmoid output's logits to the losses so they can use it
"""

from __future__ import annotations

import math as _pymath
from typing import Any

from ... import backend
from ...backend import rng, xp
from ..tensor import Tensor, as_tensor, record

_ONES_CACHE: dict[tuple[int, Any], Any] = backend.register_cache({})  # emptied by set_backend


def _ones(n: int, dtype: Any) -> Any:
    # A bias gradient is faster as ones @ delta (one GEMV) than as delta.sum(axis=0).
    key = (n, dtype)
    vec = _ONES_CACHE.get(key)
    if vec is None:
        if len(_ONES_CACHE) > 64:
            _ONES_CACHE.clear()
        vec = _ONES_CACHE[key] = xp.ones(n, dtype=dtype)
    return vec


# --- the affine map of a Dense layer ---------------------------------------------------------
def dense(x: Any, kernel: Tensor, bias: Tensor | None = None) -> Tensor:
    """z = x W + b over the last axis of ``x`` (any number of leading axes).

    Backward, with delta = dC/dz flattened to (rows, units):
    dC/dW = x^T delta,  dC/db = 1^T delta,  dC/dx = delta W^T.
    """
    x = as_tensor(x)
    z = x.data @ kernel.data
    if bias is not None:
        z += bias.data
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(delta: Any) -> tuple[Any, ...]:
        units = kernel.shape[-1]
        d2 = delta.reshape(-1, units)
        x2 = x.data.reshape(-1, x.shape[-1])
        dx = (delta @ kernel.data.T) if x.requires_grad else None
        dw = (x2.T @ d2) if kernel.requires_grad else None
        if bias is None:
            return dx, dw
        db = (_ones(d2.shape[0], d2.dtype) @ d2) if bias.requires_grad else None
        return dx, dw, db

    return record(z, parents, backward)


# --- activations -----------------------------------------------------------------------------
def linear(x: Any) -> Tensor:
    """f(z) = z."""
    return as_tensor(x)


def step(x: Any) -> Tensor:
    """Heaviside step, the perceptron's activation: f(z) = 1 if z >= 0 else 0.

    Its derivative is 0 almost everywhere, so gradient descent cannot train
    through it: use it with the perceptron learning rule, or use ``sigmoid``.
    """
    x = as_tensor(x)
    return record((x.data >= 0).astype(x.dtype), (x,), lambda g: (xp.zeros_like(g),))


def relu(x: Any) -> Tensor:
    """f(z) = max(z, 0);   f'(z) = 1 if z > 0 else 0."""
    x = as_tensor(x)
    # One pass forward; the backward rebuilds the mask from the output (out > 0 exactly where z > 0)
    # instead of keeping it: two passes fewer over a (batch, width) array than mask, product and +0.
    # maximum(z, 0) gives a plain 0.0 for negative z (z * 0 would store -0.0) and keeps NaN.
    out = xp.maximum(x.data, x.dtype.type(0))
    return record(out, (x,), lambda g: (g * (out > 0),))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """f(z) = z if z > 0 else a z;   f'(z) = 1 or a.   (Keras: 0.2 here, 0.3 in the layer.)"""
    x = as_tensor(x)
    slope = xp.where(x.data > 0, 1, negative_slope).astype(x.dtype)
    return record(x.data * slope, (x,), lambda g: (g * slope,))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """f(z) = z if z > 0 else alpha (e^z - 1);   f'(z) = 1 if z > 0 else f(z) + alpha."""
    x = as_tensor(x)
    positive = x.data > 0
    neg = alpha * xp.expm1(xp.minimum(x.data, 0))
    out = xp.where(positive, x.data, neg)
    slope = xp.where(positive, 1, neg + alpha).astype(x.dtype)
    return record(out, (x,), lambda g: (g * slope,))


SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def selu(x: Any) -> Tensor:
    """f(z) = scale * elu(z, alpha) with the self-normalising constants of Klambauer et al."""
    x = as_tensor(x)
    positive = x.data > 0
    neg = SELU_ALPHA * xp.expm1(xp.minimum(x.data, 0))
    out = SELU_SCALE * xp.where(positive, x.data, neg)
    slope = (SELU_SCALE * xp.where(positive, 1, neg + SELU_ALPHA)).astype(x.dtype)
    return record(out.astype(x.dtype), (x,), lambda g: (g * slope,))


def _sigmoid(z: Any) -> Any:
    # 1 / (1 + e^-z) written through tanh, which never overflows for large |z|.
    return 0.5 * (xp.tanh(0.5 * z) + 1)


def sigmoid(x: Any) -> Tensor:
    """f(z) = 1 / (1 + e^-z);   f'(z) = f(z) (1 - f(z))."""
    x = as_tensor(x)
    s = _sigmoid(x.data)
    out = record(s, (x,), lambda g: (g * s * (1 - s),))
    out.pre_activation = ("sigmoid", x)  # for logits_of: cross-entropy of this output uses x
    return out


def hard_sigmoid(x: Any) -> Tensor:
    """f(z) = relu6(z + 3) / 6 (Keras 3);   f'(z) = 1/6 inside (-3, 3), else 0."""
    x = as_tensor(x)
    inside = (x.data > -3) & (x.data < 3)
    out = xp.minimum(xp.maximum(x.data + 3, 0), 6) / 6
    return record(out.astype(x.dtype), (x,), lambda g: (g * inside / 6,))


def tanh(x: Any) -> Tensor:
    """f(z) = tanh z;   f'(z) = 1 - tanh^2 z."""
    x = as_tensor(x)
    t = xp.tanh(x.data)
    return record(t, (x,), lambda g: (g * (1 - t * t),))


def softplus(x: Any) -> Tensor:
    """f(z) = ln(1 + e^z), computed as max(z, 0) + ln(1 + e^-|z|) so it never overflows;
    f'(z) = sigmoid(z)."""
    x = as_tensor(x)
    out = xp.maximum(x.data, 0) + xp.log1p(xp.exp(-xp.abs(x.data)))
    return record(out, (x,), lambda g: (g * _sigmoid(x.data),))


def softsign(x: Any) -> Tensor:
    """f(z) = z / (1 + |z|);   f'(z) = 1 / (1 + |z|)^2."""
    x = as_tensor(x)
    denom = 1 + xp.abs(x.data)
    return record(x.data / denom, (x,), lambda g: (g / (denom * denom),))


def silu(x: Any) -> Tensor:
    """swish / SiLU: f(z) = z sigmoid(z);   f'(z) = s (1 + z (1 - s))."""
    x = as_tensor(x)
    s = _sigmoid(x.data)
    return record(x.data * s, (x,), lambda g: (g * s * (1 + x.data * (1 - s)),))


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """f(z) = z Phi(z) (Phi the normal CDF);   f'(z) = Phi(z) + z phi(z).

    ``approximate=True`` uses the tanh approximation
    0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).
    """
    x = as_tensor(x)
    z = x.data
    if approximate:
        c = _pymath.sqrt(2 / _pymath.pi)
        inner = c * (z + 0.044715 * z**3)
        t = xp.tanh(inner)
        out = 0.5 * z * (1 + t)
        slope = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)
    else:
        erf = backend.scipy_module("special").erf  # the Gauss error function; NumPy has none
        cdf = 0.5 * (1 + erf(z / _pymath.sqrt(2)))
        pdf = xp.exp(-0.5 * z * z) / _pymath.sqrt(2 * _pymath.pi)
        out = z * cdf
        slope = cdf + z * pdf
    slope = slope.astype(z.dtype)
    return record(out.astype(z.dtype), (x,), lambda g: (g * slope,))


def mish(x: Any) -> Tensor:
    """f(z) = z tanh(softplus(z));   f'(z) = tanh(sp) + z sigmoid(z) (1 - tanh^2(sp))."""
    x = as_tensor(x)
    z = x.data
    sp = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
    t = xp.tanh(sp)
    slope = t + z * _sigmoid(z) * (1 - t * t)
    return record(z * t, (x,), lambda g: (g * slope,))


def exponential(x: Any) -> Tensor:
    """f(z) = e^z;   f'(z) = e^z."""
    x = as_tensor(x)
    out = xp.exp(x.data)
    return record(out, (x,), lambda g: (g * out,))


def _row_max(z: Any, axis: int = -1) -> Any:
    """``z.max(axis=axis, keepdims=True)``, over the last axis as the value at ``argmax``.

    Same values, NaN included (argmax points at a row's first NaN), but NumPy's max over a short last
    axis costs ~6 us for a (128, 10) batch of logits and argmax + one gather ~2 us, twice a step.
    """
    if axis not in (-1, z.ndim - 1) or z.ndim == 0:
        return z.max(axis=axis, keepdims=True)
    flat = z.reshape(-1, z.shape[-1])
    return flat[xp.arange(flat.shape[0]), flat.argmax(axis=1)].reshape(z.shape[:-1] + (1,))


def _softmax_parts(z: Any, axis: int) -> tuple[Any, Any, Any]:
    """(z - max z, sum e^(z - max z), softmax(z)) over ``axis``: the cross-entropy reuses the first two."""
    # Subtracting the max changes nothing mathematically and keeps exp() from overflowing.
    shifted = z - _row_max(z, axis)
    e = xp.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    e /= total
    return shifted, total, e


def softmax(x: Any, axis: int = -1) -> Tensor:
    """s_i = e^{z_i} / sum_j e^{z_j}.

    Backward uses the whole Jacobian ds_i/dz_j = s_i (1[i=j] - s_j), which
    contracted with g gives  dz = s * (g - sum_j g_j s_j).
    """
    x = as_tensor(x)
    shifted, total, s = _softmax_parts(x.data, axis)

    def backward(g: Any) -> tuple[Any]:
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)

    out = record(s, (x,), backward)
    if axis in (-1, x.ndim - 1):  # the losses take the classes on the last axis
        # for logits_of: cross-entropy of this output uses x (and _softmax_parts_of: what was computed here)
        out.pre_activation = ("softmax", x, (shifted, total))
    return out


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """l_i = z_i - log sum_j e^{z_j};   dz = g - softmax(z) * sum(g)."""
    x = as_tensor(x)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g: Any) -> tuple[Any]:
        return (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)

    return record(out, (x,), backward)


# --- dropout ---------------------------------------------------------------------------------
def dropout(x: Any, rate: float, noise_shape: tuple[int, ...] | None = None, seed: Any = None) -> Tensor:
    """Inverted dropout: keep each unit with probability 1 - rate and scale it by 1/(1 - rate),
    so nothing needs rescaling at inference.  The backward applies the same mask.

    ``seed`` is ``None`` (glassnet's generator), an int or a ``numpy.random.Generator``.
    """
    x = as_tensor(x)
    if rate <= 0:
        return x
    if rate >= 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if seed is None:
        gen = rng()
    elif isinstance(seed, (int, xp.integer)):  # an integer seed (keras.random.dropout style): a fixed mask
        gen = backend.default_rng(int(seed))  # NumPy's on every backend: the same mask on CPU and GPU
    else:  # a Generator, e.g. a Dropout layer's private one
        gen = seed
    shape = noise_shape if noise_shape is not None else x.shape
    keep = backend.to_array(gen.random(shape, dtype=xp.float64 if x.dtype == xp.float64 else xp.float32) >= rate)
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - rate))
    return record(x.data * mask, (x,), lambda g: (_sum_to(g * mask, x.shape),))


def _sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    return grad if grad.shape == shape else grad.reshape(shape)


# --- fused, stable cross-entropies (per-sample losses; reduction happens in the loss) -------
def logits_of(probabilities: Any, activation: str) -> Tensor | None:
    """The logits z if ``probabilities`` is the output of ``activation(z)``, else ``None``.

    Parameters
    ----------
    probabilities : Tensor or array_like
        What a model predicted, e.g. the output of a ``Dense(10, activation="softmax")``.
    activation : {"softmax", "sigmoid"}
        The activation the caller's cross-entropy undoes.

    Returns
    -------
    Tensor or None
        The activation's input z, the very tensor the layer computed (so gradients
        flow back through it), or ``None`` when ``probabilities`` did not come
        straight from that activation.

    Notes
    -----
    Why the link exists: cross-entropy of probabilities, -sum y log p, needs p
    clipped to [eps, 1 - eps], since a saturated softmax gives p = 0 and log 0 =
    -inf; the clipping then makes the gradient zero exactly for the badly wrong
    predictions, and the chain through the softmax Jacobian loses digits.  From
    the logits the same loss (for one-hot y) is log sum_j e^{z_j} - sum_i y_i z_i,
    which never overflows, needs no clipping, and has the clean gradient
    dC/dz = softmax(z) - y.  So ``softmax`` and ``sigmoid`` record their input on
    their output (:attr:`Tensor.pre_activation`), and the cross-entropies ask
    here for it.  Keras' TensorFlow backend does the same (with its private
    ``_keras_logits`` attribute), so that ``Dense(C, activation="softmax")``
    with ``from_logits=False`` trains as stably as raw logits with
    ``from_logits=True``.  Any op applied after the activation (even ``p * 1``)
    returns a new tensor without the link, and the loss then falls back to the
    clipped formula, as in Keras.
    """
    link = getattr(probabilities, "pre_activation", None)
    return link[1] if link is not None and link[0] == activation else None


def _softmax_parts_of(probabilities: Any) -> tuple[Any, Any, Any] | None:
    """(z - max z, sum e^(z - max z), softmax(z)) as :func:`softmax` computed them for ``probabilities``,
    or None: :func:`sparse_softmax_cross_entropy` then need not compute them again from the logits."""
    link = getattr(probabilities, "pre_activation", None)
    if link is None or link[0] != "softmax" or len(link) < 3:
        return None
    shifted, total = link[2]
    return shifted, total, probabilities.data


def softmax_cross_entropy(logits: Any, target: Any, axis: int = -1) -> Tensor:
    """Per-sample  -sum_i y_i log softmax(z)_i  from logits, with one-hot/probability targets.

    Backward: dC/dz = g * (softmax(z) * sum(y) - y)  ( = softmax(z) - y for one-hot y).
    """
    logits, target = as_tensor(logits), as_tensor(target)
    z = logits.data
    shifted = z - z.max(axis=axis, keepdims=True)
    log_sum = xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    log_p = shifted - log_sum
    y = target.data
    loss = -(y * log_p).sum(axis=axis)

    def backward(g: Any) -> tuple[Any, Any]:
        g = xp.expand_dims(g, axis)
        dz = g * (xp.exp(log_p) * y.sum(axis=axis, keepdims=True) - y) if logits.requires_grad else None
        dy = -g * log_p if target.requires_grad else None
        return dz, dy

    return record(loss, (logits, target), backward)


def sparse_softmax_cross_entropy(logits: Any, labels: Any, probabilities: Any = None) -> Tensor:
    """Per-sample  -log softmax(z)[label] = log sum_j e^(z_j - m) - (z_label - m)  with integer labels (last
    axis = classes, m = max z, so that no exponential overflows).

    Backward: dC/dz = g * (softmax(z) - onehot(label)), without building the one-hot matrix.
    ``probabilities``: the output of :func:`softmax` on these logits, if any: the shifted logits and
    the sum of exponentials it computed are used again.
    """
    logits = as_tensor(logits)
    z = logits.data
    classes = z.shape[-1]
    idx = xp.asarray(labels.data if isinstance(labels, Tensor) else labels).reshape(-1).astype(xp.intp)
    flat = z.reshape(-1, classes)
    if idx.shape[0] != flat.shape[0]:
        raise ValueError(
            f"sparse cross-entropy: {idx.shape[0]} labels for {flat.shape[0]} predictions "
            f"(labels shape {xp.shape(labels)}, logits shape {z.shape})"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= classes):
        raise ValueError(
            f"sparse cross-entropy: labels must be integers in [0, {classes - 1}] for {classes} "
            f"classes; got values from {int(idx.min())} to {int(idx.max())}"
        )
    parts = None if probabilities is None else _softmax_parts_of(probabilities)
    if parts is not None:
        shifted, total, s = (part.reshape(-1, part.shape[-1]) for part in parts)
    else:
        shifted = flat - _row_max(flat)
        e = xp.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        s = None
    rows = xp.arange(flat.shape[0])
    loss = (xp.log(total[:, 0]) - shifted[rows, idx]).reshape(z.shape[:-1])

    def backward(g: Any) -> tuple[Any]:
        p = s.copy() if s is not None else e / total   # softmax(z)
        p[rows, idx] -= 1
        p *= g.reshape(-1, 1)
        return (p.reshape(z.shape),)

    return record(loss, (logits,), backward)


def sigmoid_cross_entropy(logits: Any, target: Any) -> Tensor:
    """Element-wise  -[y log s(z) + (1-y) log(1 - s(z))]  from logits, written as
    max(z, 0) - z y + log(1 + e^{-|z|}) so it never overflows.   dC/dz = s(z) - y."""
    logits, target = as_tensor(logits), as_tensor(target)
    z, y = logits.data, target.data
    loss = xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(g: Any) -> tuple[Any, Any]:
        dz = g * (_sigmoid(z) - y) if logits.requires_grad else None
        dy = -g * z if target.requires_grad else None
        return dz, dy

    return record(loss.astype(z.dtype), (logits, target), backward)
