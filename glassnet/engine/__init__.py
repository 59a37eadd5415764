"""The engine: tensors, the gradient tape and the primitive operations."""

from .tensor import GradientTape, Tensor, Variable, as_tensor, backpropagate, is_recording, record

__all__ = ["GradientTape", "Tensor", "Variable", "as_tensor", "backpropagate", "is_recording", "record"]
