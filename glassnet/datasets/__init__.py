"""Datasets bundled with glassnet (``keras.datasets.mnist.load_data()``), offline."""

from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
