"""Embedding (lookup, scatter-add gradient, mask_zero, bad indices), pad_sequences, and a saved
Embedding + LSTM model that loads back identical."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers


def test_lookup_gradient_mask_and_config() -> None:
    layer = layers.Embedding(10, 4, mask_zero=True)
    ids = np.array([[0, 3, 3, 9], [1, 2, 0, 0]])
    with gn.GradientTape() as tape:
        out = layer(ids)
        loss = out.sum()
    assert out.shape == (2, 4, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), layer.embeddings.numpy()[ids])
    counts = np.bincount(ids.ravel(), minlength=10)[:, None] * np.ones((1, 4))
    np.testing.assert_array_equal(tape.gradient(loss, layer.embeddings), counts)
    np.testing.assert_array_equal(layer.compute_mask(ids), ids != 0)
    assert layers.Embedding(10, 4).compute_mask(ids) is None
    assert np.abs(layer.embeddings.numpy()).max() <= 0.05  # "uniform": U(-0.05, 0.05)
    again = layers.Embedding.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert layer.compute_output_shape((None, None)) == (None, None, 4)
    assert "a[n, t] = E[x[n, t]]" in str(layer.explain())
    assert layers.Embedding(5, 2, input_length=7)(np.zeros((1, 7), "int64")).shape == (1, 7, 2)


def test_bad_indices_and_arguments_name_the_layer() -> None:
    layer = layers.Embedding(5, 2, name="words")
    with pytest.raises(ValueError, match=r"Embedding 'words': input indices must be in \[0, 4\]"):
        layer(np.array([[1, 5]]))
    with pytest.raises(ValueError, match="Embedding 'words'.*-1"):
        layer(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match="Embedding 'words': inputs must be integer indices"):
        layer(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="Embedding 'e2'.*output_dim"):
        layers.Embedding(5, 0, name="e2")


def test_pad_sequences_as_keras() -> None:
    seqs = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(gn.utils.pad_sequences(seqs), [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(gn.utils.pad_sequences(seqs, maxlen=2, padding="post", truncating="post",
                                                         value=-1), [[1, 2], [4, -1], [-1, -1]])
    np.testing.assert_array_equal(gn.utils.pad_sequences(seqs, maxlen=2), [[2, 3], [0, 4], [0, 0]])
    out = gn.utils.pad_sequences([[0.5, 1.5]], maxlen=3, dtype="float32")
    assert out.dtype == np.float32 and out.tolist() == [[0.0, 0.5, 1.5]]
    assert gn.preprocessing.sequence.pad_sequences is gn.utils.pad_sequences
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        gn.utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="maxlen"):
        gn.utils.pad_sequences(seqs, maxlen=-1)


def test_embedding_lstm_model_saves_and_loads(tmp_path) -> None:
    gen = np.random.default_rng(0)
    ids = gen.integers(1, 20, size=(16, 6))
    y = (ids[:, 0] > 10).astype("float32")
    model = gn.Sequential([gn.Input((6,), dtype="int32"), layers.Embedding(20, 5), layers.LSTM(4),
                           layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(ids, y, epochs=1, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)
    loaded = gn.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0))
    assert [w.shape for w in loaded.weights] == [w.shape for w in model.weights]
    model.save_weights(tmp_path / "seq.weights.h5")
    loaded.load_weights(tmp_path / "seq.weights.h5")
