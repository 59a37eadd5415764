"""glassnet.thread_tuner: fit and predict keep the BLAS thread count whose steps are fastest."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import glassnet as keras
from glassnet import config, thread_tuner
from glassnet.config import ThreadSetting
from glassnet.thread_tuner import StepTimer, candidate_counts, candidate_settings


class FakeMachine:
    """A clock and a BLAS: a step takes ``cost[threads]`` seconds, which a test changes to add load."""

    def __init__(self, cost: dict[int, float]) -> None:
        self.cost, self.now, self.threads, self.switches = dict(cost), 0.0, max(cost), []

    def set_threads(self, n: int) -> None:
        self.threads = n
        self.switches.append(n)

    def clock(self) -> float:
        return self.now

    def run(self, timer: StepTimer, steps: int) -> list[int]:
        """Run ``steps`` steps through ``timer``; returns the thread count of each."""
        used = []
        for _ in range(steps):
            timer.begin()
            self.now += self.cost[self.threads]
            used.append(self.threads)
            timer.end()
        return used


def make_timer(machine: FakeMachine, candidates=(2, 1)) -> StepTimer:
    return StepTimer(list(candidates), set_threads=machine.set_threads, clock=machine.clock)


def test_on_a_quiet_machine_the_most_threads_are_kept():
    machine = FakeMachine({2: 0.030, 1: 0.042})
    timer = make_timer(machine)
    used = machine.run(timer, 40)
    assert timer.chosen == 2 and timer.history == [(2, 0.030)]
    assert used[-20:] == [2] * 20
    assert used[:7] == [1, 2, 1, 2, 1, 2, 1]  # a warm-up step at the safe count, then an interleaved probe


def test_under_load_one_thread_is_chosen_and_the_loss_is_bounded():
    machine = FakeMachine({2: 0.138, 1: 0.043})
    timer = make_timer(machine)
    used = machine.run(timer, 50)
    assert timer.chosen == 1
    # One probe step at 2: over twice as slow, it is dropped; one more at the recheck after ~1 s.
    assert used.count(2) <= 2
    # Over 50 steps the time spent is within 1.2x of always using the best count.
    assert sum(machine.cost[n] for n in used) <= 1.2 * 50 * 0.043


def test_counts_that_are_close_are_all_probed_three_times():
    machine = FakeMachine({4: 0.050, 2: 0.045, 1: 0.080})
    timer = make_timer(machine, candidates=(4, 2, 1))
    used = machine.run(timer, 30)
    assert timer.chosen == 2
    assert used[1:10] == [4, 2, 1] * 3  # 1 thread is slower, but not twice as slow: kept in the probe


def test_a_remembered_choice_skips_the_probe_and_a_fresh_timer_starts_from_it():
    machine = FakeMachine({2: 0.138, 1: 0.043})
    decided = []
    timer = make_timer(machine)
    timer.on_decision = decided.append
    machine.run(timer, 10)
    timer.close()
    again = StepTimer([2, 1], set_threads=machine.set_threads, clock=machine.clock, remembered=decided[-1])
    assert machine.threads == 1  # the warm-up steps already use the remembered count
    used = machine.run(again, 10)
    assert used == [1] * 10 and again.chosen == 1
    machine.now += decided[-1].interval + 1  # too old to trust for long: kept, but rechecked after 1 s
    stale = StepTimer([2, 1], set_threads=machine.set_threads, clock=machine.clock, remembered=decided[-1])
    assert stale.chosen == 1 and machine.threads == 1
    machine.cost = {2: 0.030, 1: 0.042}  # the load left meanwhile
    used = machine.run(stale, int(StepTimer.recheck_seconds / 0.042) + 10)
    assert used[:int(StepTimer.recheck_seconds / 0.042) - 1] == [1] * (int(StepTimer.recheck_seconds / 0.042) - 1)
    assert stale.chosen == 2


def test_load_arriving_mid_training_triggers_a_new_probe():
    machine = FakeMachine({2: 0.030, 1: 0.042})
    timer = make_timer(machine)
    machine.run(timer, 20)
    assert timer.chosen == 2
    machine.cost = {2: 0.138, 1: 0.043}  # a busy process starts
    used = machine.run(timer, 30)
    assert timer.chosen == 1 and [n for n, _ in timer.history][:2] == [2, 1]
    assert used[-10:].count(1) >= 9  # at most one step of a recheck at the slow count


def test_load_leaving_is_noticed_at_the_periodic_recheck():
    machine = FakeMachine({2: 0.138, 1: 0.043})
    timer = make_timer(machine)
    machine.run(timer, 20)
    assert timer.chosen == 1
    machine.cost = {2: 0.030, 1: 0.042}  # the other process ends: no slowdown seen, so only time tells
    steps_to_recheck = int(StepTimer.max_recheck_seconds / 0.042) + 10
    machine.run(timer, steps_to_recheck)
    assert timer.chosen == 2


def test_the_recheck_interval_doubles_while_confirmed_and_restarts_on_a_change():
    machine = FakeMachine({2: 0.030, 1: 0.042})
    timer = make_timer(machine)
    machine.run(timer, int(20 / 0.030))  # 20 s of steps on a quiet machine
    assert [n for n, _ in timer.history] == [2] * len(timer.history)
    assert 4 <= len(timer.history) <= 6  # probes after about 1, 2, 4, 8 and 16 s, not 20 of them
    assert timer._interval >= 16
    machine.cost = {2: 0.138, 1: 0.043}
    machine.run(timer, 20)
    assert timer.chosen == 1 and timer._interval == StepTimer.recheck_seconds


def test_a_probe_spoiled_by_a_burst_of_load_is_corrected_within_seconds():
    machine = FakeMachine({2: 0.138, 1: 0.043})  # another program's threads still spinning while we probe
    timer = make_timer(machine)
    machine.run(timer, 10)
    assert timer.chosen == 1
    machine.cost = {2: 0.030, 1: 0.042}  # ... and gone a moment later
    used = machine.run(timer, int(3 / 0.042))  # 3 s
    assert timer.chosen == 2 and used[-20:].count(2) >= 16  # a few 1-thread steps of rechecks


def test_tiny_steps_are_probed_for_longer():
    machine = FakeMachine({2: 0.0005, 1: 0.0004})
    timer = make_timer(machine)
    used = machine.run(timer, 80)
    assert timer.chosen == 1
    probe = used[1:1 + 2 * StepTimer.max_probe_rounds]
    assert len(probe) > 2 * StepTimer.probe_rounds  # 3 rounds of 0.5 ms are not 20 ms of samples


def test_close_puts_back_the_first_count():
    machine = FakeMachine({2: 0.138, 1: 0.043})
    timer = make_timer(machine)
    machine.run(timer, 20)
    timer.close()
    assert machine.threads == 2


@pytest.mark.parametrize("cpus,expected", [(1, [1]), (2, [2, 1]), (4, [4, 2, 1]), (16, [16, 8, 1])])
def test_candidates_are_all_half_and_one(cpus, expected):
    assert candidate_counts(cpus) == expected


@pytest.mark.parametrize("cpus,fixed,expected", [
    (1, False, [(1, 1)]),
    (2, False, [(2, 2), (1, 2), (1, 1)]),
    (4, False, [(4, 4), (1, 4), (2, 2), (1, 1)]),
    (4, True, [(4, 4), (1, 4)]),   # a count the user fixed: only the two ways of spending it
])
def test_settings_are_the_counts_and_all_threads_over_the_batch(cpus, fixed, expected):
    assert candidate_settings(cpus, fixed) == [ThreadSetting(*e) for e in expected]


BLAS2, BATCH2, ONE = ThreadSetting(2, 2), ThreadSetting(1, 2), ThreadSetting(1, 1)


class SpinningBlas(FakeMachine):
    """OpenBLAS as measured: for 0.1 s after a step with two BLAS threads, they keep spinning, and a
    step that splits the batch over two threads finds a core taken (it runs as slowly as one thread)."""

    spin = 0.1

    def __init__(self, cost):
        super().__init__(cost)
        self.spinning_until = self.spin  # the work before the loop ran at the default, 2 BLAS threads

    def run(self, timer, steps):
        used = []
        for _ in range(steps):
            timer.begin()
            setting = self.threads
            cost = self.cost[setting]
            if setting.blas == 1 and setting.kernels > 1 and self.now < self.spinning_until:
                cost = self.cost[ONE] * 1.2
            self.now += cost
            if setting.blas > 1:
                self.spinning_until = self.now + self.spin
            used.append(setting)
            timer.end()
        return used


def test_settings_whose_blas_spins_are_probed_after_the_others_and_leave_them_untimed_a_while():
    machine = SpinningBlas({BLAS2: 0.033, BATCH2: 0.021, ONE: 0.030})
    timer = StepTimer([BLAS2, BATCH2, ONE], set_threads=machine.set_threads, clock=machine.clock)
    used = machine.run(timer, 40)
    assert used[0] == ONE  # the warm-up
    first, last = used.index(BLAS2), len(used) - 1 - used[::-1].index(BLAS2)
    assert used[first:last + 1] == [BLAS2] * 3 and ONE not in used[first:]  # one block, after the others
    # The steps that found the BLAS spinning (before the loop, after the block) were not timed.
    assert timer.chosen == BATCH2 and len(timer.history) == 1 and timer.history[0][1] == pytest.approx(0.021)
    assert used[-20:] == [BATCH2] * 20


def test_a_periodic_recheck_times_each_other_setting_once_when_the_choice_is_clearly_best():
    machine = SpinningBlas({BLAS2: 0.033, BATCH2: 0.021, ONE: 0.030})
    timer = StepTimer([BLAS2, BATCH2, ONE], set_threads=machine.set_threads, clock=machine.clock)
    while timer.chosen is None:
        machine.run(timer, 1)
    used = machine.run(timer, int(8 / 0.021))  # 8 s: rechecks after about 1, 2 and 4 s
    rechecks = len(timer.history) - 1
    assert rechecks >= 3 and all(choice == BATCH2 for choice, _ in timer.history)
    assert used.count(BLAS2) == rechecks and used.count(ONE) == rechecks  # one step each per recheck


def test_a_recheck_that_finds_a_close_setting_probes_in_full():
    machine = FakeMachine({2: 0.030, 1: 0.042})
    timer = make_timer(machine)
    machine.run(timer, 20)
    assert timer.chosen == 2
    machine.cost[1] = 0.031  # now within the recheck margin: rounds decide, not one step
    used = machine.run(timer, int(1.2 / 0.030))
    assert used.count(1) >= StepTimer.probe_rounds


def test_under_load_the_spinning_block_costs_one_step():
    machine = FakeMachine({BLAS2: 0.138, BATCH2: 0.060, ONE: 0.043})
    timer = StepTimer([BLAS2, BATCH2, ONE], set_threads=machine.set_threads, clock=machine.clock)
    used = machine.run(timer, 20)
    assert timer.chosen == ONE and used.count(BLAS2) == 1  # over twice the best: dropped after one step


def test_the_steps_just_after_a_probe_are_not_taken_for_a_slowdown():
    machine = SpinningBlas({BLAS2: 0.033, BATCH2: 0.021, ONE: 0.030})
    timer = StepTimer([BLAS2, BATCH2, ONE], set_threads=machine.set_threads, clock=machine.clock)
    while timer.chosen is None:
        machine.run(timer, 1)
    machine.run(timer, 20)  # the first steps after the probe are slowed by the spinning threads
    assert len(timer.history) == 1 and not timer._probing
    machine.cost[BATCH2] = 0.045  # a lasting slowdown is still noticed
    machine.run(timer, StepTimer.recent_steps + 1)
    assert timer._probing


def test_a_count_fixed_by_the_user_only_chooses_how_its_threads_work(default_threads):
    config.set_num_threads(2)
    timer = thread_tuner.step_timer()
    assert timer.candidates == [BLAS2, BATCH2]
    timer.close()
    assert config.threads_now() == BLAS2


@pytest.fixture
def default_threads():
    yield
    config.set_num_threads(None)


def test_a_count_fixed_by_the_user_is_never_changed(default_threads):
    config.set_num_threads(1)
    assert config.threads_fixed_by_user()
    assert isinstance(thread_tuner.step_timer(), thread_tuner._NoTimer)
    config.set_num_threads(None)
    assert not config.threads_fixed_by_user()
    assert config.get_num_threads() == config.available_cpus()


def test_fit_and_predict_time_their_steps_and_leave_the_default(monkeypatch, default_threads):
    config.set_num_threads(None)
    made: list[StepTimer] = []
    switches: list[int] = []

    def watched_timer(loop, model, batch_size=None):
        timer = StepTimer([2, 1], set_threads=switches.append)
        timer.min_probe_seconds = 0.0  # these steps take microseconds: decide after three rounds
        made.append(timer)
        return timer

    monkeypatch.setattr(thread_tuner, "step_timer", watched_timer)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).random((64, 4), dtype=np.float32), np.arange(64) % 3
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    model.predict(x, batch_size=4, verbose=0)
    assert len(made) == 2
    assert all(t.history for t in made)  # 16 steps each: warm-up, a probe, a choice
    assert switches and switches[-1] == 2  # each loop put the first count back when it ended


def test_the_step_timer_is_closed_when_fit_fails(monkeypatch, default_threads):
    closed = []

    class Watched(thread_tuner._NoTimer):
        def close(self):
            closed.append(True)

    monkeypatch.setattr(thread_tuner, "step_timer", lambda loop, model, batch_size=None: Watched())
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")

    class Boom(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        model.fit(np.zeros((8, 4), "float32"), np.zeros(8, "float32"), verbose=0, callbacks=[Boom()])
    assert closed == [True]


def test_the_blas_count_can_be_switched_from_another_python_thread(default_threads):
    # threadpoolctl lets only one Python thread set OpenBLAS's count unless glassnet takes control:
    # the step timer of a fit run in a background thread would then switch nothing.
    import threading

    config._set_blas_threads(2)  # this thread sets it first
    if config.blas_threads_now() != 2:
        pytest.skip("the BLAS here cannot be given 2 threads")
    seen = []

    def in_other_thread():
        config._set_blas_threads(1)
        seen.append(config.blas_threads_now())

    worker = threading.Thread(target=in_other_thread)
    worker.start()
    worker.join()
    assert seen == [1] and config.blas_threads_now() == 1


class _Model:
    """A stand-in for a model: any object that can be weakly referenced."""


def _decision(median: float) -> thread_tuner.Decision:
    return thread_tuner.Decision(ThreadSetting(1, 2), median, at=0.0, interval=1.0)


def test_a_decision_is_not_inherited_by_a_new_model_at_a_dead_ones_address():
    # Bug: decisions were keyed by id(model) alone. A scaling benchmark's (or a cross-validation's) next
    # model often lands at the freed address of the last one, inherited its choice and step time, found
    # its own steps "too slow" against that median and re-probed in every short fit.
    old = _Model()
    old_id = id(old)
    thread_tuner._remember("fit", old, 32, _decision(0.0002))
    assert thread_tuner._recall("fit", old, 32) is not None
    del old
    gc.collect()
    new = next((m for m in (_Model() for _ in range(1000)) if id(m) == old_id), _Model())
    assert thread_tuner._recall("fit", new, 32) is None
    assert thread_tuner.last_decision(new) is None


def test_decisions_are_kept_per_batch_size():
    model = _Model()
    small, large = _decision(0.0002), _decision(0.0008)
    thread_tuner._remember("fit", model, 32, small)
    thread_tuner._remember("fit", model, 256, large._replace(at=1.0))
    assert thread_tuner._recall("fit", model, 32) is small
    assert thread_tuner.last_decision(model, "fit", batch_size=256).median == 0.0008
    assert thread_tuner.last_decision(model, "fit").at == 1.0  # the newest at any batch size
    assert thread_tuner._recall("predict", model, 32) is None


def test_fit_remembers_its_choice_under_its_batch_size(monkeypatch, default_threads):
    if config.blas_threads_now() <= 1:
        pytest.skip("one CPU: nothing to choose")
    # steps of microseconds: decide after the fewest rounds, without waiting for BLAS threads to settle
    monkeypatch.setattr(StepTimer, "min_probe_seconds", 0.0)
    monkeypatch.setattr(StepTimer, "settle_seconds", 0.0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = np.random.default_rng(0).random((640, 4), dtype=np.float32), np.arange(640) % 3
    model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert thread_tuner.last_decision(model, "fit", batch_size=4) is not None
    assert thread_tuner.last_decision(model, "fit", batch_size=64) is None


def test_a_probe_goes_on_across_short_loops_instead_of_starting_over():
    # Bug: a probe waits out settle_seconds of untimed steps after the multi-thread BLAS ran; fits shorter
    # than that ended every probe unfinished, and each next fit started one from scratch at the slower
    # settings: 200-step fits of a width-64 MLP never decided and ran 1.2-1.5x slower than they should.
    machine = FakeMachine({BLAS2: 0.0006, BATCH2: 0.0009, ONE: 0.0011})
    candidates = [BLAS2, BATCH2, ONE]
    loops, decided = 0, []
    timer = StepTimer(candidates, set_threads=machine.set_threads, clock=machine.clock)
    timer.on_decision = decided.append
    while not decided and loops < 20:
        if loops:
            machine.now += 0.2  # the pause between two fits (another framework's turn in a benchmark)
            timer.resume()
        machine.run(timer, 100)  # a 0.06-0.11 s fit: shorter than one probe
        timer.close()
        loops += 1
    assert decided and decided[-1].count == BLAS2
    assert loops <= 3


def test_step_timer_resumes_the_unfinished_probe_of_the_same_model_and_batch_size(monkeypatch, default_threads):
    monkeypatch.setattr(config, "blas_threads_now", lambda: 2)
    monkeypatch.setattr(thread_tuner, "_unfinished", {})
    model = _Model()
    first = thread_tuner.step_timer("fit", model, 32)
    assert first.probing
    first.close()
    assert thread_tuner.step_timer("fit", _Model(), 32) is not first   # another model
    assert thread_tuner.step_timer("fit", model, 64) is not first      # another batch size
    again = thread_tuner.step_timer("fit", model, 32)
    assert again is first
    again.close()
