"""keras.utils.timeseries_dataset_from_array against hand-computed windows (Keras' documented examples)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet.utils import timeseries_dataset_from_array as tsd


def _all(ds):
    batches = [ds[i] for i in range(len(ds))]
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    return np.concatenate(batches), None


def test_keras_doc_example_stride_and_sampling_rate():
    ds = tsd(np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3, batch_size=5)
    x, y = _all(ds)
    assert y is None
    assert x[0].tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    assert x[1].tolist() == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    assert x[2].tolist() == [6, 8, 10, 12, 14, 16, 18, 20, 22, 24]
    assert x[-1].tolist() == [78, 80, 82, 84, 86, 88, 90, 92, 94, 96]
    assert len(x) == 27 and len(ds) == 6 and len(ds[5]) == 2


def test_targets_are_the_value_at_the_window_start():
    data = np.arange(1, 21)
    ds = tsd(data[:10], data[10:], sequence_length=10)
    (x, y), = [ds[i] for i in range(len(ds))]
    assert x.tolist() == [list(range(1, 11))] and y.tolist() == [11]


def test_next_step_forecast_with_features_axis():
    data = np.arange(30, dtype=np.float32).reshape(15, 2)
    ds = tsd(data[:-3], data[3:, 0], sequence_length=3, batch_size=4)
    x, y = _all(ds)
    assert x.shape == (10, 3, 2)
    for i in range(10):
        np.testing.assert_array_equal(x[i], data[i:i + 3])
        assert y[i] == data[i + 3, 0]


def test_start_and_end_index():
    data = np.arange(20)
    ds = tsd(data, data * 10, sequence_length=3, sequence_stride=2, start_index=4, end_index=12, batch_size=None)
    items = [ds[i] for i in range(len(ds))]
    assert [x.tolist() for x, _ in items] == [[4, 5, 6], [6, 7, 8], [8, 9, 10]]
    assert [int(y) for _, y in items] == [40, 60, 80]


def test_shuffle_is_seeded_and_a_permutation():
    a = tsd(np.arange(50), np.arange(50), sequence_length=5, shuffle=True, seed=3, batch_size=8)
    b = tsd(np.arange(50), np.arange(50), sequence_length=5, shuffle=True, seed=3, batch_size=8)
    xa, ya = _all(a)
    xb, _ = _all(b)
    np.testing.assert_array_equal(xa, xb)
    assert sorted(ya.tolist()) == list(range(46))
    np.testing.assert_array_equal(xa[:, 0], ya)


@pytest.mark.parametrize("kwargs", [dict(sequence_length=0), dict(sequence_length=3, sampling_rate=0),
                                    dict(sequence_length=3, sequence_stride=10), dict(sequence_length=3,
                                                                                     start_index=-1),
                                    dict(sequence_length=3, start_index=5, end_index=5),
                                    dict(sequence_length=3, end_index=10), dict(sequence_length=11)])
def test_errors(kwargs):
    with pytest.raises(ValueError):
        tsd(np.arange(10), None, **kwargs)


def test_fit_and_predict_read_it():
    keras.utils.set_random_seed(0)
    series = np.sin(np.arange(200) / 5).astype("float32")[:, None]
    ds = tsd(series[:-5], series[5:, 0], sequence_length=5, batch_size=32)
    model = keras.Sequential([keras.Input((5, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    hist = model.fit(ds, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    pred = model.predict(tsd(series, None, sequence_length=5, batch_size=64), verbose=0)
    assert pred.shape == (196, 1)
