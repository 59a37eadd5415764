"""``TensorBoard``: write training logs as TensorBoard event files, through tensorboardX.

The layout is Keras 3's, so a ``tensorboard --logdir logs`` shows glassnet and Keras runs alike:
``<log_dir>/train/`` holds ``epoch_loss``, ``epoch_<metric>``, ``epoch_learning_rate`` (and
``batch_<name>`` with a batch-level ``update_freq``), the weight histograms and the model's
description; ``<log_dir>/validation/`` holds the ``val_`` values under the same names
(``epoch_loss``...), so the two runs overlay in one chart.

tensorboardX is an optional dependency (``pip install glassnet[tensorboard]``): it writes the
event files without TensorFlow or PyTorch.
"""

from __future__ import annotations

import io
import os
import time
from contextlib import redirect_stdout
from typing import Any

import numpy as np

from .. import backend
from .base import Callback


def _summary_writer_class() -> Any:
    try:
        from tensorboardX import SummaryWriter
    except ImportError as err:  # the optional extra was not installed
        raise ImportError("keras.callbacks.TensorBoard needs the 'tensorboardX' package to write event files: "
                          "pip install tensorboardX (or pip install 'glassnet[tensorboard]')") from err
    return SummaryWriter


def _check_freq(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"TensorBoard: {name} must be a non-negative integer, got {value!r}")
    return int(value)


class TensorBoard(Callback):
    """Log scalars, weight histograms and the model's description for TensorBoard.

    Parameters
    ----------
    log_dir : str or path
        Root folder; the events go to ``log_dir/train`` and ``log_dir/validation``.
    histogram_freq : int
        Write a histogram of every weight each ``histogram_freq`` epochs (0: never).
    write_graph : bool
        Write the model as text at the start of training: its summary table and its JSON
        config (the TEXT tab; glassnet has no op graph to show).
    write_images : bool
        With ``histogram_freq``, also write 1-D and 2-D weights as images (as Keras does).
    write_steps_per_second : bool
        Also log ``epoch_steps_per_second``.
    update_freq : "epoch", "batch" or int
        ``"batch"`` or ``N`` also writes ``batch_<name>`` every ``N`` training batches.
    profile_batch : int or tuple
        Accepted for Keras code; glassnet has no profiler trace to write, so it is ignored.
    embeddings_freq, embeddings_metadata
        Accepted for Keras code; embeddings are not projected (ignored).
    """

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0, embeddings_metadata: Any = None) -> None:
        super().__init__()
        self._writer_class = _summary_writer_class()  # fail at construction, as Keras fails without TF
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_freq(histogram_freq, "histogram_freq")
        self.write_graph, self.write_images = bool(write_graph), bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch":
            update_freq = _check_freq(update_freq, "update_freq ('epoch', 'batch' or an integer)")
        self.update_freq = update_freq
        self.profile_batch, self.embeddings_freq = profile_batch, embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, Any] = {}
        self._global_train_batch = 0
        self._epoch_start_iterations = 0
        self._epoch_start_time = 0.0

    # -- writers (created lazily: no empty event files for runs that log nothing there) -----------
    def _writer(self, run: str) -> Any:
        if run not in self._writers:
            self._writers[run] = self._writer_class(logdir=os.path.join(self.log_dir, run), flush_secs=10)
        return self._writers[run]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    # -- hooks ----------------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._global_train_batch = 0
        if self.write_graph:
            self._write_model_description()

    def on_train_end(self, logs: dict | None = None) -> None:
        self._close_writers()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start_time = time.perf_counter()
        self._epoch_start_iterations = self._iterations()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._global_train_batch += 1
        if self.update_freq == "epoch" or not self.update_freq or self._global_train_batch % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            if _is_scalar(value):
                writer.add_scalar(f"batch_{name}", float(value), self._global_train_batch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._log_epoch_metrics(epoch, dict(logs or {}))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs: dict | None = None) -> None:
        # Only model.evaluate(callbacks=[tb]) gets here (fit validates without test hooks), as Keras logs it.
        if self.params.get("mode") != "evaluate" or not logs:
            return
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            if _is_scalar(value):
                writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), step)
        writer.flush()
        self._close_writers()

    # -- what is written --------------------------------------------------------------------------
    def _iterations(self) -> int:
        return int(getattr(getattr(self.model, "optimizer", None), "iterations", 0) or 0)

    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any]) -> None:
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "learning_rate" not in train:
            try:
                train["learning_rate"] = float(optimizer.learning_rate)
            except (TypeError, ValueError, AttributeError):  # an optimizer without a plain rate
                pass
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for run, values in (("train", train), ("validation", val)):
            scalars = {k: v for k, v in values.items() if _is_scalar(v)}
            if scalars:
                writer = self._writer(run)
                for name, value in scalars.items():
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                name = str(weight.path or layer.name).replace(":", "_")
                values = np.asarray(backend.to_numpy(weight.numpy()), dtype=np.float64)
                writer.add_histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.add_image(f"{name}/image", image, epoch, dataformats="HWC")

    def _write_model_description(self) -> None:
        """The summary table and the JSON config, as text (TensorBoard's TEXT tab)."""
        writer = self._writer("train")
        buffer = io.StringIO()
        try:
            with redirect_stdout(buffer):
                self.model.summary()
            # Markdown collapses plain text; a code block keeps the table's columns.
            writer.add_text("keras/model_summary", "```\n" + buffer.getvalue() + "\n```", 0)
        except Exception as err:  # an unbuilt subclassed model: say so instead of failing training
            writer.add_text("keras/model_summary", f"(no summary: {type(err).__name__}: {err})", 0)
        try:
            writer.add_text("keras/model_config", "```json\n" + self.model.to_json(indent=2) + "\n```", 0)
        except Exception as err:  # a model whose config does not serialise: as Keras, warn and go on
            writer.add_text("keras/model_config", f"(no config: {type(err).__name__}: {err})", 0)
        writer.flush()

    def __repr__(self) -> str:
        return f"<TensorBoard log_dir={self.log_dir!r}>"


def _is_scalar(value: Any) -> bool:
    try:
        return np.ndim(value) == 0 and np.isreal(value)
    except (TypeError, ValueError):
        return False


def _weight_image(values: np.ndarray) -> np.ndarray | None:
    """A weight as a grey ``(H, W, 1)`` image in [0, 1]: a bias as one row, a kernel with its long side across."""
    w = np.squeeze(values)
    if w.ndim == 1:
        w = w[None, :]
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
    else:
        return None  # Keras too skips what is not 1-D or 2-D (its 3-D case is a 1-D conv stack)
    low, high = float(w.min()), float(w.max())
    scaled = (w - low) / (high - low) if high > low else np.zeros_like(w)
    return scaled[..., None].astype(np.float32)
