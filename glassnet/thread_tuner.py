"""Choose the thread setting by timing the training steps themselves.

Why: on a quiet 2-core machine two BLAS threads make the MNIST convnet's step about 25% faster
than one. With one other busy process on those cores the same two threads wait for each other
(OpenBLAS threads spin at every barrier) and the step takes over three times as long as with one
thread (``benchmarks/contention.py``). Which count is best depends on what else runs, and that
changes while a model trains. Nothing but a measurement tells.

How: ``fit`` and ``predict`` wrap each step in :meth:`StepTimer.begin`/:meth:`StepTimer.end`.

1. *warm-up*: the first step is not timed (first allocations, compiling kernels); it runs with
   the fewest threads, the safe choice (on a quiet machine one thread costs at most a factor of
   the CPU count for that step, under load the most threads can cost 3-6 times);
2. *probe*: the following steps alternate between the candidate counts (all the CPUs, half of
   them, one), interleaved so that a change of load hits every candidate alike, until each has at
   least :attr:`StepTimer.probe_rounds` steps and some milliseconds of samples. A count whose
   steps take over :attr:`StepTimer.hopeless` times the best one's is dropped after its first
   round: under load the worst count costs 3-6 times the best, and one such step is enough;
3. *run*: the count with the smallest median step time is kept;
4. the probe starts again after :attr:`StepTimer.recheck_seconds` (1 s) of steps, an interval that
   doubles each time a probe confirms the count, up to :attr:`StepTimer.max_recheck_seconds` (30 s),
   and starts over at 1 s when the count changes: a probe spoiled by a short burst of load (another
   program's threads still spinning down) is corrected within a second, and a settled machine is
   probed rarely. Such a periodic recheck first times each other setting once: only one within
   :attr:`StepTimer.recheck_margin` of the chosen median starts a full probe. A full probe also
   starts at once when the median of the recent steps grows past :attr:`StepTimer.slowdown` times
   the chosen median (load arrived).

The candidates are :class:`~glassnet.config.ThreadSetting` s: how many threads, and whether they
work inside each matrix product (the BLAS's threads) or over parts of the batch (glassnet's own,
with one-thread products). For the MNIST convnet the second is about 35% faster on 2 cores: its
products are small, and OpenBLAS's threads keep spinning for a while after each one, so a kernel
split run beside them gains nothing. For an MLP the BLAS's threads win. Again only timing tells.
Because of that spinning, a probe times the settings with several BLAS threads last, in a block of
their own, and a step of a one-thread-BLAS setting that starts within :attr:`StepTimer.settle_seconds`
of a step with several BLAS threads (or of the loop's start) is run but not timed.

A probe costs a few steps at a worse count, so the loss is bounded. The choice is remembered for
the same model, loop and batch size (a weak reference tells a model from a new one that Python put at
the freed address of an old one), so the next ``fit`` or ``predict`` starts with it and does not probe again
before its recheck is due, or, when the choice is older than its interval, before it has run for
:attr:`StepTimer.recheck_seconds` (a cross-validation runs many short fits, a notebook many short
predicts). When the user fixed the count
(:func:`glassnet.config.set_num_threads` or ``GLASSNET_NUM_THREADS``), or the process may use one
CPU only, :func:`step_timer` times only the two ways of spending the fixed count (or, for one
thread, returns a timer that does nothing).
"""

from __future__ import annotations

import statistics
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from . import config
from .config import ThreadSetting


class StepTimer:
    """Times steps and switches to the fastest of ``candidates``.

    Parameters
    ----------
    candidates : list
        Settings to try, e.g. ``[ThreadSetting(2, 2), ThreadSetting(1, 2), ThreadSetting(1, 1)]``:
        the first is the default (put back by :meth:`close`), the last the safe one (the warm-up's).
        Anything hashable works; the tests use plain counts.
    set_threads : callable
        Puts a candidate in force (a parameter so that tests can watch it).
    clock : callable
        Seconds as a float (``time.perf_counter``; a parameter for tests).
    """

    warmup_steps = 1
    probe_rounds = 3
    min_probe_seconds = 0.02  # per candidate: tiny steps need more rounds to rise above timer noise
    max_probe_rounds = 20
    recheck_seconds = 1.0
    max_recheck_seconds = 30.0
    slowdown = 1.5
    hopeless = 2.0
    recheck_margin = 1.1  # a periodic recheck times each other setting once; one this close to the choice starts a full probe
    recent_steps = 5
    # OpenBLAS's threads spin for about 0.1 s after a product: for this long after a step with several
    # BLAS threads, a step of a one-thread-BLAS setting is not timed in a probe, nor watched for a slowdown.
    settle_seconds = 0.15

    def __init__(self, candidates: list[Hashable], set_threads: Callable[[Hashable], None] = config.apply_threads,
                 clock: Callable[[], float] = time.perf_counter, remembered: Decision | None = None) -> None:
        self.candidates = list(dict.fromkeys(candidates))
        self._set_threads, self._clock = set_threads, clock
        self._current = self.candidates[0]
        self.chosen: Hashable | None = None  # the setting in force after the last probe
        self.history: list[tuple[Hashable, float]] = []  # (setting chosen, its median step seconds), per probe
        self.on_decision: Callable[[Decision], None] | None = None
        self.on_close: Callable[[StepTimer], None] | None = None  # step_timer keeps an unfinished probe
        self._warmup_left = self.warmup_steps
        self._started = 0.0
        self._interval = self.recheck_seconds
        # Until when a step of a one-thread-BLAS setting may still find OpenBLAS's threads spinning
        # (the work before the loop ran at the default setting, candidates[0]).
        self._spins_until = clock() + self.settle_seconds if _blas_spins(self.candidates[0]) else -1.0
        if remembered is not None and remembered.count in self.candidates:
            # The warm-up steps already run at the known best setting, and no probe starts the loop (on a
            # 20-step predict a probe would cost more than it could win). A decision older than its
            # interval is rechecked after recheck_seconds of this loop; a slowdown probes at once.
            self._switch(remembered.count)
            self.chosen, self._chosen_median = remembered.count, remembered.median
            if clock() - remembered.at < remembered.interval:
                self._decided_at, self._interval = remembered.at, remembered.interval
            else:
                self._decided_at, self._interval = clock(), self.recheck_seconds
            self._probing, self._recent = False, []
        else:
            self._switch(self.candidates[-1])
            self._start_probe()

    # -- the two calls around a step ------------------------------------------------------------
    def begin(self) -> None:
        """Call just before a step: sets the thread count this step runs with."""
        if self._probing and self._warmup_left == 0:
            self._switch(self._active[self._probe_index % len(self._active)])
        self._started = self._clock()

    def end(self) -> None:
        """Call just after the step: records its time, decides when a probe is complete."""
        elapsed = self._clock() - self._started
        if self._warmup_left:
            self._warmup_left -= 1
            if _blas_spins(self._current):  # a remembered choice's warm-up: its threads spin on for a while
                self._spins_until = self._clock() + self.settle_seconds
            return
        if self._probing:
            if _blas_spins(self._current):
                self._spins_until = self._clock() + self.settle_seconds
            elif self._started < self._spins_until:
                return  # a core was still taken by spinning BLAS threads: not this setting's own time
            if self._quick:
                self._challenged(elapsed)
                return
            self._samples[self._current].append(elapsed)
            self._probe_index += 1
            if self._probe_index % len(self._active) == 0:  # a round is complete
                self._drop_hopeless()
                if self._probe_done():
                    self._next_block()
            return
        if self._clock() < self._decided_at + self.settle_seconds:
            return  # the probe's last settings may still hold cores: not the chosen one's own speed
        self._recent.append(elapsed)
        del self._recent[:-self.recent_steps]
        too_slow = (len(self._recent) == self.recent_steps
                    and statistics.median(self._recent) > self.slowdown * self._chosen_median)
        if too_slow or self._clock() - self._decided_at > self._interval:
            self._start_probe(quick=not too_slow)

    def close(self) -> None:
        """Put back the setting that was in force before the loop (the user's default)."""
        self._switch(self.candidates[0])
        if self.on_close is not None:
            self.on_close(self)

    @property
    def probing(self) -> bool:
        """Whether a probe is under way (a loop that ends now leaves it unfinished)."""
        return self._probing

    def resume(self) -> None:
        """Start another loop with this timer, going on with its unfinished probe.

        A probe needs some steps per candidate, and after a step with several BLAS threads the
        one-thread settings' steps wait out :attr:`settle_seconds` untimed: a loop shorter than that
        (the many short ``fit`` calls of a cross-validation or a benchmark) would otherwise end every
        probe unfinished and start the next one from scratch, at the slower settings, again and again.
        The settle window is wall-clock time, so a pause between the loops counts towards it. The
        warm-up step runs at the safe setting, as a new timer's does, so that it leaves no BLAS thread
        spinning into the probe's next one-thread step.
        """
        self._warmup_left = self.warmup_steps
        self._switch(self.candidates[-1])

    # -- the probe --------------------------------------------------------------------------------
    def _start_probe(self, quick: bool = False) -> None:
        # A periodic recheck (``quick``) first times every other setting once against the choice's
        # median: a full probe only when one comes within recheck_margin of it. On a settled machine a
        # recheck then costs one step per other setting instead of several rounds.
        self._quick = quick and self.chosen is not None
        candidates = [c for c in self.candidates if not (self._quick and c == self.chosen)]
        # Settings whose BLAS runs several threads are probed after the others, in a block of their
        # own: OpenBLAS's threads spin for about 0.1 s after each product, and a step of a one-thread
        # BLAS setting run just after one of them would find a core taken and be timed too slow.
        quiet = [c for c in candidates if not _blas_spins(c)]
        spinning = [c for c in candidates if _blas_spins(c)]
        self._blocks = [block for block in (quiet, spinning) if block]
        self._probing = True
        self._samples: dict[Hashable, list[float]] = {n: [] for n in self.candidates}
        self._kept: list[Hashable] = []  # candidates of finished blocks still in the running
        self._recent: list[float] = []
        self._start_block()

    def _challenged(self, elapsed: float) -> None:
        """A quick recheck's step of one other setting: a full probe if it comes close, else the next one."""
        if elapsed <= self.recheck_margin * self._chosen_median:
            self._start_probe()
            return
        self._active.pop(0)
        if self._active:
            return
        if self._blocks:
            self._start_block()
            return
        self._switch(self.chosen)  # every other setting was clearly slower: the choice stands
        self._conclude(self.chosen, self._chosen_median, confirmed=True)

    def _start_block(self) -> None:
        self._probe_index = 0
        self._active = self._blocks.pop(0)  # the candidates of this block still in the running

    def _next_block(self) -> None:
        self._kept += self._active
        if self._blocks:
            self._start_block()
        else:
            self._decide()

    def _medians(self, candidates: list[Hashable]) -> dict[Hashable, float]:
        return {n: statistics.median(self._samples[n]) for n in candidates}

    def _drop_hopeless(self) -> None:
        medians = self._medians(self._kept + self._active)
        best = min(medians.values())
        kept = [n for n in self._active if medians[n] <= self.hopeless * best]
        if len(kept) < len(self._active):
            # The round-robin index restarts so that the kept counts still alternate.
            self._active, self._probe_index = kept, 0

    def _probe_done(self) -> bool:  # this block's part of the probe
        if not self._active or len(self._kept) + len(self._active) == 1:
            return True  # the block's candidates were dropped, or only one is left in the running
        rounds = min(len(self._samples[n]) for n in self._active)
        if rounds >= self.max_probe_rounds:
            return True
        return rounds >= self.probe_rounds and all(sum(self._samples[n]) >= self.min_probe_seconds
                                                  for n in self._active)

    def _decide(self) -> None:
        medians = self._medians(self._kept)
        # Ties: the earliest candidate (most threads) wins.
        best = min(self._kept, key=lambda n: (medians[n], self.candidates.index(n)))
        self._switch(best)
        self._conclude(best, medians[best], confirmed=self.chosen == best)

    def _conclude(self, best: Hashable, median: float, confirmed: bool) -> None:
        self._interval = min(2 * self._interval, self.max_recheck_seconds) if confirmed else self.recheck_seconds
        self.chosen, self._chosen_median = best, median
        self.history.append((best, median))
        self._probing, self._recent = False, []
        self._decided_at = self._clock()
        if self.on_decision is not None:
            self.on_decision(Decision(best, median, self._decided_at, self._interval))

    def _switch(self, n: Hashable) -> None:
        if n != self._current:
            self._set_threads(n)
            self._current = n


def _blas_spins(candidate: Hashable) -> bool:
    """Whether a candidate runs the BLAS on several threads (which spin on after each product)."""
    return getattr(candidate, "blas", 1) > 1


class Decision(NamedTuple):
    """A probe's outcome: the setting kept (a :class:`~glassnet.config.ThreadSetting`), its median
    step seconds, when (clock seconds), and how long it is trusted before the next probe (seconds)."""

    count: Hashable
    median: float
    at: float
    interval: float


# (loop, id of the model, batch size) -> (weak reference to the model, or None, the last decision)
_remembered: dict[tuple[str, int, int | None], tuple[Callable[[], object] | None, Decision]] = {}
# the same keys -> (weak reference, a timer whose loop ended in the middle of a probe)
_unfinished: dict[tuple[str, int, int | None], tuple[Callable[[], object] | None, StepTimer]] = {}


class _NoTimer:
    """What :func:`step_timer` returns when there is nothing to choose: every call does nothing."""

    chosen = None
    history: list[tuple[Hashable, float]] = []

    def begin(self) -> None:
        pass

    def end(self) -> None:
        pass

    def close(self) -> None:
        pass


def candidate_counts(cpus: int) -> list[int]:
    """The thread counts worth timing on ``cpus`` CPUs: all, half, one (largest first)."""
    return sorted({cpus, max(1, cpus // 2), 1}, reverse=True)


def candidate_settings(cpus: int, fixed: bool = False) -> list[ThreadSetting]:
    """The settings worth timing with ``cpus`` threads at most (default first, safest last).

    Each count of :func:`candidate_counts` in the BLAS, and all ``cpus`` threads over parts of the
    batch with one-thread products, second. With ``fixed`` (the user chose the count) only the two
    ways of spending all ``cpus`` threads.
    """
    counts = [cpus] if fixed else candidate_counts(cpus)
    settings = [ThreadSetting(counts[0], counts[0])]
    if cpus > 1:
        settings.append(ThreadSetting(1, cpus))
    settings += [ThreadSetting(n, n) for n in counts[1:]]
    return settings


def step_timer(loop: str = "fit", model: object = None, batch_size: int | None = None) -> StepTimer | _NoTimer:
    """A timer for one ``fit``/``predict`` loop, or one that does nothing when there is nothing to choose.

    ``loop``, ``model`` and ``batch_size`` name what is timed: the choice is remembered for them (a
    training step and an inference step, two models, or one model's steps at two batch sizes may be
    best at different settings, and a step time measured at one size says nothing of another), and a
    probe the last such loop left unfinished goes on (:meth:`StepTimer.resume`).

    The candidates start from the thread count in force, so a BLAS the user limited by other means
    (threadpoolctl, ``OMP_NUM_THREADS``) is never given more threads than it has. A count the user
    fixed stays: only its two ways of being spent are timed.
    """
    current = config.blas_threads_now()  # 1 also when threadpoolctl is missing: nothing to change then
    if current <= 1:
        return _NoTimer()
    candidates = candidate_settings(current, fixed=config.threads_fixed_by_user())
    key = (loop, id(model), batch_size)
    unfinished = _fetch(_unfinished, key, model, pop=True)
    if unfinished is not None and unfinished.candidates == candidates:
        timer = unfinished
        timer.resume()
    else:
        timer = StepTimer(candidates, remembered=_recall(loop, model, batch_size))
    timer.on_decision = lambda decision: _remember(loop, model, batch_size, decision)
    timer.on_close = lambda t: _keep_if_unfinished(key, model, t)
    return timer


def last_decision(model: object, loop: str = "fit", batch_size: int | None = None) -> Decision | None:
    """What the last probe of ``loop`` (``"fit"`` or ``"predict"``) on ``model`` chose, or None.

    With ``batch_size``, the last one at that batch size; without, the newest at any batch size.
    """
    if batch_size is not None:
        return _recall(loop, model, batch_size)
    found = [_fetch(_remembered, key, model) for key in list(_remembered) if key[:2] == (loop, id(model))]
    return max((d for d in found if d is not None), key=lambda d: d.at, default=None)


def _store(table: dict[Any, Any], key: tuple[str, int, int | None], model: object, value: Any) -> None:
    """``table[key] = (weak reference to model, value)``, the table emptied when it reaches 64 entries (many
    models in one session, a grid search: keep the memory small)."""
    if len(table) >= 64:
        table.clear()
    try:
        table[key] = (None if model is None else weakref.ref(model), value)
    except TypeError:  # an object without weak references: never matched again, so never misapplied
        pass


def _fetch(table: dict[Any, Any], key: tuple[str, int, int | None], model: object, pop: bool = False) -> Any:
    """The value stored under ``key`` for this very ``model``, or None."""
    entry = table.pop(key, None) if pop else table.get(key)
    if entry is None:
        return None
    ref = entry[0]
    # The model a value was stored for must still be this one: a model garbage-collected since may
    # have left its id to a new one (say the next model of a cross-validation, or of another width).
    same = (ref is None and model is None) or (ref is not None and ref() is model)
    return entry[1] if same else None


def _recall(loop: str, model: object, batch_size: int | None) -> Decision | None:
    return _fetch(_remembered, (loop, id(model), batch_size), model)


def _remember(loop: str, model: object, batch_size: int | None, decision: Decision) -> None:
    _store(_remembered, (loop, id(model), batch_size), model, decision)


def _keep_if_unfinished(key: tuple[str, int, int | None], model: object, timer: StepTimer) -> None:
    if timer.probing:  # otherwise the model's next loop starts from the remembered decision
        _store(_unfinished, key, model, timer)


__all__ = ["Decision", "StepTimer", "candidate_counts", "candidate_settings", "last_decision", "step_timer"]
