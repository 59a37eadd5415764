"""Datasets bundled with glassnet (``keras.datasets.mnist.load_data()``), offline."""

# boston_housing, cifar10, cifar100, imdb, reuters read Keras' cache (see glassnet.utils.get_file).
from . import (
    boston_housing,
           cifar10,
           cifar100,
    fashion_mnist,
    imdb,
    logic_gates,
    mnist,
    playground,
    reuters,
    sunspots,
    tiny_shakespeare,
)

__all__ = ["fashion_mnist", "imdb", "logic_gates", "mnist", "playground", "reuters", "sunspots",
           "tiny_shakespeare", "boston_housing", "cifar10", "cifar100"]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
