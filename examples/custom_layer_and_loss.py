"""Write your own layer, loss and metric: they differentiate like the built-in ones.

    python examples/custom_layer_and_loss.py
"""

import numpy as np

import glassnet as keras
from glassnet import layers, ops


class ScaledDense(keras.Layer):
    """y = s * (x W + b) with a learned scalar s: weights come from add_weight in build()."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.s = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs):
        return self.s * (ops.matmul(inputs, self.w) + self.b)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def pseudo_huber(y_true, y_pred):
    """A custom loss written with keras.ops: sqrt(1 + e^2) - 1 per element, mean per sample."""
    err = y_pred - y_true
    return ops.mean(ops.sqrt(1.0 + ops.square(err)) - 1.0, axis=-1)


def within_tenth(y_true, y_pred):
    """A custom metric on NumPy arrays: share of predictions within 0.1 of the target."""
    return (np.abs(y_true - y_pred) < 0.1).mean(axis=-1)


rng = np.random.default_rng(3)
x = rng.normal(size=(1000, 3)).astype("float32")
y = (x @ np.array([[1.5], [-2.0], [0.5]], "float32") + 0.3).astype("float32")

model = keras.Sequential([keras.Input(shape=(3,)), ScaledDense(8), layers.Activation("tanh"), layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(0.02), loss=pseudo_huber, metrics=[within_tenth, "mae"])
history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
print({k: round(v[-1], 4) for k, v in history.history.items()})
print("learned scale:", float(model.layers[0].s.numpy()))
