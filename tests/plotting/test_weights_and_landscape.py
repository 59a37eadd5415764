"""Weight histograms against the initial weights, and the loss landscape around the trained weights."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import backend, layers, plotting
from glassnet.plotting.landscape import filter_normalized_direction


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _model() -> gn.Sequential:
    model = gn.Sequential([gn.Input((4, 4, 1)), layers.Conv2D(3, 2, activation="relu"), layers.Flatten(),
                           layers.Dense(4, activation="tanh"), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=gn.optimizers.Adam(0.05), loss="binary_crossentropy")
    return model


def _data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((n, 4, 4, 1)).astype("float32")
    return x, (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")


def _stairs(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for patch in ax.patches:
        values, edges, _ = patch.get_data()
        out[patch.get_label()] = (np.asarray(values), np.asarray(edges))
    return out


def test_histograms_compare_each_kernel_with_the_weights_given(tmp_path) -> None:
    model = _model()
    initial = model.get_weights()
    x, y = _data()
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    fig = plotting.plot_weight_histograms(model, initial, bins=12, path=tmp_path / "w.png")
    kernels = [model.layers[i] for i in (0, 2, 3)]
    panels = [ax for ax in fig.axes if ax.patches]
    assert len(panels) == 3
    for ax, layer, start in zip(panels, kernels, (initial[0], initial[2], initial[4])):
        stairs = _stairs(ax)
        assert set(stairs) == {"initial (given)", "now"}
        counts, edges = stairs["now"]
        assert len(edges) == 13
        np.testing.assert_array_equal(counts, np.histogram(layer.kernel.numpy().astype(np.float64).ravel(), edges)[0])
        np.testing.assert_array_equal(stairs["initial (given)"][0], np.histogram(start.astype(np.float64), edges)[0])
        assert ax.get_title().startswith(f"{layer.name} kernel {tuple(layer.kernel.shape)}")
    assert (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"


def test_without_initial_weights_a_seeded_fresh_draw_is_shown_and_says_so() -> None:
    model = _model()
    state = backend.rng().bit_generator.state
    fig = plotting.plot_weight_histograms(model, seed=3)
    assert backend.rng().bit_generator.state == state          # glassnet's random stream is untouched
    ax = fig.axes[0]
    stairs = _stairs(ax)
    assert set(stairs) == {"fresh draw from GlorotUniform", "now"}
    draw = gn.initializers.GlorotUniform(seed=3)((2, 2, 1, 3))
    np.testing.assert_array_equal(stairs["fresh draw from GlorotUniform"][0],
                                  np.histogram(draw.astype(np.float64).ravel(), stairs["now"][1])[0])


def test_weight_histogram_errors_name_the_argument() -> None:
    model = _model()
    with pytest.raises(ValueError, match="initial holds 2 arrays but the model has 6 weights"):
        plotting.plot_weight_histograms(model, model.get_weights()[:2])
    bad = model.get_weights()
    bad[2] = bad[2][:5]
    with pytest.raises(ValueError, match="initial kernel of layer 'dense' has shape \\(5, 4\\)"):
        plotting.plot_weight_histograms(model, bad)
    with pytest.raises(ValueError, match="bins must be a positive int"):
        plotting.plot_weight_histograms(model, bins=0)
    with pytest.raises(ValueError, match="no layer with a kernel"):
        plotting.plot_weight_histograms(gn.Sequential([gn.Input((3,)), layers.Flatten()]))


def test_directions_are_filter_normalised_and_skip_biases() -> None:
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 3, 2, 4)), rng.normal(size=4)
    kernel[..., 2] = 0.0                                       # a dead filter gets no direction
    d_kernel, d_bias = filter_normalized_direction([kernel, bias], np.random.default_rng(1))
    np.testing.assert_allclose(np.sqrt((d_kernel ** 2).sum(axis=(0, 1, 2))),
                               np.sqrt((kernel ** 2).sum(axis=(0, 1, 2))), rtol=1e-12)
    np.testing.assert_array_equal(d_kernel[..., 2], 0.0)
    np.testing.assert_array_equal(d_bias, 0.0)


def test_landscape_values_are_the_loss_at_the_moved_weights_and_weights_come_back_bitwise() -> None:
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    trained = model.get_weights()
    land = plotting.loss_landscape(model, x, y, resolution=5, span=0.5)
    for a, b in zip(trained, model.get_weights()):
        np.testing.assert_array_equal(a, b)
        assert a.tobytes() == b.tobytes()
    np.testing.assert_allclose(land.alphas, [-0.5, -0.25, 0.0, 0.25, 0.5])
    center = float(model.evaluate(x, y, batch_size=64, verbose=0))
    assert land.center_loss == pytest.approx(center, rel=1e-6)
    assert land.losses[2, 2] == pytest.approx(center, rel=1e-6)
    # Grid point (row i = beta, column j = alpha): move the weights by hand and evaluate.
    d1, d2 = land.directions
    moved = [(w.numpy().astype(np.float64) + 0.5 * u - 0.25 * v).astype("float32")
             for w, u, v in zip(model.trainable_weights, d1, d2)]
    for var, value in zip(model.trainable_weights, moved):
        var.assign(value)
    assert land.losses[1, 4] == pytest.approx(float(model.evaluate(x, y, batch_size=64, verbose=0)), rel=1e-5)
    model.set_weights(trained)
    assert np.ptp(land.losses) > 0


def test_weights_are_restored_even_when_the_loss_fails() -> None:
    model = _model()
    x, y = _data(16)
    trained = model.get_weights()
    calls = []

    def flaky(y_true, y_pred):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("loss failed")
        return gn.losses.binary_crossentropy(y_true, y_pred).mean()

    with pytest.raises(RuntimeError, match="loss failed"):
        plotting.loss_landscape(model, x, y, resolution=3, loss=flaky)
    for a, b in zip(trained, model.get_weights()):
        assert a.tobytes() == b.tobytes()


def test_landscape_plot_contour_and_surface(tmp_path) -> None:
    model = _model()
    x, y = _data(300)
    fig = plotting.plot_loss_landscape(model, x, y, resolution=4, max_samples=50, path=tmp_path / "l.png")
    ax = fig.axes[0]
    assert ax.collections and len(fig.axes) == 2                          # contours and a colour bar
    star = [line for line in ax.get_lines() if line.get_label().startswith("trained weights")]
    assert len(star) == 1 and tuple(star[0].get_xydata()[0]) == (0.0, 0.0)
    assert (tmp_path / "l.png").read_bytes()[:4] == b"\x89PNG"
    surface = plotting.plot_loss_landscape(model, x, y, resolution=3, max_samples=20, kind="surface",
                                           log_scale=True)
    assert surface.axes[0].name == "3d" and surface.axes[0].get_zlabel() == "log10 loss"


def test_landscape_errors_name_the_argument() -> None:
    x, y = _data(8)
    uncompiled = gn.Sequential([gn.Input((4, 4, 1)), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(ValueError, match="not compiled; compile it or pass loss="):
        plotting.plot_loss_landscape(uncompiled, x, y)
    model = _model()
    with pytest.raises(ValueError, match="kind must be 'contour' or 'surface'"):
        plotting.plot_loss_landscape(model, x, y, kind="wire")
    with pytest.raises(ValueError, match="resolution must be an int >= 2"):
        plotting.loss_landscape(model, x, y, resolution=1)
    with pytest.raises(ValueError, match="x and y have 8 and 7 samples"):
        plotting.loss_landscape(model, x, y[:7])
