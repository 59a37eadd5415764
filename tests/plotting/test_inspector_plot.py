"""plotting.plot_inspector: one panel per recorded signal, one line per layer, the recorded values in them."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import callbacks, layers, plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def inspector() -> callbacks.Inspector:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(8, activation="relu", name="hidden"),
                              layers.Dense(4, activation="sigmoid", name="squash"),
                              layers.Dense(2, activation="softmax", name="out")])
    model.compile("adam", "sparse_categorical_crossentropy")
    watcher = callbacks.Inspector(every=2)
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[watcher])
    return watcher


def _panels(fig) -> dict[str, object]:
    return {ax.get_ylabel(): ax for ax in fig.axes}


def test_one_panel_per_signal_and_one_line_per_layer(inspector: callbacks.Inspector, tmp_path) -> None:
    fig = plotting.plot_inspector(inspector, path=tmp_path / "inspector.png")
    assert (tmp_path / "inspector.png").stat().st_size > 0
    panels = _panels(fig)
    assert list(panels) == ["activation mean", "activation std", "dead ReLU fraction",
                            "saturated fraction (sigmoid/tanh)", "gradient norm |dC/dW|", "weight norm |W|",
                            "update / weight ratio"]
    lines = {line.get_label(): line for line in panels["activation mean"].get_lines()}
    assert list(lines) == ["hidden", "squash", "out"]
    np.testing.assert_allclose(lines["squash"].get_xdata(), inspector.steps)
    np.testing.assert_allclose(lines["squash"].get_ydata(), inspector.records["squash"]["activation_mean"])
    assert [line.get_label() for line in panels["dead ReLU fraction"].get_lines()] == ["hidden"]
    kernel = inspector.records["out"]["weights"]["kernel"]["gradient_norm"]
    out_line = next(line for line in panels["gradient norm |dC/dW|"].get_lines() if line.get_label() == "out")
    np.testing.assert_allclose(out_line.get_ydata(), kernel)
    assert panels["gradient norm |dC/dW|"].get_yscale() == "log"
    ratio_labels = [line.get_label() for line in panels["update / weight ratio"].get_lines()]
    assert "1e-3 rule of thumb" in ratio_labels


def test_a_dict_from_to_dict_plots_the_same(inspector: callbacks.Inspector, tmp_path) -> None:
    fig = plotting.plot_inspector(inspector.to_dict(), path=tmp_path / "inspector.svg", title="mine")
    assert len(fig.axes) == 7 and fig._suptitle.get_text() == "mine"


def test_nothing_recorded_yet_is_refused() -> None:
    with pytest.raises(ValueError, match="no records"):
        plotting.plot_inspector(callbacks.Inspector())


def test_a_wrong_object_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="inspector"):
        plotting.plot_inspector([1, 2, 3])


def test_a_bad_file_extension_is_refused(inspector: callbacks.Inspector, tmp_path) -> None:
    with pytest.raises(ValueError, match="png or .svg"):
        plotting.plot_inspector(inspector, path=tmp_path / "inspector.jpg")
