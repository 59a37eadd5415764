"""A Transformer encoder block built from Keras layers, as in the books, on a toy sequence task.

    python examples/transformer_block.py

Sequences of 12 word ids (vocabulary of 20); the label says whether word 3 appears more often than
word 4.  Embedding -> [MultiHeadAttention + residual -> LayerNormalization -> Dense feed-forward +
residual -> LayerNormalization] -> GlobalAveragePooling1D -> Dense(softmax).  The attention, the layer
norm and their backward passes are glassnet ops written as equations: ``explain()`` prints them.
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"  # the test suite's mode: a few seconds
keras.utils.set_random_seed(0)

VOCAB, LENGTH, EMBED, HEADS, FF = 20, 12, 16, 2, 32


def transformer_block(x, num_heads=HEADS, key_dim=EMBED // HEADS, ff_dim=FF, dropout=0.1):
    """The encoder block of "Attention is all you need" (post-norm), from Keras layers."""
    attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, dropout=dropout)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(dropout)(attention))
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(x.shape[-1])(ff)
    return layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(dropout)(ff))


def make_data(n, rng):
    x = rng.integers(1, VOCAB, size=(n, LENGTH))
    y = ((x == 3).sum(axis=1) > (x == 4).sum(axis=1)).astype("int64")
    return x, y


rng = np.random.default_rng(0)
x_train, y_train = make_data(600 if QUICK else 5000, rng)
x_test, y_test = make_data(200 if QUICK else 1000, rng)

inputs = keras.Input((LENGTH,), dtype="int64")
h = layers.Embedding(VOCAB, EMBED)(inputs)
h = transformer_block(h)
h = layers.GlobalAveragePooling1D()(h)
outputs = layers.Dense(2, activation="softmax")(h)
model = keras.Model(inputs, outputs)
model.summary()
print(model.layers[2].explain())  # the MultiHeadAttention, with this model's shapes

model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=6 if QUICK else 20, batch_size=32, validation_split=0.1, verbose=0)
print(f"loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}")
loss, acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {acc:.3f}")

# The attention weights of one sequence: which words each word looks at (rows sum to 1).
mha = model.layers[2]
emb = model.layers[1](x_test[:1])
_, scores = mha(emb, emb, return_attention_scores=True)
print("attention weights of head 0, shape", scores.shape)
print(np.round(scores.numpy()[0, 0, :4, :6], 2))
