"""Choose the BLAS thread count by timing the training steps themselves.

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
   probed rarely. A probe also starts at once when the median of the recent steps grows past
   :attr:`StepTimer.slowdown` times the chosen median (load arrived).

A probe costs a few steps at a worse count, so the loss is bounded. The choice is remembered for
the same model and loop, so the next ``fit`` or ``predict`` before the next recheck is due starts with
it and does not probe again (a cross-validation runs many short fits). When the user fixed the count
(:func:`glassnet.config.set_num_threads` or ``GLASSNET_NUM_THREADS``), or the process may use one
CPU only, :func:`step_timer` returns a timer that does nothing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

from . import config


class StepTimer:
    """Times steps and switches the BLAS thread count to the fastest of ``candidates``.

    Parameters
    ----------
    candidates : list of int
        Thread counts to try, e.g. ``[2, 1]``.
    set_threads : callable
        Sets the thread count (a parameter so that tests can watch it).
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
    recent_steps = 5

    def __init__(self, candidates: list[int], set_threads: Callable[[int], None] = config._set_blas_threads,
                 clock: Callable[[], float] = time.perf_counter, remembered: Decision | None = None) -> None:
        self.candidates = list(dict.fromkeys(candidates))
        self._set_threads, self._clock = set_threads, clock
        self._current = self.candidates[0]
        self.chosen: int | None = None  # the count in force after the last probe
        self.history: list[tuple[int, float]] = []  # (count chosen, its median step seconds), per probe
        self.on_decision: Callable[[Decision], None] | None = None
        self._warmup_left = self.warmup_steps
        self._started = 0.0
        self._interval = self.recheck_seconds
        if remembered is not None and remembered.count in self.candidates and \
                clock() - remembered.at < remembered.interval:
            self._switch(remembered.count)  # the warm-up steps already run at the known best count
            self.chosen, self._chosen_median, self._decided_at = remembered.count, remembered.median, remembered.at
            self._interval = remembered.interval
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
            return
        if self._probing:
            self._samples[self._current].append(elapsed)
            self._probe_index += 1
            if self._probe_index % len(self._active) == 0:  # a round is complete
                self._drop_hopeless()
                if self._probe_done():
                    self._decide()
            return
        self._recent.append(elapsed)
        del self._recent[:-self.recent_steps]
        too_slow = (len(self._recent) == self.recent_steps
                    and statistics.median(self._recent) > self.slowdown * self._chosen_median)
        if too_slow or self._clock() - self._decided_at > self._interval:
            self._start_probe()

    def close(self) -> None:
        """Put back the count that was in force before the loop (the user's default)."""
        self._switch(self.candidates[0])

    # -- the probe --------------------------------------------------------------------------------
    def _start_probe(self) -> None:
        self._probing = True
        self._probe_index = 0
        self._active = list(self.candidates)  # the counts still in the running
        self._samples: dict[int, list[float]] = {n: [] for n in self.candidates}
        self._recent: list[float] = []

    def _drop_hopeless(self) -> None:
        medians = {n: statistics.median(self._samples[n]) for n in self._active}
        best = min(medians.values())
        kept = [n for n in self._active if medians[n] <= self.hopeless * best]
        if len(kept) < len(self._active):
            # The round-robin index restarts so that the kept counts still alternate.
            self._active, self._probe_index = kept, 0

    def _probe_done(self) -> bool:
        if len(self._active) == 1:
            return True
        rounds = min(len(self._samples[n]) for n in self._active)
        if rounds >= self.max_probe_rounds:
            return True
        return rounds >= self.probe_rounds and all(sum(self._samples[n]) >= self.min_probe_seconds
                                                  for n in self._active)

    def _decide(self) -> None:
        medians = {n: statistics.median(self._samples[n]) for n in self._active}
        best = min(self._active, key=lambda n: medians[n])  # ties: the first (most threads) wins
        self._switch(best)
        confirmed = self.chosen == best
        self._interval = min(2 * self._interval, self.max_recheck_seconds) if confirmed else self.recheck_seconds
        self.chosen, self._chosen_median = best, medians[best]
        self.history.append((best, medians[best]))
        self._probing = False
        self._decided_at = self._clock()
        if self.on_decision is not None:
            self.on_decision(Decision(best, medians[best], self._decided_at, self._interval))

    def _switch(self, n: int) -> None:
        if n != self._current:
            self._set_threads(n)
            self._current = n


class Decision(NamedTuple):
    """A probe's outcome: the thread count kept, its median step seconds, when (clock seconds), and
    how long it is trusted before the next probe (seconds)."""

    count: int
    median: float
    at: float
    interval: float


_remembered: dict[tuple[str, int], Decision] = {}  # (loop, id of the model) -> the last decision


class _NoTimer:
    """What :func:`step_timer` returns when there is nothing to choose: every call does nothing."""

    chosen = None
    history: list[tuple[int, float]] = []

    def begin(self) -> None:
        pass

    def end(self) -> None:
        pass

    def close(self) -> None:
        pass


def candidate_counts(cpus: int) -> list[int]:
    """The thread counts worth timing on ``cpus`` CPUs: all, half, one (largest first)."""
    return sorted({cpus, max(1, cpus // 2), 1}, reverse=True)


def step_timer(loop: str = "fit", model: object = None) -> StepTimer | _NoTimer:
    """A timer for one ``fit``/``predict`` loop, or one that does nothing when the count is fixed.

    ``loop`` and ``model`` name what is timed: the choice is remembered for them (a training step
    and an inference step, or two models, may be best at different counts).

    The candidates start from the thread count in force, so a BLAS the user limited by other means
    (threadpoolctl, ``OMP_NUM_THREADS``) is never given more threads than it has.
    """
    if config.threads_fixed_by_user():
        return _NoTimer()
    current = config.blas_threads_now()  # 1 also when threadpoolctl is missing: nothing to change then
    if current <= 1:
        return _NoTimer()
    key = (loop, id(model))
    timer = StepTimer(candidate_counts(current), remembered=_remembered.get(key))
    timer.on_decision = lambda decision: _remember(key, decision)
    return timer


def last_decision(model: object, loop: str = "fit") -> Decision | None:
    """What the last probe of ``loop`` (``"fit"`` or ``"predict"``) on ``model`` chose, or None."""
    return _remembered.get((loop, id(model)))


def _remember(key: tuple[str, int], decision: Decision) -> None:
    if len(_remembered) >= 64:  # many models in one session (a grid search): keep the memory small
        _remembered.clear()
    _remembered[key] = decision


__all__ = ["Decision", "StepTimer", "candidate_counts", "last_decision", "step_timer"]
