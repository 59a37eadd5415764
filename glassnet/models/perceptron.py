"""Rosenblatt's perceptron and the two-layer network that computes XOR.

The perceptron computes ``y = step(x . w + b)`` with ``step(z) = 1 if z >= 0 else 0`` and learns by
Rosenblatt's rule, one sample at a time:

    w <- w + lr (t - y) x,        b <- b + lr (t - y)

Nothing changes when the output ``y`` equals the target ``t``; otherwise the weights move towards
(or away from) the sample.  If the classes are linearly separable, the rule reaches an epoch
without errors after finitely many updates (the perceptron convergence theorem); if they are not,
as for XOR, it never does.  A hidden layer fixes that: :func:`xor_network`.

Examples
--------
>>> import numpy as np
>>> from glassnet.datasets import logic_gates
>>> from glassnet.models import Perceptron
>>> x, y = logic_gates.load_data("and")
>>> history = Perceptron(input_dim=2).fit(x, y, learning_rate=0.5, verbose=0)
>>> history.converged, history.history["errors"]
(True, [2, 3, 3, 2, 1, 0])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import initializers
from ..callbacks.history import History
from ..checks import ArgumentTypeError, check_integer, check_number
from ..explanation import Equation, Explanation
from ..layers.core import Dense
from ..layers.tracing import Input
from ..optimizers import Adam
from .arguments import check_verbose
from .model import Model
from .sequential import Sequential


class ConvergenceWarning(UserWarning):
    """The perceptron rule ran out of epochs without an error-free epoch."""


@dataclass
class PerceptronStep:
    """One presentation of one sample to the perceptron rule (weights unchanged when ``error`` is 0).

    ``epoch`` counts from 1, as printed; ``sample`` is the row of ``x``.  ``w_*`` are kernels of
    shape (inputs, units), ``b_*`` biases of shape (units,).
    """

    epoch: int
    sample: int
    x: np.ndarray
    target: np.ndarray
    output: np.ndarray
    error: np.ndarray
    w_before: np.ndarray
    b_before: np.ndarray
    w_after: np.ndarray
    b_after: np.ndarray

    @property
    def updated(self) -> bool:
        """Whether the rule changed the weights (the output was wrong)."""
        return bool(np.any(self.error != 0))

    def as_dict(self) -> dict[str, Any]:
        """Plain Python values (lists and numbers), e.g. for JSON."""
        return {key: (value.tolist() if isinstance(value, np.ndarray) else value) for key, value in vars(self).items()}


def _fmt(a: np.ndarray) -> str:
    values = [f"{float(v):g}" for v in np.ravel(a)]
    return values[0] if len(values) == 1 else "[" + " ".join(values) + "]"


_COLUMNS = ("epoch", "sample", "x", "target", "output", "error", "w before", "b before", "w after", "b after")


class PerceptronHistory(History):
    """What :meth:`Perceptron.fit` did: errors per epoch and every application of the rule.

    Attributes
    ----------
    history : dict
        ``{"errors": [...]}``: the wrong outputs (so the updates) of each epoch.
    epoch : list of int
        The epoch indices run (from 0, as Keras' ``History``).
    updates : list of PerceptronStep
        Every sample presentation, in order, with the weights before and after.
    converged : bool
        Whether an epoch made no error (training then stopped).
    cycle : tuple of int or None
        ``(first, again)`` when epoch ``again`` started from the same weights as epoch ``first``
        (counted from 1): the rule is going round in a cycle and can never converge, so training
        stopped there.
    message : str
        One sentence saying how training ended.
    """

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[PerceptronStep] = []
        self.converged = False
        self.cycle: tuple[int, int] | None = None
        self.message = "not trained yet"

    def table(self, only_updates: bool = False, max_rows: int | None = None) -> str:
        """The steps as a text table; ``only_updates`` keeps the rows that changed the weights."""
        steps = [s for s in self.updates if s.updated or not only_updates]
        shown = steps if max_rows is None else steps[:max_rows]
        rows = [_COLUMNS] + [(str(s.epoch), str(s.sample), _fmt(s.x), _fmt(s.target), _fmt(s.output), _fmt(s.error),
                              _fmt(s.w_before), _fmt(s.b_before), _fmt(s.w_after), _fmt(s.b_after)) for s in shown]
        widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
        lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
        if len(shown) < len(steps):
            lines.append(f"... {len(steps) - len(shown)} more rows")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything recorded, as plain Python values."""
        return {"history": {k: list(v) for k, v in self.history.items()}, "epoch": list(self.epoch),
                "converged": self.converged, "message": self.message,
                "updates": [s.as_dict() for s in self.updates]}

    def __str__(self) -> str:
        return f"{self.table()}\n{self.message}"

    def __repr__(self) -> str:
        return f"<PerceptronHistory epochs={len(self.epoch)} converged={self.converged}>"


class Perceptron(Model):
    """Rosenblatt's perceptron: ``units`` step neurons on the same inputs, trained by the perceptron rule.

    A model like any other (``predict``, ``summary``, ``save`` and ``get_weights`` work); only
    :meth:`fit` is its own, since the rule is not gradient descent (the step has no useful gradient).

    Parameters
    ----------
    units : int
        Output neurons, each learning its own column of targets (1 for a logic gate).
    input_dim : int, optional
        Number of inputs; given, the weights exist at once (so ``set_weights`` can set the start).
        Otherwise they are made on the first call or ``fit``.
    kernel_initializer, bias_initializer : str or Initializer
        Zeros by default, the textbook start.
    **kwargs
        ``name``, ``trainable``.
    """

    def __init__(self, units: int = 1, input_dim: int | None = None, kernel_initializer: Any = "zeros",
                 bias_initializer: Any = "zeros", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = check_integer(units, "units", f"Perceptron '{self.name}'")
        self.input_dim = check_integer(input_dim, "input_dim", f"Perceptron '{self.name}'", optional=True)
        self.neurons = Dense(self.units, activation="step", kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer)
        if self.input_dim is not None:
            self(np.zeros((1, self.input_dim), self.dtype))

    def call(self, inputs: Any) -> Any:
        return self.neurons(inputs)

    def _explain_training(self) -> Explanation:
        # What explain() shows instead of a loss and an optimizer: the rule fit() applies, sample by sample.
        lr = getattr(self, "learning_rate", None)
        n_in = self.neurons.kernel.shape[0] if self.neurons.built else "n_in"
        e = Explanation("perceptron rule", "Rosenblatt (1958)", {"x": (1, n_in), "t": (1, self.units),
                                                                 "y": (1, self.units), "W": (n_in, self.units)},
                        inputs=("x", "t"), output="W", titles=("for each sample (x, t)", "update"))
        e.forward.append(Equation("y = step(x W + b)", r"y = \mathrm{step}(xW + b)"))
        e.forward.append(Equation("error e = t - y   (0 when right, +1 or -1 when wrong)", "e = t - y"))
        rate = "lr" if lr is None else f"lr (= {lr:g})"
        e.backward.append(Equation(f"W <- W + {rate} x^T e", r"W \leftarrow W + \eta\, x^T e", "x^T @ t -> W"))
        e.backward.append(Equation(f"b <- b + {rate} e", r"b \leftarrow b + \eta\, e"))
        e.notes.append("not gradient descent: the step has no useful derivative, so the error itself drives the "
                       "update; it converges exactly when the classes are linearly separable")
        e.counts_params = False
        return e

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "input_dim": self.input_dim,
                "kernel_initializer": initializers.serialize(self.neurons.kernel_initializer),
                "bias_initializer": initializers.serialize(self.neurons.bias_initializer)}

    def _check_data(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        who = f"Perceptron '{self.name}'.fit()"
        x = np.asarray(x)
        y = np.asarray(y)
        if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
            raise ArgumentTypeError(f"{who}: x and y must be numeric arrays, got dtypes {x.dtype} and {y.dtype}")
        if x.ndim != 2:
            raise ValueError(f"{who}: x must have shape (samples, inputs), got {x.shape}")
        if y.ndim == 1 and self.units == 1:
            y = y[:, None]
        if y.shape != (len(x), self.units):
            raise ValueError(f"{who}: y must have shape ({len(x)},{' ' + str(self.units) if self.units > 1 else ''}) "
                             f"(one target per sample and unit), got {y.shape}")
        if not np.all((y == 0) | (y == 1)):
            hint = "; for -1/+1 labels pass (y + 1) / 2" if np.all(np.abs(y) == 1) else ""
            raise ValueError(f"{who}: targets must be 0 or 1 (the step's outputs), got {np.unique(y)[:6].tolist()}"
                             + hint)
        return x.astype(self.dtype), y.astype(self.dtype)

    def fit(self, x: Any = None, y: Any = None, epochs: int = 100, learning_rate: float = 1.0,
            verbose: Any = "auto", **kwargs: Any) -> PerceptronHistory:  # type: ignore[override]
        """Apply the perceptron rule sample by sample until an epoch makes no error, or ``epochs`` run out.

        Parameters
        ----------
        x : array (samples, inputs)
        y : array (samples,) or (samples, units)
            Targets 0 or 1.
        epochs : int
            The most passes over the samples, in their given order.
        learning_rate : float
            ``lr`` in the rule (> 0).
        verbose : 0, 1, 2 or "auto"
            1 prints one line per epoch and how it ended; 2 also every update.  At 0 nothing is printed,
            but a run that does not converge still says so with a :class:`ConvergenceWarning`.

        Returns
        -------
        PerceptronHistory
            ``history.history["errors"]``, ``history.updates``, ``history.converged`` (and
            ``history.cycle`` when the weights came back to an earlier epoch's: training stops there,
            since it can never converge).
        """
        who = f"Perceptron '{self.name}'.fit()"
        if kwargs:
            raise TypeError(f"{who}: unexpected argument(s) {', '.join(sorted(kwargs))}; the perceptron rule takes "
                            "x, y, epochs, learning_rate and verbose (no batches, optimizer or loss)")
        epochs = int(check_integer(epochs, "epochs", who))
        lr = check_number(learning_rate, "learning_rate", who, low=0, low_open=True)
        self.learning_rate = lr  # remembered for explain(), which states the rule with its rate
        verbose = check_verbose(verbose, who)
        x, y = self._check_data(x, y)
        if not self.built or not self.weights:
            self(x[:1])
        kernel, bias = self.neurons.kernel, self.neurons.bias
        w, b = kernel.numpy().copy(), bias.numpy().copy()
        lr = np.asarray(lr, w.dtype)  # computing in the weights' dtype keeps the record equal to the model
        history = PerceptronHistory()
        history.set_model(self)
        self.history = history
        seen: dict[bytes, int] = {}  # the weights at the start of each epoch, to spot a cycle
        for epoch in range(epochs):
            state = w.tobytes() + b.tobytes()
            if state in seen:
                # Same weights, same samples in the same order: every later epoch repeats an earlier one.
                history.cycle = (seen[state] + 1, epoch + 1)
                break
            seen[state] = epoch
            errors = 0
            # One sample at a time is the algorithm itself: each update changes the output for the next
            # sample, so this loop cannot be vectorised over the samples.
            for i, (xi, ti) in enumerate(zip(x, y)):
                output = (xi @ w + b >= 0).astype(w.dtype)
                error = ti - output
                w_new, b_new = w + lr * np.outer(xi, error), b + lr * error
                history.updates.append(PerceptronStep(epoch + 1, i, xi, ti, output, error, w, b, w_new, b_new))
                errors += bool(np.any(error != 0))
                if verbose > 1 and np.any(error != 0):
                    print(f"  sample {i}: x = {_fmt(xi)}, t = {_fmt(ti)}, y = {_fmt(output)} -> "
                          f"w = {_fmt(w_new)}, b = {_fmt(b_new)}")
                w, b = w_new, b_new
            kernel.assign(w)
            bias.assign(b)
            history.on_epoch_end(epoch, {"errors": errors})
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}: {errors} error{'s' * (errors != 1)}, w = {_fmt(w)}, b = {_fmt(b)}")
            if errors == 0:
                history.converged = True
                break
        history.message = self._ending(history, epochs)
        if verbose:
            print(history.message)
        elif not history.converged:
            warnings.warn(history.message, ConvergenceWarning, stacklevel=2)
        return history

    @staticmethod
    def _ending(history: PerceptronHistory, epochs: int) -> str:
        if history.converged:
            n = len(history.epoch)
            return f"Converged: epoch {n} made no error ({sum(s.updated for s in history.updates)} weight updates)."
        advice = ("add a hidden layer (see glassnet.models.xor_network).")
        if history.cycle is not None:
            first, again = history.cycle
            return (f"Never converges: epoch {again} starts from the weights epoch {first} started from, so the "
                    "updates go round in a cycle. The classes are not linearly separable (as XOR): no line "
                    f"w.x + b = 0 splits them, so no perceptron can learn them; {advice}")
        return (f"Did not converge: each of the {epochs} epochs misclassified at least one sample. If more epochs "
                "do not help, the classes are not linearly separable (as XOR): no line w.x + b = 0 splits them, "
                f"so no perceptron can learn them; {advice}")


def xor_network(hand_set: bool = True, hidden_units: int = 4, learning_rate: float = 0.1) -> Sequential:
    """A two-layer network for XOR: hand-wired from logic gates, or ready to be trained.

    Parameters
    ----------
    hand_set : bool
        True: the textbook construction with step units, XOR(a, b) = AND(OR(a, b), NAND(a, b)):
        hidden OR (w = [1, 1], b = -0.5) and NAND (w = [-1, -1], b = 1.5), output AND
        (w = [1, 1], b = -1.5).  It computes XOR without training.
        False: ``Dense(hidden_units, tanh) -> Dense(1, sigmoid)``, compiled with Adam
        (``learning_rate``), binary cross-entropy and accuracy; after
        ``keras.utils.set_random_seed(0)``, ``fit(x, y, epochs=300, batch_size=4)`` classifies all
        four inputs correctly.
    hidden_units : int
        Hidden neurons of the trainable network.
    learning_rate : float
        Adam's step size for the trainable network.

    Returns
    -------
    Sequential

    Examples
    --------
    >>> from glassnet.datasets import logic_gates
    >>> x, _ = logic_gates.load_data("xor")
    >>> xor_network(hand_set=True).predict(x, verbose=0).ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    if not isinstance(hand_set, (bool, np.bool_)):
        raise ArgumentTypeError(f"xor_network: hand_set must be True or False, got {hand_set!r}")
    if hand_set:
        model = Sequential([Input((2,)), Dense(2, activation="step", name="or_nand"),
                            Dense(1, activation="step", name="and")], name="xor_by_hand")
        or_nand = [np.array([[1.0, -1.0], [1.0, -1.0]]), np.array([-0.5, 1.5])]
        model.layers[0].set_weights(or_nand)
        model.layers[1].set_weights([np.array([[1.0], [1.0]]), np.array([-1.5])])  # AND of the two
        return model
    units = check_integer(hidden_units, "hidden_units", "xor_network")
    lr = check_number(learning_rate, "learning_rate", "xor_network", low=0, low_open=True)
    model = Sequential([Input((2,)), Dense(units, activation="tanh"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model
