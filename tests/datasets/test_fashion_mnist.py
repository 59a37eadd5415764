"""fashion_mnist reads local IDX files and says what to do when they are missing."""

from __future__ import annotations

import pytest

import glassnet as gn


def test_fashion_mnist_reads_local_idx_files_and_explains_when_missing(tmp_path) -> None:
    import shutil

    with pytest.raises(gn.datasets.mnist.DatasetError, match="not bundled"):
        gn.datasets.fashion_mnist.load_data()
    shutil.copytree(gn.datasets.mnist.DATA_DIR, tmp_path / "f")  # same IDX layout
    (x, y), (xt, yt) = gn.datasets.fashion_mnist.load_data(path=tmp_path / "f")
    assert x.shape == (60000, 28, 28) and yt.shape == (10000,)
