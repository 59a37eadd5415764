"""Data-set samples, decision boundaries through feature crosses, and the softmax panel's derivative."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _shown(fig):
    return [ax for ax in fig.axes if ax.images]


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1), (784,)])
def test_samples_of_grayscale_images_are_titled_with_their_labels(shape) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(7, *shape)).astype("uint8")
    y = np.eye(3)[[0, 1, 2, 0, 1, 2, 0]]                    # one-hot labels work too
    fig = plotting.plot_samples(x, y, class_names=["zero", "one", "two"], n=5)
    shown = _shown(fig)
    assert [ax.get_title() for ax in shown] == ["zero", "one", "two", "zero", "one"]
    np.testing.assert_array_equal(shown[3].images[0].get_array(), x[3].reshape(28, 28))
    assert len(fig.axes) == 5 and "5 of 7 samples, 28x28" in fig._suptitle.get_text()


def test_colour_samples_are_scaled_into_zero_one(tmp_path) -> None:
    x = np.random.default_rng(0).integers(0, 256, size=(3, 32, 32, 3)).astype("uint8")
    fig = plotting.plot_samples(x, [4, 5, 6], n=10, path=tmp_path / "s.png")
    shown = _shown(fig)
    assert [ax.get_title() for ax in shown] == ["4", "5", "6"]       # n beyond the data: all of it
    image = shown[1].images[0].get_array()
    expected = (x[1] - float(x[1].min())) / (float(x[1].max()) - float(x[1].min()))
    np.testing.assert_allclose(image, expected)
    assert "colour" in fig._suptitle.get_text() and (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"
    unlabelled = plotting.plot_samples(x[:2])
    assert [ax.get_title() for ax in _shown(unlabelled)] == ["#0", "#1"]


def test_sample_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="x must have shape"):
        plotting.plot_samples(np.zeros((2, 5, 5, 2)))
    with pytest.raises(ValueError, match="flat x of 10 pixels are not square"):
        plotting.plot_samples(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="n must be a positive int"):
        plotting.plot_samples(np.zeros((2, 4, 4)), n=0)
    with pytest.raises(ValueError, match="x and y have 2 and 3 samples"):
        plotting.plot_samples(np.zeros((2, 4, 4)), [0, 1, 2])


def test_decision_boundary_through_feature_crosses_is_drawn_in_the_raw_plane() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(60, 2))
    seen = []

    def crosses(p):
        seen.append(p.shape)
        return np.c_[p, p ** 2, p[:, :1] * p[:, 1:]]

    # A "linear model" on the crosses: sigmoid(8 (x1^2 + x2^2 - 1)), whose 0.5 level is the unit circle.
    model = gn.Sequential([gn.Input((5,)), gn.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([np.array([[0], [0], [8], [8], [0]], "float32"), np.array([-8], "float32")])
    fig = plotting.plot_decision_boundary(model, x, (np.sum(x ** 2, axis=1) > 1), features=crosses,
                                          resolution=80)
    assert seen == [(80 * 80, 2)]                          # the raw grid, once, as (n, 2) points
    ax = fig.axes[0]
    boundary = ax.collections[-2]
    radius = np.hypot(*np.concatenate([p.vertices for p in boundary.get_paths()]).T)
    np.testing.assert_allclose(radius, 1.0, atol=0.03)
    np.testing.assert_allclose(ax.collections[-1].get_offsets(), x)     # the data in raw coordinates


def test_decision_boundary_feature_errors() -> None:
    x = np.zeros((4, 2))
    with pytest.raises(TypeError, match="features must be a callable"):
        plotting.plot_decision_boundary(lambda p: p[:, :1], x, features="x1*x2")
    with pytest.raises(ValueError, match="features returned shape \\(3, 2\\) for 25 grid points"):
        plotting.plot_decision_boundary(lambda p: p[:, :1], x, features=lambda p: p[:3], resolution=5)


def test_softmax_panel_shows_the_jacobian_diagonal_of_the_two_class_slice() -> None:
    z = np.linspace(-4, 4, 9)
    value, slope = plotting.activation_and_derivative("softmax", z)
    s = np.exp(z) / (np.exp(z) + 1.0)                      # softmax((z, 0))[0]
    np.testing.assert_allclose(value, s, rtol=1e-12)
    np.testing.assert_allclose(slope, s * (1 - s), rtol=1e-10)
    h = 1e-5                                               # finite differences of the first output in z
    numeric = (np.exp(z + h) / (np.exp(z + h) + 1) - np.exp(z - h) / (np.exp(z - h) + 1)) / (2 * h)
    np.testing.assert_allclose(slope, numeric, rtol=1e-7)
    log_value, log_slope = plotting.activation_and_derivative("log_softmax", z)
    np.testing.assert_allclose(log_value, np.log(s), rtol=1e-12)
    np.testing.assert_allclose(log_slope, 1 - s, rtol=1e-10)
    fig = plotting.plot_activations(["relu", "softmax"], x_range=(-4, 4), points=9)
    ax = fig.axes[1]
    assert ax.get_title() == "softmax of (z, 0)"
    lines = {line.get_label(): np.asarray(line.get_ydata()) for line in ax.get_lines()}
    np.testing.assert_allclose(lines["df0/dz0 (Jacobian diagonal)"], s * (1 - s), rtol=1e-10)
    np.testing.assert_allclose(lines["f((z, 0))[0]"], s, rtol=1e-12)
    assert fig.axes[0].get_title() == "relu" and "f'(x)" in {line.get_label() for line in fig.axes[0].get_lines()}
