"""Bundled MNIST (shapes, dtypes, checksums, damaged copies), to_categorical and the progress bar."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras
from glassnet.datasets import mnist
from glassnet.utils.progbar import Progbar, format_duration, format_per_step, format_value

SHARED_MNIST = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "mnist"


def test_mnist_has_keras_shapes_dtypes_and_label_counts() -> None:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.max() == 255 and x_train.min() == 0
    np.testing.assert_array_equal(np.bincount(y_train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    np.testing.assert_array_equal(np.bincount(y_test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


@pytest.mark.skipif(not SHARED_MNIST.exists(), reason="shared dataset folder not beside the project")
def test_bundled_copy_equals_the_shared_original() -> None:
    bundled = keras.datasets.mnist.load_data()
    shared = keras.datasets.mnist.load_data(path=SHARED_MNIST)
    for a, b in zip(bundled, shared):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def _copy_mnist(tmp_path: Path) -> Path:
    folder = tmp_path / "mnist"
    shutil.copytree(mnist.DATA_DIR, folder)
    return folder


def test_a_damaged_pixel_fails_the_content_checksum(tmp_path: Path) -> None:
    folder = _copy_mnist(tmp_path)
    target = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(target.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one wrong label: still a valid IDX file
    target.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(mnist.DatasetError, match="checksum mismatch"):
        mnist.load_data(path=folder)


def test_a_truncated_gzip_is_reported(tmp_path: Path) -> None:
    folder = _copy_mnist(tmp_path)
    target = folder / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(mnist.DatasetError, match="damaged"):
        mnist.load_data(path=folder)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    folder = _copy_mnist(tmp_path)
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(mnist.DatasetError, match="not found"):
        mnist.load_data(path=folder)


def test_idx_parser_checks_magic_and_length() -> None:
    good = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes([1, 2, 3])
    np.testing.assert_array_equal(mnist.parse_idx(good), [1, 2, 3])
    with pytest.raises(mnist.DatasetError, match="bad magic"):
        mnist.parse_idx(b"\x1f\x8b" + good[2:])
    with pytest.raises(mnist.DatasetError, match="expected 3 bytes"):
        mnist.parse_idx(good[:-1])


def test_npz_path_is_read_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    arrays = {k: np.zeros((2, 28, 28) if k.startswith("x") else (2,), np.uint8)
              for k in ("x_train", "y_train", "x_test", "y_test")}
    np.savez(path, **arrays)
    (x, y), (xt, yt) = mnist.load_data(path=path)
    assert x.shape == (2, 28, 28) and yt.shape == (2,)


def test_to_categorical_matches_hand_values() -> None:
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1]), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    out = keras.utils.to_categorical(np.array([[1], [3]]), num_classes=5)
    assert out.shape == (2, 5) and out.dtype == np.float32
    assert keras.utils.to_categorical(np.zeros((2, 3), int), 2).shape == (2, 3, 2)


def test_normalize_gives_unit_rows() -> None:
    out = keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


@pytest.mark.parametrize("value,text", [(0.12345, "0.1235"), (0.0005, "5.0000e-04"), (0.0, "0.0000"), (12.5, "12.5000")])
def test_metric_value_format_matches_keras(value: float, text: str) -> None:
    assert format_value(value) == text


def test_duration_and_step_formats() -> None:
    assert format_duration(5.9) == "5s" and format_duration(62) == "1:02" and format_duration(3723) == "1:02:03"
    assert format_per_step(0.051) == "51ms/step" and format_per_step(0.00085) == "850us/step"


def test_progbar_in_a_pipe_prints_one_clean_line() -> None:
    stream = io.StringIO()
    bar = Progbar(6, verbose=1, stream=stream)
    for step in range(1, 7):
        bar.update(step, {"loss": 4.0477, "accuracy": 0.125})
    text = stream.getvalue()
    assert "\r" not in text and "\b" not in text and text.count("\n") == 1
    assert text.startswith("6/6 - ") and text.rstrip().endswith("- accuracy: 0.1250 - loss: 4.0477")


def test_fit_verbose_modes_print_keras_lines(capsys: pytest.CaptureFixture[str]) -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((20, 2), "float32"), np.zeros((20, 1), "float32")
    model.fit(x, y, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/1" not in out and out.startswith("1/1 - ") and "ms/step" in out or "us/step" in out
    model.fit(x, y, epochs=2, batch_size=10, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[1].startswith("2/2 ") and out[2] == "Epoch 2/2"
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_cli_demo_runs_quickly(tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "glassnet", "demo", "mnist", "--epochs", "1", "--samples", "600",
                             "--verbose", "2", "--report-dir", str(report)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'Model: "lecture_mlp"' in result.stdout
    assert "Test accuracy:" in result.stdout
    assert "Confusion matrix" in result.stdout and "true\\pred" in result.stdout
    assert f"Report written to {report}" in result.stdout
    assert (report / "metrics.json").exists() and list(report.glob("*.png"))


def test_cli_rejects_bad_arguments() -> None:
    result = subprocess.run([sys.executable, "-m", "glassnet", "demo", "mnist", "--epochs", "0"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "--epochs" in result.stderr


def test_allocator_tuning_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLASSNET_NO_MALLOPT", "1")
    assert keras.backend.tune_allocator() is False
    monkeypatch.delenv("GLASSNET_NO_MALLOPT")
    assert keras.backend.tune_allocator() is sys.platform.startswith("linux")
