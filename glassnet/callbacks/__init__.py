"""Callbacks: hooks into training, with Keras' names and semantics."""

from .base import Callback, CallbackList
from .history import History
from .progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
