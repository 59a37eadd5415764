"""Masking and padding, step by step, as Keras' guide "Understanding masking & padding".

    python examples/masking_and_padding.py

1. ``pad_sequences`` turns lists of different lengths into one array (padding with 0).
2. ``Embedding(mask_zero=True)`` and ``Masking()`` attach a mask: ``(batch, timesteps)``, False
   where a step is padding.  Functional and Sequential models hand it on to the layers that use it
   (an LSTM skips the masked steps).
3. A mask can be passed by hand: ``lstm(x, mask=embedding.compute_mask(ids))``.
4. Custom layers: one that *changes* the mask (``compute_mask``), one that *creates* it, one that
   *passes it on* (``supports_masking = True``) and one that *uses* it (``call(..., mask=None)``).
5. The payoff: padded sequences give the same LSTM output as the unpadded ones.
"""

import numpy as np

import glassnet as keras
from glassnet import layers, ops

keras.utils.set_random_seed(0)

# -- 1. padding ------------------------------------------------------------------------------------
raw_inputs = [
    [711, 632, 71],
    [73, 8, 3215, 55, 927],
    [83, 91, 1, 645, 1253, 927],
]
# "post" padding puts the zeros after the words (Keras recommends it for RNNs).
padded_inputs = keras.preprocessing.sequence.pad_sequences(raw_inputs, padding="post")
print("padded:\n", padded_inputs)

# -- 2. layers that make a mask --------------------------------------------------------------------
embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
masked_output = embedding(padded_inputs)
print("Embedding mask:\n", masked_output._keras_mask)

# Masking() marks the steps whose features all equal mask_value (0.0): here the same padding.
unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), "float32")
masked_embedding = layers.Masking()(unmasked_embedding)
print("Masking mask:\n", masked_embedding._keras_mask)

# In a model the mask travels by itself from the Embedding to the LSTM.
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
outputs = layers.LSTM(32)(x)
model = keras.Model(inputs, outputs)
print("functional model output:", model(padded_inputs).shape)


# -- 3. passing a mask by hand ---------------------------------------------------------------------
class MyLayer(layers.Layer):
    """Embedding then LSTM inside one layer: the mask is handed over explicitly."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
        self.lstm = layers.LSTM(32)

    def call(self, inputs):
        x = self.embedding(inputs)
        mask = self.embedding.compute_mask(inputs)  # any boolean (batch, timesteps) array would do
        return self.lstm(x, mask=mask)


print("MyLayer output:", MyLayer()(padded_inputs).shape)


# -- 4. custom layers and masks --------------------------------------------------------------------
class TemporalSplit(layers.Layer):
    """Split the sequence in two halves along time; the mask is split the same way."""

    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else ops.split(mask, 2, axis=1)


first_half, second_half = TemporalSplit()(masked_embedding)
print("split masks:\n", first_half._keras_mask, "\n", second_half._keras_mask)


class CustomEmbedding(layers.Layer):
    """An embedding that makes its own mask from the ids (0 is padding)."""

    def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer="random_normal")

    def call(self, inputs):
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0) if self.mask_zero else None


ids = np.array([[3, 1, 0, 0], [4, 4, 4, 0]])
print("CustomEmbedding mask:\n", CustomEmbedding(10, 32, mask_zero=True)(ids)._keras_mask)


class MyActivation(layers.Layer):
    """Element-wise, so the time axis is untouched: safe to pass the mask on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return ops.relu(inputs)


class TemporalSoftmax(layers.Layer):
    """A softmax over time that gives masked steps no weight (a mask *consumer*)."""

    def call(self, inputs, mask=None):
        keep = ops.expand_dims(ops.cast(mask, "float32"), -1)
        exp = ops.exp(inputs - ops.max(inputs, axis=1, keepdims=True)) * keep
        return exp / ops.sum(exp, axis=1, keepdims=True)

    def compute_mask(self, inputs, mask=None):
        # The mask is used up here; saying so (None) spares the "drops the mask" warning.
        return None


inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
x = MyActivation()(x)  # passes the mask along
print("mask found after MyActivation:", x._keras_mask is not None)
outputs = TemporalSoftmax()(layers.Dense(1)(x))  # Dense passes it on too; the softmax consumes it
weights = keras.Model(inputs, outputs)(ids)[..., 0].numpy()
print("softmax over time, zero on padding:\n", np.round(weights, 3))

# -- 5. the payoff: padding changes nothing ---------------------------------------------------------
lstm_model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(5000, 8, mask_zero=True),
                               layers.LSTM(4)])
padded = lstm_model(padded_inputs).numpy()
alone = np.concatenate([lstm_model(np.array([seq])).numpy() for seq in raw_inputs])
print("padded batch == each sequence alone:", np.allclose(padded, alone, atol=1e-6))
