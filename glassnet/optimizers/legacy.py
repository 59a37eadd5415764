"""``keras.optimizers.legacy`` (TF 2.11+ code): the same optimizers under the legacy names."""

from .rules import SGD, Adadelta, Adagrad, Adam, Adamax, Nadam, RMSprop

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "Nadam", "RMSprop"]
