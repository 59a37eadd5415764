"""Datasets bundled with glassnet (``keras.datasets.mnist.load_data()``), offline."""

from . import fashion_mnist, logic_gates, mnist, playground

__all__ = ["fashion_mnist", "logic_gates", "mnist", "playground"]
