"""Callbacks: hooks into training, with Keras' names and semantics.

Host-side by design: callbacks read ``logs`` (host floats, or NumPy arrays for per-class metrics) and
weights through ``get_weights``/``to_numpy``; any array of the model they inspect (activations,
gradients, weights) is brought to the host with :func:`glassnet.backend.to_numpy`, never with
``np.asarray``, which refuses CuPy arrays.
"""

from .backup_and_restore import BackupAndRestore
from .base import Callback, CallbackList
from .csv_logger import CSVLogger
from .doctor import Finding, TrainingDoctor, diagnose_training
from .early_stopping import EarlyStopping
from .history import History
from .inspector import Inspector
from .lambda_callback import LambdaCallback
from .lr_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger
from .reduce_lr import ReduceLROnPlateau
from .stopping_rules import StopAtThreshold, StopOnSmallGradient
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["CSVLogger", "Callback", "CallbackList", "EarlyStopping", "Finding", "History", "Inspector",
           "TrainingDoctor", "diagnose_training", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TerminateOnNaN",
           "StopAtThreshold", "StopOnSmallGradient", "BackupAndRestore", "TensorBoard"]


def __dir__() -> list[str]:
    # dir() and tab completion show the public API (__all__), not the names it is built from.
    return sorted(__all__)
