"""A scientist's use: fit a small regressor to your own NumPy arrays, with early stopping on validation.

    python examples/regression_arrays.py
"""

import numpy as np

import glassnet as keras
from glassnet import layers

# Synthetic "measurements": intensity of a Gaussian beam profile at (x, y) plus detector noise.
rng = np.random.default_rng(42)
coords = rng.uniform(-2, 2, size=(2000, 2)).astype("float32")
intensity = np.exp(-(coords ** 2).sum(axis=1, keepdims=True)).astype("float32")
intensity += 0.01 * rng.normal(size=intensity.shape).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(2,)),
    layers.Dense(64, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(coords, intensity, epochs=40, batch_size=64, validation_split=0.2, verbose=2)
print("final validation MAE:", round(history.history["val_mae"][-1], 4))
print("prediction at the beam centre:", model.predict(np.zeros((1, 2), "float32"), verbose=0).ravel())
