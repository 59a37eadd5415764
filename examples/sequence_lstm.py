"""Recurrent networks: an LSTM reading MNIST images row by row, and Embedding + GRU on a toy text task.

    python examples/sequence_lstm.py

1. Each 28x28 image is a sequence of 28 rows of 28 pixels: LSTM(128) -> Dense(10, softmax).
2. Sequences of word ids of different lengths, padded with 0 by ``pad_sequences``: is the word
   "7" anywhere in the sequence?  Embedding(mask_zero=True) -> GRU (told which steps are padding)
   -> Dense(1, sigmoid).  glassnet does not pass masks between layers automatically yet, so the
   second model is a small subclassed Model that hands the mask to the GRU with ``mask=``.
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"  # the test suite's mode: a few seconds

# -- 1. MNIST, one row per time step ------------------------------------------------------------
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:1000], y_train[:1000], x_test[:300], y_test[:300]
x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255  # (n, 28 steps, 28 features)

model = keras.Sequential([keras.Input((28, 28)), layers.LSTM(32 if QUICK else 128), layers.Dense(10, activation="softmax")])
model.summary()
print(model.layers[0].explain())
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=1 if QUICK else 3, batch_size=128, verbose=2)
print(f"LSTM on MNIST rows, test accuracy: {model.evaluate(x_test, y_test, verbose=0)[1]:.4f}")


# -- 2. Embedding + GRU on padded sequences ---------------------------------------------------------
class WordFinder(keras.Model):
    """Embedding -> GRU -> Dense, passing the padding mask of the Embedding to the GRU by hand."""

    def __init__(self, vocabulary: int, **kwargs):
        super().__init__(**kwargs)
        self.embed = layers.Embedding(vocabulary, 8, mask_zero=True)
        self.gru = layers.GRU(16)
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, ids):
        return self.out(self.gru(self.embed(ids), mask=self.embed.compute_mask(ids)))


gen = np.random.default_rng(0)
n = 600 if QUICK else 4000
lengths = gen.integers(3, 12, size=n)
sequences = [list(gen.integers(1, 20, size=k)) for k in lengths]
labels = np.array([7 in s for s in sequences], dtype="float32")
ids = keras.utils.pad_sequences(sequences, maxlen=12)  # "pre" padding: zeros first, as Keras
finder = WordFinder(20)
finder.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
history = finder.fit(ids, labels, epochs=3 if QUICK else 10, batch_size=32, verbose=0)
print(f"Embedding + GRU, is 7 in the sequence: accuracy {history.history['accuracy'][0]:.3f} after one epoch, "
      f"{history.history['accuracy'][-1]:.3f} after {len(history.history['accuracy'])}")
