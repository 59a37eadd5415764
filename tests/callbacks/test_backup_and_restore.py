"""BackupAndRestore: an interrupted fit, resumed, ends exactly as an uninterrupted one."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras


class Interrupt(keras.callbacks.Callback):
    """Raise in the middle of epoch ``epoch`` (after one batch), as a crash would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch, self.current = epoch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == 1:
            raise RuntimeError("Interrupting!")


def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") > 0).astype("float32")


def make_model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_resumes_from_last_finished_epoch_with_the_uninterrupted_result(tmp_path):
    x, y = data()
    reference = make_model()
    full = reference.fit(x, y, epochs=5, batch_size=8, verbose=0)

    model = make_model()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[backup, Interrupt(3)])
    assert (tmp_path / "backup" / "latest.weights.h5").is_file()  # kept after the error

    keras.utils.set_random_seed(99)  # a restarted process would not share the generator's state
    rest = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[backup])
    assert rest.epoch == [3, 4]
    np.testing.assert_allclose(rest.history["loss"], full.history["loss"][3:], rtol=1e-6)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert model.optimizer.iterations == reference.optimizer.iterations
    assert not (tmp_path / "backup").exists()  # finished: delete_checkpoint=True removes it


def test_a_fresh_model_resumes_from_the_backup_folder(tmp_path):
    x, y = data()
    reference = make_model()
    reference.fit(x, y, epochs=4, batch_size=8, verbose=0)
    first = make_model()
    with pytest.raises(RuntimeError):
        first.fit(x, y, epochs=4, batch_size=8, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False), Interrupt(2)])
    second = make_model()  # a new process: same code, new objects, optimizer not yet built
    keep = keras.callbacks.BackupAndRestore(tmp_path, delete_checkpoint=False)
    assert second.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[keep]).epoch == [2, 3]
    for a, b in zip(second.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert (tmp_path / "latest.weights.h5").is_file()  # delete_checkpoint=False keeps it


def test_batch_save_freq_and_double_checkpoint(tmp_path):
    x, y = data()
    model = make_model()
    cb = keras.callbacks.BackupAndRestore(tmp_path, save_freq=3, double_checkpoint=True, delete_checkpoint=False)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])  # 10 batches: backups after 3, 6, 9
    assert (tmp_path / "latest.weights.h5.bkp").is_file()
    (tmp_path / "latest.weights.h5").write_bytes(b"damaged")
    again = make_model()
    history = again.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    assert history.epoch == [1]  # the previous backup (after batch 6, in epoch 1) was used


def test_damaged_backup_without_a_previous_one_raises(tmp_path):
    (tmp_path / "latest.weights.h5").write_bytes(b"not hdf5")
    x, y = data()
    from glassnet.saving.errors import SavedModelError

    with pytest.raises(SavedModelError):
        make_model().fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])


@pytest.mark.parametrize("kwargs", [{"backup_dir": ""}, {"backup_dir": "b", "save_freq": "batch"},
                                    {"backup_dir": "b", "save_freq": 0}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="backup_dir|save_freq"):
        keras.callbacks.BackupAndRestore(**kwargs)


def test_early_stopping_finishes_the_run_and_deletes_the_backup(tmp_path):
    x, y = data()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    make_model().fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "b"), stop])
    assert not (tmp_path / "b").exists()


class CtrlC(Interrupt):
    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == 1:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_the_backup_and_the_next_fit_goes_on(tmp_path, capsys):
    x, y = data()
    reference = make_model()
    reference.fit(x, y, epochs=3, batch_size=8, verbose=0)
    model = make_model()
    backup = keras.callbacks.BackupAndRestore(tmp_path)
    stopped = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[backup, CtrlC(1)])
    assert stopped.interrupted and (tmp_path / "latest.weights.h5").is_file()
    assert model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[backup]).epoch == [1, 2]
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
