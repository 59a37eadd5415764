"""Primitive operations: each one's forward and backward side by side."""

from . import math, nn

__all__ = ["math", "nn"]
