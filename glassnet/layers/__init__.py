"""Layers with Keras' names, arguments and weight layouts."""

from ..models.symbolic import Input, InputLayer
from .base import InputSpec, Layer
from .core import Activation, Dense, Lambda, LeakyReLU, ReLU, Softmax
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
from .regularization import Dropout
from .reshaping import Flatten, Reshape

__all__ = [
    "Activation", "Add", "Average", "Concatenate", "Dense", "Dropout", "Flatten", "Input", "InputLayer",
    "InputSpec", "Lambda", "Layer", "LeakyReLU", "Maximum", "Minimum", "Multiply", "ReLU", "Reshape",
    "Softmax", "Subtract", "add", "average", "concatenate", "multiply", "subtract",
]
