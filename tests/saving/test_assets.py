"""Layers' own files: ``save_assets``/``load_assets`` as in Keras 3, stored under ``assets/`` in a .keras file."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet.saving import SavedModelError
from tests.saving.file_edits import rewrite_zip


@gn.saving.register_keras_serializable(package="assets_test")
class Lookup(gn.layers.Layer):
    """Maps token ids through a table it keeps in a file, not in its config."""

    def __init__(self, table=None, **kwargs):
        super().__init__(**kwargs)
        # a placeholder until load_assets fills it (the graph is traced before the assets are loaded)
        self.table = np.asarray(table if table is not None else np.zeros(8), dtype="float32")

    def call(self, inputs):
        return gn.ops.take(self.table, gn.ops.cast(inputs, "int32"), axis=0)

    def save_assets(self, dir_path):
        np.savetxt(os.path.join(dir_path, "table.txt"), self.table)

    def load_assets(self, dir_path):
        self.table = np.loadtxt(os.path.join(dir_path, "table.txt"), dtype="float32", ndmin=1)


def _model(table):
    x = gn.Input((3,), dtype="int32")
    return gn.Model(x, Lookup(table)(x))


def test_assets_are_saved_in_the_archive_and_loaded_back(tmp_path):
    model = _model([0.5, 1.5, 2.5, 3.5])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert "assets/layers/lookup/table.txt" in zf.namelist()  # the layer's Keras 3 path
    loaded = gn.models.load_model(tmp_path / "m.keras")
    x = np.array([[3, 0, 1]], dtype="int32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), [[3.5, 0.5, 1.5]])


@pytest.mark.parametrize("name", ["assets/../../evil.txt", "assets//etc/passwd", "assets/a/../../b.txt",
                                  "assets/C:/x.txt", "assets/a\\..\\b.txt"])
def test_an_asset_path_that_could_leave_its_folder_is_refused(tmp_path, name):
    model = _model([1.0, 2.0])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, b"x")
    with pytest.raises(SavedModelError, match="could leave the assets folder"):
        gn.models.load_model(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_an_oversized_asset_is_refused_before_it_is_inflated(tmp_path):
    model = _model([1.0, 2.0])
    path = tmp_path / "m.keras"
    model.save(path)
    rewrite_zip(path, lambda name, data: b"0" * (80 * 2 ** 20) if name.endswith("table.txt") else data,
                compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(SavedModelError, match="inflates"):
        gn.models.load_model(path)
