"""``compile``, ``fit``, ``evaluate`` and ``predict``: the training loop, readable top to bottom.

One training step (``train_on_batch``) is the whole of back-propagation:

    with GradientTape() as tape:
        y_pred = model(x, training=True)          # forward propagation
        loss = loss_fn(y, y_pred) + penalties     # the cost C
    grads = tape.gradient(loss, weights)          # back-propagation: dC/dW for every W
    optimizer.apply(grads, weights)               # gradient descent: W -= lr * dC/dW (or Adam...)
"""

from __future__ import annotations

import itertools
import math
import signal
import sys
import threading
import warnings
from typing import Any

import numpy as np

from .. import backend
from .. import optimizers as _optimizers
from ..callbacks import CallbackList, History, ProgbarLogger
from ..checks import ArgumentTypeError, check_integer, check_number
from ..engine.ops import math as m
from ..engine.tensor import GradientTape, Tensor
from ..metrics import Mean
from . import compile_utils, data, preflight


class Trainer:
    """Mixin giving ``Model`` its Keras training API."""

    # -- compile ------------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto", auto_scale_loss: bool = True) -> None:
        """Configure the model for training.

        Parameters
        ----------
        optimizer : str or Optimizer
            ``"sgd"``, ``"adam"``, ``"rmsprop"`` (default), ... or an optimizer object.
        loss : str, Loss, function, list or dict
            One loss for every output, a list (one per output) or a dict by output name.
            A one-element list is accepted for a single output.
        loss_weights : list or dict, optional
            Weights of each output's loss in the total.
        metrics : list, optional
            ``["accuracy"]``, metric objects or functions; a dict or list of lists per output.
        """
        self.optimizer = _optimizers.get(optimizer)
        names = self._output_names_for_compile()
        self.compiled_loss = compile_utils.resolve_losses(loss, names) if loss is not None else [None] * len(names)
        self.loss = loss
        if loss_weights is None:
            self._loss_weights = [1.0] * len(names)
        else:
            self._loss_weights = [1.0 if w is None else float(w)
                                  for w in compile_utils.per_output(loss_weights, names, "loss_weights")]
        self._metric_specs = metrics
        self._weighted_metric_specs = weighted_metrics
        self._build_metric_objects(names)
        self._loss_tracker = Mean(name="loss")
        self._output_loss_trackers = [Mean(name=f"{n}_loss") for n in names] if len(names) > 1 else []
        self.compiled = True
        self.stop_training = False

    def _build_metric_objects(self, names: list[str]) -> None:
        multi = len(names) > 1
        metrics = self._metric_specs
        if isinstance(metrics, dict):
            per = compile_utils.per_output(metrics, names, "metrics")
        elif multi and isinstance(metrics, (list, tuple)) and metrics and all(
                isinstance(x, (list, tuple)) or x is None for x in metrics):
            per = list(metrics)
            if len(per) != len(names):
                raise ValueError(f"compile: metrics has {len(per)} lists for {len(names)} outputs")
        else:
            per = [metrics] * len(names)
        self._compiled_metrics = [
            compile_utils.CompiledMetrics(spec, loss, prefix=f"{name}_" if multi else "")
            for spec, loss, name in zip(per, self.compiled_loss, names)
        ]
        wm = self._weighted_metric_specs
        self._compiled_weighted_metrics = [
            compile_utils.CompiledMetrics(wm, loss, prefix=f"{name}_" if multi else "")
            for loss, name in zip(self.compiled_loss, names)
        ] if wm else []

    def _output_names_for_compile(self) -> list[str]:
        names = getattr(self, "output_names", None)
        return list(names) if names else ["output"]

    @property
    def metrics_names(self) -> list[str]:
        """The keys ``evaluate`` returns, in order (``loss`` first)."""
        names = ["loss"] + [t.name for t in getattr(self, "_output_loss_trackers", [])]
        for group in getattr(self, "_compiled_metrics", []) + getattr(self, "_compiled_weighted_metrics", []):
            names += [group.prefix + (mt.name if mt is not None else p) for mt, p in
                      zip(group.metrics, group.pending + [""] * len(group.metrics))]
        return names

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
        if not getattr(self, "compiled", False) or getattr(self, "optimizer", None) is None:
            raise RuntimeError(f"You must call compile() before {what}(): e.g. "
                               "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                               "metrics=['accuracy'])")
        if what != "predict" and all(loss is None for loss in self.compiled_loss):
            raise RuntimeError(f"{what}() needs a loss: pass loss=... to compile()")

    # -- preparing data -----------------------------------------------------------------------
    def _prepare_xy(self, x: Any, y: Any, sample_weight: Any, where: str) -> tuple[list, list | None, list | None]:
        prefix = "" if where == "fit" else f"{where} "
        xs = self._input_arrays(x, f"{prefix}x", where)
        outputs = self._output_names_for_compile()
        ys = None if y is None else data.labels_array_list(y, f"{prefix}y", outputs,
                                                          owner=f"model '{self.name}' outputs")
        sws = None if sample_weight is None else data.sample_weight_list(sample_weight, len(ys or [0]),
                                                                         f"{prefix}sample_weight")
        if ys is not None and len(ys) != len(outputs):
            raise ValueError(f"y has {len(ys)} arrays but the model has {len(outputs)} output(s) {outputs}")
        data.check_sample_counts({"x": xs, "y": ys or [], "sample_weight": sws or []})
        data.check_not_empty(len(xs[0]), _call_name(where), xs[0].shape)
        return xs, ys, sws

    def _input_names(self) -> list[str] | None:
        return getattr(self, "input_names", None)

    def _input_keeps_int(self) -> list[bool]:
        return getattr(self, "_inputs_keep_int", [False] * 16)

    def _input_arrays(self, x: Any, label: str, where: str) -> list[np.ndarray]:
        """``x`` as checked arrays: one per model input, each with its batch axis."""
        xs = data.to_array_list(x, label, self._input_names(), int_ok=self._input_keeps_int(),
                                owner=f"model '{self.name}' inputs")
        who = _call_name(where)
        expected = getattr(self, "_num_inputs", None)
        if expected is not None and len(xs) != expected:
            names = self._input_names()
            got = f"{who} got" if who != where else f"{label} holds"
            raise ValueError(f"model '{self.name}' has {expected} input{'s' if expected != 1 else ''}"
                             f"{f' {names}' if names else ''} but {got} {len(xs)} array{'s' if len(xs) != 1 else ''}")
        for arr, symbolic in zip(xs, getattr(self, "inputs", None) or []):
            hint = data.batch_axis_hint(symbolic.shape, arr.shape)
            if hint:
                raise ValueError(f"{who}: model '{self.name}' takes batches of shape {symbolic.shape}, but {label} "
                                 f"has shape {arr.shape}.{hint}")
        return xs

    def _model_input(self, xs: list[np.ndarray]) -> Any:
        return xs[0] if len(xs) == 1 and getattr(self, "_num_inputs", 1) in (1, None) else list(xs)

    # -- one step -----------------------------------------------------------------------------
    def _forward_list(self, xs: list[Any], training: bool) -> list[Tensor]:
        out = self(self._model_input(xs), training=training)
        if isinstance(out, dict):
            out = [out[k] for k in self._output_names_for_compile()]
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def _regularization(self) -> Any:
        # The layer walk behind self.losses is done once per fit (see _penalty_sources), not per batch.
        sources = getattr(self, "_penalty_sources", None)
        if sources is None:
            penalties = self.losses
        else:
            variables, layers = sources
            penalties = [v.regularizer(v) for v in variables]
            for layer in layers:
                penalties.extend(layer._activity_losses)
        if not penalties:
            return None
        total = penalties[0]
        for p in penalties[1:]:
            total = m.add(total, p)
        return total

    def _step_loss(self, ys: list[Any], preds: list[Tensor], sws: list[Any] | None) -> tuple[Any, list[Any]]:
        total, parts = compile_utils.total_loss(self.compiled_loss, self._loss_weights, ys, preds, sws)
        reg = self._regularization()
        if reg is not None:
            total = m.add(total, reg)
        return total, parts

    def _track_step(self, n: int, loss: Any, parts: list[Any], ys: list[Any], preds: list[Tensor],
               sws: list[Any] | None) -> None:
        value = float(loss.data)
        self._loss_tracker.update_scalar(value, n)
        for tracker, part in zip(self._output_loss_trackers, parts):
            if part is not None:
                tracker.update_scalar(float(part.data), n)
        for group, y, p in zip(self._compiled_metrics, ys, preds):
            group.update(y, p.data)
        for i, (group, y, p) in enumerate(zip(self._compiled_weighted_metrics, ys, preds)):
            group.update(y, p.data, sws[i] if sws else None)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                       return_dict: bool = False) -> Any:
        """Run one gradient step on one batch; return the loss (and metrics) of that batch."""
        self._assert_compiled("train_on_batch")
        xs, ys, sws = self._prepare_xy(x, y, sample_weight, "train_on_batch")
        if class_weight is not None:
            sws = [data.class_weights_to_sample_weights(ys[0], class_weight)]
        self._reset_trackers()
        self._train_step(xs, ys, sws, self._trainable_for_step())
        self._penalty_sources = None
        return self._results(return_dict)

    def _trainable_for_step(self) -> list[Any]:
        layers = [self] + self._flatten_layers()
        self._penalty_sources = ([v for v in self._all_variables() if v.regularizer is not None], layers)
        weights = self.trainable_weights
        if not weights:
            raise ValueError(f"Model '{self.name}' has no trainable weights: nothing to train")
        return weights

    def _train_step(self, xs: list[Any], ys: list[Any], sws: list[Any] | None, weights: list[Any]) -> None:
        with GradientTape() as tape:
            preds = self._forward_list(xs, training=True)            # forward propagation
            loss, parts = self._step_loss(ys, preds, sws)             # the cost
        grads = tape.gradient(loss, weights)                          # back-propagation
        self.optimizer.apply(grads, weights)                          # gradient descent step
        self._track_step(len(xs[0]), loss, parts, ys, preds, sws)

    def _test_step(self, xs: list[Any], ys: list[Any], sws: list[Any] | None) -> None:
        preds = self._forward_list(xs, training=False)
        loss, parts = self._step_loss(ys, preds, sws)
        self._track_step(len(xs[0]), loss, parts, ys, preds, sws)

    def _reset_trackers(self) -> None:
        self._loss_tracker.reset_state()
        for t in self._output_loss_trackers:
            t.reset_state()
        for group in self._compiled_metrics + self._compiled_weighted_metrics:
            group.reset()

    def _results(self, as_dict: bool = True) -> Any:
        logs = {"loss": self._loss_tracker.result()}
        for t in self._output_loss_trackers:
            logs[t.name] = t.result()
        for group in self._compiled_metrics + self._compiled_weighted_metrics:
            logs.update(group.results())
        if as_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: list[Any] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1, warn_sorted_split: bool = True) -> History:
        """Train for ``epochs`` epochs of mini-batch gradient descent; return the ``History``.

        Parameters
        ----------
        x, y : array, list of arrays or dict
            Inputs and labels (lists or dicts for several inputs/outputs).
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
        validation_data : tuple
            ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight)``; overrides validation_split.
        shuffle : bool
            Reshuffle the training samples every epoch.
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
            Limit the batches per epoch.
        """
        self._assert_compiled("fit")
        self._refuse_custom_steps("fit")
        who = "fit()"
        batch_size = _check_batch_size(batch_size, who)
        epochs = check_integer(epochs, "epochs", who, low=0)
        verbose = _check_verbose(verbose, who)
        validation_split = check_number(validation_split, "validation_split", who, low=0, high=1, high_open=True,
                                        expected="in (0, 1), the fraction held out for validation, or 0 for "
                                                 "none (0 <= validation_split < 1)")
        shuffle = _check_shuffle(shuffle, who)
        initial_epoch = check_integer(initial_epoch, "initial_epoch", who, low=0)
        steps_per_epoch = check_integer(steps_per_epoch, "steps_per_epoch", who, optional=True)
        validation_steps = check_integer(validation_steps, "validation_steps", who, optional=True)
        validation_batch_size = check_integer(validation_batch_size, "validation_batch_size", who, optional=True)
        validation_freq = check_integer(validation_freq, "validation_freq", who)
        if data.is_batch_source(x):
            source = self._check_source(x, y, sample_weight, validation_split, "fit")
            xs, ys, sws = self._source_batch(source.peek(), class_weight, "fit")
        else:
            source = None
            xs, ys, sws = self._prepare_xy(x, y, sample_weight, "fit")
        if ys is None:
            raise ValueError("fit() needs labels: pass y (or a (x, y) tuple as validation_data)")
        if class_weight is not None and source is None:
            cw = data.class_weights_to_sample_weights(ys[0], class_weight)
            sws = [cw * (sws[0] if sws else 1.0)] + (sws[1:] if sws else [])
        val: Any = None
        if validation_data is not None and data.is_batch_source(validation_data):
            val = data.BatchSource(validation_data, "validation_data")
        elif validation_data is not None:
            val = self._unpack_validation(validation_data)
        elif validation_split:
            (xs, ys, sws), (vx, vy, vsw) = data.split_for_validation([xs, ys, sws], validation_split)
            val = (vx, vy, vsw)
            if warn_sorted_split and data.looks_sorted_by_label(np.concatenate([ys[0], vy[0]]), len(ys[0])):
                warnings.warn(
                    "validation_split takes the LAST samples, before shuffling, and here they all belong to "
                    "one class: the labels look sorted. Shuffle x and y first (or pass validation_data) to "
                    "get a representative validation set.", stacklevel=2)
        n = len(xs[0])
        if n == 0:
            raise ValueError("fit() received 0 training samples")
        steps: int | None = math.ceil(n / batch_size) if source is None else (len(source) or None)
        if steps_per_epoch is not None:
            steps = int(steps_per_epoch) if steps is None else min(steps, int(steps_per_epoch))
        self._ensure_built(xs)
        preflight.check(self, xs, batch_size)  # newcomer mistakes, once, before any step

        def epoch_batches() -> Any:
            if source is not None:
                for batch in source.epoch(shuffle, rng):
                    yield self._source_batch(batch, class_weight, "fit")
                return
            for idx in data.batch_indices(n, batch_size, shuffle, rng):
                yield [a[idx] for a in xs], [a[idx] for a in ys], ([a[idx] for a in sws] if sws else None)

        history = History()
        cb_list = list(callbacks or [])
        if verbose:
            cb_list.insert(0, ProgbarLogger())
        cb_list.append(history)
        params = {"verbose": verbose, "epochs": epochs, "steps": steps}
        cbs = CallbackList(cb_list, self, params)
        weights = self._trainable_for_step()
        rng = backend.rng()
        self.stop_training = False
        self.history = history
        cbs.call("on_train_begin", {})
        epoch = initial_epoch
        interrupted = False
        ctrl_c = _StopAtBatchEnd().install()
        epoch_logs: dict[str, float] = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self._reset_trackers()
                cbs.call("on_epoch_begin", epoch, {})
                per_batch = cbs.wants("on_train_batch_end")
                # islice stops before pulling a batch past the epoch's end (a generator would lose it)
                for step, (bx, by, bw) in enumerate(itertools.islice(epoch_batches(), steps)):
                    if cbs.wants("on_train_batch_begin"):
                        cbs.call("on_train_batch_begin", step, {})
                    self._train_step(bx, by, bw, weights)
                    if per_batch:
                        cbs.call("on_train_batch_end", step, self._results())
                    if self.stop_training or ctrl_c.requested:
                        break
                if ctrl_c.requested:  # a partial epoch is not reported as finished
                    raise KeyboardInterrupt
                epoch_logs = self._results()
                if val is not None and (epoch + 1 - initial_epoch) % validation_freq == 0:
                    if isinstance(val, data.BatchSource):
                        val_logs = self._evaluate_source(val, validation_steps)
                    else:
                        val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size,
                                                         validation_steps)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                cbs.call("on_epoch_end", epoch, epoch_logs)
                if self.stop_training:
                    break
        except KeyboardInterrupt:
            interrupted = True
            epoch = initial_epoch + len(history.epoch)
            print(f"\nTraining interrupted during epoch {epoch + 1}: the model keeps the weights of the last "
                  f"finished batch and History holds {len(history.epoch)} finished epoch(s). To continue, call "
                  f"fit(..., initial_epoch={epoch}) (after load_model() if you restart from a checkpoint).",
                  file=sys.stderr)
        finally:
            ctrl_c.uninstall()
        cbs.call("on_train_end", epoch_logs)
        self._penalty_sources = None  # the model may change after fit: walk the layers afresh next time
        history.interrupted = interrupted  # type: ignore[attr-defined]
        return history

    def _check_source(self, x: Any, y: Any, sample_weight: Any, validation_split: float, where: str) -> Any:
        """Wrap a generator/Sequence of batches; the labels must come from it, not from arguments."""
        if y is not None or sample_weight is not None:
            raise ValueError(f"{where}(): x is a generator/Sequence of batches, so y and sample_weight must come "
                             "from its batches ((x, y) or (x, y, sample_weight)), not from arguments")
        if validation_split:
            raise ValueError(f"{where}(): validation_split needs arrays; with a generator/Sequence pass "
                             "validation_data instead")
        return data.BatchSource(x, where)

    def _source_batch(self, batch: Any, class_weight: Any, where: str) -> tuple[list, list | None, list | None]:
        bx, by, bw = data.split_batch(batch, where)
        xs, ys, sws = self._prepare_xy(bx, by, bw, f"{where} batch")
        if class_weight is not None and ys is not None:
            cw = data.class_weights_to_sample_weights(ys[0], class_weight)
            sws = [cw * (sws[0] if sws else 1.0)] + (sws[1:] if sws else [])
        return xs, ys, sws

    def _evaluate_source(self, source: Any, steps: int | None, cbs: Any = None) -> dict[str, float]:
        self._reset_trackers()
        for step, batch in enumerate(itertools.islice(source.epoch(False, backend.rng()), steps)):
            if cbs is not None:
                cbs.call("on_test_batch_begin", step, {})
            xs, ys, sws = self._source_batch(batch, None, "evaluate")
            if ys is None:
                raise ValueError("evaluate: the batches need labels: yield (x, y) pairs")
            self._test_step(xs, ys, sws)
            if cbs is not None and cbs.wants("on_test_batch_end"):
                cbs.call("on_test_batch_end", step, self._results())
        return self._results()

    def _unpack_validation(self, validation_data: Any) -> tuple[list, list, list | None]:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
                             f"got {type(validation_data).__name__}"
                             + (f" of length {len(validation_data)}" if hasattr(validation_data, '__len__') else ""))
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        xs, ys, sws = self._prepare_xy(vx, vy, vsw, "validation_data")
        return xs, ys, sws

    def _ensure_built(self, xs: list[np.ndarray]) -> None:
        if not self.built or not self.weights:
            self(self._model_input([a[:1] for a in xs]), training=False)

    # -- evaluate / predict -------------------------------------------------------------------
    def _evaluate_arrays(self, xs: list, ys: list, sws: list | None, batch_size: int,
                         steps: int | None = None, cbs: CallbackList | None = None) -> dict[str, float]:
        self._reset_trackers()
        n = len(xs[0])
        for step, idx in enumerate(data.batch_indices(n, batch_size, False, backend.rng())):
            if steps is not None and step >= steps:
                break
            if cbs is not None:
                cbs.call("on_test_batch_begin", step, {})
            self._test_step([a[idx] for a in xs], [a[idx] for a in ys], [a[idx] for a in sws] if sws else None)
            if cbs is not None and cbs.wants("on_test_batch_end"):
                cbs.call("on_test_batch_end", step, self._results())
        return self._results()

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
                 sample_weight: Any = None, steps: int | None = None, callbacks: list[Any] | None = None,
                 return_dict: bool = False) -> Any:
        """Loss and metrics on ``(x, y)``: a scalar, a list ``[loss, *metrics]`` or a dict."""
        self._assert_compiled("evaluate")
        self._refuse_custom_steps("evaluate")
        batch_size = _check_batch_size(batch_size, "evaluate()")
        verbose = _check_verbose(verbose, "evaluate()")
        steps = check_integer(steps, "steps", "evaluate()", optional=True)
        if data.is_batch_source(x):
            source = self._check_source(x, y, sample_weight, 0.0, "evaluate")
            self._ensure_built(self._source_batch(source.peek(), None, "evaluate")[0])
            cbs = CallbackList(([ProgbarLogger()] if verbose else []) + list(callbacks or []), self,
                               {"verbose": verbose, "epochs": 1, "steps": steps or len(source) or None,
                                "mode": "evaluate"})
            cbs.call("on_test_begin", {})
            logs = self._evaluate_source(source, steps, cbs)
            cbs.call("on_test_end", logs)
            return logs if return_dict else self._results(as_dict=False)
        xs, ys, sws = self._prepare_xy(x, y, sample_weight, "evaluate")
        if ys is None:
            raise ValueError("evaluate() needs labels y")
        self._ensure_built(xs)
        total_steps = math.ceil(len(xs[0]) / batch_size) if steps is None else steps
        cb_list = list(callbacks or [])
        if verbose:
            cb_list.insert(0, ProgbarLogger())
        cbs = CallbackList(cb_list, self, {"verbose": verbose, "epochs": 1, "steps": total_steps,
                                           "mode": "evaluate"})
        cbs.call("on_test_begin", {})
        logs = self._evaluate_arrays(xs, ys, sws, batch_size, steps, cbs)
        cbs.call("on_test_end", logs)
        return logs if return_dict else self._results(as_dict=False)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics of one batch, without updating the weights."""
        self._assert_compiled("test_on_batch")
        xs, ys, sws = self._prepare_xy(x, y, sample_weight, "test_on_batch")
        self._reset_trackers()
        self._test_step(xs, ys, sws)
        return self._results(return_dict)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: int | None = None,
                callbacks: list[Any] | None = None) -> Any:
        """Model outputs for ``x`` as NumPy arrays, computed in batches (inference mode)."""
        self._refuse_custom_steps("predict")
        batch_size = _check_batch_size(batch_size, "predict()")
        verbose = _check_verbose(verbose, "predict()")
        steps = check_integer(steps, "steps", "predict()", optional=True)
        if data.is_batch_source(x):
            return self._predict_source(data.BatchSource(x, "predict"), steps, verbose, callbacks)
        xs = self._input_arrays(x, "x", "predict")
        data.check_sample_counts({"x": xs})
        n = len(xs[0])
        data.check_not_empty(n, "predict()", xs[0].shape)
        total_steps = math.ceil(n / batch_size) if steps is None else steps
        cb_list = list(callbacks or [])
        if verbose:
            cb_list.insert(0, ProgbarLogger())
        cbs = CallbackList(cb_list, self, {"verbose": verbose, "epochs": 1, "steps": total_steps})
        cbs.call("on_predict_begin", {})
        chunks: list[list[np.ndarray]] = []
        structure: Any = None
        for step, idx in enumerate(data.batch_indices(n, batch_size, False, backend.rng())):
            if steps is not None and step >= steps:
                break
            cbs.call("on_predict_batch_begin", step, {})
            out = self(self._model_input([a[idx] for a in xs]), training=False)
            structure = out
            flat = _flat_outputs(out)
            chunks.append([backend.to_numpy(t.data if isinstance(t, Tensor) else t) for t in flat])
            cbs.call("on_predict_batch_end", step, {})
        cbs.call("on_predict_end", {})
        return _join_predictions(chunks, structure, "predict() received 0 samples")

    def _predict_source(self, source: Any, steps: int | None, verbose: int, callbacks: Any) -> Any:
        """predict() over a generator/Sequence: the x of each batch (labels, if any, are ignored)."""
        cbs = CallbackList(([ProgbarLogger()] if verbose else []) + list(callbacks or []), self,
                           {"verbose": verbose, "epochs": 1, "steps": steps or len(source) or None})
        cbs.call("on_predict_begin", {})
        chunks: list[list[np.ndarray]] = []
        structure: Any = None
        for step, batch in enumerate(itertools.islice(source.epoch(False, backend.rng()), steps)):
            bx = data.split_batch(batch, "predict")[0]
            xs = data.to_array_list(bx, "predict batch x", self._input_names(), int_ok=self._input_keeps_int())
            out = self(self._model_input(xs), training=False)
            structure = out
            chunks.append([backend.to_numpy(t.data if isinstance(t, Tensor) else t) for t in _flat_outputs(out)])
            cbs.call("on_predict_batch_end", step, {})
        cbs.call("on_predict_end", {})
        return _join_predictions(chunks, structure, "predict() received no batches")

    def predict_on_batch(self, x: Any) -> Any:
        """Model outputs for one batch (no batching, no progress bar)."""
        xs = self._input_arrays(x, "x", "predict_on_batch")
        out = self(self._model_input(xs), training=False)
        return _restore_structure(out, [backend.to_numpy(t.data) for t in _flat_outputs(out)])


class _StopAtBatchEnd:
    """While ``fit`` runs, the first Ctrl-C only asks to stop after the current batch (so no update is
    left half-applied); a second Ctrl-C interrupts at once.  Only the main thread can install it."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nCtrl-C: stopping after the current batch (press Ctrl-C again to stop at once)", file=sys.stderr)

    def install(self) -> "_StopAtBatchEnd":
        if threading.current_thread() is not threading.main_thread():
            return self
        previous = signal.getsignal(signal.SIGINT)
        if previous is None or previous is signal.SIG_IGN:  # a handler set outside Python, or Ctrl-C ignored
            return self
        try:
            signal.signal(signal.SIGINT, self._handler)
            self._previous = previous
        except (ValueError, OSError):  # embedded interpreters may refuse
            self._previous = None
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def _call_name(where: str) -> str:
    """``"fit"`` -> ``"fit()"`` in messages; other places (``"validation_data"``) stay as they are."""
    return f"{where}()" if where in ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                                     "predict_on_batch") else where


def _check_batch_size(batch_size: Any, who: str) -> int:
    return 32 if batch_size is None else int(check_integer(batch_size, "batch_size", who))


def _check_verbose(verbose: Any, who: str) -> int:
    """Keras' ``verbose``: "auto" (1), 0, 1 or 2; booleans too (verbose=False is common)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    return int(check_integer(verbose, "verbose", who, low=0,
                             expected="0 (silent), 1 (progress bar), 2 (one line per epoch) or 'auto'"))


def _check_shuffle(shuffle: Any, who: str) -> bool:
    # "batch" is Keras 2's shuffle-in-batch-sized chunks; shuffling every sample is at least as random.
    if isinstance(shuffle, (bool, np.bool_)) or shuffle in (0, 1) or shuffle == "batch":
        return bool(shuffle)
    raise ArgumentTypeError(f"{who}: shuffle must be True or False, got {shuffle!r} (a {type(shuffle).__name__})")


def _flat_outputs(out: Any) -> list[Any]:
    if isinstance(out, dict):
        return list(out.values())
    if isinstance(out, (list, tuple)):
        return list(out)
    return [out]


def _join_predictions(chunks: list[list[np.ndarray]], structure: Any, empty_message: str) -> Any:
    """Concatenate per-batch outputs along the batch axis, in the model's output structure."""
    if not chunks:
        raise ValueError(empty_message)
    joined = [np.concatenate([c[i] for c in chunks], axis=0) for i in range(len(chunks[0]))]
    return _restore_structure(structure, joined)


def _restore_structure(structure: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(structure, dict):
        return dict(zip(structure.keys(), arrays))
    if isinstance(structure, (list, tuple)):
        return list(arrays)
    return arrays[0]
