"""A 2-layer bidirectional LSTM text classifier, as Keras' "Bidirectional LSTM on IMDB" example.

    python examples/bidirectional_text.py

Keras' example trains on IMDB movie reviews.  glassnet does not download, so this script uses IMDB
when Keras' ``imdb.npz`` is already in the Keras cache (``~/.keras/datasets``), and otherwise a small
synthetic review set where word *order* matters: "not good" is negative, "not bad" positive.  A
bag of words cannot tell those apart; an LSTM reading both ways can.

Embedding -> Bidirectional(LSTM(return_sequences=True)) -> Bidirectional(LSTM) -> Dense(sigmoid).
GLASSNET_EXAMPLES_QUICK=1 (the test suite) always takes the small synthetic set.
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"  # the test suite's mode: a few seconds
keras.utils.set_random_seed(0)


def synthetic_reviews(n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Short "reviews" of filler words around one judgement, optionally negated: (texts, 0/1 labels)."""
    filler = np.array("the film was plot acting story and it a with this movie scenes actors really".split())
    judgements = {"good": 1, "great": 1, "fine": 1, "bad": 0, "awful": 0, "boring": 0}
    words, polarity = np.array(list(judgements)), np.array(list(judgements.values()))
    texts, labels = [], np.empty(n, dtype="int64")
    for i in range(n):
        pick, negated = rng.integers(len(words)), rng.random() < 0.5
        phrase = (["not"] if negated else []) + [words[pick]]
        before, after = rng.choice(filler, rng.integers(1, 5)), rng.choice(filler, rng.integers(1, 5))
        texts.append(" ".join([*before, *phrase, *after]))
        labels[i] = polarity[pick] ^ negated  # "not" flips the judgement
    return texts, labels


max_features = 20000  # only the 20k most frequent words (IMDB)
maxlen = 200  # only the first 200 words of each review (IMDB)
# Keras' recipe for IMDB; the synthetic set is small, so a small model with a brisker Adam.
embedding_dim, units, learning_rate, epochs = 128, 64, 0.001, 2
try:
    if QUICK:
        raise FileNotFoundError("quick mode: the synthetic set")
    (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=max_features)
    print("IMDB from the Keras cache")
except FileNotFoundError as why:
    print(f"Synthetic reviews ({why if QUICK else 'imdb.npz is not in the Keras cache'})")
    texts, labels = synthetic_reviews(600 if QUICK else 2000, np.random.default_rng(0))
    print("e.g.", [f"{t!r} -> {y}" for t, y in zip(texts[:3], labels[:3])])
    vectorize = layers.TextVectorization(max_tokens=max_features)
    vectorize.adapt(texts)
    # TextVectorization pads with 0 itself; lists of ids keep the same path as IMDB's below.
    ids = [[int(i) for i in row if i] for row in vectorize(np.array(texts)).numpy()]
    split = len(ids) * 4 // 5
    (x_train, y_train), (x_val, y_val) = (ids[:split], labels[:split]), (ids[split:], labels[split:])
    max_features, maxlen = vectorize.vocabulary_size(), 12
    embedding_dim, units, learning_rate, epochs = 16, 16, 0.003, 3 if QUICK else 8
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Truncate long sequences and pad short ones with 0 (at the front, Keras' default).
x_train = keras.preprocessing.sequence.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.preprocessing.sequence.pad_sequences(x_val, maxlen=maxlen)

inputs = keras.Input(shape=(None,), dtype="int32")  # variable-length sequences of word ids
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Bidirectional(layers.LSTM(units, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(units))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_data=(x_val, y_val), verbose=2)
print(f"validation accuracy: {model.evaluate(x_val, y_val, verbose=0)[1]:.3f}")
