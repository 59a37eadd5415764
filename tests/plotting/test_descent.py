"""Gradient-descent paths: the numbers are glassnet's optimizers at work, and the picture shows them."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import plotting
from glassnet.optimizers import SGD
from glassnet.plotting.descent import descend, visible_part


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _paths(**kwargs):
    return {(p.optimizer, p.learning_rate): p for p in plotting.gradient_descent_paths(**kwargs)}


def test_plain_gd_on_x_squared_shrinks_by_one_minus_two_lr() -> None:
    path = _paths(function="quadratic", learning_rates=[0.1], optimizers=["gd"])[("GD", 0.1)]
    k = np.arange(len(path.points))
    np.testing.assert_allclose(path.points[:, 0], 2.0 * 0.8 ** k, rtol=1e-12)       # x_{k+1} = 0.8 x_k
    np.testing.assert_allclose(path.values, (2.0 * 0.8 ** k) ** 2, rtol=1e-12)
    np.testing.assert_allclose(path.grad_norms, 4.0 * 0.8 ** k, rtol=1e-12)
    # The stopping rule: the first k with |f'(x_k)| = 4 * 0.8^k < 1e-3.
    assert path.status == "converged" and path.steps == int(np.argmax(4.0 * 0.8 ** np.arange(100) < 1e-3))
    assert path.grad_norms[-1] < 1e-3 <= path.grad_norms[-2]
    assert path.summary == f"GD: {path.steps} steps, converged"


def test_lr_one_oscillates_forever_and_lr_above_one_diverges() -> None:
    paths = _paths(function="quadratic", learning_rates=[1.0, 1.5], optimizers=["gd"], max_steps=50)
    flip = paths[("GD", 1.0)]
    np.testing.assert_array_equal(flip.points[:, 0], 2.0 * (-1.0) ** np.arange(51))   # x_{k+1} = -x_k
    assert flip.status == "max_steps" and flip.steps == 50 and flip.summary == "GD: 50 steps, not converged"
    grow = paths[("GD", 1.5)]                                                          # x_{k+1} = -2 x_k
    assert grow.status == "diverged" and np.abs(grow.points[-1, 0]) > 1e6
    np.testing.assert_allclose(grow.points[:5, 0], 2.0 * (-2.0) ** np.arange(5))


def test_momentum_and_adam_paths_follow_their_update_rules() -> None:
    paths = _paths(function="quadratic", learning_rates=[0.1], optimizers=["momentum", "adam"], max_steps=3)
    # Heavy ball: m <- 0.9 m - lr g; x <- x + m, with g = 2x.
    x, m, expected = 2.0, 0.0, [2.0]
    for _ in range(3):
        m = 0.9 * m - 0.1 * 2 * x
        x += m
        expected.append(x)
    np.testing.assert_allclose(paths[("momentum 0.9", 0.1)].points[:, 0], expected, rtol=1e-12)
    # Adam's first step moves by lr whatever the gradient's size (m_hat / sqrt(v_hat) = sign(g)).
    np.testing.assert_allclose(paths[("Adam", 0.1)].points[1, 0], 2.0 - 0.1, rtol=1e-6)


def test_descend_with_a_callable_and_a_custom_optimizer() -> None:
    path = descend(lambda p: (p[0] - 1) ** 2 + (p[1] + 2) ** 2, [3.0, 0.0], SGD(0.25), epsilon=1e-8)
    np.testing.assert_allclose(path.points[-1], [1.0, -2.0], atol=1e-8)
    assert path.status == "converged" and path.learning_rate == 0.25
    labelled = plotting.gradient_descent_paths(lambda p: p[0] ** 2, start=[1.0], learning_rates=[0.5],
                                               optimizers={"half-step": lambda lr: SGD(lr)})
    assert labelled[0].optimizer == "half-step" and labelled[0].steps == 1      # x <- x - 0.5 * 2x = 0


def test_one_d_plot_has_a_panel_per_rate_and_paths_on_the_curve(tmp_path) -> None:
    fig = plotting.plot_gradient_descent("quadratic", learning_rates=(0.1, 1.5), max_steps=40,
                                         path=tmp_path / "gd.png")
    assert (tmp_path / "gd.png").read_bytes()[:4] == b"\x89PNG"
    assert [ax.get_title() for ax in fig.axes] == ["learning rate 0.1", "learning rate 1.5"]
    slow, fast = fig.axes
    paths = _paths(function="quadratic", learning_rates=(0.1, 1.5), max_steps=40)
    lines = {line.get_label(): line for line in slow.get_lines()}
    gd = paths[("GD", 0.1)]
    np.testing.assert_allclose(lines[gd.summary].get_xdata(), gd.points[:, 0])
    np.testing.assert_allclose(lines[gd.summary].get_ydata(), gd.values)
    legend = [t.get_text() for t in fast.get_legend().get_texts()]
    assert paths[("GD", 1.5)].summary in legend and "diverged" in paths[("GD", 1.5)].summary
    assert {"f(x)", "start"} <= set(legend)
    # The diverging path does not stretch the axes: x stays on the function's range, y on the curve's.
    assert fast.get_xlim() == pytest.approx((-2.5, 2.5))
    assert fast.get_ylim() == pytest.approx(slow.get_ylim()) and fast.get_ylim()[1] < 7
    for line in fast.get_lines():
        assert np.isfinite(line.get_xydata()).all() and np.abs(line.get_xydata()).max() < 100


def test_two_d_plot_draws_contours_minima_and_paths() -> None:
    fig = plotting.plot_gradient_descent("valley", resolution=40)
    assert len(fig.axes) == 3 and fig.axes[0].collections                  # filled and line contours
    paths = _paths(function="valley")
    ax = fig.axes[1]
    lines = {line.get_label(): line for line in ax.get_lines()}
    gd = paths[("GD", 0.1)]
    np.testing.assert_allclose(lines[gd.summary].get_xydata(), gd.points)
    assert paths[("GD", 1.0)].status == "diverged" and fig.axes[2].get_ylim() == pytest.approx((-2.0, 2.0))
    assert "x^2 / 2 + 5 y^2" in fig._suptitle.get_text()


def test_visible_part_cuts_a_runaway_path_at_the_widened_box() -> None:
    xy = np.array([[0.0, 0.0], [0.5, 0.5], [1e300, 2e300], [np.inf, np.inf]])
    kept = visible_part(xy, (-1.0, 1.0, -1.0, 1.0))              # widened box: [-7, 7] on each axis
    np.testing.assert_allclose(kept, [[0.0, 0.0], [0.5, 0.5], [3.75, 7.0]])  # along the segment, to y = 7


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"function": "banana"}, "function='banana' is not known"),
    ({"learning_rates": (0.1, 0)}, "learning_rates must be positive"),
    ({"optimizers": ["gd", "sgdx"]}, "optimizers: 'sgdx' is not known"),
    ({"function": lambda p: p[0] ** 2}, "pass start="),
    ({"start": [1.0, 2.0]}, "start=\\[1.0, 2.0\\] has 2 coordinates; quadratic takes 1"),
    ({"max_steps": 0}, "max_steps must be a positive int"),
    ({"epsilon": -1}, "epsilon must be a positive number"),
    ({"x_range": (1, -1)}, "x_range must be \\(low, high\\)"),
])
def test_bad_arguments_are_named(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        plotting.plot_gradient_descent(**kwargs)
