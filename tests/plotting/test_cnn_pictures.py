"""Conv filters and feature maps show the model's own numbers, and leave the model as it was."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers, plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _images(fig) -> list[np.ndarray]:
    return [np.asarray(ax.images[0].get_array()) for ax in fig.axes if ax.images]


def _cnn(channels: int = 1) -> gn.Sequential:
    model = gn.Sequential([gn.Input((5, 5, channels)), layers.Conv2D(2, 2, activation="relu"),
                           layers.MaxPooling2D(2), layers.Conv2D(3, 1), layers.Flatten(), layers.Dense(2)])
    kernel = np.zeros((2, 2, channels, 2), "float32")
    kernel[..., 0], kernel[..., 1] = 1.0, -1.0               # filter 0 sums a window, filter 1 negates it
    model.layers[0].set_weights([kernel, np.zeros(2, "float32")])
    return model


def test_grayscale_filters_are_the_kernels_on_one_symmetric_scale(tmp_path) -> None:
    model = _cnn()
    kernel = np.arange(8, dtype="float32").reshape(2, 2, 1, 2) - 4
    model.layers[0].set_weights([kernel, np.zeros(2, "float32")])
    fig = plotting.plot_conv_filters(model, path=tmp_path / "filters.png")
    images = _images(fig)
    assert len(images) == 2 and [ax.get_title() for ax in fig.axes] == ["filter 0", "filter 1"]
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image, kernel[:, :, 0, j])
    assert fig.axes[0].images[0].get_clim() == (-4.0, 4.0)   # 0 is mid-grey in every panel
    assert "2x2, 1 input channel, showing 2 of 2" in fig._suptitle.get_text()
    assert (tmp_path / "filters.png").read_bytes()[:4] == b"\x89PNG"


def test_rgb_filters_are_min_max_scaled_per_filter() -> None:
    conv = layers.Conv2D(5, 3)
    conv.build((None, 8, 8, 3))
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 3, 3, 5)).astype("float32")
    conv.set_weights([kernel, np.zeros(5, "float32")])
    fig = plotting.plot_conv_filters(conv, max_filters=4, ncols=2)
    images = _images(fig)
    assert len(images) == 4 and len(fig.axes) == 4                 # a 2x2 grid, the 5th filter left out
    k = kernel[..., 1].astype(np.float64)
    np.testing.assert_allclose(images[1], (k - k.min()) / (k.max() - k.min()), rtol=1e-6)


def test_filters_of_a_deeper_layer_show_one_row_per_filter_and_one_panel_per_channel() -> None:
    model = _cnn()
    fig = plotting.plot_conv_filters(model, layer=2)             # Conv2D(3, 1) on 2 channels
    assert len(_images(fig)) == 3 * 2
    assert [ax.get_title() for ax in fig.axes[:2]] == ["filter 0, ch 0", "ch 1"]
    np.testing.assert_array_equal(_images(fig)[3], model.layers[2].kernel.numpy()[:, :, 1, 1])


def test_conv_filter_errors_name_the_problem() -> None:
    dense = gn.Sequential([gn.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        plotting.plot_conv_filters(dense)
    with pytest.raises(ValueError, match="layer=1 is a MaxPooling2D, not a Conv2D"):
        plotting.plot_conv_filters(_cnn(), layer=1)
    with pytest.raises(TypeError, match="model_or_layer must be a model or a Conv2D"):
        plotting.plot_conv_filters(layers.Dense(2))
    with pytest.raises(ValueError, match="max_filters must be a positive int"):
        plotting.plot_conv_filters(_cnn(), max_filters=0)
    with pytest.raises(ValueError, match="not built yet"):
        plotting.plot_conv_filters(layers.Conv2D(2, 3))


def test_feature_maps_are_each_layers_output_and_the_model_is_unchanged() -> None:
    model = _cnn()
    x = np.arange(25, dtype="float32").reshape(5, 5, 1)
    weights, before = model.get_weights(), model.predict(x[None], verbose=0)
    fig = plotting.plot_feature_maps(model, x, max_channels=2)
    windows = x[:-1, :-1, 0] + x[1:, :-1, 0] + x[:-1, 1:, 0] + x[1:, 1:, 0]        # 2x2 window sums, 4x4
    pooled = windows.reshape(2, 2, 2, 2).max(axis=(1, 3))
    images = _images(fig)
    np.testing.assert_array_equal(images[0], x[..., 0])                          # row 0: the input
    np.testing.assert_allclose(images[1], windows)                                # conv, filter 0
    np.testing.assert_array_equal(images[2], np.zeros((4, 4)))                    # relu(-sum) = 0
    np.testing.assert_allclose(images[3], pooled)                                 # max pooling
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[2:] == ["conv2d 4x4x2", "ch 1", "max_pooling2d 2x2x2", "ch 1", "conv2d_1 2x2x3", "ch 1"]
    assert len(fig.axes) == 4 * 2                                                  # input row + 3 layers
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x[None], verbose=0), before)


def test_functional_feature_maps_match_the_sequential_ones() -> None:
    seq = _cnn()
    inputs = gn.Input((5, 5, 1))
    h = layers.Conv2D(2, 2, activation="relu")(inputs)
    h = layers.MaxPooling2D(2)(h)
    outputs = layers.Dense(2)(layers.Flatten()(layers.Conv2D(3, 1)(h)))
    fn = gn.Model(inputs, outputs)
    for source, target in zip(seq.layers, fn.layers[1:]):    # fn.layers[0] is its InputLayer
        if source.weights:
            target.set_weights(source.get_weights())
    x = np.random.default_rng(1).random((1, 5, 5, 1)).astype("float32")
    n_layers = len(fn.layers)
    expected = [array for _, array in plotting.feature_maps(seq, x)]
    got = plotting.feature_maps(fn, x)
    assert [lyr.name for lyr, _ in got] == [fn.layers[1].name, fn.layers[2].name, fn.layers[3].name]
    for a, (_, b) in zip(expected, got):
        np.testing.assert_allclose(b, a, rtol=1e-6)
    assert len(fn.layers) == n_layers


def test_feature_map_errors_name_the_argument() -> None:
    class Sub(gn.Model):
        def call(self, x):
            return x

    with pytest.raises(TypeError, match="Sequential or Functional"):
        plotting.plot_feature_maps(Sub(), np.zeros((5, 5, 1)))
    with pytest.raises(ValueError, match="x must be one image"):
        plotting.plot_feature_maps(_cnn(), np.zeros((2, 5, 5, 1)))
    with pytest.raises(ValueError, match="has no Conv2D or pooling layer"):
        plotting.plot_feature_maps(gn.Sequential([gn.Input((4, 4, 1)), layers.Flatten()]), np.zeros((4, 4, 1)))
    with pytest.raises(ValueError, match="max_channels must be a positive int"):
        plotting.plot_feature_maps(_cnn(), np.zeros((5, 5, 1)), max_channels=0)
