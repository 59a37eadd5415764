"""Layers with Keras' names, arguments and weight layouts."""

from ..serialization import deserialize, register_builtin, serialize
from .attention import AdditiveAttention, Attention, MultiHeadAttention
from .augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from .base import InputSpec, Layer
from .convolutional import Conv1D, Conv2D, Conv2DTranspose, Convolution1D, Convolution2D, Convolution2DTranspose
from .core import ELU, Activation, Dense, Lambda, LeakyReLU, PReLU, ReLU, Softmax
from .depthwise import DepthwiseConv2D
from .embedding import Embedding
from .feature_cross import FeatureCross
from .masking import Masking
from .merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    multiply,
    subtract,
)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .preprocessing import Normalization, Rescaling
from .recurrent import GRU, LSTM, SimpleRNN
from .regularization import Dropout
from .reshaping import Flatten, Reshape
from .resizing import CenterCrop, Resizing
from .rnn import RNN
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from .rnn_stacked import StackedRNNCells
from .spatial import Cropping2D, UpSampling2D, ZeroPadding2D
from .text_lookup import IntegerLookup, StringLookup
from .text_vectorization import TextVectorization
from .tracing import Input, InputLayer
from .wrappers import Bidirectional, TimeDistributed

__all__ = [
    "ELU", "Normalization", "PReLU", "Rescaling",
    "FeatureCross",  # the TensorFlow Playground's input features (issue 10)
    "Activation", "Add", "Average", "Concatenate", "Dense", "Dropout", "Flatten", "Input", "InputLayer",
    "InputSpec", "Lambda", "Layer", "LeakyReLU", "Maximum", "Minimum", "Multiply", "ReLU", "Reshape",
    "Softmax", "Subtract", "add", "average", "concatenate", "multiply", "subtract",
    # convolutional networks (issue 3)
    "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization", "Conv1D", "Conv2D",
    "Conv2DTranspose", "Convolution1D", "Convolution2D", "Convolution2DTranspose", "Cropping2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPool1D", "MaxPool2D", "MaxPooling1D",
    "MaxPooling2D", "UpSampling2D", "ZeroPadding2D",
    # sequences (issue 12)
    "Embedding", "GRU", "LSTM", "SimpleRNN",
    "GRUCell", "LSTMCell", "RNN", "SimpleRNNCell", "StackedRNNCells",  # the generic RNN and its cells (issue 12)
    "Bidirectional", "Masking", "TimeDistributed",  # masks and wrappers (issue 12)
    # attention (issue 12)
    "AdditiveAttention", "Attention", "LayerNormalization", "MultiHeadAttention",
    "IntegerLookup", "StringLookup", "TextVectorization",  # text preprocessing (issue 12)
    # image augmentation and re-framing (issue 14)
    "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation",
    "RandomTranslation", "RandomZoom", "Resizing",
    "DepthwiseConv2D",  # MobileNet's per-channel convolution (issue 14)
    # configs (keras.layers.serialize / deserialize)
    "serialize", "deserialize",
]

# Keras' other names for a class (Convolution2D, MaxPool2D...) resolve in configs too.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and issubclass(_obj, Layer):
        register_builtin(_obj, _name)


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
