"""The Functional API: two inputs, a shared layer, a residual Add and two outputs.

    python examples/functional_api.py
"""

import numpy as np

import glassnet as keras
from glassnet import layers

rng = np.random.default_rng(0)
left = rng.normal(size=(512, 8)).astype("float32")
right = rng.normal(size=(512, 8)).astype("float32")
target_value = (left[:, :2] * right[:, :2]).sum(axis=1, keepdims=True)   # a regression target
target_class = (target_value[:, 0] > 0).astype("int64")                # and a classification one

in_left = keras.Input(shape=(8,), name="left")
in_right = keras.Input(shape=(8,), name="right")
shared = layers.Dense(16, activation="tanh", name="shared_encoder")   # one layer, used twice
h = layers.Concatenate()([shared(in_left), shared(in_right)])
block = layers.Dense(32, activation="relu")(h)
h = layers.Add()([h, block])                                      # a residual connection
value = layers.Dense(1, name="value")(h)
label = layers.Dense(2, activation="softmax", name="label")(h)
model = keras.Model(inputs=[in_left, in_right], outputs=[value, label], name="two_heads")
model.summary()

model.compile(optimizer="adam", loss={"value": "mse", "label": "sparse_categorical_crossentropy"},
              loss_weights={"value": 0.5, "label": 1.0}, metrics={"label": ["accuracy"]})
history = model.fit({"left": left, "right": right}, {"value": target_value, "label": target_class},
                    epochs=40, batch_size=32, validation_split=0.2, verbose=0)
print({k: round(v[-1], 4) for k, v in history.history.items()})
