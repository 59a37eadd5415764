"""Datasets bundled with glassnet (``keras.datasets.mnist.load_data()``), offline."""

from . import fashion_mnist, imdb, logic_gates, mnist, playground, reuters, sunspots, tiny_shakespeare

__all__ = ["fashion_mnist", "imdb", "logic_gates", "mnist", "playground", "reuters", "sunspots",
           "tiny_shakespeare"]
