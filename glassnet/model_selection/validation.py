"""K-fold cross-validation of a model-building function, serial or in parallel through joblib.

Each fold gets a fresh model: the random seed is set to the fold's own seed,
then ``build_model()`` builds (and compiles) it, so a fold's result depends
only on (seed, fold) and never on which process ran it or in what order.
That is what makes ``n_jobs=1`` and ``n_jobs=2`` give identical scores, and
what lets a Dask or Ray joblib backend spread the folds over a cluster.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import backend
from .split import KFold, StratifiedKFold


class CrossValidationResults(dict):
    """Per-fold scores, keyed as scikit-learn's ``cross_validate`` (``test_<metric>``, ``fit_time``...).

    Each value is an array with one entry per fold. ``mean`` and ``std`` hold the summary of
    every score over the folds; ``summary()`` prints them.
    """

    @property
    def mean(self) -> dict[str, Any]:
        """Mean of each score over the folds."""
        return {k: np.mean(v, axis=0) for k, v in self.items() if k != "seed"}

    @property
    def std(self) -> dict[str, Any]:
        """Standard deviation of each score over the folds (population, ddof=0)."""
        return {k: np.std(v, axis=0) for k, v in self.items() if k != "seed"}

    def summary(self) -> str:
        """One line per score: mean +- std, then the per-fold values."""
        width = max(len(k) for k in self)
        lines = []
        for key, values in self.items():
            if key == "seed" or np.ndim(values) != 1:
                continue
            folds = " ".join(f"{v:.4f}" for v in np.asarray(values).tolist())
            lines.append(f"{key.ljust(width)}  {np.mean(values):.4f} +- {np.std(values):.4f}   [{folds}]")
        return "\n".join(lines)


def fold_seeds(seed: int, n_folds: int) -> list[int]:
    """Independent seeds for each fold, derived from one seed (NumPy's SeedSequence spawning)."""
    children = np.random.SeedSequence(seed).spawn(n_folds)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def _rows(a: Any, idx: np.ndarray) -> Any:
    if isinstance(a, Mapping):
        return {k: _rows(v, idx) for k, v in a.items()}
    if isinstance(a, (list, tuple)):
        return [_rows(v, idx) for v in a]
    return np.asarray(a)[idx]


def _first(a: Any) -> Any:
    if isinstance(a, Mapping):
        return next(iter(a.values()))
    if isinstance(a, (list, tuple)) and a and hasattr(a[0], "shape"):
        return a[0]
    return a


def run_fold(build_model: Callable[[], Any], x: Any, y: Any, train: np.ndarray, test: np.ndarray, seed: int,
             fit_kwargs: dict[str, Any], metrics: dict[str, Callable[..., Any]], floatx: str) -> dict[str, Any]:
    """Build, train and score one model on one fold; returns plain numbers (picklable across processes)."""
    backend.set_floatx(floatx)
    backend.set_random_seed(seed)
    from ..layers.naming import clear_session

    clear_session()
    model = build_model()
    if getattr(model, "optimizer", None) is None:
        raise ValueError("cross_validate: build_model() must return a compiled model (call model.compile(...) "
                         "inside it)")
    x_train, y_train, x_test, y_test = _rows(x, train), _rows(y, train), _rows(x, test), _rows(y, test)
    start = time.perf_counter()
    history = model.fit(x_train, y_train, **{"verbose": 0, **fit_kwargs})
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    result: dict[str, Any] = {f"test_{k}": v for k, v in scores.items()}
    if metrics:
        y_pred = model.predict(x_test, verbose=0)
        for name, fn in metrics.items():
            result[f"test_{name}"] = fn(y_test, y_pred)
    result["score_time"] = time.perf_counter() - start
    result["fit_time"] = fit_time
    for key, values in history.history.items():
        if not key.startswith("val_") and values:
            result[f"train_{key}"] = values[-1]
    return result


def cross_validate(build_model: Callable[[], Any], x: Any, y: Any, k: int = 5, fit_kwargs: dict | None = None,
                   metrics: Any = None, n_jobs: int | None = None, *, seed: int = 0, stratify: bool = False,
                   shuffle: bool = True, cv: Any = None, verbose: int = 0) -> CrossValidationResults:
    """Train a fresh model on each of k folds and score it on the held-out fold.

    Parameters
    ----------
    build_model : callable
        ``build_model()`` returns a new compiled model. It is called once per fold after the fold's
        seed is set, so its initial weights are reproducible. With ``n_jobs != 1`` it must be
        picklable (a module-level function; joblib's default backend also accepts lambdas).
    x, y : array_like
        The data (arrays, or lists/dicts of arrays for several inputs/outputs).
    k : int
        Number of folds.
    fit_kwargs : dict, optional
        Extra arguments of ``fit`` (epochs, batch_size...). ``verbose`` defaults to 0.
    metrics : dict or list of callables, optional
        Scores computed on each held-out fold from ``fn(y_true, model.predict(x_test))``, in addition
        to the loss and compiled metrics, e.g.
        ``{"f1": lambda y, p: f1_score(y, p.argmax(1), average="macro")}``.
    n_jobs : int, optional
        Folds run in parallel through joblib (-1: all cores; None or 1: serially in this process).
        Inside ``joblib.parallel_backend("dask")`` or ``("ray")`` with ``n_jobs=-1`` the folds go to that
        cluster, with the same scores as here (docs/cluster.md).
    seed : int
        Seeds the fold split (when shuffled) and, through :func:`fold_seeds`, each fold's model.
    stratify : bool
        Keep class proportions in every fold (y must be class labels or one-hot rows).
    shuffle : bool
        Shuffle before cutting folds.
    cv : KFold or StratifiedKFold, optional
        A splitter to use instead of ``k``/``stratify``/``shuffle``.
    verbose : int
        1 prints one line per fold.

    Returns
    -------
    CrossValidationResults
        ``test_loss``, ``test_<metric>``, ``train_<metric>`` (last epoch), ``fit_time``,
        ``score_time`` and ``seed``: arrays with one entry per fold; ``.mean``, ``.std``, ``.summary()``.
    """
    if not callable(build_model) or hasattr(build_model, "fit"):
        raise TypeError(f"cross_validate: build_model must be a function that returns a compiled model, got "
                        f"{type(build_model).__name__} (each fold needs a fresh model, so pass the function that "
                        f"builds it)")
    fit_kwargs = dict(fit_kwargs or {})
    for bad in ("x", "y", "validation_split"):
        if bad in fit_kwargs:
            raise ValueError(f"cross_validate: fit_kwargs must not contain {bad!r}; the folds provide the data")
    if metrics is None:
        metrics = {}
    elif not isinstance(metrics, Mapping):
        metrics = {getattr(fn, "__name__", f"metric_{i}"): fn for i, fn in enumerate(metrics)}
    if cv is None:
        splitter_cls = StratifiedKFold if stratify else KFold
        cv = splitter_cls(k, shuffle=shuffle, random_state=seed if shuffle else None)
    first_x, first_y = _first(x), _first(y)
    folds = list(cv.split(np.zeros(len(first_x)), np.asarray(first_y) if stratify or
                          isinstance(cv, StratifiedKFold) else None))
    seeds = fold_seeds(seed, len(folds))
    args = [(build_model, x, y, train, test, s, fit_kwargs, dict(metrics), backend.floatx())
            for (train, test), s in zip(folds, seeds)]
    if n_jobs in (None, 1):
        results = _run_serial(args, verbose)
    else:
        try:
            import joblib
        except ImportError as err:  # pragma: no cover - joblib ships with the test and dev environments
            raise ImportError(f"cross_validate(n_jobs={n_jobs}) runs folds through joblib, which is not installed: "
                              f"pip install joblib (or use n_jobs=1)") from err

        results = joblib.Parallel(n_jobs=n_jobs, verbose=10 if verbose else 0)(
            joblib.delayed(run_fold)(*a) for a in args)
    out = CrossValidationResults()
    for key in results[0]:
        out[key] = np.asarray([r[key] for r in results])
    out["seed"] = np.asarray(seeds)
    return out


def _run_serial(args: list[tuple], verbose: int) -> list[dict[str, Any]]:
    """Run folds here, leaving the caller's random state and floatx as they were."""
    saved = (backend.rng(), np.random.get_state(), random.getstate(), backend.floatx())
    results = []
    try:
        for i, a in enumerate(args):
            results.append(run_fold(*a))
            if verbose:
                shown = {k: v for k, v in results[-1].items() if k.startswith("test_") and np.ndim(v) == 0}
                print(f"fold {i + 1}/{len(args)}: " + " - ".join(f"{k}: {v:.4f}" for k, v in shown.items()))
    finally:
        backend._RNG = saved[0]  # the very generator object the caller had
        np.random.set_state(saved[1])
        random.setstate(saved[2])
        backend.set_floatx(saved[3])
    return results
