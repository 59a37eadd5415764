"""Gradient descent, momentum and Adam walking down small functions, one panel per learning rate.

The glass box: each path is glassnet itself at work, a ``Variable`` holding the point, a
``GradientTape`` giving the gradient, and ``glassnet.optimizers.SGD`` / ``SGD(momentum=0.9)`` /
``Adam`` taking the step, exactly as in training.  The stopping rule is the course's: stop when
the gradient norm drops below ``epsilon`` (converged), or after ``max_steps`` steps (not
converged); a path whose point leaves every bound or overflows has diverged.

The learning rate decides everything: on f(x) = x^2 plain gradient descent computes
x <- x - lr * 2x = (1 - 2 lr) x, so lr = 0.1 shrinks x by 0.8 each step, lr = 1 flips its sign
forever (x <- -x), and lr > 1 makes it grow.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..engine.tensor import GradientTape, Variable
from ..optimizers import SGD, Adam, Optimizer, RMSprop
from ._figure import new_figure, save_figure


@dataclass(frozen=True)
class Objective:
    """A function to descend, with where to start and what to draw.

    ``fn(p)`` reads the coordinates as ``p[0]`` (and ``p[1]``), so the same code runs on a
    glassnet ``Variable`` (for the gradient) and on NumPy grids of shape (d, ...) (for the picture).
    """

    name: str
    formula: str
    fn: Callable[[Any], Any]
    start: tuple[float, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float] | None = None
    minima: tuple[tuple[float, ...], ...] = ()


FUNCTIONS: dict[str, Objective] = {f.name: f for f in (
    Objective("quadratic", "f(x) = x^2", lambda p: p[0] ** 2, (2.0,), (-2.5, 2.5), minima=((0.0,),)),
    Objective("quartic", "f(x) = x^4 - 3x^2 + x (two valleys)", lambda p: p[0] ** 4 - 3 * p[0] ** 2 + p[0],
                 (2.0,), (-2.5, 2.5), minima=((-1.3008,), (1.1309,))),
    Objective("valley", "f(x, y) = x^2 / 2 + 5 y^2 (an elongated bowl)",
                 lambda p: 0.5 * p[0] ** 2 + 5 * p[1] ** 2, (-4.0, 1.5), (-5.0, 5.0), (-2.0, 2.0), ((0.0, 0.0),)),
    Objective("rosenbrock", "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2",
                 lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2, (-1.5, 2.0), (-2.0, 2.0), (-1.0, 3.0),
                 ((1.0, 1.0),)),
    Objective("himmelblau", "f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 (four minima)",
                 lambda p: (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2, (0.0, 0.0), (-5.0, 5.0),
                 (-5.0, 5.0), ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126))),
)}

OPTIMIZERS: dict[str, tuple[str, Callable[[float], Optimizer]]] = {
    "gd": ("GD", lambda lr: SGD(lr)),
    "momentum": ("momentum 0.9", lambda lr: SGD(lr, momentum=0.9)),
    "nesterov": ("Nesterov 0.9", lambda lr: SGD(lr, momentum=0.9, nesterov=True)),
    "rmsprop": ("RMSprop", lambda lr: RMSprop(lr)),
    "adam": ("Adam", lambda lr: Adam(lr)),
}


@dataclass(frozen=True)
class DescentPath:
    """The points one optimizer visited: ``points[k]`` is x_k, ``values[k]`` f(x_k), ``grad_norms[k]`` |grad f(x_k)|.

    ``status`` is ``"converged"`` (the gradient norm fell below epsilon at the last point),
    ``"diverged"`` (the point overflowed or left ``diverge_at``) or ``"max_steps"`` (neither).
    """

    optimizer: str
    learning_rate: float
    points: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    status: str

    @property
    def steps(self) -> int:
        """How many updates were made (one fewer than the points)."""
        return len(self.points) - 1

    @property
    def summary(self) -> str:
        """``"GD: 57 steps, converged"`` (the legend entry)."""
        word = {"max_steps": "not converged"}.get(self.status, self.status)
        return f"{self.optimizer}: {self.steps} steps, {word}"


def descend(function: Callable[[Any], Any], start: Any, optimizer: Optimizer, *, epsilon: float = 1e-3,
            max_steps: int = 1000, diverge_at: float = 1e6, label: str | None = None) -> DescentPath:
    """Minimise ``function`` from ``start`` with ``optimizer`` under the stopping rule.

    At each point x_k the tape gives g = grad f(x_k); the walk stops if |g| < ``epsilon``
    (converged), if x_k, f(x_k) or g is not finite or some |x_k[i]| > ``diverge_at`` (diverged),
    or after ``max_steps`` updates; otherwise ``optimizer`` applies g to the ``Variable``.

    Examples
    --------
    >>> from glassnet.optimizers import SGD
    >>> path = descend(lambda p: p[0] ** 2, [2.0], SGD(0.1), max_steps=3)
    >>> path.points[:, 0].round(6).tolist(), path.status
    ([2.0, 1.6, 1.28, 1.024], 'max_steps')
    """
    x = Variable(np.asarray(start, dtype=np.float64).reshape(-1), dtype="float64")
    points, values, norms = [], [], []
    status = "max_steps"
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging path overflows on purpose
        for step in range(max_steps + 1):
            with GradientTape() as tape:
                value = function(x)
            if tuple(getattr(value, "shape", ())) not in ((), (1,)):
                raise ValueError(f"descend: function must return one number, got shape {value.shape}")
            grad = tape.gradient(value, x)
            g = np.zeros_like(x.data) if grad is None else np.asarray(grad, dtype=np.float64)
            points.append(x.data.copy())
            values.append(float(value))
            norms.append(float(np.sqrt(g @ g)))
            if not np.isfinite([*points[-1], values[-1], norms[-1]]).all() or np.abs(points[-1]).max() > diverge_at:
                status = "diverged"
                break
            if norms[-1] < epsilon:
                status = "converged"
                break
            if step == max_steps:
                break
            optimizer.apply([g], [x])
    return DescentPath(label or type(optimizer).__name__, float(optimizer.learning_rate), np.array(points),
                       np.array(values), np.array(norms), status)


def _resolve(function: Any, start: Any, x_range: Any, y_range: Any) -> Objective:
    """The named test function, or a callable wrapped with the start and ranges it needs."""
    if isinstance(function, str):
        if function not in FUNCTIONS:
            raise ValueError(f"function={function!r} is not known; use one of {sorted(FUNCTIONS)} or a callable")
        base = FUNCTIONS[function]
    elif callable(function):
        if start is None:
            raise ValueError("function is a callable: pass start=[x0] (1-D) or start=[x0, y0] (2-D) too")
        point = np.asarray(start, dtype=np.float64).reshape(-1)
        reach = 1.5 * float(np.abs(point).max()) + 1.0
        base = Objective(getattr(function, "__name__", "f"), "f", function, tuple(point.tolist()), (-reach, reach),
                            (-reach, reach) if len(point) == 2 else None)
    else:
        raise TypeError(f"function must be a name such as 'quadratic' or a callable, got {type(function).__name__}")
    point = base.start if start is None else tuple(np.asarray(start, dtype=np.float64).reshape(-1).tolist())
    dims = 1 if base.y_range is None else 2
    if len(point) != dims:
        raise ValueError(f"start={list(point)} has {len(point)} coordinates; {base.name} takes {dims}")
    for rng, argument in ((x_range, "x_range"), (y_range, "y_range")):
        if rng is not None and not (len(rng) == 2 and float(rng[0]) < float(rng[1])):
            raise ValueError(f"{argument} must be (low, high) with low < high, got {rng!r}")
    return Objective(base.name, base.formula, base.fn, point, tuple(x_range or base.x_range),
                        None if dims == 1 else tuple(y_range or base.y_range), base.minima)


def _optimizer_makers(optimizers: Any) -> list[tuple[str, Callable[[float], Optimizer]]]:
    if isinstance(optimizers, dict):
        return list(optimizers.items())
    if isinstance(optimizers, str):
        optimizers = [optimizers]
    makers = []
    for name in optimizers:
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizers: {name!r} is not known; use names from {sorted(OPTIMIZERS)} or a dict "
                             f"{{label: lambda lr: Optimizer}}")
        makers.append(OPTIMIZERS[name])
    if not makers:
        raise ValueError("optimizers: give at least one optimizer")
    return makers


def _learning_rates(values: Any) -> list[float]:
    rates = [values] if isinstance(values, (int, float)) else list(values)
    if not rates or any(isinstance(r, bool) or not isinstance(r, (int, float, np.floating)) or not r > 0
                        for r in rates):
        raise ValueError(f"learning_rates must be positive numbers, got {values!r}")
    return [float(r) for r in rates]


def gradient_descent_paths(function: Any = "quadratic", *, learning_rates: Sequence[float] = (0.01, 0.1, 1.0),
                           optimizers: Any = ("gd", "momentum", "adam"), start: Any = None, epsilon: float = 1e-3,
                           max_steps: int = 1000) -> list[DescentPath]:
    """Every optimizer's path at every learning rate (learning rate major), as data.

    Parameters
    ----------
    function : str or callable
        One of ``FUNCTIONS`` ('quadratic', 'quartic', 'valley', 'rosenbrock', 'himmelblau') or
        ``fn(p)`` built from ``p[0]`` (and ``p[1]``) with arithmetic and ``**`` (then give ``start``).
    learning_rates : sequence of float
    optimizers : sequence of str or dict
        Names from ``OPTIMIZERS`` ('gd', 'momentum', 'nesterov', 'rmsprop', 'adam'), or
        ``{label: lambda lr: optimizer}``.
    start : sequence of float, optional
        The first point (default: the function's own).
    epsilon : float
        Stop when the gradient norm is below this.
    max_steps : int
        Stop after this many updates.

    Returns
    -------
    list of DescentPath
        ``len(learning_rates) * len(optimizers)`` paths.
    """
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    if not (isinstance(epsilon, (int, float)) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive number, got {epsilon!r}")
    target = _resolve(function, start, None, None)
    return [descend(target.fn, target.start, make(lr), epsilon=epsilon, max_steps=int(max_steps), label=label)
            for lr in _learning_rates(learning_rates) for label, make in _optimizer_makers(optimizers)]


def visible_part(xy: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The path ``xy`` (n, 2) up to where it first leaves ``box`` (x0, x1, y0, y1) widened three
    times each way, its last segment cut at that edge: a diverging line still leaves the view the
    way it went, but matplotlib never meets 1e300 (or inf) coordinates."""
    x0, x1, y0, y1 = box
    low = np.array([x0 - 3 * (x1 - x0), y0 - 3 * (y1 - y0)])
    high = np.array([x1 + 3 * (x1 - x0), y1 + 3 * (y1 - y0)])
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(xy).all(axis=1) & (xy >= low).all(axis=1) & (xy <= high).all(axis=1)
    first_out = int(np.argmin(inside)) if not inside.all() else len(xy)
    kept = xy[:first_out]
    if 0 < first_out < len(xy) and np.isfinite(xy[first_out]).all():
        a, b = xy[first_out - 1], xy[first_out]
        step = b - a
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero step component never hits its edge
            reach = np.where(step > 0, (high - a) / step, np.where(step < 0, (low - a) / step, np.inf))
        kept = np.vstack([kept, a + min(1.0, float(reach.min())) * step])
    return kept


def plot_gradient_descent(function: Any = "quadratic", *, learning_rates: Sequence[float] = (0.01, 0.1, 1.0),
                          optimizers: Any = ("gd", "momentum", "adam"), start: Any = None, epsilon: float = 1e-3,
                          max_steps: int = 1000, x_range: Any = None, y_range: Any = None, resolution: int = 200,
                          path: str | os.PathLike | None = None, title: str | None = None) -> Figure:
    """One panel per learning rate: each optimizer's path over the curve (1-D) or contours (2-D).

    Parameters
    ----------
    function, learning_rates, optimizers, start, epsilon, max_steps :
        As for :func:`gradient_descent_paths`, which computes the paths drawn.
    x_range, y_range : (float, float), optional
        The plotted area (default: the function's own).  Paths that leave it (diverge) are cut
        at its edge; the limits never grow to follow them.
    resolution : int
        Points per axis of the curve or contour grid.
    path : str or Path, optional
        Also save the figure there (.png or .svg).

    Returns
    -------
    matplotlib.figure.Figure
        Panels titled ``learning rate 0.1``; each legend says how many steps each optimizer took
        and whether it converged, diverged or hit ``max_steps``.
    """
    target = _resolve(function, start, x_range, y_range)
    rates = _learning_rates(learning_rates)
    paths = gradient_descent_paths(target.fn, learning_rates=rates, optimizers=optimizers, start=target.start,
                                   epsilon=epsilon, max_steps=max_steps)
    per_rate = len(paths) // len(rates)
    fig, axes = new_figure(1, len(rates), figsize=(4.3 * len(rates), 4.0))
    (x0, x1), grid_x = target.x_range, np.linspace(*target.x_range, resolution)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    if target.y_range is None:
        curve = np.asarray(target.fn(grid_x[None]), dtype=np.float64)
        pad = 0.08 * (curve.max() - curve.min() or 1.0)
        y0, y1 = curve.min() - pad, curve.max() + pad
    else:
        (y0, y1) = target.y_range
        gx, gy = np.meshgrid(grid_x, np.linspace(y0, y1, resolution))
        surface = np.asarray(target.fn(np.stack([gx, gy])), dtype=np.float64)
        levels = np.unique(np.quantile(surface, np.linspace(0, 0.97, 16)))   # dense rings where f is low
    for i, (ax, lr) in enumerate(zip(axes[0], rates)):
        if target.y_range is None:
            ax.plot(grid_x, curve, color="black", lw=1.2, label="f(x)")
            ax.set_ylabel("f(x)")
        else:
            ax.contourf(gx, gy, surface, levels=levels, cmap="Greys", alpha=0.35, extend="max")
            ax.contour(gx, gy, surface, levels=levels, colors="grey", linewidths=0.5)
            for m in target.minima:
                ax.plot(*m, "*", color="gold", markeredgecolor="black", markersize=11)
            ax.set_ylabel("y")
        for color, p in zip(colors * 2, paths[i * per_rate:(i + 1) * per_rate]):
            xy = np.c_[p.points[:, 0], p.values if target.y_range is None else p.points[:, 1]]
            xs, ys = visible_part(xy, (x0, x1, y0, y1)).T
            ax.plot(xs, ys, "o-", color=color, lw=1.1, markersize=2.5, alpha=0.85, label=p.summary)
        start_y = float(target.fn(np.asarray(target.start)[:, None])[0]) if target.y_range is None else target.start[1]
        ax.plot(target.start[0], start_y, "s", color="black", markersize=6, label="start")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("x")
        ax.set_title(f"learning rate {lr:g}")
        ax.legend(fontsize="x-small", loc="upper center")
    fig.suptitle(title or f"{target.name}: {target.formula}; stop when |grad f| < {epsilon:g} or after "
                          f"{max_steps} steps", fontsize=10)
    return save_figure(fig, path)
