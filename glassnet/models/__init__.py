"""Models: Sequential, Functional (``Model(inputs, outputs)``) and subclassed ``Model``."""

from ..saving import load_model, model_from_json, save_model  # saving imports nothing from models at load time
from .cloning import clone_model
from .functional import Functional
from .model import Model
from .sequential import Sequential
from .symbolic import Input, InputLayer, SymbolicTensor

__all__ = ["clone_model", "Functional", "Input", "InputLayer", "Model", "Sequential", "SymbolicTensor", "load_model",
           "model_from_json", "save_model"]
