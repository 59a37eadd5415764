"""Subclassing keras.Model: layers in __init__, any Python in call().

    python examples/subclassing.py
"""

import numpy as np

import glassnet as keras
from glassnet import layers


class ResidualClassifier(keras.Model):
    def __init__(self, hidden: int = 32, classes: int = 3):
        super().__init__()
        self.embed = layers.Dense(hidden, activation="relu")
        self.block = layers.Dense(hidden, activation="relu")
        self.dropout = layers.Dropout(0.1)
        self.head = layers.Dense(classes, activation="softmax")

    def call(self, inputs, training=None):
        h = self.embed(inputs)
        h = h + 0.5 * self.block(h)          # plain arithmetic is differentiated too
        return self.head(self.dropout(h, training=training))


rng = np.random.default_rng(1)
x = rng.normal(size=(600, 2)).astype("float32")
y = (np.arctan2(x[:, 1], x[:, 0]) // (2 * np.pi / 3) % 3).astype("int64")   # three angular sectors

model = ResidualClassifier()
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=30, batch_size=32, verbose=0)
model.summary()
print("training accuracy:", round(model.evaluate(x, y, verbose=0)[1], 4))
