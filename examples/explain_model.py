"""The equations of a model with its own shapes: ``model.explain()`` for the lecture MLP and a small CNN.

    python examples/explain_model.py

Each layer prints its forward equation, its backward equations (delta, dC/dW, dC/db, dC/dx) with the
shapes of this model filled in, and how its parameters are counted; then the loss (softmax followed
by cross-entropy hands delta = (y_hat - y) / N straight to the logits) and the optimizer's update.
In Jupyter, ``model.explain()`` shows the same as a table with LaTeX equations.
"""

import json

import numpy as np

import glassnet as keras
from glassnet import layers

# The lecture MLP: 28x28 images -> 784 -> 256 -> 64 -> 32 -> 10 classes.
mlp = keras.Sequential([
    keras.Input(shape=(28, 28)),
    layers.Flatten(),
    layers.Dense(256, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
mlp.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy",
            metrics=["accuracy"])
print(mlp.explain())

# The same numbers summary() counts: 200,960 + 16,448 + 2,080 + 330 = 219,818.
assert mlp.explain().total_params == mlp.count_params()

# A small CNN; one layer at a time works too.
cnn = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, kernel_size=3, activation="relu"),
    layers.MaxPooling2D(pool_size=2),
    layers.Conv2D(16, kernel_size=3, activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dropout(0.25),
    layers.Dense(10, activation="softmax"),
])
cnn.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
print()
print(cnn.layers[0].explain())          # Conv2D: the window sum, im2col, and 3 x 3 x 1 x 8 + 8 = 80
print()
print(cnn.explain())

# The equations are data too, for the trace and the playground.
data = cnn.explain().to_dict()
print()
print(f"to_dict(): {len(data['layers'])} layers, {len(json.dumps(data)):,} characters of JSON, "
      f"total params {data['total_params']:,}")

# An explanation describes the arrays a forward pass really makes.
x = np.zeros((2, 28, 28, 1), dtype="float32")
assert tuple(cnn(x).shape[1:]) == tuple(data["layers"][-1]["symbols"]["a"][1:])
