"""TensorBoard: real event files, read back record by record (TFRecord framing + tensorboardX's protobufs)."""

from __future__ import annotations

import builtins
import struct
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras

pytest.importorskip("tensorboardX")
from tensorboardX.proto import event_pb2  # noqa: E402


def read_events(run_dir: Path) -> list:
    """Every Event in the run's event files (a TFRecord: length, crc, payload, crc)."""
    events = []
    for path in sorted(run_dir.glob("events.out.tfevents.*")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            payload = data[pos + 12:pos + 12 + length]
            pos += 12 + length + 4
            event = event_pb2.Event()
            event.ParseFromString(payload)
            events.append(event)
    return events


def scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    out: dict[str, list[tuple[int, float]]] = {}
    for event in read_events(run_dir):
        for value in event.summary.value:
            if value.HasField("simple_value"):
                out.setdefault(value.tag, []).append((event.step, value.simple_value))
    return out


def tags_of(run_dir: Path, kind: str) -> set[str]:
    return {v.tag for e in read_events(run_dir) for v in e.summary.value if v.HasField(kind)}


def small_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    return model, x, x.sum(axis=1, keepdims=True)


def test_epoch_scalars_in_train_and_validation_runs(tmp_path):
    model, x, y = small_model()
    tb = keras.callbacks.TensorBoard(log_dir=tmp_path / "logs")
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0, callbacks=[tb])
    train, val = scalars(tmp_path / "logs" / "train"), scalars(tmp_path / "logs" / "validation")
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate"} <= set(train)
    assert set(val) == {"epoch_loss", "epoch_mae"}
    assert [s for s, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val["epoch_loss"]], history.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], 0.05, rtol=1e-6)
    assert not any(t.startswith("batch_") for t in train)  # update_freq="epoch"


def test_histograms_every_histogram_freq_epochs_and_images(tmp_path):
    model, x, y = small_model()
    tb = keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=2, write_images=True)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[tb])
    events = read_events(tmp_path / "train")
    histos = [(e.step, v.tag, v.histo) for e in events for v in e.summary.value if v.HasField("histo")]
    kernel = model.layers[0].weights[0]
    name = f"{kernel.path}/histogram"
    assert sorted(step for step, tag, _ in histos if tag == name) == [0, 2]
    assert {tag for _, tag, _ in histos} == {f"{w.path}/histogram" for w in model.weights}
    last = [h for step, tag, h in histos if tag == name and step == 2][0]
    assert last.num == kernel.numpy().size
    np.testing.assert_allclose(last.sum, kernel.numpy().sum(), rtol=1e-5)
    assert f"{kernel.path}/image" in tags_of(tmp_path / "train", "image")


def test_batch_scalars_with_integer_update_freq(tmp_path):
    model, x, y = small_model()
    tb = keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=2)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[tb])  # 4 batches an epoch
    train = scalars(tmp_path / "train")
    assert [s for s, _ in train["batch_loss"]] == [2, 4, 6, 8]
    assert keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq="batch").update_freq == 1


def test_model_summary_and_config_written_as_text(tmp_path):
    model, x, y = small_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path, profile_batch=(2, 4))])
    texts = {v.tag: v.tensor.string_val[0].decode() for e in read_events(tmp_path / "train")
             for v in e.summary.value if v.metadata.plugin_data.plugin_name == "text"}
    summary_tag = next(t for t in texts if t.startswith("keras/model_summary"))
    config_tag = next(t for t in texts if t.startswith("keras/model_config"))
    assert "Dense" in texts[summary_tag] and "Total params" in texts[summary_tag]
    assert '"class_name": "Sequential"' in texts[config_tag]


def test_functional_model_with_two_outputs(tmp_path):
    inp = keras.Input((3,))
    out_a, out_b = keras.layers.Dense(1, name="a")(inp), keras.layers.Dense(1, name="b")(inp)
    model = keras.Model(inp, [out_a, out_b])
    model.compile("adam", loss=["mse", "mse"])
    x = np.ones((8, 3), "float32")
    model.fit(x, [x[:, :1], x[:, 1:2]], epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train = scalars(tmp_path / "train")
    assert "epoch_loss" in train and any(t.startswith("epoch_a") for t in train)


def test_evaluate_logs_against_iterations(tmp_path):
    model, x, y = small_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    val = scalars(tmp_path / "validation")
    assert val["evaluation_loss_vs_iterations"][0][0] == 4


@pytest.mark.parametrize("kwargs", [{"histogram_freq": -1}, {"update_freq": "sometimes"}, {"histogram_freq": 1.5}])
def test_bad_arguments(tmp_path, kwargs):
    with pytest.raises(ValueError, match="TensorBoard"):
        keras.callbacks.TensorBoard(tmp_path, **kwargs)


def test_missing_tensorboardx_says_what_to_install(monkeypatch, tmp_path):
    real_import = builtins.__import__

    def no_tensorboardx(name, *args, **kwargs):
        if name.startswith("tensorboardX"):
            raise ImportError("No module named 'tensorboardX'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboardx)
    with pytest.raises(ImportError, match=r"pip install tensorboardX"):
        keras.callbacks.TensorBoard(tmp_path)
