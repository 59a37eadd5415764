"""imdb/reuters read from a fake Keras cache (tmp KERAS_HOME): Keras' semantics, no unpickling, clear errors."""

from __future__ import annotations

import collections
import json

import numpy as np
import pytest

from glassnet.datasets import imdb, reuters
from glassnet.datasets.mnist import DatasetError


def _obj(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = list(s)
    return out


TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [2]]
TEST = [[9, 9], [1], [3, 4, 5, 6, 7]]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets"
    folder.mkdir()
    np.savez(folder / "imdb.npz", x_train=_obj(TRAIN), y_train=np.array([0, 1, 0, 1]), x_test=_obj(TEST),
             y_test=np.array([1, 0, 1]))
    np.savez(folder / "reuters.npz", x=_obj(TRAIN + TEST), y=np.arange(7) % 3)
    (folder / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    return folder


def _keras_reference(xs, labels, seed_rng, start_char=1, index_from=3):
    order = np.arange(len(xs))
    seed_rng.shuffle(order)
    return [[start_char] + [w + index_from for w in xs[i]] for i in order], labels[order]


def test_imdb_default_matches_keras_steps(cache):
    (xtr, ytr), (xte, yte) = imdb.load_data()
    rng = np.random.RandomState(113)
    ref_tr, ref_ytr = _keras_reference(TRAIN, np.array([0, 1, 0, 1]), rng)
    ref_te, ref_yte = _keras_reference(TEST, np.array([1, 0, 1]), rng)
    assert xtr.dtype == object and xtr.shape == (4,) and xte.shape == (3,)
    # num_words defaults to the largest id, which is then out of range -> oov (Keras does the same)
    top = max(max(x) for x in ref_tr + ref_te)
    assert [list(x) for x in xtr] == [[w if w < top else 2 for w in x] for x in ref_tr]
    assert [list(x) for x in xte] == [[w if w < top else 2 for w in x] for x in ref_te]
    np.testing.assert_array_equal(ytr, ref_ytr)
    np.testing.assert_array_equal(yte, ref_yte)


def test_imdb_num_words_skip_top_maxlen_oov_none(cache):
    (xtr, _), (xte, _) = imdb.load_data(num_words=8, skip_top=2, oov_char=None, maxlen=4, seed=0)
    for x in list(xtr) + list(xte):
        assert len(x) <= 3 and all(2 <= w < 8 for w in x)
    (xtr, _), _ = imdb.load_data(start_char=None, index_from=0)
    assert sorted(map(len, xtr)) == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)


def test_imdb_word_index(cache):
    assert imdb.get_word_index() == {"the": 1, "and": 2}


def test_reuters_split(cache):
    (xtr, ytr), (xte, yte) = reuters.load_data(test_split=0.3)
    assert len(xtr) == int(7 * 0.7) and len(xte) == 7 - int(7 * 0.7)
    assert len(reuters.get_label_names()) == 46


def test_missing_file_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        imdb.load_data()
    message = str(info.value)
    assert str(tmp_path / "datasets" / "imdb.npz") in message and "keras.datasets.imdb.load_data()" in message
    with pytest.raises(FileNotFoundError, match="imdb_word_index.json"):
        imdb.get_word_index()


def test_hostile_pickle_is_refused(cache):
    hostile = np.empty(1, dtype=object)
    hostile[0] = collections.OrderedDict(a=1)  # any global beyond NumPy's array rebuild is refused
    np.savez(cache / "imdb.npz", x_train=hostile, y_train=np.array([0]), x_test=_obj(TEST), y_test=np.array([1, 0, 1]))
    with pytest.raises(DatasetError, match="cannot be read safely"):
        imdb.load_data()


def test_wrong_structure_is_refused(cache):
    np.savez(cache / "imdb.npz", x_train=_obj([[1.5, 2.0]]), y_train=np.array([0]), x_test=_obj(TEST),
             y_test=np.array([1, 0, 1]))
    with pytest.raises(DatasetError, match="non-negative integers"):
        imdb.load_data()
    np.savez(cache / "imdb.npz", x_train=_obj(TRAIN), y_train=np.array([0]), x_test=_obj(TEST), y_test=np.array([1]))
    with pytest.raises(DatasetError, match="labels"):
        imdb.load_data()
    (cache / "imdb.npz").write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="npz"):
        imdb.load_data()
