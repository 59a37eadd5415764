"""Each plot renders on the Agg backend with the right data in it, and saves PNG and SVG."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest
import sklearn.metrics as skm

import glassnet as gn
from glassnet import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _lines(ax) -> dict[str, np.ndarray]:
    return {line.get_label(): np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()}


def test_headless_plots_use_agg() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("MPLBACKEND"):
        pytest.skip("a display or an explicit backend is available here")
    assert matplotlib.get_backend().lower() == "agg"


def _history() -> dict[str, list[float]]:
    return {"loss": [0.9, 0.5, 0.3, 0.2], "accuracy": [0.6, 0.8, 0.9, 0.95],
            "val_loss": [1.0, 0.6, 0.55, 0.7], "val_accuracy": [0.55, 0.75, 0.82, 0.8]}


def test_plot_history_has_train_and_validation_on_shared_epochs(tmp_path) -> None:
    fig = plotting.plot_history(_history(), path=tmp_path / "h.png")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    lines = _lines(loss_ax)
    np.testing.assert_allclose(lines["training"], [0.9, 0.5, 0.3, 0.2])
    np.testing.assert_allclose(lines["validation"], [1.0, 0.6, 0.55, 0.7])
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3, 4])
    # Best validation: lowest loss (epoch 3), highest accuracy (epoch 3).
    assert "best validation (epoch 3)" in lines and "best validation (epoch 3)" in _lines(acc_ax)
    assert loss_ax.get_shared_x_axes().joined(loss_ax, acc_ax)
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_plot_method_after_fit(tmp_path, rng: np.random.Generator) -> None:
    x = rng.normal(size=(40, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", gn.metrics.AUC()])
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0)
    fig = history.plot(path=tmp_path / "history.svg")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy", "auc"]
    np.testing.assert_allclose(_lines(fig.axes[2])["validation"], history.history["val_auc"])
    assert (tmp_path / "history.svg").read_text().lstrip().startswith("<?xml")


def test_plot_history_errors() -> None:
    with pytest.raises(ValueError, match="no values recorded for \\['f1'\\]"):
        plotting.plot_history(_history(), metrics=["f1"])
    with pytest.raises(ValueError, match="History"):
        plotting.plot_history({})
    with pytest.raises(ValueError, match=".png or .svg"):
        plotting.plot_history(_history(), path="curves.jpeg")


def test_confusion_matrix_heatmap_shows_counts_and_normalised_rows() -> None:
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    y_pred = np.array([0, 1, 0, 1, 1, 2, 0, 2, 2])
    fig = plotting.plot_confusion_matrix(y_true, y_pred, display_labels=["cat", "dog", "eel"])
    counts_ax, share_ax = fig.axes[:2]     # then the two colour bars
    np.testing.assert_array_equal(counts_ax.images[0].get_array(), skm.confusion_matrix(y_true, y_pred))
    np.testing.assert_allclose(share_ax.images[0].get_array(),
                               skm.confusion_matrix(y_true, y_pred, normalize="true"))
    texts = [t.get_text() for t in counts_ax.texts]
    assert texts == ["2", "1", "0", "0", "2", "0", "1", "0", "3"]
    assert [t.get_text() for t in counts_ax.get_xticklabels()] == ["cat", "dog", "eel"]
    assert "accuracy 0.7778" in fig._suptitle.get_text()


def test_confusion_matrix_from_a_matrix_and_errors() -> None:
    fig = plotting.plot_confusion_matrix(np.array([[5, 1], [2, 7]]), normalize=None)
    assert len(fig.axes) == 2   # one heatmap and its colour bar
    with pytest.raises(ValueError, match="square confusion matrix"):
        plotting.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="3 display labels for 2 classes"):
        plotting.plot_confusion_matrix([0, 1], [1, 1], display_labels=["a", "b", "c"])


def test_roc_curves_have_sklearn_points_and_auc_in_legend(rng: np.random.Generator) -> None:
    y = rng.integers(0, 3, 200)
    logits = rng.normal(size=(200, 3)) + np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    fig = plotting.plot_roc_curves(y, proba, display_labels=["a", "b", "c"])
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for c, name in enumerate("abc"):
        fpr, tpr, _ = skm.roc_curve(y == c, proba[:, c])
        expected = f"{name} (AUC = {skm.auc(fpr, tpr):.4f})"
        assert expected in legend
        line = next(ln for ln in ax.get_lines() if ln.get_label() == expected)
        np.testing.assert_allclose(line.get_xdata(), fpr)
        np.testing.assert_allclose(line.get_ydata(), tpr)
    micro = skm.roc_auc_score(np.eye(3)[y], proba, average="micro")
    assert f"micro-average (AUC = {micro:.4f})" in legend
    binary = plotting.plot_roc_curves(y == 0, proba[:, 0])
    assert f"ROC curve (AUC = {skm.roc_auc_score(y == 0, proba[:, 0]):.4f})" in \
        [t.get_text() for t in binary.axes[0].get_legend().get_texts()]


def test_decision_boundary_of_a_two_input_model(tmp_path, rng: np.random.Generator) -> None:
    x = rng.normal(size=(80, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = gn.Sequential([gn.layers.Input((2,)), gn.layers.Dense(1, activation="sigmoid")])
    model.layers[-1].set_weights([np.array([[4.0], [0.0]], "float32"), np.zeros(1, "float32")])
    fig = plotting.plot_decision_boundary(model, x, y, resolution=50, path=tmp_path / "b.png")
    ax = fig.axes[0]
    # The 0.5 contour of sigmoid(4 x0) is the vertical line x0 = 0.
    boundary = ax.collections[-2] if len(ax.collections) > 2 else None
    assert boundary is not None
    points = np.concatenate([p.vertices for p in boundary.get_paths()])
    np.testing.assert_allclose(points[:, 0], 0.0, atol=0.05)
    scatter = ax.collections[-1]
    np.testing.assert_allclose(scatter.get_offsets(), x)
    with pytest.raises(ValueError, match="exactly 2 features"):
        plotting.plot_decision_boundary(model, np.zeros((5, 3)), None)


def test_decision_boundary_multiclass_colours_the_argmax(rng: np.random.Generator) -> None:
    x = rng.normal(size=(30, 2))

    def three_way(points):       # a plain function works as the model too
        return np.stack([points[:, 0], -points[:, 0], points[:, 1]], axis=1)

    fig = plotting.plot_decision_boundary(three_way, x, rng.integers(0, 3, 30), resolution=30)
    assert "Decision boundary" in fig.axes[0].get_title()


def test_misclassified_grid_shows_only_mistakes_most_confident_first() -> None:
    images = np.arange(6 * 16, dtype=float).reshape(6, 16)      # flat 4x4 images
    y_true = np.array([0, 1, 2, 1, 0, 2])
    proba = np.array([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7],
                      [0.3, 0.3, 0.4]])
    fig = plotting.plot_misclassified(images, y_true, proba, class_names=["zero", "one", "two"])
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["true two\npred one (80.0%)", "true zero\npred two (70.0%)",
                                                "true one\npred zero (60.0%)"]
    np.testing.assert_array_equal(shown[0].images[0].get_array(), images[2].reshape(4, 4))
    assert "3 of 6" in fig._suptitle.get_text()
    none = plotting.plot_misclassified(images, y_true, y_true)
    assert "No misclassified images" in none.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="6, 6 and 5 samples"):
        plotting.plot_misclassified(images, y_true, y_true[:5])


def test_activation_derivatives_come_from_the_backward_pass() -> None:
    x = np.linspace(-3, 3, 13)
    value, derivative = plotting.activation_and_derivative("sigmoid", x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(value, s, rtol=1e-12)
    np.testing.assert_allclose(derivative, s * (1 - s), rtol=1e-12)
    _, relu_grad = plotting.activation_and_derivative("relu", np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(relu_grad, [0.0, 1.0])
    fig = plotting.plot_activations(["tanh", "relu"], x_range=(-2, 2), points=5)
    lines = _lines(fig.axes[0])
    np.testing.assert_allclose(lines["f(x)"], np.tanh(np.linspace(-2, 2, 5)), rtol=1e-12)
    np.testing.assert_allclose(lines["f'(x)"], 1 - np.tanh(np.linspace(-2, 2, 5)) ** 2, rtol=1e-12)
    assert [ax.get_title() for ax in fig.axes] == ["tanh", "relu"]
    with pytest.raises(ValueError, match="Unknown activation"):
        plotting.plot_activations(["relu", "relux"])


def test_classifier_report_folder(tmp_path, rng: np.random.Generator) -> None:
    import json

    x = rng.random((60, 4, 4)).astype("float32")
    y = rng.integers(0, 3, 60)
    model = gn.Sequential([gn.layers.Input((4, 4)), gn.layers.Flatten(), gn.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    curves = plotting.HeldOutCurves(x[:20], y[:20])
    history = model.fit(x, y, epochs=2, batch_size=20, verbose=0, callbacks=[curves])
    assert list(history.history) == ["loss", "accuracy"]      # fit's own logs are untouched
    paths = plotting.write_classifier_report(tmp_path / "report", model, history, x[:20], y[:20],
                                             held_out=curves.history)
    assert sorted(p.name for p in paths.values()) == sorted(plotting.report.FILES)
    metrics = json.loads(paths["metrics.json"].read_text())
    predicted = model.predict(x[:20], verbose=0).argmax(axis=1)
    assert metrics["test_accuracy"] == pytest.approx(skm.accuracy_score(y[:20], predicted))
    assert metrics["history"]["val_loss"] == pytest.approx(curves.history["val_loss"])
    assert set(metrics["classification_report"]["0"]) >= {"precision", "recall", "specificity", "roc_auc"}


def test_demo_writes_the_report_folder_and_says_where(tmp_path, capsys) -> None:
    import json

    from glassnet.cli import main

    folder = tmp_path / "my-report"
    assert main(["demo", "mnist", "--epochs", "2", "--samples", "500", "--verbose", "0",
                 "--report-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"Report written to {folder}/: training_curves.png, confusion_matrix.png, roc_curves.png, " \
           f"misclassified.png, metrics.json" in out
    assert "Test accuracy:" in out and "true\\pred" in out        # the demo's own output is still there
    for name in ("training_curves.png", "confusion_matrix.png", "roc_curves.png", "misclassified.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG", name
    metrics = json.loads((folder / "metrics.json").read_text())
    printed = float(out.split("Test accuracy: ")[1].split()[0])
    assert metrics["test_accuracy"] == pytest.approx(printed, abs=5e-5)
    assert len(metrics["history"]["val_accuracy"]) == 2 and metrics["history"]["val_accuracy"][-1] == \
        pytest.approx(printed, abs=5e-5)
    assert sum(map(sum, metrics["confusion_matrix"])) == 10_000
    assert main(["demo", "mnist", "--epochs", "1", "--samples", "100", "--verbose", "0", "--no-report",
                 "--report-dir", str(tmp_path / "unused")]) == 0
    assert not (tmp_path / "unused").exists() and "Report written" not in capsys.readouterr().out
