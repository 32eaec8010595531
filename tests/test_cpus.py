"""Usable CPUs: the affinity mask capped by a cgroup CPU quota (issue 17: ``--jobs`` defaults to
every usable core, "respecting CPU affinity and cgroup limits")."""

from __future__ import annotations

import os

import pytest

from doorstroom_match import _cpus, core
from doorstroom_match.batch import _resolve_jobs


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", None),
        ("200000 100000\n", 2),
        ("150000 100000\n", 2),  # 1.5 CPUs: rounded up
        ("50000 100000\n", 1),  # half a CPU: still one thread
        ("800000 100000\n", 8),
        ("0 100000\n", None),  # nonsense: no limit rather than a crash
        ("garbage\n", None),
    ],
)
def test_cgroup_v2_cpu_max(tmp_path, cpu_max, expected):
    _write(tmp_path / "cpu.max", cpu_max)
    assert _cpus.cgroup_cpu_limit("0::/\n", tmp_path) == expected


def test_cgroup_v2_tightest_limit_along_the_path_wins(tmp_path):
    _write(tmp_path / "cpu.max", "max 100000\n")
    _write(tmp_path / "kubepods" / "cpu.max", "300000 100000\n")
    _write(tmp_path / "kubepods" / "pod1" / "cpu.max", "max 100000\n")
    _write(tmp_path / "kubepods" / "pod1" / "c1" / "cpu.max", "max 100000\n")
    assert _cpus.cgroup_cpu_limit("0::/kubepods/pod1/c1\n", tmp_path) == 3
    _write(tmp_path / "kubepods" / "pod1" / "c1" / "cpu.max", "100000 100000\n")
    assert _cpus.cgroup_cpu_limit("0::/kubepods/pod1/c1\n", tmp_path) == 1


def test_cgroup_v1_quota(tmp_path):
    node = tmp_path / "cpu,cpuacct" / "docker" / "abc"
    _write(node / "cpu.cfs_quota_us", "250000\n")
    _write(node / "cpu.cfs_period_us", "100000\n")
    text = "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n"
    assert _cpus.cgroup_cpu_limit(text, tmp_path) == 3
    _write(node / "cpu.cfs_quota_us", "-1\n")  # no limit
    assert _cpus.cgroup_cpu_limit(text, tmp_path) is None


def test_cgroup_v1_inside_a_container_reads_the_mount_root(tmp_path):
    # /proc/self/cgroup names the host's path, but the container sees its own cgroup as root
    _write(tmp_path / "cpu" / "cpu.cfs_quota_us", "200000\n")
    _write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert _cpus.cgroup_cpu_limit("3:cpu,cpuacct:/docker/abc\n", tmp_path) == 2


@pytest.mark.parametrize("text", ["", "garbage\n", "0::/\n", "1:cpu:/\n", "2:memory:/x\n"])
def test_no_cgroup_files_means_no_limit(tmp_path, text):
    assert _cpus.cgroup_cpu_limit(text, tmp_path) is None


def test_usable_cpus_is_the_affinity_capped_by_the_quota(monkeypatch):
    n_affinity = len(os.sched_getaffinity(0))
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: None)
    assert _cpus.usable_cpus() == n_affinity
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: n_affinity + 5)
    assert _cpus.usable_cpus() == n_affinity
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: 1)
    # the core's n_jobs=-1 and the batch's --jobs default follow the quota
    assert _cpus.usable_cpus() == 1
    assert core._resolve_n_jobs(-1) == 1
    assert _resolve_jobs(None) == 1
    assert _resolve_jobs(3) == 3  # an explicit --jobs is taken as given
