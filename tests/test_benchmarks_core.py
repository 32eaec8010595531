"""The core benchmark harness keeps working (tiny sizes; no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from benchmarks import _common
from benchmarks import core as bench

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"python", "numpy", "core", "core_topk"}


def _check_result(res):
    assert set(res["pairs_per_s"]) >= KEYS
    assert all(v > 0 for v in res["pairs_per_s"].values())
    assert res["peak_mb"] > 0
    assert res["speedup_core_vs_numpy"] > 0
    assert res["checks"]["distances_agree"] is True
    assert res["checks"]["topk_identical_to_numpy_reference"] is True
    for key in ("platform", "cpu", "cpu_count", "threads", "sizes", "goals", "memory"):
        assert key in res


def test_harness_in_process_json_last_line(capsys):
    code = bench.main(
        ["--workers", "30", "--vacancies", "700", "--competences", "6", "--repeat", "1", "--json"]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    res = json.loads(out[-1])
    _check_result(res)
    assert res["sizes"] == {
        "workers": 30,
        "vacancies": 700,
        "competences": 6,
        "pairs": 21000,
        "k": 10,
        "numpy_workers": 30,
        "python_pairs": 16 * 700,
    }


def test_harness_command_line_contract():
    """`python -m benchmarks.core ... --json` from the repository root, as outside checks run it."""
    cmd = [sys.executable, "-m", "benchmarks.core", "--workers", "12", "--vacancies", "500"]
    cmd += ["--competences", "4", "--repeat", "1", "--max-distance", "none", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    _check_result(res)
    assert res["max_distance"] is None


def test_baselines_agree_with_each_other():
    levels, req, wts = bench.make_data(5, 40, 7, seed=3)
    d_np = bench.numpy_distances(levels, req, wts)
    d_py = np.array(bench.python_distances(levels.tolist(), req.tolist(), wts.tolist()))
    np.testing.assert_allclose(d_np, d_py, rtol=1e-6)
    d_core = np.concatenate([b.copy() for _, b in bench.core_distance_blocks(levels, req, wts)])
    np.testing.assert_array_equal(d_core, d_np)  # quantised weights: exact sums


def test_make_data_is_seeded_and_quantised():
    a = bench.make_data(4, 9, 5, seed=1)
    b = bench.make_data(4, 9, 5, seed=1)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    wts = a[2]
    np.testing.assert_array_equal(wts, np.round(wts * 1024) / 1024)
    assert a[0].min() >= 0 and a[0].max() <= 4 and a[1].max() <= 4


def test_common_helpers(capsys):
    seconds, value = _common.best_of(lambda: 41 + 1, repeat=2)
    assert value == 42 and seconds >= 0
    result, mem = _common.peak_memory(lambda: np.ones(2**20).sum())
    assert result == 2**20 and mem["traced_mb"] >= 7.9
    if sys.platform == "linux":  # this process's own share, at least
        assert mem["tree_pss_peak_mb"] > 1
    # untraced (the batch benchmark): no traced figure, tracemalloc left as it was
    result, mem = _common.peak_memory(lambda: np.ones(2**20).sum(), trace=False)
    assert result == 2**20 and mem["traced_mb"] != mem["traced_mb"]
    assert not tracemalloc.is_tracing()
    line = _common.emit_json({"x": np.float32(1.5), "nan": float("nan"), "t": (1, 2)})
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == json.loads(line)
    assert json.loads(line) == {"x": 1.5, "nan": None, "t": [1, 2]}
    assert "cores" in _common.platform_string()
    assert {"platform", "cpu", "cpu_count", "numpy", "blas"} <= set(_common.platform_info())


def test_scaling_tiny(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the plot needs the 'batch' extra (matplotlib)")
    from benchmarks import scaling

    png = tmp_path / "scaling.png"
    code = scaling.main(
        ["--workers", "40", "--vacancies", "400", "--steps", "3", "--repeat", "1"]
        + ["--competences", "5", "--png", str(png), "--json"]
    )
    assert code == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(res["points"]) == 3
    assert {"workers", "vacancies", "pairs", "seconds", "pairs_per_s", "allocated_mb"} <= set(
        res["points"][0]
    )
    assert png.stat().st_size > 1000


def test_harness_with_fewer_vacancies_than_k(capsys):
    argv = ["--workers", "2", "--vacancies", "5", "--competences", "2", "--k", "8"]
    assert bench.main([*argv, "--repeat", "1", "--json"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["checks"]["topk_identical_to_numpy_reference"] is True
    assert res["checks"]["workers_with_fewer_than_k"] == 2
