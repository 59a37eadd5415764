"""Deliberately damaged files give a clear SavedModelError (never a crash or a half-loaded model),
and an interrupted save leaves the previous file intact."""

from __future__ import annotations

import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.saving import SavedModelError
from glassnet.saving import weights as saving_weights
from tests.saving.file_edits import edit_weights, rewrite_zip


def _model():
    model = gn.Sequential([gn.Input((4,)), layers.Dense(6, activation="relu"), layers.Dense(2)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, np.zeros((16, 2)), epochs=1, verbose=0)
    return model


@pytest.fixture(params=[".keras", ".h5"])
def saved(request, tmp_path):
    model = _model()
    path = tmp_path / f"model{request.param}"
    model.save(path)
    return model, path


def test_truncated_file(saved):
    _, path = saved
    data = path.read_bytes()
    for keep in (len(data) // 2, 100, 8):
        path.write_bytes(data[:keep])
        with pytest.raises(SavedModelError, match=r"model\.(keras|h5).*(truncated|corrupted|not a)"):
            gn.models.load_model(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.keras"
    path.write_bytes(b"")
    with pytest.raises(SavedModelError, match="is empty"):
        gn.models.load_model(path)


def test_corrupted_bytes_in_a_keras_archive(tmp_path):
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("model.weights.h5")
    # Flip bytes inside the stored weights member: the zip CRC must catch it.
    start = info.header_offset + 30 + len(info.filename) + info.file_size // 2
    data[start:start + 16] = bytes(b ^ 0xFF for b in data[start:start + 16])
    path.write_bytes(bytes(data))
    with pytest.raises(SavedModelError, match=r"m\.keras.*(corrupted|CRC)"):
        gn.models.load_model(path)


def test_corrupted_weight_bytes_in_an_h5_file(tmp_path):
    model = _model()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as h5:
        offset = h5["model_weights/dense/dense/kernel"].id.get_offset()  # Keras' legacy .h5 layout
    data = bytearray(path.read_bytes())
    data[offset + 4] ^= 0x55  # HDF5 has no checksum on raw data: ours catches it
    path.write_bytes(bytes(data))
    with pytest.raises(SavedModelError, match=r"dense/dense/kernel.*checksum.*corrupted"):
        gn.models.load_model(path)


def test_corrupted_config_json(tmp_path):
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)
    rewrite_zip(path, lambda name, data: data[:-7] if name == "config.json" else data)
    with pytest.raises(SavedModelError, match="not valid JSON"):
        gn.models.load_model(path)


def test_wrong_format(tmp_path):
    path = tmp_path / "m.keras"
    path.write_text("this is a text file, not a model")
    with pytest.raises(SavedModelError, match="neither a .keras archive"):
        gn.models.load_model(path)
    other_zip = tmp_path / "other.keras"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(SavedModelError, match=r"not a \.keras model: it lacks"):
        gn.models.load_model(other_zip)
    with pytest.raises(FileNotFoundError):
        gn.models.load_model(tmp_path / "missing.keras")


def test_weights_only_file_is_not_a_model(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(SavedModelError, match="only weights.*load_weights"):
        gn.models.load_model(tmp_path / "w.weights.h5")


def test_newer_format_version(saved):
    _, path = saved
    if path.suffix == ".keras":
        def change(name, data):
            if name == "metadata.json":
                meta = json.loads(data)
                meta["format_version"] = 99
                return json.dumps(meta)
            return data

        rewrite_zip(path, change)
    else:
        with h5py.File(path, "r+") as h5:
            h5.attrs["glassnet_format_version"] = 99
    with pytest.raises(SavedModelError, match="format version 99.*newer glassnet.*upgrade"):
        gn.models.load_model(path)


def test_missing_layer_weights(saved):
    _, path = saved
    edit_weights(path, lambda g: g.__delitem__("layers/dense_1"))
    expected = (r"names 'dense_1' but the file has no group for it" if path.suffix == ".h5" and
                not path.name.endswith(".weights.h5") else r"no weights for layer 'dense_1'.*layers/dense_1/vars")
    with pytest.raises(SavedModelError, match=expected):
        gn.models.load_model(path)


def test_missing_layer_in_config(tmp_path):
    model = _model()
    path = tmp_path / "m.keras"
    model.save(path)

    def change(name, data):
        if name == "config.json":
            config = json.loads(data)
            del config["config"]["layers"][1]["class_name"]
            return json.dumps(config)
        return data

    rewrite_zip(path, change)
    with pytest.raises(SavedModelError, match="layer entry of the config is malformed"):
        gn.models.load_model(path)


def test_wrong_weight_shape(saved):
    _, path = saved

    def edit(g):
        del g["layers/dense/vars/0"]
        g["layers/dense/vars"].create_dataset("0", data=np.zeros((3, 6), "float32"))

    edit_weights(path, edit)
    with pytest.raises(SavedModelError, match=r"weight 'dense/kernel'.*\(4, 6\) in the model but \(3, 6\)"):
        gn.models.load_model(path)


def test_unregistered_custom_class(tmp_path):
    @gn.register_keras_serializable(package="damaged")
    class Doubler(layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = gn.Sequential([gn.Input((3,)), Doubler(), layers.Dense(1)])
    path = tmp_path / "m.keras"
    model.save(path)
    for key in ("damaged>Doubler", "Doubler"):  # as in a new session that never defined the class
        gn.registry._CUSTOM_OBJECTS.pop(key, None)
    with pytest.raises(SavedModelError, match=r"Unknown layer class 'damaged>Doubler'.*register_keras_serializable"):
        gn.models.load_model(path)
    loaded = gn.models.load_model(path, custom_objects={"Doubler": Doubler})
    assert type(loaded.layers[0]) is Doubler


def test_unregistered_lambda_function_is_never_loaded(tmp_path):
    model = gn.Sequential([gn.Input((3,)), layers.Lambda(lambda t: t * 3.0)])
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(SavedModelError, match="Lambda layer .* not registered"):
        gn.models.load_model(path)


def test_failed_load_weights_changes_nothing(saved):
    model, path = saved
    edit_weights(path, lambda g: g.__delitem__("layers/dense_1/vars/1"))  # the last array read
    target = _model()
    before = target.get_weights()
    with pytest.raises(SavedModelError):
        target.load_weights(path)
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
@pytest.mark.parametrize("fmt", [".keras", ".h5", ".weights.h5"])
def test_interrupted_save_leaves_old_file_intact(fmt, error, tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / f"m{fmt}"
    (model.save_weights if fmt == ".weights.h5" else model.save)(path)
    old = path.read_bytes()
    model.layers[0].kernel.assign(np.zeros((4, 6), "float32"))
    real_write = saving_weights._write_array
    calls = []

    def failing_write(group, name, array):
        calls.append(name)
        if len(calls) == 3:  # part of the new file is written when the failure hits
            raise error
        real_write(group, name, array)

    monkeypatch.setattr(saving_weights, "_write_array", failing_write)
    with pytest.raises(type(error)):
        (model.save_weights if fmt == ".weights.h5" else model.save)(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind
    monkeypatch.undo()
    if fmt != ".weights.h5":
        gn.models.load_model(path)  # still a whole, loadable model
