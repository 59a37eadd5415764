"""Batch and layer normalisation, forward and backward (``layer_norm`` at the end).

Batch normalisation:

Per feature (channel) along ``axis``, with the statistics taken over every other axis
(N values each; delta = dC/dy):

* forward:   mu = mean(x),  var = mean((x - mu)^2)  (biased, as Keras),
             x_hat = (x - mu) / sqrt(var + eps),   y = gamma x_hat + beta;
* backward (training, mu and var depend on x):
             dbeta = sum delta,   dgamma = sum delta x_hat,
             dx = gamma / sqrt(var + eps) * (delta - dbeta / N - x_hat dgamma / N),
  the fused form of the chain rule through mu and var (one pass, no N x N Jacobian);
* inference (mu and var given, constants):  dx = gamma / sqrt(var + eps) * delta.
"""

from __future__ import annotations

from typing import Any

from ...backend import xp
from ..tensor import Tensor, as_tensor, record


def batch_norm(x: Any, gamma: Tensor | None, beta: Tensor | None, axis: int = -1, epsilon: float = 1e-3,
               mean: Any = None, variance: Any = None) -> tuple[Tensor, Any, Any]:
    """y = gamma (x - mu) / sqrt(var + eps) + beta, per feature along ``axis``.

    With ``mean``/``variance`` given (inference) they are constants; otherwise (training) the
    batch moments over every other axis are used (biased variance, as Keras) and returned, so the
    layer can update its moving averages.

    Parameters
    ----------
    x : Tensor
    gamma, beta : Tensor of shape (features,), optional
        Scale and shift; ``None`` leaves them out (Keras' ``scale=False`` / ``center=False``).
    axis : int
        The feature axis.
    epsilon : float
    mean, variance : array_like of shape (features,), optional
        Inference statistics (the moving averages).

    Returns
    -------
    (y, mean, variance) : the output tensor and the statistics used, as arrays.
    """
    x = as_tensor(x)
    axis = axis % x.ndim
    red = tuple(i for i in range(x.ndim) if i != axis)
    bshape = tuple(x.shape[axis] if i == axis else 1 for i in range(x.ndim))
    training = mean is None
    if training:
        mu = x.data.mean(axis=red, dtype=x.dtype)
        centred = x.data - mu.reshape(bshape)
        var = (centred * centred).mean(axis=red, dtype=x.dtype)
    else:
        mu = xp.asarray(mean, dtype=x.dtype)
        var = xp.asarray(variance, dtype=x.dtype)
        centred = x.data - mu.reshape(bshape)
    inv_std = (1.0 / xp.sqrt(var + x.dtype.type(epsilon))).astype(x.dtype)
    x_hat = centred * inv_std.reshape(bshape)
    g_arr = gamma.data.reshape(bshape) if gamma is not None else None
    y = x_hat * g_arr if g_arr is not None else x_hat.copy()
    if beta is not None:
        y += beta.data.reshape(bshape)
    count = x.data.size // x.shape[axis]
    parents = tuple(t for t in (x, gamma, beta) if t is not None)

    def backward(delta: Any) -> tuple[Any, ...]:
        d_beta = delta.sum(axis=red)
        d_gamma = (delta * x_hat).sum(axis=red)
        scale = inv_std if g_arr is None else inv_std * gamma.data
        if training:
            dx = (delta - (d_beta / count).reshape(bshape) - x_hat * (d_gamma / count).reshape(bshape))
            dx *= scale.reshape(bshape)
        else:
            dx = delta * scale.reshape(bshape)
        grads: list[Any] = [dx]
        if gamma is not None:
            grads.append(d_gamma)
        if beta is not None:
            grads.append(d_beta)
        return tuple(grads)

    return record(y, parents, backward), mu, var


def layer_norm(x: Any, gamma: Tensor | None, beta: Tensor | None, axis: Any = -1, epsilon: float = 1e-3) -> Tensor:
    """Layer normalisation: each sample standardised over ``axis`` (its own N features), then scaled and shifted.

    forward:   mu = mean(x), var = mean((x - mu)^2) over ``axis``, per sample and position,
               x_hat = (x - mu) / sqrt(var + eps),   y = gamma x_hat + beta  (gamma, beta shaped as ``axis``);
    backward:  g = delta * gamma,   dgamma = sum delta x_hat,   dbeta = sum delta  (over the other axes),
               dx = (1/N) inv_std (N g - sum(g) - x_hat sum(g x_hat))   (sums over ``axis``).

    ``axis`` is an int or a tuple of ints; ``gamma``/``beta`` (either may be ``None``) have the sizes of
    those axes, in order.
    """
    x = as_tensor(x)
    axes = tuple(sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)))
    red = tuple(i for i in range(x.ndim) if i not in axes)  # where dgamma and dbeta sum
    pshape = tuple(x.shape[i] if i in axes else 1 for i in range(x.ndim))
    count = 1
    for i in axes:
        count *= x.shape[i]
    mu = x.data.mean(axis=axes, keepdims=True, dtype=x.dtype)
    centred = x.data - mu
    var = (centred * centred).mean(axis=axes, keepdims=True, dtype=x.dtype)
    inv_std = (1.0 / xp.sqrt(var + x.dtype.type(epsilon))).astype(x.dtype)
    x_hat = centred * inv_std
    g_arr = gamma.data.reshape(pshape) if gamma is not None else None
    y = x_hat * g_arr if g_arr is not None else x_hat.copy()
    if beta is not None:
        y += beta.data.reshape(pshape)
    parents = tuple(t for t in (x, gamma, beta) if t is not None)

    def backward(delta: Any) -> tuple[Any, ...]:
        g = delta * g_arr if g_arr is not None else delta
        dx = (count * g - g.sum(axis=axes, keepdims=True)
              - x_hat * (g * x_hat).sum(axis=axes, keepdims=True)) * (inv_std / count)
        grads: list[Any] = [dx]
        if gamma is not None:
            grads.append((delta * x_hat).sum(axis=red).reshape(gamma.shape))
        if beta is not None:
            grads.append(delta.sum(axis=red).reshape(beta.shape))
        return tuple(grads)

    return record(y, parents, backward)
