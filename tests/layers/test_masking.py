"""Masks as Keras carries them: Embedding(mask_zero) and Masking mark padding, the mask rides on the
tensors through eager calls, Sequential and Functional models, RNNs skip masked steps, and compile's
loss and metrics leave masked steps out."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers

IDS = np.array([[3, 1, 4, 0, 0], [5, 9, 2, 6, 0], [7, 0, 0, 0, 0]])
LENGTHS = [3, 4, 1]


def _padded_floats() -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(3, 5, 2))
    for i, n in enumerate(LENGTHS):
        x[i, n:] = 0.0
    return x


def test_embedding_mask_rides_on_the_output_and_reaches_the_lstm_eagerly() -> None:
    emb, lstm = layers.Embedding(10, 4, mask_zero=True), layers.LSTM(3, return_sequences=True, return_state=True)
    a = emb(IDS)
    np.testing.assert_array_equal(a._keras_mask, IDS != 0)
    seq, h, c = lstm(a)
    np.testing.assert_array_equal(seq._keras_mask, IDS != 0)  # return_sequences passes it on
    assert h._keras_mask is None and c._keras_mask is None
    explicit = lstm(emb(IDS), mask=IDS != 0)
    np.testing.assert_allclose(h.numpy(), explicit[1].numpy())
    assert layers.LSTM(3)(a)._keras_mask is None  # the last state only: the mask ends here
    assert layers.Embedding(10, 4)(IDS)._keras_mask is None


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("first", ["embedding", "masking"])
def test_masked_steps_do_not_change_the_output(kind: str, first: str) -> None:
    """A padded, masked batch gives each sequence's output on its unpadded self."""
    gn.set_floatx("float64")
    x = IDS if first == "embedding" else _padded_floats()
    shape, dtype = ((None,), "int32") if first == "embedding" else ((None, 2), None)
    front = layers.Embedding(10, 4, mask_zero=True) if first == "embedding" else layers.Masking()
    lstm = layers.LSTM(3, return_sequences=True)
    dense = layers.Dense(2)
    if kind == "sequential":
        model = gn.Sequential([gn.Input(shape, dtype=dtype), front, lstm, dense])
    else:
        inp = gn.Input(shape, dtype=dtype)
        model = gn.Model(inp, dense(lstm(front(inp))))
    out = model(x)
    np.testing.assert_array_equal(out._keras_mask, IDS != 0)  # through Dense (supports_masking)
    for i, n in enumerate(LENGTHS):
        alone = model(x[i:i + 1, :n]).numpy()[0]
        np.testing.assert_allclose(out.numpy()[i, :n], alone, rtol=1e-10, atol=1e-12)
        # masked steps repeat the last valid output (Keras' default for a plain RNN)
        np.testing.assert_allclose(out.numpy()[i, n:], np.repeat(alone[-1:], 5 - n, axis=0), rtol=1e-10)
    final = gn.Sequential([gn.Input(shape, dtype=dtype), front, layers.GRU(3)])
    last = final(x).numpy()
    for i, n in enumerate(LENGTHS):
        np.testing.assert_allclose(last[i], final(x[i:i + 1, :n]).numpy()[0], rtol=1e-10, atol=1e-12)


def test_masking_layer_values_mask_and_config() -> None:
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, -1.0]]])
    layer = layers.Masking(mask_value=-1.0)
    out = layer(x)
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])
    np.testing.assert_array_equal(out.numpy(), [[[1, 2], [0, 0], [0, -1]]])
    assert layer.get_config()["mask_value"] == -1.0
    assert layers.Masking.from_config(layer.get_config()).mask_value == -1.0
    with pytest.raises(ValueError, match="mask_value"):
        layers.Masking(mask_value="x")


def test_a_layer_without_masking_support_drops_the_mask_with_a_warning() -> None:
    a = layers.Embedding(10, 4, mask_zero=True)(IDS)
    flat = layers.Flatten(name="flat_for_mask")
    with pytest.warns(UserWarning, match="flat_for_mask"):
        out = flat(a)
    assert out._keras_mask is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layers.Dropout(0.5)(a)._keras_mask is not None  # passes it on, silently


def _seq_model(loss: str, metrics: list[str]) -> gn.Model:
    gn.set_floatx("float64")
    model = gn.Sequential([gn.Input((5,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                           layers.LSTM(3, return_sequences=True), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return model


def test_the_loss_and_metrics_leave_masked_steps_out() -> None:
    model = _seq_model("mse", ["mae"])
    y = np.random.default_rng(1).normal(size=(3, 5, 2))
    pred = model(IDS).numpy()
    valid = IDS != 0
    per_step = ((pred - y) ** 2).mean(axis=-1)
    expected_loss = per_step[valid].mean()  # by hand: the mean over the 8 valid steps only
    expected_mae = np.abs(pred - y).mean(axis=-1)[valid].mean()
    logs = model.evaluate(IDS, y, batch_size=3, return_dict=True, verbose=0)
    np.testing.assert_allclose(logs["loss"], expected_loss, rtol=1e-10)
    np.testing.assert_allclose(logs["mae"], expected_mae, rtol=1e-10)
    # padding values change nothing: the labels of masked steps are ignored
    y2 = y.copy()
    y2[~valid] = 1e3
    np.testing.assert_allclose(model.evaluate(IDS, y2, batch_size=3, verbose=0)[0], expected_loss, rtol=1e-10)
    # with sample weights: sum(w * loss * mask) / (number of valid steps), as Keras
    sw = np.array([1.0, 2.0, 0.5])
    weighted = (per_step * sw[:, None])[valid].sum() / valid.sum()
    np.testing.assert_allclose(model.evaluate(IDS, y, sample_weight=sw, batch_size=3, verbose=0)[0], weighted,
                               rtol=1e-10)


def test_sparse_accuracy_counts_only_valid_steps_and_training_runs() -> None:
    model = _seq_model("sparse_categorical_crossentropy", ["accuracy"])
    labels = (np.arange(15).reshape(3, 5) % 2)
    pred = model(IDS).numpy()
    hits = (pred.argmax(-1) == labels)[IDS != 0]
    logs = model.evaluate(IDS, labels, batch_size=3, return_dict=True, verbose=0)
    np.testing.assert_allclose(logs["accuracy"], hits.mean(), rtol=1e-10)
    history = model.fit(IDS, labels, epochs=2, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
