"""Raw strings through fit/evaluate/predict for models that start with a string Input or text layers."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers

POSITIVE = ["a great film", "wonderful acting and a great story", "i loved it", "great fun", "superb and wonderful"]
NEGATIVE = ["a terrible film", "awful acting and a boring story", "i hated it", "boring mess", "awful and terrible"]
TEXTS = (POSITIVE + NEGATIVE) * 4  # interleaved: validation_split gets both classes
LABELS = np.array(([1] * 5 + [0] * 5) * 4)


def _vectorizer() -> layers.TextVectorization:
    tv = layers.TextVectorization(max_tokens=40, output_sequence_length=8)
    tv.adapt(TEXTS)
    return tv


def _text_classifier() -> keras.Model:
    """The Keras text-classification recipe: TextVectorization -> Embedding -> pooling -> Dense."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(40, 8)(_vectorizer()(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_on_a_list_of_strings_then_predict_raw_strings() -> None:
    model = _text_classifier()
    history = model.fit(TEXTS, LABELS, epochs=15, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    probs = model.predict(["great story", "awful mess"], verbose=0)
    assert probs.shape == (2, 1) and probs[0, 0] > 0.5 > probs[1, 0]
    # A column (n, 1), an object array of str and a validation split are fed alike.
    column = model.predict(np.array([["great story"], ["awful mess"]]), verbose=0)
    np.testing.assert_allclose(column, probs, rtol=1e-6)
    loss, acc = model.evaluate(np.array(TEXTS, dtype=object), LABELS, verbose=0)
    assert acc == 1.0 and loss < 0.5


def test_sequential_starting_with_text_vectorization_takes_strings() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([_vectorizer(), layers.Embedding(40, 4), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(np.array(TEXTS), LABELS, epochs=1, validation_split=0.25, verbose=0)
    assert model.predict(["great"], verbose=0).shape == (1, 1)


def test_string_lookup_model_trains_on_categories() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.StringLookup(vocabulary=["red", "green"], output_mode="one_hot"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(np.array([["red"], ["green"]] * 4), np.array([1, 0] * 4), epochs=1, verbose=0)


def test_numeric_model_fed_strings_keeps_its_clear_error() -> None:
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(TypeError, match="must be numeric, but it holds strings.*dtype='string'"):
        model.fit(np.array([["a"], ["b"]]), np.zeros(2), verbose=0)


def test_string_model_refuses_numbers_a_lone_string_and_mixed_objects() -> None:
    model = _text_classifier()
    with pytest.raises(TypeError, match="feeds a string input.*pass the raw strings"):
        model.predict(np.zeros((2, 1)), verbose=0)
    with pytest.raises(TypeError, match=r"single string.*\[text\]"):
        model.predict("great film", verbose=0)
    with pytest.raises(TypeError, match="holds NoneType values"):
        model.predict(np.array(["great", None], dtype=object), verbose=0)


def test_subclassed_model_holding_a_text_layer_takes_strings() -> None:
    class TextModel(keras.Model):
        def __init__(self, vectorizer: layers.TextVectorization, **kwargs):
            super().__init__(**kwargs)
            self.vectorizer = vectorizer
            self.embed = layers.Embedding(40, 4)
            self.pool = layers.GlobalAveragePooling1D()
            self.out = layers.Dense(1, activation="sigmoid")

        def call(self, texts):
            return self.out(self.pool(self.embed(self.vectorizer(texts))))

    keras.utils.set_random_seed(0)
    model = TextModel(_vectorizer())
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(TEXTS, LABELS, epochs=1, verbose=0)
    assert model.predict(["great"], verbose=0).shape == (1, 1)
