"""The lecture MLP with the Sequential API, exactly as a Keras tutorial writes it.

    python examples/sequential_mnist.py
"""

import os

import glassnet as keras
from glassnet import layers

# Quick mode (used by the test suite): a subset and one epoch.
QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:2000], y_train[:2000], x_test[:500], y_test[:500]
x_train, x_test = x_train / 255.0, x_test / 255.0

model = keras.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(256, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=1 if QUICK else 5, batch_size=50, validation_split=0.1)
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {test_acc:.4f}")
