"""``keras.preprocessing`` names that glassnet has: ``sequence.pad_sequences`` and, as in Keras 3, the
dataset utilities ``text_dataset_from_directory`` and ``timeseries_dataset_from_array`` (also in
``keras.utils``)."""

from ..utils.text_dataset import text_dataset_from_directory
from ..utils.timeseries import timeseries_dataset_from_array
from . import sequence

__all__ = ["sequence", "text_dataset_from_directory", "timeseries_dataset_from_array"]
