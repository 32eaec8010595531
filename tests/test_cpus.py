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


def _pools():
    from threadpoolctl import threadpool_info

    return [(i["filepath"], i["num_threads"]) for i in threadpool_info()]


def test_native_threads_caps_blas_and_openmp_and_restores(monkeypatch):
    import numpy  # noqa: F401  (its BLAS is loaded)

    before = _pools()
    if max((n for _, n in before), default=1) <= 1:
        pytest.skip("every native pool has one thread already")
    with _cpus.native_threads(1):
        assert all(n == 1 for _, n in _pools())
        with core._blas_threads(1):  # the ranking's own limit nests inside
            assert all(n == 1 for _, n in _pools())
        assert all(n == 1 for _, n in _pools())
    assert _pools() == before
    # overlapping runs (two threads' weeks): the first to end leaves the cap for the other
    first, second = _cpus.native_threads(1), _cpus.native_threads(1)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert all(n == 1 for _, n in _pools())
    second.__exit__(None, None, None)
    assert _pools() == before
    # the default cap is the usable CPUs: without a quota nothing changes
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: None)
    with _cpus.native_threads():
        assert _pools() == before
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: 1)
    with _cpus.native_threads():
        assert all(n == 1 for _, n in _pools())
    assert _pools() == before


def test_torch_threads_are_capped_to_the_quota(monkeypatch):
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: None)
        _cpus.cap_torch_threads(5)
        assert torch.get_num_threads() == 2  # never raised
        monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: 1)
        _cpus.cap_torch_threads()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(old)


def test_the_weekly_batch_runs_with_capped_native_pools(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from doorstroom_match import batch
    from doorstroom_match.synthetic import generate_sample, write_jsonl

    seen = []
    real = batch.native_threads

    @contextmanager
    def spy(*args):
        seen.append(args)
        with real(*args):
            seen.append(_pools())
            yield

    monkeypatch.setattr(batch, "native_threads", spy)
    monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: 1)
    workers, vacancies, _ = generate_sample(5, 40, 0, 3)
    write_jsonl(tmp_path / "w.jsonl", workers)
    write_jsonl(tmp_path / "v.jsonl", vacancies)
    batch.run_batch(tmp_path / "w.jsonl", tmp_path / "v.jsonl", tmp_path / "out", bulletin=False)
    assert seen[0] == () and all(n == 1 for _, n in seen[1])


def test_faiss_threads_respect_the_quota(monkeypatch):
    faiss = pytest.importorskip("faiss")
    import numpy as np

    from doorstroom_match.index import VectorIndex

    old = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(2)
        monkeypatch.setattr(_cpus, "_cgroup_limit_of_this_process", lambda: 1)
        vecs = np.random.default_rng(0).standard_normal((50, 8)).astype(np.float32)
        VectorIndex(backend="faiss", kind="exact").fit(vecs)
        assert faiss.omp_get_max_threads() == 1
        VectorIndex(backend="faiss", kind="exact", n_threads=2).fit(vecs)  # asked for: taken
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(old)
