"""The calibration benchmark harness keeps working (tiny sizes; no timing assertions)."""

from __future__ import annotations

import json

from benchmarks import calibration as bench


def test_harness_json_last_line(capsys):
    code = bench.main(
        [
            "--designs", "goal", "sparse_linking",
            "--seeds", "1",
            "--baseline-workers", "40",
            "--scale-workers", "150", "--scale-competences", "4", "--scale-raters", "8",
            "--json",
        ]
    )  # fmt: skip
    assert code == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["benchmark"] == "calibration" and "cpu" in res["platform"]
    goal = res["results"]["designs"]["goal"]["summary"]
    assert goal["goals_met"] == "1/1" and goal["erratic_flagged"] == "1/1"
    assert -1 <= res["results"]["designs"]["sparse_linking"]["summary"]["severity_spearman"] <= 1
    base = res["results"]["solver_baseline"]
    assert (
        base["newton_converged"] and base["lbfgs_reached"] and base["speedup_newton_vs_lbfgs"] > 0
    )
    scale = res["results"]["scale"]
    assert scale["converged"] and scale["n_ratings"] == 150 * 4 * 3
