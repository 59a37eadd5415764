"""get_file offline, and cifar10 / cifar100 / boston_housing / fashion_mnist read from fake Keras-format files
in a temporary KERAS_HOME."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np
import pytest

import glassnet as keras
from glassnet.datasets.mnist import DatasetError
from glassnet.utils.get_file import OfflineError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    (tmp_path / "kh" / "datasets").mkdir(parents=True)
    return tmp_path / "kh"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- get_file -----------------------------------------------------------------------------------
def test_get_file_returns_the_cached_file_and_checks_its_hash(home):
    (home / "datasets" / "data.csv").write_text("a,b\n")
    path = keras.utils.get_file("data.csv", origin="https://example.com/data.csv")
    assert path == str(home / "datasets" / "data.csv")
    digest = sha256(home / "datasets" / "data.csv")
    assert keras.utils.get_file(origin="https://example.com/data.csv", file_hash=digest) == path
    md5 = hashlib.md5(b"a,b\n").hexdigest()
    assert keras.utils.get_file("data.csv", origin="https://x/y", md5_hash=md5) == path
    with pytest.raises(ValueError, match="does not match"):
        keras.utils.get_file("data.csv", origin="https://example.com/data.csv", file_hash="0" * 64)


def test_get_file_offline_error_names_the_file_the_url_and_the_place(home, tmp_path):
    with pytest.raises(OfflineError) as info:
        keras.utils.get_file("x.npz", origin="https://example.com/x.npz", cache_subdir="models")
    message = str(info.value)
    assert str(home / "models" / "x.npz") in message and "https://example.com/x.npz" in message
    assert isinstance(info.value, FileNotFoundError)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "datasets").mkdir()
    (tmp_path / "other" / "datasets" / "x.npz").write_bytes(b"1")
    assert keras.utils.get_file("x.npz", "https://e/x.npz", cache_dir=tmp_path / "other").endswith("x.npz")
    with pytest.raises(OfflineError, match="force_download"):
        keras.utils.get_file("x.npz", "https://e/x.npz", cache_dir=tmp_path / "other", force_download=True)


def test_get_file_argument_errors(home):
    with pytest.raises(ValueError, match="origin"):
        keras.utils.get_file("a.txt")
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        keras.utils.get_file(os.path.join("sub", "a.txt"), origin="https://e/a.txt")
    with pytest.raises(ValueError, match="file name"):
        keras.utils.get_file(origin="https://example.com/")


def test_get_file_extracts_tar_and_zip_archives(home):
    data = home / "datasets"
    with tarfile.open(data / "pack_archive", "w:gz") as tar:
        info = tarfile.TarInfo("pack/a.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    folder = keras.utils.get_file("pack", origin="https://e/pack.tar.gz", extract=True)
    assert open(os.path.join(folder, "pack", "a.txt")).read() == "hi"
    with zipfile.ZipFile(data / "z.zip", "w") as zf:
        zf.writestr("inner/b.txt", "zip")
    folder = keras.utils.get_file("z.zip", origin="https://e/z.zip", extract=True)
    assert folder == str(data / "z_extracted")
    assert open(os.path.join(folder, "inner", "b.txt")).read() == "zip"


def test_get_file_refuses_archives_that_escape_the_folder(home):
    with tarfile.open(home / "datasets" / "evil_archive", "w") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="refusing"):
        keras.utils.get_file("evil", origin="https://e/evil.tar", extract=True)
    assert not (home / "datasets" / "outside.txt").exists()


# -- CIFAR ------------------------------------------------------------------------------------------
def cifar_batch(n, labels_key_values, seed, protocol=4):
    rng = np.random.default_rng(seed)
    batch = {b"batch_label": b"fake", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
             b"filenames": [b"f%d.png" % i for i in range(n)]}
    for key, high in labels_key_values:
        batch[key] = [int(v) for v in rng.integers(0, high, n)]
    return pickle.dumps(batch, protocol=protocol), batch


def write_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, raw in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def test_cifar10_from_the_downloaded_archive(home, monkeypatch):
    members, batches = {}, []
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        raw, batch = cifar_batch(4, [(b"labels", 10)], seed=i)
        members[f"cifar-10-batches-py/{name}"] = raw
        batches.append(batch)
    archive = home / "datasets" / "cifar-10-python.tar.gz"  # the name it was downloaded under
    write_tar(archive, members)
    monkeypatch.setattr(keras.datasets.cifar10, "FILE_SHA256", sha256(archive))
    (x, y), (xt, yt) = keras.datasets.cifar10.load_data()
    assert x.shape == (20, 32, 32, 3) and x.dtype == np.uint8 and y.shape == (20, 1) and y.dtype == np.uint8
    assert xt.shape == (4, 32, 32, 3) and yt.shape == (4, 1)
    first = batches[0][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x[0], first)
    assert y[:4, 0].tolist() == batches[0][b"labels"]
    monkeypatch.setattr(keras.datasets.cifar10, "FILE_SHA256", "0" * 64)
    os.utime(archive)  # a changed archive is checked again
    with pytest.raises(ValueError, match="does not match"):
        keras.datasets.cifar10.load_data()


def test_cifar100_label_modes_from_a_keras2_extracted_folder(home):
    folder = home / "datasets" / "cifar-100-python"
    folder.mkdir()
    keys = [(b"fine_labels", 100), (b"coarse_labels", 20)]
    raw, train = cifar_batch(6, keys, seed=1)
    (folder / "train").write_bytes(raw)
    (folder / "test").write_bytes(cifar_batch(2, keys, seed=2, protocol=5)[0])  # NumPy rebuilds via _frombuffer
    (_, y_fine), (xt, _) = keras.datasets.cifar100.load_data()
    (_, y_coarse), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
    assert y_fine[:, 0].tolist() == train[b"fine_labels"] and y_coarse[:, 0].tolist() == train[b"coarse_labels"]
    assert xt.shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match="label_mode"):
        keras.datasets.cifar100.load_data(label_mode="medium")


class Boom:
    def __reduce__(self):
        return (os.system, ("echo should-not-run",))


def test_cifar_batches_never_unpickle_arbitrary_objects(home, capfd):
    folder = home / "datasets" / "cifar-100-python"
    folder.mkdir()
    (folder / "train").write_bytes(pickle.dumps({b"data": Boom()}, protocol=4))
    with pytest.raises(DatasetError, match="refusing to load"):
        keras.datasets.cifar100.load_data()
    assert "should-not-run" not in capfd.readouterr().out
    (folder / "train").write_bytes(pickle.dumps({b"data": [1, 2]}, protocol=4))
    with pytest.raises(DatasetError, match="uint8"):
        keras.datasets.cifar100.load_data()


def test_cifar_missing_says_where_to_put_the_archive(home):
    with pytest.raises(OfflineError) as info:
        keras.datasets.cifar10.load_data()
    assert str(home / "datasets" / "cifar-10-python.tar.gz") in str(info.value)
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in str(info.value)


# -- boston_housing ---------------------------------------------------------------------------------
def test_boston_housing_split_and_shuffle_as_keras(home, monkeypatch):
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    y = np.arange(50, dtype=np.float64)
    np.savez(home / "datasets" / "boston_housing.npz", x=x, y=y)
    monkeypatch.setattr(keras.datasets.boston_housing, "FILE_SHA256", sha256(home / "datasets" / "boston_housing.npz"))
    (xtr, ytr), (xte, yte) = keras.datasets.boston_housing.load_data(test_split=0.2, seed=7)
    order = np.arange(50)
    np.random.RandomState(7).shuffle(order)
    assert ytr.tolist() == order[:40].tolist() and yte.tolist() == order[40:].tolist()
    np.testing.assert_array_equal(xtr, x[order[:40]])
    with pytest.raises(ValueError, match="test_split"):
        keras.datasets.boston_housing.load_data(test_split=1.0)


def test_boston_housing_missing_or_damaged(home, monkeypatch):
    with pytest.raises(OfflineError, match="boston_housing.npz"):
        keras.datasets.boston_housing.load_data()
    (home / "datasets" / "boston_housing.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="does not match"):
        keras.datasets.boston_housing.load_data()
    monkeypatch.setattr(keras.datasets.boston_housing, "FILE_SHA256", sha256(home / "datasets" / "boston_housing.npz"))
    with pytest.raises(DatasetError, match="boston_housing"):
        keras.datasets.boston_housing.load_data()


# -- fashion_mnist ----------------------------------------------------------------------------------
def idx(arr, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return gzip.compress(header + arr.tobytes())


def test_fashion_mnist_from_keras_cache_folder(home):
    folder = home / "datasets" / "fashion-mnist"
    with pytest.raises(DatasetError, match="fashion-mnist"):
        keras.datasets.fashion_mnist.load_data()
    folder.mkdir()
    images, labels = np.zeros((3, 28, 28), np.uint8), np.array([1, 2, 3], np.uint8)
    for stem, arr, magic in [("train-images-idx3-ubyte", images, 2051), ("train-labels-idx1-ubyte", labels, 2049),
                             ("t10k-images-idx3-ubyte", images, 2051), ("t10k-labels-idx1-ubyte", labels, 2049)]:
        (folder / f"{stem}.gz").write_bytes(idx(arr, magic))
    (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
    assert x.shape == (3, 28, 28) and y.tolist() == [1, 2, 3]
