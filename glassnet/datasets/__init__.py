"""Datasets bundled with glassnet (``keras.datasets.mnist.load_data()``), offline."""

from . import mnist

__all__ = ["mnist"]
