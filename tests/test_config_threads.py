"""glassnet.config: the BLAS thread count, from the CPUs the process may use or GLASSNET_NUM_THREADS."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import glassnet as gn
from glassnet import config


@pytest.fixture
def restore_threads():
    before = config.get_num_threads()
    yield
    config.set_num_threads(before)


def test_set_num_threads_changes_the_blas_thread_count(restore_threads):
    config.set_num_threads(1)
    assert config.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_a_bad_thread_count_is_refused(bad):
    with pytest.raises(ValueError, match="whole number >= 1"):
        config.set_num_threads(bad)


@pytest.mark.parametrize("files,expected", [
    ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs of quota: 2 threads
    ({"cpu.max": "max 100000\n"}, None),  # no quota
    ({"cpu/cpu.cfs_quota_us": "300000", "cpu/cpu.cfs_period_us": "100000"}, 3),  # cgroup v1
    ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, None),
    ({"cpu.max": "garbage"}, None),
    ({}, None),
])
def test_the_cgroup_quota_is_read_from_v1_and_v2_files(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert config.cgroup_cpu_quota(tmp_path) == expected


def test_available_cpus_is_capped_by_the_quota(tmp_path):
    (tmp_path / "cpu.max").write_text("100000 100000\n")
    assert config.available_cpus(tmp_path) == 1
    assert 1 <= config.available_cpus(tmp_path / "none") <= (os.cpu_count() or 1)


@pytest.mark.parametrize("value,words", [("two", "not a whole number"), ("0", "at least 1")])
def test_a_malformed_environment_variable_is_named(value, words):
    with pytest.raises(ValueError, match=f"GLASSNET_NUM_THREADS.*{words}"):
        config.threads_from_environment({"GLASSNET_NUM_THREADS": value})
    assert config.threads_from_environment({}) is None


def test_the_environment_variable_sets_the_threads_at_import():
    code = "import glassnet; print(glassnet.config.get_num_threads())"
    env = {**os.environ, "GLASSNET_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
    assert gn.config is config
