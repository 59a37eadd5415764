"""Character-level text generation with an LSTM, as Keras' example (there on Nietzsche, here on Shakespeare).

    python examples/char_generation.py

The bundled 65 KB excerpt of Shakespeare (``keras.datasets.tiny_shakespeare``) is cut into
overlapping windows of 40 characters; an LSTM(128) -> Dense(softmax) learns to predict the
character that follows each window.  Generating then feeds the model its own output, one
character at a time, drawing each from the predicted distribution sharpened or flattened by a
*temperature*: low temperatures repeat the likeliest words, high ones invent more (and misspell more).

Keras' example trains 40 epochs on 600 K characters; a few epochs here already give the shape of
the text (speaker names, line breaks, short words).  GLASSNET_EXAMPLES_QUICK=1 (the test suite)
trains on a slice for three epochs.
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"  # the test suite's mode: a few seconds
keras.utils.set_random_seed(0)

# -- the data: windows of maxlen characters and the character after each ------------------------
text = keras.datasets.tiny_shakespeare.load_data().lower()
if QUICK:
    text = text[:10000]
print("corpus length:", len(text))
chars = sorted(set(text))
print("total chars:", len(chars))
char_indices = {c: i for i, c in enumerate(chars)}
indices_char = dict(enumerate(chars))

maxlen, step = 40, 3
ids = np.array([char_indices[c] for c in text])
starts = np.arange(0, len(text) - maxlen, step)
# One-hot in one indexing step: windows (n, maxlen) of ids, rows of the identity matrix.
windows = ids[starts[:, None] + np.arange(maxlen)]
x = np.eye(len(chars), dtype="float32")[windows]  # (n, maxlen, n_chars)
y = np.eye(len(chars), dtype="float32")[ids[starts + maxlen]]  # (n, n_chars)
print("nb sequences:", len(x))

# -- the model: one LSTM layer ---------------------------------------------------------------------
model = keras.Sequential([
    keras.Input(shape=(maxlen, len(chars))),
    layers.LSTM(32 if QUICK else 128),
    layers.Dense(len(chars), activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
model.summary()


def sample(preds: np.ndarray, temperature: float = 1.0) -> int:
    """Draw an index from ``preds`` reweighted as ``p ** (1 / temperature)`` (renormalised)."""
    logits = np.log(np.asarray(preds, dtype="float64") + 1e-12) / temperature
    probs = np.exp(logits - logits.max())
    return int(np.random.multinomial(1, probs / probs.sum()).argmax())


def generate(seed_text: str, length: int, temperature: float) -> str:
    """Continue ``seed_text`` (maxlen characters) by ``length`` characters, one prediction each."""
    sentence, generated = seed_text, ""
    for _ in range(length):
        x_pred = np.eye(len(chars), dtype="float32")[[char_indices[c] for c in sentence]][None]
        next_char = indices_char[sample(model.predict(x_pred, verbose=0)[0], temperature)]
        sentence = sentence[1:] + next_char
        generated += next_char
    return generated


# -- train, and generate after training ------------------------------------------------------------
epochs = 3 if QUICK else 10
model.fit(x, y, batch_size=128, epochs=epochs, verbose=2)
start = int(np.random.randint(0, len(text) - maxlen - 1))
seed_text = text[start:start + maxlen]
print(f'\nGenerating with seed: "{seed_text}"')
for temperature in (0.2, 0.5) if QUICK else (0.2, 0.5, 1.0, 1.2):
    print(f"----- temperature: {temperature}")
    print(seed_text + generate(seed_text, 60 if QUICK else 400, temperature))
