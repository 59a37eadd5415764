"""The tf.data-style methods of the datasets Keras' utilities return (take, map, cache, prefetch, cardinality)."""

from __future__ import annotations

import numpy as np

import glassnet as keras


def _windows():
    return keras.utils.timeseries_dataset_from_array(np.arange(20), np.arange(20) * 10, sequence_length=3,
                                                     batch_size=4)


def test_take_map_and_cardinality() -> None:
    ds = _windows()
    assert ds.cardinality() == len(ds) == 5
    assert ds.cache().prefetch(buffer_size=10) is ds
    first = ds.take(2)
    assert first.cardinality() == 2 and len(list(first)) == 2 and len(list(ds.take(-1))) == 5
    np.testing.assert_array_equal(first[-1][0], ds[1][0])
    doubled = ds.map(lambda x, y: (x * 2, y))  # a (x, y) batch comes as two arguments, as in tf.data
    np.testing.assert_array_equal(doubled[0][0], ds[0][0] * 2)
    only_x = ds.map(lambda x, y: x)
    assert [b.shape for b in only_x.as_numpy_iterator()][0] == (4, 3)


def test_a_mapped_dataset_trains_a_model() -> None:
    keras.utils.set_random_seed(0)
    ds = _windows().map(lambda x, y: (x[..., None] / 20.0, y / 200.0))
    model = keras.Sequential([keras.Input((3, 1)), keras.layers.LSTM(2), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert len(model.fit(ds, epochs=2, verbose=0).history["loss"]) == 2
