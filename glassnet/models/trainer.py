"""``compile``, ``fit``, ``evaluate`` and ``predict``: the training loop, readable top to bottom.

One training step (``_train_step``) is the whole of back-propagation:

    with GradientTape() as tape:
        y_pred = model(x, training=True)          # forward propagation
        loss = loss_fn(y, y_pred) + penalties     # the cost C
    grads = tape.gradient(loss, weights)          # back-propagation: dC/dW for every W
    optimizer.apply(grads, weights)               # gradient descent: W -= lr * dC/dW (or Adam...)

``fit``, ``evaluate`` and ``predict`` share one data path: ``data_adapters`` gives an adapter for
whatever ``x`` is (arrays, a generator, a ``PyDataset``, a ``DataLoader``), and every prepared batch
``(xs, ys, sws)`` of ``adapter.epoch()`` goes to one step.  Ctrl-C is handled in ``interrupt.py``, the
loss and metric averages are kept in ``metrics_tracker.py``.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

import numpy as np

from .. import backend, thread_tuner
from .. import optimizers as _optimizers
from ..callbacks import CallbackList, History, ProgbarLogger
from ..checks import check_integer, check_number
from ..engine.ops import math as m
from ..engine.tensor import GradientTape, Tensor
from . import arguments, compile_utils, data, data_adapters, output_structure, preflight, watching
from .data_adapters import DataAdapter
from .interrupt import StopAtBatchEnd
from .metrics_tracker import MetricsTracker, added_metric_values, scalar_results
from .output_structure import flat_outputs, restore_structure


class Trainer:
    """Mixin giving ``Model`` its Keras training API."""

    # -- state, declared once -----------------------------------------------------------------
    # Filled in by Sequential and Functional; a subclassed model keeps these defaults.
    inputs: list[Any] | None = None             # symbolic inputs: their shapes catch a missing batch axis
    input_names: list[str] | None = None
    output_names: list[str] | None = None
    _num_inputs: int | None = None
    _inputs_keep_int: list[bool] | None = None  # inputs that stay integer (indices for an Embedding)
    _inputs_take_strings: list[bool] | None = None  # string inputs (read by TextVectorization/StringLookup)
    # Set by compile().
    compiled: bool = False
    optimizer: Any = None
    loss: Any = None
    compiled_loss: list[Any] | None = None       # one loss object (or None) per output
    _loss_weights: list[float] | None = None
    _metric_specs: Any = None                     # compile()'s metrics, kept for get_compile_config
    _weighted_metric_specs: Any = None
    _tracker: MetricsTracker | None = None
    _compile_args: tuple[Any, Any, Any, Any] | None = None
    _output_structure: Any = None                 # a subclassed model's outputs, once call() has run
    _outputs_resolved_for: Any = None
    # Set by fit().
    stop_training: bool = False
    history: History | None = None
    _penalty_sources: tuple[list[Any], list[Any]] | None = None  # see _regularization

    # -- compile ------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto", auto_scale_loss: bool = True) -> None:
        """Configure the model for training.

        Parameters
        ----------
        optimizer : str or Optimizer
            ``"sgd"``, ``"adam"``, ``"rmsprop"`` (default), ... or an optimizer object.
        loss : str, Loss, function, list or dict, optional
            One loss for every output, a list (one per output) or a dict by output name.
            A one-element list is accepted for a single output.  Without a loss, the model
            trains on the losses its layers add with ``add_loss`` (and needs no labels).
        loss_weights : list or dict, optional
            Weights of each output's loss in the total.
        metrics : list, optional
            ``["accuracy"]``, metric objects or functions; a dict or list of lists per output.
        """
        self.optimizer = _optimizers.get(optimizer)
        self.loss = loss
        self._metric_specs, self._weighted_metric_specs = metrics, weighted_metrics
        # A subclassed model's outputs are known once call() runs: then this waits for the first step.
        output_structure.compile_outputs(self, loss, loss_weights, metrics, weighted_metrics)
        self.compiled = True
        self.stop_training = False

    def _output_names(self) -> list[str]:
        if self.output_names:
            return list(self.output_names)
        return list(self._output_structure.names) if self._output_structure is not None else ["output"]

    @property
    def metrics_names(self) -> list[str]:
        """The keys ``evaluate`` returns, in order (``loss`` first)."""
        return self._tracker.names if self._tracker is not None else ["loss"]

    def _refuse_custom_steps(self, what: str) -> None:
        # Keras lets a subclass override train_step/test_step; glassnet's loop does not call them yet,
        # and silently ignoring user code would be worse than saying so.
        hook = {"fit": "train_step", "evaluate": "test_step", "predict": "predict_step"}[what]
        if hasattr(type(self), hook):
            raise NotImplementedError(
                f"{type(self).__name__} overrides {hook}(), which glassnet's {what}() does not call. Write the "
                "step as a loop with keras.GradientTape (see examples/gradient_tape.py), or override call() and "
                "let fit() do the rest."
            )

    def _assert_compiled(self, what: str) -> None:
        if not self.compiled or self.optimizer is None:
            raise RuntimeError(f"You must call compile() before {what}(): e.g. "
                               "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                               "metrics=['accuracy'])")

    def _check_labels(self, ys: list[Any] | None, where: str) -> None:
        """Labels are needed unless no output has a loss (a model trained on its ``add_loss`` losses)."""
        losses = self.compiled_loss if self.compiled_loss is not None else [self.loss]  # None: resolved later
        if ys is None and any(loss is not None for loss in losses):
            raise ValueError(f"{where}() needs labels: pass y (or, with a generator or PyDataset, batches (x, y))")

    # -- data ---------------------------------------------------------------------------------
    def _data_spec(self) -> data.DataSpec:
        """What the data checks need to know of this model (taken at each fit/evaluate/predict call)."""
        # A subclassed model's labels are read before call() first runs: their structure is checked then.
        outputs = None if not self.output_names and self._output_structure is None else self._output_names()
        return data.DataSpec(self.name, outputs, self.input_names, self._num_inputs,
                             list(self._inputs_keep_int or []), [t.shape for t in self.inputs or []],
                             self._string_inputs(), self.__dict__.setdefault("_input_dict_keys", []) if
                             self.inputs is None else None)  # the keys of a dict x, for _model_input

    def _string_inputs(self) -> list[bool]:
        """Which inputs take raw strings; a subclassed model (no symbolic inputs) does when it holds a text layer."""
        if self._inputs_take_strings is not None:
            return list(self._inputs_take_strings)
        if self.inputs:
            return []
        return [any(layer._accepts_string_input for layer in self._flatten_layers())]

    def _model_input(self, xs: list[Any]) -> Any:
        keys = self.__dict__.get("_input_dict_keys")
        if self.inputs is None and keys and len(keys) == len(xs):  # a subclassed model fed a dict gets it back
            return dict(zip(keys, xs))
        return xs[0] if len(xs) == 1 and self._num_inputs in (1, None) else list(xs)

    def _ensure_built(self, xs: list[np.ndarray], ys: list[Any] | None = None) -> None:
        output_structure.prepare(self, xs, ys)

    def _callbacks(self, callbacks: list[Any] | None, verbose: int, steps: int | None, epochs: int = 1,
                   mode: str | None = None, history: History | None = None) -> CallbackList:
        """The user's callbacks, after a progress bar when ``verbose`` (1: a live bar, 2: one line per epoch)."""
        callbacks = list(callbacks or [])
        # A ProgbarLogger among the user's callbacks (say with other arguments) replaces the default one, as in Keras.
        own_bar = verbose and not any(isinstance(cb, ProgbarLogger) for cb in callbacks)
        every = ([ProgbarLogger()] if own_bar else []) + callbacks + ([history] if history else [])
        params: dict[str, Any] = {"verbose": verbose, "epochs": epochs, "steps": steps}
        if mode is not None:
            params["mode"] = mode
        return CallbackList(every, self, params)

    # -- one step -----------------------------------------------------------------------------
    def _forward_list(self, xs: list[Any], training: bool) -> list[Tensor]:
        out = self(self._model_input(xs), training=training)
        if isinstance(out, dict):
            out = [out[k] for k in self._output_names()]
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def _regularization(self) -> Any:
        """The sum of the weight penalties and ``add_loss`` losses (None when there are none)."""
        # fit walks the layers once (_trainable_for_step), not at every batch; elsewhere self.losses walks them.
        if self._penalty_sources is None:
            penalties = self.losses
        else:
            variables, layers = self._penalty_sources
            penalties = [v.regularizer(v) for v in variables]
            for layer in layers:
                penalties.extend(layer._activity_losses)
        if not penalties:
            return None
        total = penalties[0]
        for p in penalties[1:]:
            total = m.add(total, p)
        return total

    def _step_loss(self, ys: list[Any] | None, preds: list[Tensor], sws: list[Any] | None) -> tuple[Any, list[Any]]:
        total, parts = compile_utils.total_loss(self.compiled_loss, self._loss_weights, ys, preds, sws)
        reg = self._regularization()
        if reg is not None:
            total = reg if total is None else m.add(total, reg)
        if total is None:
            raise RuntimeError("The model needs a loss to train and evaluate: pass loss=... to compile() (or add "
                               "one with self.add_loss(...) in a layer's or the model's call())")
        return total, parts

    def _trainable_for_step(self) -> list[Any]:
        layers = [self] + self._flatten_layers()
        self._penalty_sources = ([v for v in self._all_variables() if v.regularizer is not None], layers)
        weights = self.trainable_weights
        if not weights:
            raise ValueError(f"Model '{self.name}' has no trainable weights: nothing to train")
        return weights

    def _train_step(self, xs: list[Any], ys: list[Any] | None, sws: list[Any] | None, weights: list[Any]) -> None:
        # Batches are sliced on the host; they cross to the backend's device here, once per step.
        xs, ys, sws = backend.to_device(xs), backend.to_device(ys), backend.to_device(sws)
        with GradientTape() as tape:
            preds = self._forward_list(xs, training=True)            # forward propagation
            loss, parts = self._step_loss(ys, preds, sws)             # the cost
        grads = tape.gradient(loss, weights)                          # back-propagation
        self.optimizer.apply(grads, weights)                          # gradient descent step
        self._tracker.update(len(xs[0]), loss, parts, ys, preds, sws)
        self._tracker.update_added(added_metric_values(self))

    def _test_step(self, xs: list[Any], ys: list[Any] | None, sws: list[Any] | None) -> None:
        xs, ys, sws = backend.to_device(xs), backend.to_device(ys), backend.to_device(sws)
        preds = self._forward_list(xs, training=False)
        loss, parts = self._step_loss(ys, preds, sws)
        self._tracker.update(len(xs[0]), loss, parts, ys, preds, sws)
        self._tracker.update_added(added_metric_values(self))

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                       return_dict: bool = False) -> Any:
        """Run one gradient step on one batch; return the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        batch = data.prepare_xy(self._data_spec(), x, y, sample_weight, "train_on_batch")
        xs, ys, sws = data.with_class_weight(batch, class_weight)
        self._ensure_built(xs, ys)
        self._tracker.reset()
        self._train_step(xs, ys, sws, self._trainable_for_step())
        self._penalty_sources = None
        logs = self._tracker.result()
        return logs if return_dict else scalar_results(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics of one batch, without updating the weights."""
        self._assert_compiled("test_on_batch")
        xs, ys, sws = data.prepare_xy(self._data_spec(), x, y, sample_weight, "test_on_batch")
        self._ensure_built(xs, ys)
        self._tracker.reset()
        self._test_step(xs, ys, sws)
        logs = self._tracker.result()
        return logs if return_dict else scalar_results(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """Model outputs for one batch (no batching, no progress bar)."""
        xs = data.input_arrays(self._data_spec(), x, "x", "predict_on_batch")
        out = self(self._model_input(backend.to_device(xs)), training=False)
        return restore_structure(out, [backend.to_numpy(t.data) for t in flat_outputs(out)])

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: list[Any] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1, warn_sorted_split: bool = True, doctor: bool = True) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent; return the ``History``.

        Parameters
        ----------
        x : array, list/dict of arrays, DataFrame, generator, PyDataset or DataLoader
            Inputs (lists or dicts for several inputs).  A source of batches (a generator, a
            ``keras.utils.PyDataset``/``Sequence``, a PyTorch ``DataLoader``...) gives ``(x, y)`` or
            ``(x, y, sample_weight)`` batches; then ``y`` and ``sample_weight`` stay None.
        y : array, list or dict of arrays
            Labels; none for a model whose only loss comes from ``add_loss``.
        batch_size : int, default 32
        epochs : int
            Train until epoch index ``epochs`` (counting from ``initial_epoch``).
        verbose : 0, 1, 2 or "auto"
            0 silent, 1 progress bar, 2 one line per epoch.
        callbacks : list of Callback
        validation_split : float
            Hold out the LAST fraction of the data (before shuffling) for validation, as
            Keras does.  If the labels look sorted (the tail is one class) a warning says so;
            ``warn_sorted_split=False`` silences it.  Shuffle the data first, or use
            ``validation_data``, for a random split.
        validation_data : tuple or source of batches
            ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)`` or a generator/PyDataset;
            overrides validation_split.
        shuffle : bool
            Reshuffle the training samples (or a PyDataset's batches) every epoch.
        class_weight : dict, optional
            ``{class: weight}`` multiplying each sample's loss.
        sample_weight : array, optional
            One weight per sample.
        initial_epoch : int
            Epoch to resume from (its number shows in the logs).  To resume exactly, load the
            checkpoint with ``load_model``: it restores the optimizer state and the random generator
            behind shuffling and dropout, so the run continues as if never stopped.  Ctrl-C stops
            after the current batch and says which ``initial_epoch`` to pass.
        steps_per_epoch : int, optional
            Limit the batches per epoch (needed to spread an endless generator over epochs).  A
            generator that runs out before ``steps_per_epoch * epochs`` batches ends training with
            a warning, as in Keras.
        doctor : bool
            With ``verbose >= 1``, print what went wrong and what to try when training ends (``TrainingDoctor``).
        """
        self._assert_compiled("fit")
        self._refuse_custom_steps("fit")
        who = "fit()"
        batch_size, verbose = arguments.check_batch_size(batch_size, who), arguments.check_verbose(verbose, who)
        epochs = check_integer(epochs, "epochs", who, low=0)
        validation_split = check_number(validation_split, "validation_split", who, low=0, high=1, high_open=True,
                                        expected="in (0, 1), the fraction held out for validation, or 0 for "
                                                 "none (0 <= validation_split < 1)")
        shuffle = arguments.check_shuffle(shuffle, who)
        initial_epoch = check_integer(initial_epoch, "initial_epoch", who, low=0)
        steps_per_epoch = check_integer(steps_per_epoch, "steps_per_epoch", who, optional=True)
        validation_steps = check_integer(validation_steps, "validation_steps", who, optional=True)
        validation_batch_size = check_integer(validation_batch_size, "validation_batch_size", who, optional=True)
        validation_freq = check_integer(validation_freq, "validation_freq", who)
        train, val = data_adapters.get_fit_adapters(
            self._data_spec(), x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, class_weight=class_weight,
            steps_per_epoch=steps_per_epoch, validation_data=validation_data, validation_split=validation_split,
            validation_batch_size=validation_batch_size, validation_steps=validation_steps,
            warn_sorted_split=warn_sorted_split)
        xs, ys, _ = train.first_batch()
        self._check_labels(ys, "fit")
        self._ensure_built(xs, ys)
        preflight.check(self, xs, batch_size)  # newcomer mistakes, once, before any step
        history = History()
        cbs = self._callbacks(watching.with_doctor(callbacks, verbose, doctor, xs, ys), verbose, train.num_batches,
                              epochs=epochs, history=history)
        weights = self._trainable_for_step()
        self.stop_training = False
        self.history = history
        self._initial_epoch = None  # BackupAndRestore sets it in on_train_begin (Keras' protocol)
        cbs.call("on_train_begin", {})
        initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
        epoch_logs: dict[str, Any] = {}
        # BLAS threads chosen by timing the steps (unless fixed by the user), remembered per batch size
        timer = thread_tuner.step_timer("fit", self, batch_size)
        with StopAtBatchEnd(history, initial_epoch) as ctrl_c, watching.restored_on_error(cbs), closing(timer):
            for epoch in range(initial_epoch, epochs):
                if not train.ready_for_epoch():  # a used-up generator: stop, as Keras does (it warned)
                    break
                epoch_logs = self._train_epoch(epoch, train, weights, cbs, ctrl_c, timer)
                if val is not None and (epoch + 1 - initial_epoch) % validation_freq == 0 and val.ready_for_epoch():
                    epoch_logs.update({f"val_{k}": v for k, v in self._test_epoch(val).items()})
                cbs.call("on_epoch_end", epoch, epoch_logs)
                if self.stop_training or train.ran_out:
                    break
        cbs.call("on_train_end", epoch_logs)
        self._penalty_sources = None  # the model may change after fit: walk the layers afresh next time
        history.interrupted = ctrl_c.interrupted  # type: ignore[attr-defined]
        return history

    def _train_epoch(self, epoch: int, train: DataAdapter, weights: list[Any], cbs: CallbackList,
                     ctrl_c: StopAtBatchEnd, timer: Any) -> dict[str, Any]:
        """One epoch of gradient steps; returns its logs.  Ctrl-C is honoured between batches only."""
        self._tracker.reset()
        cbs.call("on_epoch_begin", epoch, {})
        per_batch = cbs.wants("on_train_batch_end")
        for step, (xs, ys, sws) in train.epoch():
            if cbs.wants("on_train_batch_begin"):
                cbs.call("on_train_batch_begin", step, {})
            timer.begin()
            self._train_step(xs, ys, sws, weights)
            timer.end()
            if per_batch:
                cbs.call("on_train_batch_end", step, self._tracker.result())
            if self.stop_training or ctrl_c.requested:
                break
        ctrl_c.raise_if_requested()  # a partial epoch is not reported as finished
        return self._tracker.result()

    # -- evaluate / predict -------------------------------------------------------------------
    def _test_epoch(self, adapter: DataAdapter, cbs: CallbackList | None = None) -> dict[str, Any]:
        """Loss and metrics over one pass of ``adapter`` (``evaluate``, and validation inside ``fit``)."""
        self._tracker.reset()
        for step, (xs, ys, sws) in adapter.epoch():
            if cbs is not None:
                cbs.call("on_test_batch_begin", step, {})
            self._test_step(xs, ys, sws)
            if cbs is not None and cbs.wants("on_test_batch_end"):
                cbs.call("on_test_batch_end", step, self._tracker.result())
        return self._tracker.result()

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: list[Any] | None = None,
                 return_dict: bool = False) -> Any:
        """Loss and metrics on ``(x, y)`` (or on a source of batches): a scalar, ``[loss, *metrics]`` or a dict."""
        self._assert_compiled("evaluate")
        self._refuse_custom_steps("evaluate")
        batch_size, verbose, steps = arguments.check_loop_arguments(batch_size, verbose, steps, "evaluate()")
        adapter = data_adapters.get_data_adapter(self._data_spec(), x, y, sample_weight, where="evaluate",
                                                 batch_size=batch_size, steps=steps)
        xs, ys, _ = adapter.first_batch()
        self._check_labels(ys, "evaluate")
        self._ensure_built(xs, ys)
        cbs = self._callbacks(callbacks, verbose, adapter.num_batches, mode="evaluate")
        cbs.call("on_test_begin", {})
        logs = self._test_epoch(adapter, cbs)
        cbs.call("on_test_end", logs)
        return logs if return_dict else scalar_results(logs)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: int | None = None,
                callbacks: list[Any] | None = None) -> Any:
        """Model outputs for ``x`` as NumPy arrays, computed in batches (inference mode).

        ``x`` may be a source of batches too; labels in its batches are ignored.
        """
        self._refuse_custom_steps("predict")
        batch_size, verbose, steps = arguments.check_loop_arguments(batch_size, verbose, steps, "predict()")
        adapter = data_adapters.get_data_adapter(self._data_spec(), x, where="predict", batch_size=batch_size,
                                                 steps=steps, labels=False)
        cbs = self._callbacks(callbacks, verbose, adapter.num_batches)
        cbs.call("on_predict_begin", {})
        chunks: list[list[np.ndarray]] = []
        out: Any = None
        with closing(thread_tuner.step_timer("predict", self, batch_size)) as timer:
            for step, (xs, _, _) in adapter.epoch():
                cbs.call("on_predict_batch_begin", step, {})
                timer.begin()
                out = self(self._model_input(backend.to_device(xs)), training=False)
                chunks.append([backend.to_numpy(t.data if isinstance(t, Tensor) else t) for t in flat_outputs(out)])
                timer.end()
                cbs.call("on_predict_batch_end", step, {})
        cbs.call("on_predict_end", {})
        if not chunks:
            raise ValueError("predict() received no batches")
        # One array per output, the batches joined along the batch axis, in the model's output structure.
        return restore_structure(out, [np.concatenate([c[i] for c in chunks], axis=0) for i in range(len(chunks[0]))])

