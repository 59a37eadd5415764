"""Models: Sequential, Functional (``Model(inputs, outputs)``) and subclassed ``Model``."""

from .functional import Functional
from .model import Model
from .sequential import Sequential
from .symbolic import Input, InputLayer, SymbolicTensor

__all__ = ["Functional", "Input", "InputLayer", "Model", "Sequential", "SymbolicTensor"]
