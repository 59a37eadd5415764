"""Keras' sequence tutorials, run with ``keras = glassnet`` (small sizes; each test one tutorial's code path).

Sources (keras.io): "Understanding masking & padding", "Working with RNNs", "Text classification
from scratch", "Bidirectional LSTM on IMDB", "Character-level text generation with LSTM" and
"Timeseries forecasting for weather prediction".  TensorFlow calls in them are replaced by their
``keras.ops`` / NumPy equivalents; everything else is the tutorials' code.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers, ops

RAW_INPUTS = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


@pytest.fixture(autouse=True)
def _seed() -> None:
    keras.utils.set_random_seed(0)


# -- Understanding masking & padding -------------------------------------------------------------
def test_masking_guide_padding_and_mask_generating_layers() -> None:
    padded_inputs = keras.preprocessing.sequence.pad_sequences(RAW_INPUTS, padding="post")
    assert padded_inputs.tolist()[0] == [711, 632, 71, 0, 0, 0]
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(padded_inputs)
    expected = padded_inputs != 0
    np.testing.assert_array_equal(masked_output._keras_mask, expected)
    masking_layer = layers.Masking()
    unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), "float32")
    assert unmasked_embedding.shape == (3, 6, 10)
    masked_embedding = masking_layer(unmasked_embedding)
    np.testing.assert_array_equal(masked_embedding._keras_mask, expected)


def test_masking_guide_mask_propagation_in_sequential_functional_and_by_hand() -> None:
    padded_inputs = keras.preprocessing.sequence.pad_sequences(RAW_INPUTS, padding="post")
    model = keras.Sequential([layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True), layers.LSTM(32)])
    out = model(padded_inputs)
    # The LSTM skipped the padding: the first sequence alone gives the same output.
    np.testing.assert_allclose(model(padded_inputs[:1, :6]).numpy(), out.numpy()[:1], atol=1e-6)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    outputs = layers.LSTM(32)(x)
    assert keras.Model(inputs, outputs)(padded_inputs).shape == (3, 32)

    class MyLayer(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
            self.lstm = layers.LSTM(32)

        def call(self, inputs):
            x = self.embedding(inputs)
            mask = self.embedding.compute_mask(inputs)
            return self.lstm(x, mask=mask)

    layer = MyLayer()
    x = (np.random.random((32, 10)) * 100).astype("int32")
    assert layer(x).shape == (32, 32)


def test_masking_guide_custom_layers_that_modify_generate_pass_and_consume_masks() -> None:
    padded_inputs = keras.preprocessing.sequence.pad_sequences(RAW_INPUTS, padding="post")
    masked_embedding = layers.Masking()(ops.cast(ops.tile(ops.expand_dims(padded_inputs, -1), [1, 1, 10]), "float32"))

    class TemporalSplit(keras.layers.Layer):
        """Split the input tensor into 2 tensors along the time dimension."""

        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    first_half, second_half = TemporalSplit()(masked_embedding)
    np.testing.assert_array_equal(first_half._keras_mask, np.ones((3, 3), bool))
    np.testing.assert_array_equal(second_half._keras_mask, [[0, 0, 0], [1, 1, 0], [1, 1, 1]])

    class CustomEmbedding(keras.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="random_normal",
                                              dtype="float32")

        def call(self, inputs):
            return ops.take(self.embeddings, inputs, axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    layer = CustomEmbedding(10, 32, mask_zero=True)
    x = (np.random.random((3, 10)) * 9).astype("int32")
    y = layer(x)
    mask = layer.compute_mask(x)
    np.testing.assert_array_equal(mask.numpy(), x != 0)
    np.testing.assert_array_equal(y._keras_mask, x != 0)

    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x._keras_mask is not None
    outputs = layers.LSTM(32)(x)
    keras.Model(inputs, outputs)

    class TemporalSoftmax(keras.layers.Layer):
        def call(self, inputs, mask=None):
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = layers.Dense(1)(x)
    with pytest.warns(UserWarning, match="drops the mask"):  # Keras 3 warns alike
        outputs = TemporalSoftmax()(x)
    model = keras.Model(inputs, outputs)
    ids = np.random.randint(0, 10, size=(32, 100))
    with pytest.warns(UserWarning, match="drops the mask"):
        y = model(ids).numpy()[..., 0]
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(y[ids == 0] == 0)


def test_ops_used_by_the_guides_have_gradients() -> None:
    x = keras.Variable(np.arange(6.0).reshape(2, 3))
    with keras.GradientTape() as tape:
        a, b = ops.split(x, [1], axis=1)
        loss = ops.sum(ops.tile(a, [1, 2]) * 3.0) + ops.sum(ops.take(b, np.array([0, 0, 1]), axis=1))
    grad = np.asarray(tape.gradient(loss, x))
    np.testing.assert_allclose(grad, [[6.0, 2.0, 1.0], [6.0, 2.0, 1.0]])
    assert ops.argmax(np.array([[1, 5, 2]]), axis=1).numpy().tolist() == [1]


# -- Working with RNNs -----------------------------------------------------------------------------
def test_rnn_guide_builtin_layers_outputs_and_states() -> None:
    model = keras.Sequential()
    model.add(layers.Embedding(input_dim=1000, output_dim=8))
    model.add(layers.GRU(32, return_sequences=True))
    model.add(layers.SimpleRNN(16))
    model.add(layers.Dense(10))
    assert model(np.random.randint(0, 1000, (2, 7))).shape == (2, 10)

    encoder_input = layers.Input(shape=(None,))
    encoder_embedded = layers.Embedding(input_dim=1000, output_dim=8)(encoder_input)
    output, state_h, state_c = layers.LSTM(16, return_state=True, name="encoder")(encoder_embedded)
    encoder_state = [state_h, state_c]
    decoder_input = layers.Input(shape=(None,))
    decoder_embedded = layers.Embedding(input_dim=2000, output_dim=8)(decoder_input)
    decoder_output = layers.LSTM(16, name="decoder")(decoder_embedded, initial_state=encoder_state)
    output = layers.Dense(10)(decoder_output)
    model = keras.Model([encoder_input, decoder_input], output)
    assert model([np.random.randint(0, 1000, (2, 5)), np.random.randint(0, 2000, (2, 6))]).shape == (2, 10)
    # The decoder really starts from the encoder's states: other encoder inputs change its output.
    dec = np.random.randint(0, 2000, (2, 6))
    assert not np.allclose(model([np.ones((2, 5)), dec]).numpy(), model([np.full((2, 5), 7), dec]).numpy())


def test_rnn_guide_cross_batch_statefulness_and_state_reuse() -> None:
    paragraph1, paragraph2, paragraph3 = (np.random.random((20, 10, 50)).astype(np.float32) for _ in range(3))
    lstm_layer = layers.LSTM(16, stateful=True)
    first = lstm_layer(paragraph1).numpy()
    lstm_layer(paragraph2)
    carried = lstm_layer(paragraph3).numpy()
    lstm_layer.reset_states()
    np.testing.assert_allclose(lstm_layer(paragraph1).numpy(), first, atol=1e-6)  # zeros again after the reset
    lstm_layer.reset_states()
    assert not np.allclose(lstm_layer(paragraph3).numpy(), carried)  # the state did carry across batches

    lstm_layer = layers.LSTM(16, stateful=True)
    lstm_layer(paragraph1)
    lstm_layer(paragraph2)
    existing_state = lstm_layer.states
    new_lstm_layer = layers.LSTM(16)
    new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
    assert new_output.shape == (20, 16)


def test_rnn_guide_bidirectional_and_rnn_of_a_cell_matches_the_layer() -> None:
    model = keras.Sequential()
    model.add(layers.Bidirectional(layers.LSTM(8, return_sequences=True), input_shape=(5, 10)))
    model.add(layers.Bidirectional(layers.LSTM(4)))
    model.add(layers.Dense(10))
    assert model.count_params() == 2 * 4 * 8 * (10 + 8 + 1) + 2 * 4 * 4 * (16 + 4 + 1) + 8 * 10 + 10

    units, input_dim, output_size = 8, 28, 10

    def build_model(allow_cudnn_kernel=True):
        if allow_cudnn_kernel:
            lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
        else:
            lstm_layer = keras.layers.RNN(keras.layers.LSTMCell(units), input_shape=(None, input_dim))
        return keras.models.Sequential([lstm_layer, keras.layers.BatchNormalization(),
                                        keras.layers.Dense(output_size)])

    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:128] / 255.0, y_train[:128]
    model = build_model(allow_cudnn_kernel=True)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, validation_data=(x_train[:64], y_train[:64]), batch_size=64, epochs=1, verbose=0)
    noncudnn_model = build_model(allow_cudnn_kernel=False)
    noncudnn_model.set_weights(model.get_weights())
    np.testing.assert_allclose(noncudnn_model.predict_on_batch(x_train[:8]), model.predict_on_batch(x_train[:8]),
                               rtol=1e-4, atol=1e-5)
    sample = x_train[0]
    result = ops.argmax(model.predict_on_batch(ops.expand_dims(sample, 0)), axis=1)
    assert result.numpy().shape == (1,)


def test_rnn_guide_custom_cell_and_stacked_cells() -> None:
    class MinimalRNNCell(keras.layers.Layer):
        """The cell of Keras' RNN API docs: h = x W + h_prev U."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    cell = MinimalRNNCell(32)
    x = keras.Input((None, 5))
    layer = layers.RNN(cell)
    y = layer(x)
    assert y.shape == (None, 32)

    cells = [MinimalRNNCell(32), MinimalRNNCell(64)]
    y = layers.RNN(cells)(x)
    model = keras.Model(x, layers.Dense(1)(y))
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.random((16, 4, 5)), np.random.random((16, 1)), epochs=1, verbose=0)
    assert y.shape == (None, 64)


# -- Text classification from scratch --------------------------------------------------------------
def _review_folders(root: Path) -> None:
    rng = np.random.default_rng(0)
    for part in ("train", "test"):
        for label, words in (("pos", ["great", "lovely", "superb"]), ("neg", ["awful", "dull", "bad"])):
            folder = root / part / label
            folder.mkdir(parents=True)
            for i in range(12):
                (folder / f"{i}.txt").write_text(f"This film was <br />{rng.choice(words)}, really {rng.choice(words)}!")


def test_text_classification_from_scratch(tmp_path: Path) -> None:
    _review_folders(tmp_path)
    batch_size = 8
    raw_train_ds = keras.utils.text_dataset_from_directory(tmp_path / "train", batch_size=batch_size,
                                                           validation_split=0.2, subset="training", seed=1337,
                                                           verbose=False)
    raw_val_ds = keras.utils.text_dataset_from_directory(tmp_path / "train", batch_size=batch_size,
                                                         validation_split=0.2, subset="validation", seed=1337,
                                                         verbose=False)
    raw_test_ds = keras.utils.text_dataset_from_directory(tmp_path / "test", batch_size=batch_size, verbose=False)
    assert raw_train_ds.cardinality() == 3
    for text_batch, label_batch in raw_train_ds.take(1):
        assert "<br />" in text_batch[0] and label_batch[0] in (0, 1)

    def custom_standardization(input_data):
        lowercase = input_data.lower()
        stripped_html = lowercase.replace("<br />", " ")
        return re.sub(f"[{re.escape(string.punctuation)}]", "", stripped_html)

    max_features, embedding_dim, sequence_length = 50, 8, 30
    vectorize_layer = keras.layers.TextVectorization(standardize=custom_standardization, max_tokens=max_features,
                                                     output_mode="int", output_sequence_length=sequence_length)
    text_ds = raw_train_ds.map(lambda x, y: x)
    vectorize_layer.adapt(text_ds)
    assert "br" not in vectorize_layer.get_vocabulary()

    def vectorize_text(text, label):
        text = ops.expand_dims(text, -1)
        return vectorize_layer(text), label

    train_ds = raw_train_ds.map(vectorize_text).cache().prefetch(buffer_size=10)
    val_ds = raw_val_ds.map(vectorize_text).cache().prefetch(buffer_size=10)
    test_ds = raw_test_ds.map(vectorize_text).cache().prefetch(buffer_size=10)

    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(8, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(8, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(train_ds, validation_data=val_ds, epochs=1, verbose=0)
    scores = model.evaluate(test_ds, verbose=0)

    inputs = keras.Input(shape=(1,), dtype="string")
    indices = vectorize_layer(inputs)
    outputs = model(indices)
    end_to_end_model = keras.Model(inputs, outputs)
    end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    np.testing.assert_allclose(end_to_end_model.evaluate(raw_test_ds, verbose=0), scores, rtol=1e-5)
    assert end_to_end_model.predict(["a great film", "a dull film"], verbose=0).shape == (2, 1)


# -- Bidirectional LSTM on IMDB (random ids in place of the reviews) ---------------------------------
def test_bidirectional_lstm_imdb_model() -> None:
    max_features, maxlen = 200, 12
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(max_features, 8)(inputs)
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(4))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    reviews = [list(np.random.randint(1, max_features, np.random.randint(3, 20))) for _ in range(40)]
    x_train = keras.preprocessing.sequence.pad_sequences(reviews, maxlen=maxlen)
    y_train = np.random.randint(0, 2, 40)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_data=(x_train[:8], y_train[:8]),
                        verbose=0)
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}


# -- Character-level text generation -----------------------------------------------------------------
def test_character_level_text_generation() -> None:
    text = keras.datasets.tiny_shakespeare.load_data()[:2000].lower()
    chars = sorted(list(set(text)))
    char_indices = dict((c, i) for i, c in enumerate(chars))
    indices_char = dict((i, c) for i, c in enumerate(chars))
    maxlen, step = 40, 3
    sentences, next_chars = [], []
    for i in range(0, len(text) - maxlen, step):
        sentences.append(text[i: i + maxlen])
        next_chars.append(text[i + maxlen])
    x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1
    model = keras.Sequential([keras.Input(shape=(maxlen, len(chars))), layers.LSTM(16),
                              layers.Dense(len(chars), activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))

    def sample(preds, temperature=1.0):
        preds = np.asarray(preds).astype("float64")
        preds = np.log(preds) / temperature
        exp_preds = np.exp(preds)
        preds = exp_preds / np.sum(exp_preds)
        probas = np.random.multinomial(1, preds, 1)
        return np.argmax(probas)

    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    sentence, generated = text[:maxlen], ""
    for _ in range(5):
        x_pred = np.zeros((1, maxlen, len(chars)))
        for t, char in enumerate(sentence):
            x_pred[0, t, char_indices[char]] = 1.0
        preds = model.predict(x_pred, verbose=0)[0]
        next_char = indices_char[sample(preds, 0.5)]
        sentence = sentence[1:] + next_char
        generated += next_char
    assert len(generated) == 5 and set(generated) <= set(chars)


# -- Timeseries forecasting (synthetic series in place of the Jena climate data) ----------------------
def test_timeseries_forecasting_with_lstm(tmp_path: Path) -> None:
    t = np.arange(400, dtype="float32")
    features = np.stack([np.sin(t / 8), np.cos(t / 13), np.sin(t / 5) * 0.5], axis=1)
    split = 300
    past, future, step, sequence_length, batch_size = 24, 4, 2, 12, 32
    x_train, y_train = features[:split - past - future], features[past + future:split, :1]
    dataset_train = keras.preprocessing.timeseries_dataset_from_array(
        x_train, y_train, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size)
    x_val, y_val = features[split:-past - future], features[split + past + future:, :1]
    dataset_val = keras.preprocessing.timeseries_dataset_from_array(
        x_val, y_val, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size)
    for batch in dataset_train.take(1):
        inputs, targets = batch
    assert inputs.shape == (batch_size, sequence_length, 3) and targets.shape == (batch_size, 1)

    inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(8)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    path_checkpoint = str(tmp_path / "model_checkpoint.weights.h5")
    es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
    modelckpt_callback = keras.callbacks.ModelCheckpoint(monitor="val_loss", filepath=path_checkpoint, verbose=0,
                                                         save_weights_only=True, save_best_only=True)
    history = model.fit(dataset_train, epochs=3, validation_data=dataset_val,
                        callbacks=[es_callback, modelckpt_callback], verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] and Path(path_checkpoint).is_file()
    for x, _y in dataset_val.take(2):
        assert model.predict(x, verbose=0)[0].shape == (1,)
