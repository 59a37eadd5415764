"""Generators and Sequences feed fit, evaluate and predict like arrays."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers


def test_generators_and_sequences_feed_fit_evaluate_and_predict() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")

    def batches():  # an endless generator, as in Keras tutorials: steps_per_epoch bounds each epoch
        while True:
            for start in range(0, 40, 10):
                yield x[start:start + 10], y[start:start + 10]

    class Batches:  # a gn.utils.Sequence-like object: len() batches, [i] -> (x, y)
        epochs_seen = 0

        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

        def on_epoch_end(self) -> None:
            Batches.epochs_seen += 1

    gn.utils.set_random_seed(3)
    from_arrays = gn.Sequential([gn.Input(shape=(3,)), layers.Dense(1)])
    from_arrays.compile(gn.optimizers.SGD(0.05), "mse")
    from_arrays.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    for source, kwargs in ((batches(), {"steps_per_epoch": 4}), (Batches(), {"shuffle": False})):
        gn.utils.set_random_seed(3)
        model = gn.Sequential([gn.Input(shape=(3,)), layers.Dense(1)])
        model.compile(gn.optimizers.SGD(0.05), "mse")
        history = model.fit(source, epochs=3, verbose=0, validation_data=Batches(), **kwargs)
        assert history.params["steps"] == 4 and "val_loss" in history.history
        for a, b in zip(model.get_weights(), from_arrays.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert Batches.epochs_seen >= 3
    assert model.evaluate(Batches(), verbose=0) == pytest.approx(from_arrays.evaluate(x, y, verbose=0), rel=1e-6)
    np.testing.assert_allclose(model.predict(Batches(), verbose=0), from_arrays.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.predict(batches(), steps=2, verbose=0), from_arrays.predict(x[:20], verbose=0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="must come from its batches"):
        model.fit(batches(), y, steps_per_epoch=1, verbose=0)
