"""keras.utils.text_dataset_from_directory on a temporary folder of classes."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras


@pytest.fixture()
def folder(tmp_path):
    texts = {"neg": ["bad film", "awful", "boring plot"], "pos": ["great", "loved it"]}
    for label, items in texts.items():
        (tmp_path / label).mkdir()
        for i, text in enumerate(items):
            (tmp_path / label / f"{i}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "pos" / "notes.md").write_text("ignored")
    return tmp_path


def _everything(ds):
    xs, ys = [], []
    for i in range(len(ds)):
        x, y = ds[i]
        xs += list(x)
        ys += list(y)
    return xs, ys


def test_unshuffled_order_and_int_labels(folder):
    ds = keras.utils.text_dataset_from_directory(folder, batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    x, y = ds[0]
    assert x.dtype == object and isinstance(x[0], str) and y.dtype == np.int32
    assert _everything(ds) == (["bad film", "awful", "boring plot", "great", "loved it"], [0, 0, 0, 1, 1])


def test_shuffle_keeps_pairs_and_seed(folder):
    a = keras.utils.text_dataset_from_directory(folder, seed=1, verbose=False)
    b = keras.utils.text_dataset_from_directory(folder, seed=1, verbose=False)
    xa, ya = _everything(a)
    assert (xa, ya) == _everything(b)
    pairs = dict(zip(xa, ya))
    assert pairs == {"bad film": 0, "awful": 0, "boring plot": 0, "great": 1, "loved it": 1}


def test_label_modes_max_length_and_class_names(folder):
    ds = keras.utils.text_dataset_from_directory(folder, label_mode="categorical", class_names=["pos", "neg"],
                                                 shuffle=False, max_length=4, verbose=False)
    x, y = ds[0]
    assert list(x) == ["grea", "love", "bad ", "awfu", "bori"]
    np.testing.assert_array_equal(y, [[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]])
    x, y = keras.utils.text_dataset_from_directory(folder, label_mode="binary", shuffle=False, verbose=False)[0]
    assert y.shape == (5, 1) and y.dtype == np.float32
    x = keras.utils.text_dataset_from_directory(folder, labels=None, shuffle=False, verbose=False)[0]
    assert isinstance(x, np.ndarray) and len(x) == 5


def test_validation_split(folder):
    train, val = keras.utils.text_dataset_from_directory(folder, validation_split=0.4, subset="both", seed=3,
                                                         verbose=False)
    xt, _ = _everything(train)
    xv, _ = _everything(val)
    assert len(xt) == 3 and len(xv) == 2 and not set(xt) & set(xv)
    only_val = keras.utils.text_dataset_from_directory(folder, validation_split=0.4, subset="validation", seed=3,
                                                       verbose=False)
    assert _everything(only_val)[0] == xv


@pytest.mark.parametrize("kwargs", [dict(label_mode="onehot"), dict(validation_split=0.2, subset="training"),
                                    dict(labels="inferred", class_names=["a", "b"]), dict(labels=[0, 1]),
                                    dict(subset="nope", validation_split=0.2, seed=1)])
def test_errors(folder, kwargs):
    with pytest.raises(ValueError):
        keras.utils.text_dataset_from_directory(folder, verbose=False, **kwargs)
