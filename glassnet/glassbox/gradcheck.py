"""``glassnet.gradcheck``: are a model's (or a layer's) gradients right?  Ask finite differences.

For every trainable weight W (and, on request, the input x) the analytic gradient that
back-propagation gives is compared with the central difference

    dC/dW_i  ~  (C(W + eps e_i) - C(W - eps e_i)) / (2 eps)

in float64, element by element, by :func:`glassnet.engine.gradcheck.check_gradients`.  C is the
model's compiled training loss (penalties included), or, for a single layer, a fixed random
projection sum(out * r) of its output: a plain sum could hide a wrong backward.

The user's model is not changed: its variables are swapped for float64 copies while the check runs
and the original arrays are put back afterwards (so an optimizer's packed buffers stay valid), and
glassnet's random generator is reset before every evaluation (the same dropout mask each time) and
restored at the end.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .. import backend
from ..checks import check_number
from ..engine.gradcheck import GradientCheckError, check_gradients
from ..layers.base import Layer
from ..models import Model
from . import inputs
from .render import table


@dataclass
class GradcheckEntry:
    """The check of one weight (or input): its largest relative error and whether it passed."""

    name: str
    shape: tuple[int, ...]
    max_relative_error: float
    passed: bool


@dataclass
class GradcheckResult:
    """What :func:`gradcheck` found; true when every gradient agrees with finite differences.

    Attributes
    ----------
    target : str
        ``model 'name'`` or ``layer 'name'``.
    quantity : str
        What was differentiated: the compiled loss, or a random projection of the layer's output.
    entries : list of GradcheckEntry
        One per weight (by path), then one per input checked (``x``).
    rtol, eps : float
        The tolerance and the finite-difference step used.
    """

    target: str
    quantity: str
    entries: list[GradcheckEntry]
    rtol: float
    eps: float

    @property
    def passed(self) -> bool:
        """Whether every gradient agrees within ``rtol``."""
        return all(e.passed for e in self.entries)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def max_relative_error(self) -> float:
        """The largest relative error over all entries (0 is perfect)."""
        return max((e.max_relative_error for e in self.entries), default=0.0)

    def raise_if_failed(self) -> None:
        """Raise :class:`~glassnet.engine.gradcheck.GradientCheckError` with the table if a check failed."""
        if not self.passed:
            raise GradientCheckError(str(self))

    def to_dict(self) -> dict[str, Any]:
        """The result as plain dicts, lists and numbers."""
        return {**asdict(self), "passed": self.passed}

    def _verdict(self) -> str:
        failed = [e.name for e in self.entries if not e.passed]
        if not failed:
            return f"passed: all {len(self.entries)} gradients agree with finite differences within rtol {self.rtol:g}"
        return (f"FAILED: {', '.join(failed)} disagree{'s' if len(failed) == 1 else ''} with finite differences "
                f"(rtol {self.rtol:g}); the backward of the op computing {'it' if len(failed) == 1 else 'them'} is wrong")

    def __str__(self) -> str:
        rows = [[[e.name], [str(e.shape)], [f"{e.max_relative_error:.3g}"], ["ok" if e.passed else "FAIL"]]
                for e in self.entries]
        return "\n".join([
            f"Gradient check of {self.target}: {self.quantity}, against central differences in float64 "
            f"(eps={self.eps:g})",
            table(["gradient of", "shape", "max relative error", "result"], rows),
            "  " + self._verdict(),
        ])

    def __repr__(self) -> str:
        return f"<GradcheckResult {self.target}: {'passed' if self.passed else 'FAILED'}, {len(self.entries)} checks>"

    def _repr_html_(self) -> str:
        cell = "<td style='text-align:left'>{}</td>"
        rows = "".join(
            "<tr>" + "".join(cell.format(v) for v in (
                f"<code>{_html.escape(e.name)}</code>", e.shape, f"{e.max_relative_error:.3g}",
                "ok" if e.passed else "<b style='color:#c00'>FAIL</b>")) + "</tr>" for e in self.entries)
        head = "<tr>" + "".join(f"<th>{h}</th>" for h in ("gradient of", "shape", "max relative error", "result")) + "</tr>"
        return (f"<div class='glassnet-gradcheck'><p>Gradient check of {_html.escape(self.target)}: "
                f"{_html.escape(self.quantity)} (float64, eps={self.eps:g})</p><table>{head}{rows}</table>"
                f"<p>{_html.escape(self._verdict())}</p></div>")


def gradcheck(model_or_layer: Any, x: Any, y: Any = None, *, wrt_input: bool = False, training: bool = True,
              eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7,
              raise_on_failure: bool = False) -> GradcheckResult:
    """Compare analytic gradients with central finite differences in float64, weight by weight.

    Parameters
    ----------
    model_or_layer : Model or Layer
        A compiled model (its training loss is differentiated) or a single layer (a fixed random
        projection of its output is).  An unbuilt one is built on ``x`` first.
    x : array or list of arrays
        A few samples with the batch axis; keep them few, since every weight entry costs two
        forward passes.
    y : array or list of arrays, optional
        Labels for the compiled loss (a model only).
    wrt_input : bool
        Check dC/dx too.
    training : bool
        Run the layers in training mode (batch statistics; dropout with one fixed mask).
    eps : float
        Half-width of the central difference.
    rtol, atol : float
        An entry passes when ``|analytic - numeric| <= max(rtol * max(|analytic|, |numeric|), atol)``.
    raise_on_failure : bool
        Raise :class:`~glassnet.engine.gradcheck.GradientCheckError` with the table instead of
        returning a failed result.

    Returns
    -------
    GradcheckResult
        ``print(result)`` for the table; ``bool(result)`` / ``result.passed`` for the verdict.

    Examples
    --------
    >>> import numpy as np, glassnet as keras
    >>> layer = keras.layers.Dense(3, activation="tanh")
    >>> bool(keras.gradcheck(layer, np.ones((2, 4))))
    True
    """
    who = "gradcheck()"
    if not isinstance(model_or_layer, Layer):
        raise TypeError(f"{who}: model_or_layer must be a glassnet Model or Layer, got {type(model_or_layer).__name__}")
    eps = float(check_number(eps, "eps", who, low=0, low_open=True))
    rtol = float(check_number(rtol, "rtol", who, low=0, low_open=True))
    atol = float(check_number(atol, "atol", who, low=0))
    if isinstance(model_or_layer, Model):
        target, quantity, forward, xs = _model_check(model_or_layer, x, y, training, who)
    else:
        target, quantity, forward, xs = _layer_check(model_or_layer, x, y, training, who)
    weights = model_or_layer.trainable_weights
    floats = [i for i, a in enumerate(xs) if a.dtype.kind == "f"]  # integer inputs (indices) have no gradient
    if not weights and not (wrt_input and floats):
        raise ValueError(f"{who}: {target} has no trainable weights to check; pass wrt_input=True to check dC/dx")
    x_names = ["x" if len(xs) == 1 else f"x[{i}]" for i in floats]
    with _float64(model_or_layer._all_variables()):
        rng_state = backend.rng().bit_generator.state
        constants = [np.asarray(a, dtype=np.float64) if a.dtype.kind == "f" else a for a in xs]

        def fn(*tensors: Any) -> Any:
            backend.rng().bit_generator.state = rng_state  # every evaluation draws the same dropout mask
            given = list(constants)
            for i, t in zip(floats, tensors[len(weights):]):
                given[i] = t
            return forward(given)

        try:
            wrt = list(range(len(weights) + (len(floats) if wrt_input else 0)))
            errors = check_gradients(fn, [*weights, *(constants[i] for i in floats)], eps=eps, rtol=rtol, atol=atol,
                                     wrt=wrt, raise_on_failure=False)
        finally:
            backend.rng().bit_generator.state = rng_state
    names = [w.path for w in weights] + x_names
    shapes = [tuple(w.shape) for w in weights] + [tuple(xs[i].shape) for i in floats]
    entries = [GradcheckEntry(n, s, float(e), bool(np.isfinite(e) and e <= rtol))
               for n, s, e in zip(names, shapes, errors)]
    result = GradcheckResult(target, quantity, entries, rtol, eps)
    if raise_on_failure:
        result.raise_if_failed()
    return result


def _model_check(model: Any, x: Any, y: Any, training: bool, who: str) -> tuple[str, str, Any, list[np.ndarray]]:
    inputs.check_model(model, who, needs_optimizer=False)
    xs, ys = inputs.model_batch(model, x, y, who)
    labels = None if ys is None else [a.astype(np.float64) if a.dtype.kind == "f" else a for a in ys]

    def forward(given: list[Any]) -> Any:
        preds = model._forward_list(given, training=training)
        return inputs.training_loss(model, labels, preds, who)

    loss = ", ".join(getattr(f, "name", "?") for f in model.compiled_loss if f is not None) or "add_loss"
    return f"model '{model.name}'", f"the training loss ({loss})", forward, xs


def _layer_check(layer: Any, x: Any, y: Any, training: bool, who: str) -> tuple[str, str, Any, list[np.ndarray]]:
    if y is not None:
        raise ValueError(f"{who}: y is only used with a compiled model; layer '{layer.name}' is checked through a "
                         "fixed random projection of its output, so pass y=None")
    single = not isinstance(x, (list, tuple))
    xs = []
    for i, value in enumerate([x] if single else list(x)):
        name = "x" if single else f"x[{i}]"
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{who}: {name} must be a numeric array, got {type(value).__name__}") from err
        if arr.dtype.kind not in "biuf" or arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"{who}: {name} must be a non-empty numeric array with a batch axis, got "
                             f"dtype {arr.dtype} and shape {arr.shape}")
        xs.append(arr)
    if not layer.built:
        layer(xs[0] if single else xs, training=False)  # create the weights, as a first call does

    def forward(given: list[Any]) -> Any:
        return layer(given[0] if single else given, training=training)

    return f"layer '{layer.name}'", "a fixed random projection sum(output * r) of its output", forward, xs


@contextmanager
def _float64(variables: list[Any]) -> Iterator[None]:
    """Compute in float64 on copies of ``variables``; the original arrays (and floatx) come back after."""
    saved_floatx = backend.floatx()
    saved = [(v, v.data) for v in variables if v.dtype.kind == "f"]  # integer state (counters) stays as it is
    try:
        backend.set_floatx("float64")
        for v, _ in saved:
            v.data = np.array(v.data, dtype=np.float64, copy=True)  # contiguous: the check perturbs it in place
        yield
    finally:
        for v, array in saved:
            v.data = array
        backend.set_floatx(saved_floatx)


__all__ = ["GradcheckEntry", "GradcheckResult", "gradcheck"]
