"""The lecture MLP learns MNIST: the end-to-end promise of the README, on a few thousand samples."""

from __future__ import annotations

import numpy as np

import glassnet as keras
from glassnet import layers


def test_mlp_learns_a_mnist_subset() -> None:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:3000] / 255.0, y_train[:3000]
    x_test, y_test = x_test[:1000] / 255.0, y_test[:1000]
    model = keras.Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(256, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, batch_size=50, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    assert acc > 0.85
    predictions = model.predict(x_test, verbose=0)
    assert predictions.shape == (1000, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
